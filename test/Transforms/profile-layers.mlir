// RUN: sieve-opt %s --sieve-profile-layers | FileCheck %s
// RUN: sieve-opt %s --sieve-cpu-pipeline="profile-layers=true threads=1" | FileCheck %s --check-prefix=LLVM
// RUN: sieve-opt %s --sieve-cpu-pipeline="threads=1" | FileCheck %s --check-prefix=OFF

// Each top-level loop nest and memref.copy is timed between calls to
// sieve_profile_begin/end; its name lists the op types, then the ONNX
// nodes located in it (the nest's own location first). Two nests of the
// same nodes share an id; ops of no node are "(unnamed loop nest)" or
// "(copy)".

// CHECK: module attributes {sieve.profile_layers = ["MatMul+Relu: mm, relu", "Add: add", "(copy)", "(unnamed loop nest)"]}
// CHECK-DAG: func.func private @sieve_profile_begin(i64)
// CHECK-DAG: func.func private @sieve_profile_end(i64)
// CHECK-LABEL: func.func @main(
// CHECK: %[[C0:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @sieve_profile_begin(%[[C0]]) : (i64) -> ()
// CHECK-NEXT: scf.for
// CHECK: call @sieve_profile_end(%[[C0]]) : (i64) -> ()
// CHECK-NEXT: %[[C1:.*]] = arith.constant 1 : i64
// CHECK-NEXT: call @sieve_profile_begin(%[[C1]])
// CHECK-NEXT: %[[SUM:.*]] = scf.for
// CHECK: call @sieve_profile_end(%[[C1]])
// CHECK-NEXT: %[[C0B:.*]] = arith.constant 0 : i64
// CHECK-NEXT: call @sieve_profile_begin(%[[C0B]])
// CHECK-NEXT: scf.for
// CHECK: call @sieve_profile_end(%[[C0B]])
// CHECK: %[[C2:.*]] = arith.constant 2 : i64
// CHECK-NEXT: call @sieve_profile_begin(%[[C2]])
// CHECK-NEXT: memref.copy
// CHECK-NEXT: call @sieve_profile_end(%[[C2]])
// CHECK: %[[C3:.*]] = arith.constant 3 : i64
// CHECK-NEXT: call @sieve_profile_begin(%[[C3]])
// CHECK-NEXT: scf.for
// CHECK: return %[[SUM]]

// The pipeline instruments before outlining: the calls stay in @main
// around the calls of the outlined nests; without the option, no calls.
// LLVM: llvm.func @sieve_profile_begin(i64)
// LLVM-LABEL: llvm.func @main(
// LLVM: llvm.call @sieve_profile_begin
// LLVM-NEXT: llvm.call @main_nest0
// LLVM-NEXT: llvm.call @sieve_profile_end
// OFF-NOT: sieve_profile

func.func @main(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = arith.mulf %x, %x : f32 loc("mm"("MatMul"))
    %z = arith.maximumf %y, %zero : f32 loc("relu"("Relu"))
    memref.store %z, %b[%i] : memref<4xf32>
  } loc("mm"("MatMul"))
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %b[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  } loc(fused["add"("Add"), "weights.bin"])
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %z = arith.maximumf %x, %zero : f32 loc("relu"("Relu"))
    memref.store %z, %b[%i] : memref<4xf32>
  } loc("mm"("MatMul"))
  memref.copy %b, %c : memref<4xf32> to memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %zero, %a[%i] : memref<4xf32>
  }
  return %sum : f32
}
