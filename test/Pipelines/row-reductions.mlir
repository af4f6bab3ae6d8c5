// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=1" | FileCheck %s

// A row reduction's horizontal sums reassociate (a tree of adds): an
// ordered llvm.vector.reduce.fadd adds the lanes one after another, 64
// dependent adds per 64-lane chunk (a global average pool over 480
// channels of 14 x 14 took 0.068 ms, 0.006 ms with the tree).
// CHECK:       llvm.intr.vector.reduce.fadd{{.*}}fastmathFlags = #llvm.fastmath<reassoc>{{.*}}vector<64xf32>
// CHECK:       llvm.intr.vector.reduce.fadd{{.*}}fastmathFlags = #llvm.fastmath<reassoc>{{.*}}vector<4xf32>
func.func @global_pool_sum(%x: tensor<1x480x14x14xf32>) -> tensor<1x480xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x480xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x480xf32>) -> tensor<1x480xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<1x480x14x14xf32>) outs(%acc : tensor<1x480xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<1x480xf32>
  return %r : tensor<1x480xf32>
}
