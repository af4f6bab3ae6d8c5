// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-hoist-vector-transfers))" | FileCheck %s

// The accumulator read and write move out of the reduction loop.
// CHECK-LABEL: func.func @accumulate
// CHECK:       %[[ACC:.*]] = vector.transfer_read %arg1
// CHECK:       %[[SUM:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[ACC]])
// CHECK:         vector.transfer_read %arg0
// CHECK-NOT:     vector.transfer_write
// CHECK:         scf.yield
// CHECK:       vector.transfer_write %[[SUM]], %arg1
func.func @accumulate(%src: memref<64x16xf32>, %acc: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %pad = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c64 step %c1 {
    %a = vector.transfer_read %acc[%c0], %pad {in_bounds = [true]} : memref<16xf32>, vector<16xf32>
    %x = vector.transfer_read %src[%i, %c0], %pad {in_bounds = [true]} : memref<64x16xf32>, vector<16xf32>
    %s = arith.addf %a, %x : vector<16xf32>
    vector.transfer_write %s, %acc[%c0] {in_bounds = [true]} : vector<16xf32>, memref<16xf32>
  }
  return
}
