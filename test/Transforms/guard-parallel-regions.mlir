// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(convert-scf-to-openmp{num-threads=2}, canonicalize, func.func(sieve-guard-parallel-regions))" | FileCheck %s

// A parallel loop whose trip count is known at run time only runs on the
// team when it has more than one iteration.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME:    (%[[N:.*]]: index
// CHECK:       %[[SPAN:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:       %[[SEVERAL:.*]] = arith.cmpi sgt, %[[SPAN]], %{{.*}} : index
// CHECK:       omp.parallel if(%[[SEVERAL]]) num_threads(%{{.*}} : i32)
func.func @dynamic(%n: index, %m: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %m[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// -----

// Constant bounds (a split planned at compile time): no clause.
// CHECK-LABEL: func.func @constant
// CHECK-NOT:   if(
// CHECK:       omp.parallel num_threads(%{{.*}} : i32)
func.func @constant(%m: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %f, %m[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
