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

// -----

// A concatenation along channels: one input into its channels of the
// result. Channels, rows and columns are contiguous on both sides (and the
// batch dimension has size 1), so the input is one run of 32 x 7 x 7 = 1568
// elements (24 vectors of 64 and a rest of 32), not 32 x 7 rows of 7.
// CHECK-LABEL: func.func @channel_slice
// CHECK:       %[[V:.*]] = memref.subview %arg1[0, 16, 0, 0] [1, 32, 7, 7] [1, 1, 1, 1]
// CHECK:       %[[S:.*]] = memref.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : memref<1x32x7x7xf32> into memref<1568xf32>
// CHECK:       %[[D:.*]] = memref.collapse_shape %[[V]] {{\[\[}}0, 1, 2, 3]] : memref<1x32x7x7xf32, strided<[2352, 49, 7, 1], offset: 784>> into memref<1568xf32, strided<[1], offset: 784>>
// CHECK:       scf.for %[[J:.*]] = %c0 to %c1536 step %c64
// CHECK:         %[[R:.*]] = vector.transfer_read %[[S]][%[[J]]]{{.*}} : memref<1568xf32>, vector<64xf32>
// CHECK:         vector.transfer_write %[[R]], %[[D]][%[[J]]]
// CHECK:       vector.transfer_read %[[S]]{{.*}} : memref<1568xf32>, vector<32xf32>
// CHECK-NOT:   vector<7xf32>
func.func @channel_slice(%x: memref<1x32x7x7xf32>, %cat: memref<1x48x7x7xf32>) {
  %v = memref.subview %cat[0, 16, 0, 0] [1, 32, 7, 7] [1, 1, 1, 1] : memref<1x48x7x7xf32> to memref<1x32x7x7xf32, strided<[2352, 49, 7, 1], offset: 784>>
  memref.copy %x, %v : memref<1x32x7x7xf32> to memref<1x32x7x7xf32, strided<[2352, 49, 7, 1], offset: 784>>
  return
}
