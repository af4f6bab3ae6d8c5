// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-prepare-linalg))" | FileCheck %s

// Bias add and ReLU after a matmul fuse into one generic; the matmul and
// its accumulator fill stay named.
// CHECK-LABEL: func.func @bias_relu
// CHECK:       %[[FILL:.*]] = linalg.fill
// CHECK:       %[[MM:.*]] = linalg.matmul {{.*}} outs(%[[FILL]]
// CHECK:       %[[R:.*]] = linalg.generic {{.*}} ins(%[[MM]], %{{.*}} : tensor<2x4xf32>, tensor<4xf32>)
// CHECK:         arith.addf
// CHECK:         arith.maximumf
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]
func.func @bias_relu(%x: tensor<2x8xf32>, %w: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<2x4xf32>) -> tensor<2x4xf32>
  %bb = linalg.broadcast ins(%b : tensor<4xf32>) outs(%e : tensor<2x4xf32>) dimensions = [0]
  %sum = linalg.add ins(%mm, %bb : tensor<2x4xf32>, tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %relu = linalg.max ins(%sum, %zeros : tensor<2x4xf32>, tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %relu : tensor<2x4xf32>
}

// -----

// linalg.softmax decomposes into reductions and elementwise ops.
// CHECK-LABEL: func.func @softmax
// CHECK-NOT:   linalg.softmax
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         arith.maxnumf
// CHECK:       math.exp
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:         arith.addf
// CHECK:       arith.divf
func.func @softmax(%x: tensor<2x10xf32>) -> tensor<2x10xf32> {
  %e = tensor.empty() : tensor<2x10xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<2x10xf32>) outs(%e : tensor<2x10xf32>) -> tensor<2x10xf32>
  return %s : tensor<2x10xf32>
}

// -----

// Convolutions and pooling stay named.
// CHECK-LABEL: func.func @conv_stays
// CHECK:       linalg.conv_2d_nchw_fchw
func.func @conv_stays(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %c = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  return %c : tensor<1x4x6x6xf32>
}

// -----

// A broadcast constant with two consumers (CSE merged the same broadcast of
// two layers) is fused into both: each body reads the scalar (a constant
// exponent that later becomes products), no tensor of one value is written.
// CHECK-LABEL: func.func @shared_scalar_broadcast
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:   linalg.generic
// CHECK:       return
// CHECK-NOT:   linalg.broadcast
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @shared_scalar_broadcast(%x: tensor<?x?x64xf32>, %y: tensor<?x?x64xf32>, %e: tensor<?x?x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x64xf32>) {
  %three = arith.constant dense<3.0> : tensor<f32>
  %b = linalg.broadcast ins(%three : tensor<f32>) outs(%e : tensor<?x?x64xf32>) dimensions = [0, 1, 2]
  %p = linalg.powf ins(%x, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%e : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %q = linalg.powf ins(%y, %b : tensor<?x?x64xf32>, tensor<?x?x64xf32>) outs(%e : tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  return %p, %q : tensor<?x?x64xf32>, tensor<?x?x64xf32>
}

// -----

// A zero bias (the broadcast of a splat constant, as the TorchScript
// exporter writes a convolution whose bias is all zeros) initializes the
// convolution's accumulator as a linalg.fill, which its kernel fuses, not
// as a generic that writes the whole output first.
// CHECK-LABEL: func.func @splat_bias
// CHECK:       %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:       %[[FILL:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<1x8x6x6xf32>)
// CHECK:       linalg.conv_2d_nchw_fchw {{.*}} outs(%[[FILL]] : tensor<1x8x6x6xf32>)
func.func @splat_bias(%x: tensor<1x4x8x8xf32>, %w: tensor<8x4x3x3xf32>) -> tensor<1x8x6x6xf32> {
  %b = arith.constant dense<0.0> : tensor<8xf32>
  %e = tensor.empty() : tensor<1x8x6x6xf32>
  %bb = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<1x8x6x6xf32>) dimensions = [0, 2, 3]
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x8x8xf32>, tensor<8x4x3x3xf32>) outs(%bb : tensor<1x8x6x6xf32>) -> tensor<1x8x6x6xf32>
  return %c : tensor<1x8x6x6xf32>
}

// -----

// The same splat broadcast read by an elementwise op is fused into it as a
// scalar (no fill, no generic of its own).
// CHECK-LABEL: func.func @splat_addend
// CHECK-NOT:   linalg.fill
// CHECK:       linalg.generic
// CHECK:         arith.addf %{{.*}}, %cst
// CHECK-NOT:   linalg.generic
func.func @splat_addend(%x: tensor<8x6xf32>) -> tensor<8x6xf32> {
  %b = arith.constant dense<0.5> : tensor<8xf32>
  %e = tensor.empty() : tensor<8x6xf32>
  %bb = linalg.broadcast ins(%b : tensor<8xf32>) outs(%e : tensor<8x6xf32>) dimensions = [1]
  %s = linalg.add ins(%x, %bb : tensor<8x6xf32>, tensor<8x6xf32>) outs(%e : tensor<8x6xf32>) -> tensor<8x6xf32>
  return %s : tensor<8x6xf32>
}
