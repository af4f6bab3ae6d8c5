// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-find-activation-sites))" | FileCheck %s

// A ReLU feeding a matmul, and one feeding a convolution through a reshape
// and zero padding, are sites; a ReLU whose value reaches no contraction is
// not.
// CHECK-LABEL: func.func @relu_sites
// CHECK:       linalg.max {sieve.activation_site = #sieve.activation_site<relu>}
// CHECK:       linalg.matmul
// CHECK:       linalg.max {sieve.activation_site = #sieve.activation_site<relu>}
// CHECK:       tensor.expand_shape
// CHECK:       tensor.pad
// CHECK:       linalg.conv_2d_nchw_fchw
// CHECK:       linalg.max ins
// CHECK-NOT:   sieve.activation_site
// CHECK:       return
func.func @relu_sites(%x: tensor<1x16xf32>, %w: tensor<16x8xf32>, %acc: tensor<1x8xf32>,
                      %f: tensor<2x1x3x3xf32>, %o: tensor<1x2x4x4xf32>) -> (tensor<1x8xf32>, tensor<1x2x4x4xf32>, tensor<1x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %h = linalg.max ins(%x, %z : tensor<1x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %y = linalg.matmul ins(%h, %w : tensor<1x16xf32>, tensor<16x8xf32>) outs(%acc : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h2 = linalg.max ins(%x, %z : tensor<1x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %img = tensor.expand_shape %h2 [[0, 1], [2, 3]] output_shape [1, 1, 4, 4] : tensor<1x16xf32> into tensor<1x1x4x4xf32>
  %p = tensor.pad %img low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x1x4x4xf32> to tensor<1x1x6x6xf32>
  %c = linalg.conv_2d_nchw_fchw ins(%p, %f : tensor<1x1x6x6xf32>, tensor<2x1x3x3xf32>) outs(%o : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %h3 = linalg.max ins(%x, %z : tensor<1x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y, %c, %h3 : tensor<1x8xf32>, tensor<1x2x4x4xf32>, tensor<1x16xf32>
}

// -----

// Clip (ReLU6) and squared ReLU.
// CHECK-LABEL: func.func @other_kinds
// CHECK:       linalg.generic {{.*}}sieve.activation_site = #sieve.activation_site<clip>
// CHECK:       linalg.mul {sieve.activation_site = #sieve.activation_site<squared_relu>}
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @other_kinds(%x: tensor<1x16xf32>, %w: tensor<16x8xf32>, %acc: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty() : tensor<1x16xf32>
  %r6 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    %c = arith.minimumf %m, %six : f32
    linalg.yield %c : f32
  } -> tensor<1x16xf32>
  %y1 = linalg.matmul ins(%r6, %w : tensor<1x16xf32>, tensor<16x8xf32>) outs(%acc : tensor<1x8xf32>) -> tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %r = linalg.max ins(%x, %z : tensor<1x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %sq = linalg.mul ins(%r, %r : tensor<1x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16xf32>) -> tensor<1x16xf32>
  %y2 = linalg.matmul ins(%sq, %w : tensor<1x16xf32>, tensor<16x8xf32>) outs(%acc : tensor<1x8xf32>) -> tensor<1x8xf32>
  return %y1, %y2 : tensor<1x8xf32>, tensor<1x8xf32>
}

// -----

// The gate of a gated FFN reaches the down projection through the product
// with the up projection: a site.
// CHECK-LABEL: func.func @gated_gate_site
// CHECK:       linalg.max {sieve.activation_site = #sieve.activation_site<relu>}
// CHECK:       linalg.mul
func.func @gated_gate_site(%g: tensor<1x8xf32>, %u: tensor<1x8xf32>, %wd: tensor<8x4xf32>, %acc: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
