// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-async-launches))' | FileCheck %s

// Launches queue one after another on one stream; allocating and freeing
// do not wait (the runtime reuses a freed buffer only for later kernels of
// the same stream); a host load waits for the queued kernels first, and
// the function waits before it returns.
// CHECK-LABEL: func.func @queue(
// CHECK:         memref.alloc()
// CHECK-NEXT:    %[[T0:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T1:.*]] = gpu.launch async [%[[T0]]]
// CHECK:         %[[T2:.*]] = gpu.launch async [%[[T1]]]
// CHECK:         memref.dealloc
// CHECK-NEXT:    gpu.wait [%[[T2]]]
// CHECK-NEXT:    %[[S:.*]] = memref.load
// CHECK-NEXT:    %[[T3:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T4:.*]] = gpu.launch async [%[[T3]]]
// CHECK:         gpu.wait [%[[T4]]]
// CHECK-NEXT:    return %[[S]]
func.func @queue(%a: memref<64xf32>, %b: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %t = memref.alloc() : memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
    %v0 = memref.load %a[%tx] : memref<64xf32>
    memref.store %v0, %t[%tx] : memref<64xf32>
    gpu.terminator
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
    %v0 = memref.load %t[%tx] : memref<64xf32>
    memref.store %v0, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  memref.dealloc %t : memref<64xf32>
  %s = memref.load %b[%c0] : memref<64xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
    memref.store %s, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  return %s : f32
}

// -----

// A host loop around a launch: the queued kernels are waited for before
// the loop (it may touch memory); the loop's body is a block of its own,
// which waits for its launch at its end. A call waits too.
// CHECK-LABEL: func.func @nested(
// CHECK:         %[[T0:.*]] = gpu.launch async
// CHECK:         gpu.wait [%[[T0]]]
// CHECK-NEXT:    scf.for
// CHECK-NEXT:      %[[T1:.*]] = gpu.wait async
// CHECK-NEXT:      %[[T2:.*]] = gpu.launch async [%[[T1]]]
// CHECK:           gpu.wait [%[[T2]]]
// CHECK-NEXT:    }
// CHECK-NEXT:    %[[T3:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T4:.*]] = gpu.launch async [%[[T3]]]
// CHECK:         gpu.wait [%[[T4]]]
// CHECK-NEXT:    call @use
// CHECK-NEXT:    return
func.func private @use(memref<64xf32>)
func.func @nested(%b: memref<64xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
    memref.store %s, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  scf.for %i = %c0 to %c64 step %c1 {
    gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
      memref.store %s, %b[%i] : memref<64xf32>
      gpu.terminator
    }
  }
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) {
    memref.store %s, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  call @use(%b) : (memref<64xf32>) -> ()
  return
}

// -----

// A launch with shared memory (sieve-map-to-gpu's tiles) is queued too,
// its workgroup buffers kept.
// CHECK-LABEL: func.func @shared(
// CHECK:         %[[T0:.*]] = gpu.wait async
// CHECK-NEXT:    %[[T1:.*]] = gpu.launch async [%[[T0]]] blocks({{.*}}) threads({{.*}}) workgroup(%[[S:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK:           memref.store %{{.*}}, %[[S]]
// CHECK:           gpu.barrier
// CHECK:         gpu.wait [%[[T1]]]
// CHECK-NEXT:    return
func.func @shared(%b: memref<64xf32>, %s: f32) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1) threads(%tx, %ty, %tz) in (%u = %c64, %v = %c1, %w = %c1) workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>) {
    memref.store %s, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    gpu.barrier
    %v0 = memref.load %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
    memref.store %v0, %b[%tx] : memref<64xf32>
    gpu.terminator
  }
  return
}
