// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-approximate-math))" | FileCheck %s

// tanh on a vector (GPT-2's GELU row) becomes vector arithmetic: no call
// per lane.
// CHECK-LABEL: func.func @tanh
// CHECK-NOT:   math.tanh
// CHECK:       arith.divf {{.*}} : vector<16xf32>
// CHECK-NOT:   math.tanh
// CHECK:       return
func.func @tanh(%x: vector<16xf32>) -> vector<16xf32> {
  %r = math.tanh %x : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// exp (softmax) and erf (BERT's GELU) likewise, on scalars too.
// CHECK-LABEL: func.func @exp_erf
// CHECK-NOT:   math.exp
// CHECK-NOT:   math.erf
// CHECK:       math.fma {{.*}} : vector<1x16xf32>
// CHECK-NOT:   math.exp
// CHECK-NOT:   math.erf
// CHECK:       math.fma {{.*}} : f32
// CHECK-NOT:   math.exp
// CHECK-NOT:   math.erf
// CHECK:       return
func.func @exp_erf(%x: vector<1x16xf32>, %y: f32) -> (vector<1x16xf32>, f32) {
  %e = math.exp %x : vector<1x16xf32>
  %r = math.erf %y : f32
  return %e, %r : vector<1x16xf32>, f32
}

// -----

// powf with a constant exponent of 3 becomes two products.
// CHECK-LABEL: func.func @cube
// CHECK-NOT:   math.powf
// CHECK-SAME:  (%[[X:.*]]: vector<16xf32>)
// CHECK:       %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : vector<16xf32>
// CHECK:       arith.mulf %[[X]], %[[SQ]] : vector<16xf32>
// CHECK-NOT:   math.powf
func.func @cube(%x: vector<16xf32>) -> vector<16xf32> {
  %three = arith.constant dense<3.0> : vector<16xf32>
  %r = math.powf %x, %three : vector<16xf32>
  return %r : vector<16xf32>
}

// -----

// sin and cos keep their library calls (the approximations lose accuracy
// for large arguments such as rotary-embedding angles).
// CHECK-LABEL: func.func @sin_cos
// CHECK:       math.sin
// CHECK:       math.cos
func.func @sin_cos(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>) {
  %s = math.sin %x : vector<16xf32>
  %c = math.cos %x : vector<16xf32>
  return %s, %c : vector<16xf32>, vector<16xf32>
}
