// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-annotate-weight-patterns))" | FileCheck %s
// Each pattern the analysis detects in a matmul's constant [K, N] weight.

// CHECK-LABEL: func.func @dense
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<dense, density = 1.0>}
func.func @dense(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[4.0, 5.0, 7.0, 8.0, 1.0, 2.0, 7.0, 8.0], [2.0, 3.0, 7.0, 4.0, 3.0, 7.0, 3.0, 4.0], [6.0, 5.0, 1.0, 1.0, 7.0, 7.0, 7.0, 5.0], [7.0, 3.0, 4.0, 7.0, 1.0, 3.0, 1.0, 4.0], [8.0, 2.0, 4.0, 4.0, 8.0, 2.0, 5.0, 3.0], [1.0, 7.0, 1.0, 3.0, 4.0, 4.0, 1.0, 8.0], [6.0, 8.0, 1.0, 6.0, 3.0, 5.0, 8.0, 3.0], [6.0, 2.0, 3.0, 8.0, 4.0, 5.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @rows
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<rows, density = 0.75>}
func.func @rows(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[4.0, 5.0, 7.0, 8.0, 1.0, 2.0, 7.0, 8.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [6.0, 5.0, 1.0, 1.0, 7.0, 7.0, 7.0, 5.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], [8.0, 2.0, 4.0, 4.0, 8.0, 2.0, 5.0, 3.0], [1.0, 7.0, 1.0, 3.0, 4.0, 4.0, 1.0, 8.0], [6.0, 8.0, 1.0, 6.0, 3.0, 5.0, 8.0, 3.0], [6.0, 2.0, 3.0, 8.0, 4.0, 5.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @columns
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<columns, density = 0.75>}
func.func @columns(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[0.0, 5.0, 7.0, 8.0, 1.0, 0.0, 7.0, 8.0], [0.0, 3.0, 7.0, 4.0, 3.0, 0.0, 3.0, 4.0], [0.0, 5.0, 1.0, 1.0, 7.0, 0.0, 7.0, 5.0], [0.0, 3.0, 4.0, 7.0, 1.0, 0.0, 1.0, 4.0], [0.0, 2.0, 4.0, 4.0, 8.0, 0.0, 5.0, 3.0], [0.0, 7.0, 1.0, 3.0, 4.0, 0.0, 1.0, 8.0], [0.0, 8.0, 1.0, 6.0, 3.0, 0.0, 8.0, 3.0], [0.0, 2.0, 3.0, 8.0, 4.0, 0.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @block
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<block<4x4>, density = 0.75>}
func.func @block(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[4.0, 5.0, 7.0, 8.0, 0.0, 0.0, 0.0, 0.0], [2.0, 3.0, 7.0, 4.0, 0.0, 0.0, 0.0, 0.0], [6.0, 5.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [7.0, 3.0, 4.0, 7.0, 0.0, 0.0, 0.0, 0.0], [8.0, 2.0, 4.0, 4.0, 8.0, 2.0, 5.0, 3.0], [1.0, 7.0, 1.0, 3.0, 4.0, 4.0, 1.0, 8.0], [6.0, 8.0, 1.0, 6.0, 3.0, 5.0, 8.0, 3.0], [6.0, 2.0, 3.0, 8.0, 4.0, 5.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @block_1x4
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<block<1x4>, density = 0.8125>}
func.func @block_1x4(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 7.0, 8.0], [2.0, 3.0, 7.0, 4.0, 3.0, 7.0, 3.0, 4.0], [6.0, 5.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0], [7.0, 3.0, 4.0, 7.0, 1.0, 3.0, 1.0, 4.0], [8.0, 2.0, 4.0, 4.0, 8.0, 2.0, 5.0, 3.0], [1.0, 7.0, 1.0, 3.0, 0.0, 0.0, 0.0, 0.0], [6.0, 8.0, 1.0, 6.0, 3.0, 5.0, 8.0, 3.0], [6.0, 2.0, 3.0, 8.0, 4.0, 5.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @two_four
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<n_m<2, 4>, density = 0.5>}
func.func @two_four(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[0.0, 5.0, 7.0, 0.0, 0.0, 2.0, 7.0, 0.0], [0.0, 0.0, 7.0, 4.0, 0.0, 0.0, 3.0, 4.0], [6.0, 0.0, 0.0, 1.0, 7.0, 0.0, 0.0, 5.0], [7.0, 3.0, 0.0, 0.0, 1.0, 3.0, 0.0, 0.0], [0.0, 2.0, 4.0, 0.0, 0.0, 2.0, 5.0, 0.0], [0.0, 0.0, 1.0, 3.0, 0.0, 0.0, 1.0, 8.0], [6.0, 0.0, 0.0, 6.0, 3.0, 0.0, 0.0, 3.0], [6.0, 2.0, 0.0, 0.0, 4.0, 5.0, 0.0, 0.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @unstructured
// CHECK: linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<unstructured, density = 0.953125>}
func.func @unstructured(%x: tensor<2x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %w = arith.constant dense<[[4.0, 0.0, 7.0, 8.0, 1.0, 2.0, 7.0, 8.0], [2.0, 3.0, 7.0, 4.0, 3.0, 7.0, 3.0, 4.0], [6.0, 5.0, 1.0, 1.0, 7.0, 7.0, 7.0, 5.0], [7.0, 3.0, 4.0, 7.0, 1.0, 3.0, 0.0, 4.0], [8.0, 2.0, 4.0, 4.0, 8.0, 2.0, 5.0, 3.0], [1.0, 7.0, 1.0, 3.0, 4.0, 4.0, 1.0, 8.0], [6.0, 8.0, 1.0, 6.0, 3.0, 5.0, 8.0, 3.0], [6.0, 2.0, 0.0, 8.0, 4.0, 5.0, 3.0, 1.0]]> : tensor<8x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// A convolution with whole zero output channels.
// CHECK-LABEL: func.func @conv_channels
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, sieve.weight_pattern = #sieve.weight_pattern<channels, density = 0.75>, strides = dense<1> : tensor<2xi64>}
func.func @conv_channels(%x: tensor<1x2x4x4xf32>, %acc: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<[[[[4.0]], [[5.0]]], [[[4.0]], [[7.0]]], [[[0.0]], [[0.0]]], [[[7.0]], [[8.0]]]]> : tensor<4x2x1x1xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x2x4x4xf32>, tensor<4x2x1x1xf32>) outs(%acc : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// Weights that are not constants are not annotated.
// CHECK-LABEL: func.func @not_constant
// CHECK-NOT: sieve.weight_pattern
func.func @not_constant(%x: tensor<2x8xf32>, %w: tensor<8x8xf32>, %acc: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
