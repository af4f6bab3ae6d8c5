// RUN: sieve-opt %s --convert-sieve-branch-to-scf --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @branch(
// CHECK-SAME: %[[D:[^:]*]]: f32, %[[L:[^:]*]]: f32, %[[A:[^:]*]]: tensor<4xf32>, %[[B:[^:]*]]: tensor<4xf32>
// CHECK: %[[C:.*]] = arith.cmpf ole, %[[D]], %[[L]] : f32
// CHECK: %[[R:.*]] = scf.if %[[C]] -> (tensor<4xf32>) {
// CHECK:   %[[S:.*]] = math.absf %[[A]]
// CHECK:   scf.yield %[[S]] : tensor<4xf32>
// CHECK: } else {
// CHECK:   scf.yield %[[B]] : tensor<4xf32>
// CHECK: }
// CHECK: return %[[R]]
// CHECK-NOT: sieve.
func.func @branch(%d: f32, %l: f32, %a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %r = sieve.branch %d, %l : f32 -> tensor<4xf32> {
    %s = math.absf %a : tensor<4xf32>
    sieve.yield %s : tensor<4xf32>
  } else {
    sieve.yield %b : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}

// -----

// Branches without results and nested branches lower too.
// CHECK-LABEL: func.func @nested(
// CHECK: scf.if %{{.*}} {
// CHECK:   scf.if %{{.*}} -> (f64) {
// CHECK:     scf.yield %{{.*}} : f64
// CHECK:   } else {
// CHECK:     scf.yield %{{.*}} : f64
// CHECK:   }
// CHECK:   memref.store
// CHECK: } else {
// CHECK-NEXT: }
// CHECK-NOT: sieve.
func.func @nested(%d: f64, %l: f64, %m: memref<f64>) {
  sieve.branch %d, %l : f64 {
    %x = sieve.branch %l, %d : f64 -> f64 {
      sieve.yield %d : f64
    } else {
      sieve.yield %l : f64
    }
    memref.store %x, %m[] : memref<f64>
    sieve.yield
  } else {
    sieve.yield
  }
  return
}
