// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-copy-inputs,sieve-map-to-gpu{block-size=128},canonicalize,cse))' --verify-diagnostics | FileCheck %s

// A matmul on buffers becomes one launch: its 8x48 parallel points
// linearized (the column fastest) into 3 blocks of 128 threads, each thread
// running the reduction over k itself. The caller's buffers are copied
// into the model's own at the entry (on the host).
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:.*]]: memref<8x64xf32>, %[[B:.*]]: memref<64x48xf32>, %[[C:.*]]: memref<8x48xf32>)
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C48:.*]] = arith.constant 48 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG:     %[[C384:.*]] = arith.constant 384 : index
// CHECK:         %[[A2:.*]] = memref.alloc() : memref<8x64xf32>
// CHECK:         memref.copy %[[A]], %[[A2]]
// CHECK:         %[[B2:.*]] = memref.alloc() : memref<64x48xf32>
// CHECK:         memref.copy %[[B]], %[[B2]]
// CHECK:         %[[C2:.*]] = memref.alloc() : memref<8x48xf32>
// CHECK:         memref.copy %[[C]], %[[C2]]
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C3]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]],
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %[[C128]]
// CHECK:           %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:           %[[IN:.*]] = arith.cmpi slt, %[[ID]], %[[C384]]
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remsi %[[ID]], %[[C48]]
// CHECK:             %[[I:.*]] = arith.divsi %[[ID]], %[[C48]]
// CHECK:             scf.for %[[K:.*]] =
// CHECK:               memref.load %[[A2]][%[[I]], %[[K]]]
// CHECK:               memref.load %[[B2]][%[[K]], %[[J]]]
// CHECK:               arith.mulf
// CHECK:               arith.addf
// CHECK:               memref.store %{{.*}}, %[[C2]][%[[I]], %[[J]]]
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @matmul(%a: memref<8x64xf32>, %b: memref<64x48xf32>, %c: memref<8x48xf32>) {
  linalg.matmul ins(%a, %b : memref<8x64xf32>, memref<64x48xf32>) outs(%c : memref<8x48xf32>)
  return
}

// -----

// A copy between the model's buffers (a strided view here) runs on the
// GPU; dynamic sizes give the grid size at run time, at least one block.
// CHECK-LABEL: func.func @copy_view(
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivsi
// CHECK:         %[[GRID:.*]] = arith.maxsi %[[BLOCKS]], %{{.*}}
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GRID]],
// CHECK:           memref.load
// CHECK:           memref.store
// CHECK-NOT:     memref.copy
func.func @copy_view(%n: index) {
  %a = memref.alloc(%n) : memref<?x8xf32>
  %b = memref.alloc(%n) : memref<?x16xf32>
  %c0 = arith.constant 0 : index
  %v = memref.subview %b[0, 4] [%n, 8] [1, 1] : memref<?x16xf32> to memref<?x8xf32, strided<[16, 1], offset: 4>>
  memref.copy %a, %v : memref<?x8xf32> to memref<?x8xf32, strided<[16, 1], offset: 4>>
  memref.dealloc %a : memref<?x8xf32>
  memref.dealloc %b : memref<?x16xf32>
  return
}

// -----

// A parallel loop with a reduction has no GPU form yet: an error naming it.
func.func @reduction(%a: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'scf.parallel' with reductions is not supported on the GPU}}
  %r = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<64xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}
