// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=2" --mlir-print-ir-after=convert-vector-to-scf -o /dev/null 2>&1 | FileCheck %s
// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=2" | FileCheck %s --check-prefix=LLVM

// The 8x32 register tiles' transfers are unrolled into 1-D transfers on SSA
// values, not copied through stack temporaries: a temporary at the top of
// a parallel chunk's body (a transfer hoisted out of all of the chunk's
// loops, as a splat weight's tile is) kept the chunk's
// memref.alloca_scope from being inlined, and the OpenMP lowering failed
// (AlexNet with constant weights at 2 threads).
// CHECK-LABEL: IR Dump After ConvertVectorToSCF
// CHECK-NOT:   memref.alloca() : memref<vector<
// CHECK:       vector.transfer_read {{.*}} : memref<{{.*}}>, vector<32xf32>
// CHECK-NOT:   memref.alloca() : memref<vector<
// LLVM:        omp.parallel
func.func @tall(%a: tensor<256x512xf32>, %b: tensor<512x512xf32>) -> tensor<256x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x512xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<256x512xf32>) -> tensor<256x512xf32>
  %r = linalg.matmul ins(%a, %b : tensor<256x512xf32>, tensor<512x512xf32>) outs(%c : tensor<256x512xf32>) -> tensor<256x512xf32>
  return %r : tensor<256x512xf32>
}
