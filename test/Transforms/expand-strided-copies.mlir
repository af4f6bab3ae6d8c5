// RUN: sieve-opt %s --pass-pipeline="builtin.module(func.func(sieve-expand-strided-copies))" | FileCheck %s

// CHECK-LABEL: func.func @copies
// CHECK:       memref.copy %arg0, %arg1 : memref<4x4xf32> to memref<4x4xf32>
// CHECK:       linalg.copy ins(%arg0 : memref<4x4xf32>) outs(%{{.*}} : memref<4x4xf32, strided<[6, 1], offset: 7>>)
// CHECK-NOT:   memref.copy
func.func @copies(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %big: memref<6x6xf32>) {
  memref.copy %a, %b : memref<4x4xf32> to memref<4x4xf32>
  %view = memref.subview %big[1, 1] [4, 4] [1, 1] : memref<6x6xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %a, %view : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  return
}
