// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=2" | FileCheck %s
// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=1" | FileCheck %s --check-prefix=ONE
// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=2 parallel-chunk-cycles=1000000000" | FileCheck %s --check-prefix=ONE

// threads=2: the large matmul runs on a team of two OpenMP threads (each
// chunk a call of the outlined loop body through the OpenMP runtime once
// translated to LLVM IR); the small one stays on the calling thread.
// threads=1, or chunks that would need more work than the matmul has:
// the single-threaded code, no OpenMP.
// (Each loop nest is its own function, sieve-outline-loop-nests.)
// CHECK:       llvm.func internal @large_nest
// CHECK:       omp.parallel num_threads(%{{.*}} : i32) {
// CHECK:         omp.wsloop {
// CHECK:           omp.loop_nest
// CHECK:             llvm.intr.fmuladd
// CHECK-LABEL: llvm.func @large(
// CHECK-NOT:   omp.parallel
// CHECK-LABEL: llvm.func @small(
// CHECK-NOT:   omp.parallel
// CHECK:       llvm.return
// ONE-NOT:     omp.
func.func @large(%a: tensor<64x1024xf32>, %b: tensor<1024x4096xf32>) -> tensor<64x4096xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x4096xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x4096xf32>) -> tensor<64x4096xf32>
  %r = linalg.matmul ins(%a, %b : tensor<64x1024xf32>, tensor<1024x4096xf32>) outs(%acc : tensor<64x4096xf32>) -> tensor<64x4096xf32>
  return %r : tensor<64x4096xf32>
}
func.func @small(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>) -> tensor<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%acc : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}
