// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-unmask-reductions))" | FileCheck %s

// A masked float sum: -0.0 in the lanes the mask leaves out, then an
// unmasked reduction (a tree once lowered), its accumulator and fastmath
// flags kept.
// CHECK-LABEL: func.func @masked_sum
// CHECK-SAME:    (%[[V:.*]]: vector<64xf32>, %[[ACC:.*]]: f32, %[[N:.*]]: index)
// CHECK:         %[[ID:.*]] = arith.constant dense<-0.000000e+00> : vector<64xf32>
// CHECK:         %[[MASK:.*]] = vector.create_mask %[[N]] : vector<64xi1>
// CHECK:         %[[SEL:.*]] = arith.select %[[MASK]], %[[V]], %[[ID]] : vector<64xi1>, vector<64xf32>
// CHECK:         %[[R:.*]] = vector.reduction <add>, %[[SEL]], %[[ACC]] fastmath<reassoc> : vector<64xf32> into f32
// CHECK-NOT:     vector.mask
// CHECK:         return %[[R]]
func.func @masked_sum(%v: vector<64xf32>, %acc: f32, %n: index) -> f32 {
  %m = vector.create_mask %n : vector<64xi1>
  %r = vector.mask %m { vector.reduction <add>, %v, %acc fastmath<reassoc> : vector<64xf32> into f32 } : vector<64xi1> -> f32
  return %r : f32
}

// -----

// Maxima and minima: -inf and +inf, with or without NaN propagation; a
// product: 1; integer kinds: their identities.
// CHECK-LABEL: func.func @other_kinds
// CHECK-DAG:     arith.constant dense<0xFF800000> : vector<16xf32>
// CHECK-DAG:     arith.constant dense<0x7F800000> : vector<16xf32>
// CHECK-DAG:     arith.constant dense<1.000000e+00> : vector<16xf32>
// CHECK-DAG:     arith.constant dense<-2147483648> : vector<16xi32>
// CHECK-DAG:     arith.constant dense<-1> : vector<16xi32>
// CHECK-DAG:     arith.constant dense<0> : vector<16xi32>
// CHECK:         vector.reduction <maxnumf>, %{{.*}} : vector<16xf32> into f32
// CHECK:         vector.reduction <maximumf>, %{{.*}} : vector<16xf32> into f32
// CHECK:         vector.reduction <minimumf>, %{{.*}} : vector<16xf32> into f32
// CHECK:         vector.reduction <mul>, %{{.*}} : vector<16xf32> into f32
// CHECK:         vector.reduction <maxsi>, %{{.*}} : vector<16xi32> into i32
// CHECK:         vector.reduction <and>, %{{.*}} : vector<16xi32> into i32
// CHECK:         vector.reduction <add>, %{{.*}} : vector<16xi32> into i32
// CHECK-NOT:     vector.mask
func.func @other_kinds(%f: vector<16xf32>, %i: vector<16xi32>, %m: vector<16xi1>)
    -> (f32, f32, f32, f32, i32, i32, i32) {
  %0 = vector.mask %m { vector.reduction <maxnumf>, %f : vector<16xf32> into f32 } : vector<16xi1> -> f32
  %1 = vector.mask %m { vector.reduction <maximumf>, %f : vector<16xf32> into f32 } : vector<16xi1> -> f32
  %2 = vector.mask %m { vector.reduction <minimumf>, %f : vector<16xf32> into f32 } : vector<16xi1> -> f32
  %3 = vector.mask %m { vector.reduction <mul>, %f : vector<16xf32> into f32 } : vector<16xi1> -> f32
  %4 = vector.mask %m { vector.reduction <maxsi>, %i : vector<16xi32> into i32 } : vector<16xi1> -> i32
  %5 = vector.mask %m { vector.reduction <and>, %i : vector<16xi32> into i32 } : vector<16xi1> -> i32
  %6 = vector.mask %m { vector.reduction <add>, %i : vector<16xi32> into i32 } : vector<16xi1> -> i32
  return %0, %1, %2, %3, %4, %5, %6 : f32, f32, f32, f32, i32, i32, i32
}

// -----

// Other masked ops stay masked (here a transfer, which later passes lower
// to a masked load).
// CHECK-LABEL: func.func @masked_read
// CHECK:         vector.mask %{{.*}} { vector.transfer_read
func.func @masked_read(%t: tensor<?xf32>, %m: vector<16xi1>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %p = arith.constant 0.0 : f32
  %r = vector.mask %m { vector.transfer_read %t[%c0], %p : tensor<?xf32>, vector<16xf32> } : vector<16xi1> -> vector<16xf32>
  return %r : vector<16xf32>
}
