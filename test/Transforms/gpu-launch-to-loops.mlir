// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-launch-to-loops,canonicalize,cse))' --verify-diagnostics | FileCheck %s

// A launch whose threads wait for each other: each step of the loop, every
// thread stores into shared memory, waits, and reads a neighbour's element.
// Emulated: the shared buffer is a host buffer; each segment between
// barriers runs for every thread before the next one; the loop's value
// lives in two per-thread buffers (read one, write the other, swapped each
// step); the prologue (thread index arithmetic) is recomputed per thread
// loop; the epilogue reads the final buffer.
// CHECK-LABEL: func.func @staged(
// CHECK:         %[[SHARED:.*]] = memref.alloc() {alignment = 16 : i64} : memref<4xf32>
// CHECK-NEXT:    %[[CUR:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %[[CURV:.*]] = memref.cast %[[CUR]] : memref<4xf32> to memref<?xf32>
// CHECK-NEXT:    %[[NEXT:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT:    %[[NEXTV:.*]] = memref.cast %[[NEXT]] : memref<4xf32> to memref<?xf32>
// CHECK-NEXT:    scf.for %[[B:.*]] = %c0 to %c2 step %c1 {
// CHECK-NEXT:      scf.for %[[T0:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT:        memref.store %cst, %[[CUR]][%[[T0]]]
// CHECK:           %[[FINAL:.*]]:2 = scf.for %[[I:.*]] = %c0 to %c3 step %c1 iter_args(%[[R:.*]] = %[[CURV]], %[[W:.*]] = %[[NEXTV]]) -> (memref<?xf32>, memref<?xf32>) {
// CHECK:             scf.for %[[T1:.*]] = %c0 to %c4 step %c1 {
// CHECK:               memref.load %arg0
// CHECK:               memref.store {{.*}}, %[[SHARED]][%[[T1]]]
// CHECK-NOT:           gpu.barrier
// CHECK:             scf.for %[[T2:.*]] = %c0 to %c4 step %c1 {
// CHECK:               %[[OLD:.*]] = memref.load %[[R]][%[[T2]]]
// CHECK:               %[[X:.*]] = memref.load %[[SHARED]]
// CHECK:               %[[NEW:.*]] = arith.addf %[[OLD]], %[[X]]
// CHECK:               memref.store %[[NEW]], %[[W]][%[[T2]]]
// CHECK:             scf.yield %[[W]], %[[R]]
// CHECK:           scf.for %[[T3:.*]] = %c0 to %c4 step %c1 {
// CHECK:             %[[SUM:.*]] = memref.load %[[FINAL]]#0[%[[T3]]]
// CHECK:             memref.store %[[SUM]], %arg1
// CHECK:         memref.dealloc %[[SHARED]]
// CHECK:         memref.dealloc %[[CUR]]
// CHECK:         memref.dealloc %[[NEXT]]
// CHECK-NOT:     gpu.launch
func.func @staged(%x: memref<2x3x4xf32>, %y: memref<2x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<4xf32, #gpu.address_space<workgroup>>) {
    %next = arith.addi %tx, %c1 : index
    %neighbour = arith.remui %next, %c4 : index
    %sum = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %x[%bx, %i, %tx] : memref<2x3x4xf32>
      memref.store %v, %shared[%tx] : memref<4xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %u = memref.load %shared[%neighbour] : memref<4xf32, #gpu.address_space<workgroup>>
      %a = arith.addf %acc, %u : f32
      gpu.barrier
      scf.yield %a : f32
    }
    memref.store %sum, %y[%bx, %tx] : memref<2x4xf32>
    gpu.terminator
  }
  return
}

// -----

func.func @barrier_in_if(%y: memref<4xf32>, %p: i1) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{this launch cannot be emulated: a barrier is nested in the loop's ops}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    scf.for %i = %c1 to %c4 step %c1 {
      scf.if %p {
        gpu.barrier
      }
    }
    gpu.terminator
  }
  return
}

// -----

func.func @top_level_barrier(%y: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{this launch cannot be emulated: its barriers are not in one scf.for of its body}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

func.func @effects_before(%y: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{this launch cannot be emulated: code before its barriers' loop has side effects}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    memref.store %zero, %y[%tx] : memref<4xf32>
    scf.for %i = %c1 to %c4 step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

func.func @bounds_per_thread(%y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{this launch cannot be emulated: its barriers' loop has bounds that differ between threads}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    %n = arith.addi %tx, %c1 : index
    scf.for %i = %c0 to %n step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

func.func @value_across_barrier(%x: memref<4xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @below {{this launch cannot be emulated: a value of one barrier's side is used on the other}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c4, %sy = %c1, %sz = %c1) {
    scf.for %i = %c0 to %c4 step %c1 {
      %v = memref.load %x[%tx] : memref<4xf32>
      gpu.barrier
      memref.store %v, %y[%tx] : memref<4xf32>
    }
    gpu.terminator
  }
  return
}
