// RUN: sieve-opt %s --sieve-cpu-pipeline | FileCheck %s
// RUN: sieve-opt %s --sieve-cpu-pipeline="vectorize=false" | FileCheck %s --check-prefix=SCALAR

// Linalg on tensors lowers all the way to the LLVM dialect, with FMAs on
// 32-wide vectors (or scalar code without vectorization), each loop nest in
// its own function (sieve-outline-loop-nests) that @matmul calls.
// CHECK:       llvm.func internal @matmul_nest
// CHECK:       llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>) -> vector<32xf32>
// CHECK-LABEL: llvm.func @matmul(
// CHECK:       llvm.call @matmul_nest
// CHECK-LABEL: llvm.func @_mlir_ciface_matmul
// SCALAR:      llvm.func internal @matmul_nest
// SCALAR-NOT:  vector<
// SCALAR:      llvm.fmul {{.*}} : f32
// SCALAR-LABEL: llvm.func @matmul(
func.func @matmul(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x32xf32> attributes {llvm.emit_c_interface} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
