// RUN: sieve-opt %s --split-input-file --sieve-free-buffers-early | FileCheck %s

// Two layers' buffers freed at the function's end (as ownership-based
// deallocation leaves them): each moves to just after its last use, the
// first one's through a view (collapse_shape) read by a loop.
// CHECK-LABEL: func.func @layers
// CHECK:       %[[A:.*]] = memref.alloc() : memref<4x16xf32>
// CHECK:       linalg.fill ins(%{{.*}} : f32) outs(%[[A]]
// CHECK:       %[[V:.*]] = memref.collapse_shape %[[A]]
// CHECK:       scf.for
// CHECK:         memref.load %[[V]]
// CHECK:       }
// CHECK-NEXT:  memref.dealloc %[[A]]
// CHECK-NEXT:  %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT:  linalg.copy ins(%arg0 : memref<64xf32>) outs(%[[B]]
// CHECK-NEXT:  linalg.copy ins(%[[B]] : memref<64xf32>) outs(%arg1
// CHECK-NEXT:  memref.dealloc %[[B]]
// CHECK-NEXT:  return
func.func @layers(%in: memref<64xf32>, %out: memref<64xf32>, %acc: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<4x16xf32>)
  %v = memref.collapse_shape %a [[0, 1]] : memref<4x16xf32> into memref<64xf32>
  scf.for %i = %c0 to %c64 step %c1 {
    %x = memref.load %v[%i] : memref<64xf32>
    memref.store %x, %acc[] : memref<f32>
  }
  %b = memref.alloc() : memref<64xf32>
  linalg.copy ins(%in : memref<64xf32>) outs(%b : memref<64xf32>)
  linalg.copy ins(%b : memref<64xf32>) outs(%out : memref<64xf32>)
  memref.dealloc %a : memref<4x16xf32>
  memref.dealloc %b : memref<64xf32>
  return
}

// -----

// A buffer whose address is taken as an integer (it may be used through
// it later) keeps its dealloc where it is.
// CHECK-LABEL: func.func @address_taken
// CHECK:       memref.extract_aligned_pointer_as_index
// CHECK:       linalg.copy
// CHECK-NEXT:  memref.dealloc
// CHECK-NEXT:  return
func.func @address_taken(%in: memref<64xf32>, %out: memref<64xf32>) -> index {
  %a = memref.alloc() : memref<64xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<64xf32> -> index
  linalg.copy ins(%in : memref<64xf32>) outs(%out : memref<64xf32>)
  memref.dealloc %a : memref<64xf32>
  return %p : index
}

// -----

// A buffer allocated in a loop body is freed in that body after its last
// use there; one used by the loop, after the loop.
// CHECK-LABEL: func.func @in_loop
// CHECK:       %[[O:.*]] = memref.alloc() : memref<64xf32>
// CHECK:       scf.for
// CHECK:         %[[T:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT:    linalg.copy ins(%arg0 : memref<64xf32>) outs(%[[T]]
// CHECK-NEXT:    memref.dealloc %[[T]]
// CHECK-NEXT:    linalg.copy ins(%arg0 : memref<64xf32>) outs(%[[O]]
// CHECK-NEXT:  }
// CHECK-NEXT:  memref.dealloc %[[O]]
// CHECK-NEXT:  linalg.copy
func.func @in_loop(%in: memref<64xf32>, %out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %outer = memref.alloc() : memref<64xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<64xf32>
    linalg.copy ins(%in : memref<64xf32>) outs(%t : memref<64xf32>)
    linalg.copy ins(%in : memref<64xf32>) outs(%outer : memref<64xf32>)
    memref.dealloc %t : memref<64xf32>
  }
  linalg.copy ins(%in : memref<64xf32>) outs(%out : memref<64xf32>)
  memref.dealloc %outer : memref<64xf32>
  return
}

// -----

// A buffer yielded out of an scf.if is that op's result: freed after the
// last use of the result, not after the scf.if.
// CHECK-LABEL: func.func @yielded
// CHECK:       %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK:       %[[R:.*]] = scf.if
// CHECK:       linalg.copy ins(%arg0 : memref<64xf32>) outs(%arg1
// CHECK-NEXT:  linalg.copy ins(%[[R]] : memref<64xf32>) outs(%arg1
// CHECK-NEXT:  memref.dealloc %[[A]]
// CHECK-NEXT:  return
func.func @yielded(%in: memref<64xf32>, %out: memref<64xf32>, %c: i1) {
  %a = memref.alloc() : memref<64xf32>
  %r = scf.if %c -> memref<64xf32> {
    scf.yield %a : memref<64xf32>
  } else {
    scf.yield %in : memref<64xf32>
  }
  linalg.copy ins(%in : memref<64xf32>) outs(%out : memref<64xf32>)
  linalg.copy ins(%r : memref<64xf32>) outs(%out : memref<64xf32>)
  memref.dealloc %a : memref<64xf32>
  return
}
