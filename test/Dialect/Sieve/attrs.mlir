// RUN: sieve-opt %s | sieve-opt | FileCheck %s
// Every form of #sieve.weight_pattern and #sieve.activation_site round-trips.
// (The printer sorts a dictionary's entries by name.)

// CHECK-LABEL: func.func private @weight_patterns()
// CHECK-SAME: block_1x4 = #sieve.weight_pattern<block<1x4>, density = 0.3>
// CHECK-SAME: block_4x4 = #sieve.weight_pattern<block<4x4>, density = 0.0625>
// CHECK-SAME: channels = #sieve.weight_pattern<channels, density = 0.0>
// CHECK-SAME: columns = #sieve.weight_pattern<columns, density = 0.5>
// CHECK-SAME: dense = #sieve.weight_pattern<dense, density = 1.0>
// CHECK-SAME: one_four = #sieve.weight_pattern<n_m<1, 4>, density = 0.2>
// CHECK-SAME: rows = #sieve.weight_pattern<rows, density = 0.75>
// CHECK-SAME: tiny = #sieve.weight_pattern<unstructured, density = 1.0e-09>
// CHECK-SAME: two_four = #sieve.weight_pattern<n_m<2, 4>, density = 0.5>
// CHECK-SAME: unstructured = #sieve.weight_pattern<unstructured, density = 0.1>
func.func private @weight_patterns() attributes {
  dense = #sieve.weight_pattern<dense, density = 1.0>,
  unstructured = #sieve.weight_pattern<unstructured, density = 0.1>,
  two_four = #sieve.weight_pattern<n_m<2, 4>, density = 0.5>,
  one_four = #sieve.weight_pattern<n_m<1, 4>, density = 0.2>,
  block_1x4 = #sieve.weight_pattern<block<1x4>, density = 0.3>,
  block_4x4 = #sieve.weight_pattern<block<4x4>, density = 6.25e-2>,
  rows = #sieve.weight_pattern<rows, density = 0.75>,
  columns = #sieve.weight_pattern<columns, density = 0.5>,
  channels = #sieve.weight_pattern<channels, density = 0.0>,
  tiny = #sieve.weight_pattern<unstructured, density = 1.0e-9>
}

// CHECK-LABEL: func.func private @activation_sites()
// CHECK-SAME: clip = #sieve.activation_site<clip, assumed = 0.5>
// CHECK-SAME: relu = #sieve.activation_site<relu>
// CHECK-SAME: relu6 = #sieve.activation_site<relu6, measured = 0.12>
// CHECK-SAME: squared = #sieve.activation_site<squared_relu, measured = 1.0>
func.func private @activation_sites() attributes {
  relu = #sieve.activation_site<relu>,
  relu6 = #sieve.activation_site<relu6, measured = 0.12>,
  clip = #sieve.activation_site<clip, assumed = 0.5>,
  squared = #sieve.activation_site<squared_relu, measured = 1.0>
}

// CHECK-LABEL: func.func private @predictor()
// CHECK-SAME: p = #sieve.predictor<u = dense<{{\[}}[1.000000e+00], [2.000000e+00]]> : tensor<2x1xf32>, v = dense<{{\[}}[5.000000e-01, -5.000000e-01, 1.000000e+00]]> : tensor<1x3xf32>, thresholds = dense<[0.000000e+00, 1.000000e-01, 2.000000e-01]> : tensor<3xf32>, recall = 0.98999999999999999 : f64, density = 2.500000e-01 : f64>
func.func private @predictor() attributes {
  p = #sieve.predictor<u = dense<[[1.0], [2.0]]> : tensor<2x1xf32>,
                       v = dense<[[0.5, -0.5, 1.0]]> : tensor<1x3xf32>,
                       thresholds = dense<[0.0, 0.1, 0.2]> : tensor<3xf32>,
                       recall = 0.99, density = 0.25>
}
