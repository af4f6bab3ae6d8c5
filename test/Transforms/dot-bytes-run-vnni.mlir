// sieve.dot_bytes computed: four unsigned bytes of the first operand times
// four signed bytes of the second into each 32-bit lane, at the extremes
// (255 x -128, 128 x 127). Expected: acc[i] + sum_j a[4i+j] * b[4i+j] =
// 1 - 32640 + 127 - 2 + 6, -2 + 16256 - 16256 + 0 - 255,
// 3 + 10 - 40 + 90 - 160, 100000 - 4 * 32640.
// The x86 intrinsic (vpdpbusd), on a CPU with AVX-512 VNNI: the same sums
// as the portable lowering (dot-bytes-run.mlir).
// REQUIRES: x86-vnni
// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-lower-dot-bytes{instruction=vpdpbusd}),convert-vector-to-scf,convert-scf-to-cf,convert-vector-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)" | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_c_runner_utils -mattr=+avx512vnni,+avx512vl | FileCheck %s
// CHECK: ( -32508, -257, -97, -30560 )
func.func @main() {
  %acc = arith.constant dense<[1, -2, 3, 100000]> : vector<4xi32>
  %a = arith.constant dense<[255, 1, 2, 3, 128, 127, 0, 255, 10, 20, 30, 40, 255, 255, 255, 255]> : vector<16xi8>
  %b = arith.constant dense<[-128, 127, -1, 2, 127, -128, 5, -1, 1, -2, 3, -4, -128, -128, -128, -128]> : vector<16xi8>
  %r = sieve.dot_bytes %acc, %a, %b : vector<4xi32>, vector<16xi8>
  vector.print %r : vector<4xi32>
  return
}
