// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-expand-strided-copies))" | FileCheck %s

// Contiguous copies stay memref.copy (llvm.memcpy); a static copy into a
// view whose rows are contiguous becomes a loop over the rows, each row one
// vector read and written.
// CHECK-LABEL: func.func @copies
// CHECK:       memref.copy %arg0, %arg1 : memref<4x4xf32> to memref<4x4xf32>
// CHECK:       %[[V:.*]] = memref.subview
// CHECK:       scf.for %[[I:.*]] = %c0 to %c4 step %c1
// CHECK:         %[[R:.*]] = vector.transfer_read %arg0[%[[I]], %c0], %{{.*}} {in_bounds = [true]} : memref<4x4xf32>, vector<4xf32>
// CHECK:         vector.transfer_write %[[R]], %[[V]][%[[I]], %c0] {in_bounds = [true]} : vector<4xf32>, memref<4x4xf32, strided<[6, 1], offset: 7>>
// CHECK-NOT:   memref.copy
// CHECK-NOT:   linalg.copy
func.func @copies(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %big: memref<6x6xf32>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  %view = memref.subview %big[1, 1] [4, 4] [1, 1] : memref<6x6xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %a, %view : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  return
}

// -----

// A row of 150 elements: two 64-lane vectors in a loop, then 22 lanes.
// CHECK-LABEL: func.func @wide_row
// CHECK:       scf.for %[[J:.*]] = %c0 to %c128 step %c64
// CHECK:         vector.transfer_read %arg0[%[[J]]]{{.*}} : memref<150xf32, strided<[1], offset: ?>>, vector<64xf32>
// CHECK:         vector.transfer_write {{.*}} : vector<64xf32>, memref<150xf32>
// CHECK:       %[[REST:.*]] = arith.constant 128 : index
// CHECK:       vector.transfer_read %arg0[%[[REST]]]{{.*}} : memref<150xf32, strided<[1], offset: ?>>, vector<22xf32>
// CHECK:       vector.transfer_write %{{.*}}, %arg1[%[[REST]]] {{.*}} : vector<22xf32>, memref<150xf32>
func.func @wide_row(%a: memref<150xf32, strided<[1], offset: ?>>, %b: memref<150xf32>) {
  memref.copy %a, %b : memref<150xf32, strided<[1], offset: ?>> to memref<150xf32>
  return
}

// -----

// Rows with a stride (a column of a matrix), dynamic shapes and narrow rows
// keep linalg.copy.
// CHECK-LABEL: func.func @fallbacks
// CHECK-COUNT-3: linalg.copy
// CHECK-NOT:   vector.transfer_read
func.func @fallbacks(%a: memref<8x8xf32>, %col: memref<8xf32>, %d: memref<?x8xf32>,
                     %dv: memref<?x8xf32, strided<[16, 1], offset: ?>>,
                     %n: memref<8x2xf32>, %nv: memref<8x2xf32, strided<[4, 1]>>) {
  %c = memref.subview %a[0, 3] [8, 1] [1, 1] : memref<8x8xf32> to memref<8xf32, strided<[8], offset: 3>>
  memref.copy %c, %col : memref<8xf32, strided<[8], offset: 3>> to memref<8xf32>
  memref.copy %d, %dv : memref<?x8xf32> to memref<?x8xf32, strided<[16, 1], offset: ?>>
  memref.copy %n, %nv : memref<8x2xf32> to memref<8x2xf32, strided<[4, 1]>>
  return
}
