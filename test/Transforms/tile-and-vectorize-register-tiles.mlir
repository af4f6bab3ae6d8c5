// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize,canonicalize))" | FileCheck %s

// Matmuls whose reduction fits one cache block (at most 256 steps) are
// computed one register tile at a time with the producer of their
// accumulator and their elementwise epilogue (fuseRegisterTiles): per
// 32-column panel of the weight (a graph input: all panels copied first
// into a contiguous [N / 32, K, 32] buffer, row by row of the weight, in
// order), each 8x32 tile starts from the broadcast bias (or a zero
// vector), accumulates over the whole reduction in registers and goes
// through the epilogue before its only store. Canonicalization folds the
// tile's reads of what was just written, so no accumulator is loaded. The
// tile's 16 output lines (8 rows a whole output row apart, which no
// hardware prefetcher follows) are asked for to be written during the
// first 16 steps of its reduction, a loop of their own.

// CHECK-LABEL: func.func @bias_relu
// CHECK:       %[[VIEW:.*]] = tensor.expand_shape %arg1 {{\[\[}}0], [1, 2]] output_shape [48, 8, 32]
// CHECK:       %[[PANELS:.*]] = scf.for %[[K:.*]] = %c0 to %c48 step %c1
// CHECK:         scf.for %[[J:.*]] = %c0 to %c8 step %c1
// CHECK:           tensor.extract_slice %[[VIEW]][%[[K]], %[[J]], 0] [1, 1, 32]
// CHECK:           vector.transfer_read {{.*}} : tensor<1x1x32xf32>, vector<1x1x32xf32>
// CHECK:           tensor.insert_slice {{.*}}[%[[J]], %[[K]], 0] [1, 1, 32] [1, 1, 1] : tensor<1x1x32xf32> into tensor<8x48x32xf32>
// CHECK:       scf.for %[[P:.*]] = %c0 to %c256 step %c32
// CHECK:         %[[I:.*]] = arith.divui %[[P]], %c32
// CHECK:         tensor.extract_slice %[[PANELS]][%[[I]], 0, 0] [1, 48, 32] [1, 1, 1] : tensor<8x48x32xf32> to tensor<48x32xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK-NOT:       vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:           %[[OUT:.*]] = bufferization.to_buffer %[[TILE:.*]] read_only
// CHECK:           %[[BIAS:.*]] = vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// CHECK-NOT:       vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:           %[[HEAD:.*]] = scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %[[BIAS]]) -> (vector<8x32xf32>)
// CHECK:             memref.prefetch %[[OUT]][%{{.*}}, %{{.*}}], write, locality<3>, data
// CHECK:             vector.contract
// CHECK:           %[[ACC:.*]] = scf.for %{{.*}} = %c16 to %c48 step %c1 iter_args(%{{.*}} = %[[HEAD]]) -> (vector<8x32xf32>)
// CHECK-NOT:         memref.prefetch
// CHECK:             vector.contract
// CHECK:           %[[RELU:.*]] = arith.maximumf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK:           vector.transfer_write %[[RELU]], %[[TILE]]
// CHECK-NOT:   linalg.
#row = affine_map<(d0, d1) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @bias_relu(%w: tensor<64x48xf32>, %x: tensor<48x256xf32>, %b: tensor<64xf32>) -> tensor<64x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x256xf32>
  %acc = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<64x256xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x256xf32>
  %m = linalg.matmul ins(%w, %x : tensor<64x48xf32>, tensor<48x256xf32>) outs(%acc : tensor<64x256xf32>) -> tensor<64x256xf32>
  %e2 = tensor.empty() : tensor<64x256xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x256xf32>) outs(%e2 : tensor<64x256xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<64x256xf32>
  return %r : tensor<64x256xf32>
}

// -----

// A zero fill (no bias, no epilogue): the tile starts from a zero vector.
// CHECK-LABEL: func.func @zero_fill
// CHECK:       %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK:       scf.for %{{.*}} step %c32
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:           %[[ACC:.*]] = scf.for %{{.*}} = %c0 to %c128 step %c1 iter_args(%{{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK:           vector.transfer_write %[[ACC]]
// CHECK-NOT:   linalg.
func.func @zero_fill(%a: tensor<16x128xf32>, %w: tensor<128x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x128xf32>, tensor<128x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %m : tensor<16x64xf32>
}

// -----

// A convolution without bias fills its NCHW output and collapses it: the
// fill is rebuilt in the matmul's shape and fused like a bias.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK-NOT:   linalg.fill
// CHECK:       scf.for %{{.*}} step %c32
// CHECK:           %[[ACCH:.*]] = scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x32xf32>)
// CHECK:           %[[ACC:.*]] = scf.for %{{.*}} = %c16 to %c24 step %c1 iter_args(%{{.*}} = %[[ACCH]]) -> (vector<8x32xf32>)
// CHECK:           arith.maximumf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK-NOT:   linalg.
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_no_bias(%w: tensor<32x24xf32>, %x: tensor<24x128xf32>) -> tensor<1x32x8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x8x16xf32>) -> tensor<1x32x8x16xf32>
  %c = tensor.collapse_shape %f [[0, 1], [2, 3]] : tensor<1x32x8x16xf32> into tensor<32x128xf32>
  %m = linalg.matmul ins(%w, %x : tensor<32x24xf32>, tensor<24x128xf32>) outs(%c : tensor<32x128xf32>) -> tensor<32x128xf32>
  %y = tensor.expand_shape %m [[0, 1], [2, 3]] output_shape [1, 32, 8, 16] : tensor<32x128xf32> into tensor<1x32x8x16xf32>
  %r = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x32x8x16xf32>) outs(%e : tensor<1x32x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<1x32x8x16xf32>
  return %r : tensor<1x32x8x16xf32>
}

// -----

// A reduction of two cache blocks keeps the blocked schedule: the fill is
// a pass of its own, each block's tile loads and stores its accumulator.
// CHECK-LABEL: func.func @deep
// CHECK:       scf.for
// CHECK:           vector.transfer_write {{.*}} : vector<1x16xf32>, tensor<1x16xf32>
// CHECK:       scf.for %{{.*}} = %c0 to %c264 step %c132
// CHECK:             %[[LOAD:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:             scf.for %{{.*}} = %c0 to %c132 step %c1 iter_args(%{{.*}} = %[[LOAD]])
func.func @deep(%a: tensor<16x264xf32>, %w: tensor<264x64xf32>) -> tensor<16x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x264xf32>, tensor<264x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %m : tensor<16x64xf32>
}

// -----

// The fill is also a result: the matmul gets a fill of its own
// (untieSharedFills), fused into its tiles, which start from a zero vector
// and load no accumulator; the result's fill stays a pass of its own.
// CHECK-LABEL: func.func @shared_fill
// CHECK-DAG:   %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK:           vector.transfer_write {{.*}} : vector<1x16xf32>, tensor<1x16xf32>
// CHECK-NOT:       vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:           scf.for %{{.*}} = %c0 to %c128 step %c1 iter_args(%{{.*}} = %[[ZERO]])
func.func @shared_fill(%a: tensor<16x128xf32>, %w: tensor<128x64xf32>) -> (tensor<16x64xf32>, tensor<16x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x64xf32>) -> tensor<16x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x128xf32>, tensor<128x64xf32>) outs(%f : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %m, %f : tensor<16x64xf32>, tensor<16x64xf32>
}

// -----

// Two bias-free convolutions of one shape (SqueezeNet's expand layers) whose
// zero accumulator CSE merged into one fill: each gets its own, rebuilt in
// the matmul's shape and fused into its register tiles; no fill of the
// whole output is left.
// CHECK-LABEL: func.func @convs_share_fill
// CHECK-NOT:   linalg.fill
// CHECK:       scf.for %{{.*}} step %c32
// CHECK:           %[[ACCH:.*]] = scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x32xf32>)
// CHECK:           %[[ACC:.*]] = scf.for %{{.*}} = %c16 to %c24 step %c1 iter_args(%{{.*}} = %[[ACCH]]) -> (vector<8x32xf32>)
// CHECK:           arith.maximumf %[[ACC]], %{{.*}} : vector<8x32xf32>
// CHECK:       scf.for %{{.*}} step %c32
// CHECK:           %[[ACC2H:.*]] = scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<8x32xf32>)
// CHECK:           %[[ACC2:.*]] = scf.for %{{.*}} = %c16 to %c24 step %c1 iter_args(%{{.*}} = %[[ACC2H]]) -> (vector<8x32xf32>)
// CHECK:           arith.maximumf %[[ACC2]], %{{.*}} : vector<8x32xf32>
// CHECK-NOT:   linalg.
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @convs_share_fill(%w: tensor<32x24xf32>, %v: tensor<32x24xf32>, %x: tensor<24x128xf32>) -> (tensor<1x32x8x16xf32>, tensor<1x32x8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x8x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x32x8x16xf32>) -> tensor<1x32x8x16xf32>
  %c = tensor.collapse_shape %f [[0, 1], [2, 3]] : tensor<1x32x8x16xf32> into tensor<32x128xf32>
  %m = linalg.matmul ins(%w, %x : tensor<32x24xf32>, tensor<24x128xf32>) outs(%c : tensor<32x128xf32>) -> tensor<32x128xf32>
  %y = tensor.expand_shape %m [[0, 1], [2, 3]] output_shape [1, 32, 8, 16] : tensor<32x128xf32> into tensor<1x32x8x16xf32>
  %r = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x32x8x16xf32>) outs(%e : tensor<1x32x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.maximumf %in, %zero : f32
    linalg.yield %t : f32
  } -> tensor<1x32x8x16xf32>
  %c2 = tensor.collapse_shape %f [[0, 1], [2, 3]] : tensor<1x32x8x16xf32> into tensor<32x128xf32>
  %m2 = linalg.matmul ins(%v, %x : tensor<32x24xf32>, tensor<24x128xf32>) outs(%c2 : tensor<32x128xf32>) -> tensor<32x128xf32>
  %y2 = tensor.expand_shape %m2 [[0, 1], [2, 3]] output_shape [1, 32, 8, 16] : tensor<32x128xf32> into tensor<1x32x8x16xf32>
  %r2 = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y2 : tensor<1x32x8x16xf32>) outs(%e : tensor<1x32x8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %t = arith.maximumf %in, %zero : f32
    linalg.yield %t : f32
  } -> tensor<1x32x8x16xf32>
  return %r, %r2 : tensor<1x32x8x16xf32>, tensor<1x32x8x16xf32>
}

// -----

// One register tile of rows takes the streaming schedule (the weight in
// order, 16 rows at a time) with its fill apart.
// CHECK-LABEL: func.func @few_rows
// CHECK:           vector.transfer_write {{.*}} : vector<1x16xf32>, tensor<1x16xf32>
// CHECK:       scf.for %{{.*}} = %c0 to %c128 step %c16
func.func @few_rows(%a: tensor<8x128xf32>, %w: tensor<128x64xf32>) -> tensor<8x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<8x128xf32>, tensor<128x64xf32>) outs(%f : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %m : tensor<8x64xf32>
}

// -----

// Two register tiles of rows (a 1x1 convolution to 16 channels) read each
// panel of the (non-constant) weight where it is: no copy of it is made.
// CHECK-LABEL: func.func @two_row_tiles
// CHECK-NOT:   tensor<2x128x32xf32>
// CHECK-NOT:   tensor.empty() : tensor<128x32xf32>
// CHECK:       scf.for %[[J:.*]] = %c0 to %c64 step %c32
// CHECK:         %[[STRIP:.*]] = tensor.extract_slice %arg1[0, %[[J]]] [128, 32] [1, 1]
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:           scf.for %[[K:.*]] = %c0 to %c128 step %c1
// CHECK:             tensor.extract_slice %[[STRIP]][%[[K]], 0] [1, 32] [1, 1]
func.func @two_row_tiles(%a: tensor<16x128xf32>, %w: tensor<128x64xf32>, %b: tensor<16xf32>) -> tensor<16x64xf32> {
  %e = tensor.empty() : tensor<16x64xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<16x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<16x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<16x128xf32>, tensor<128x64xf32>) outs(%init : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %m : tensor<16x64xf32>
}

// -----

// Three register tiles of rows: the panels are copied, the copy pays.
// CHECK-LABEL: func.func @three_row_tiles
// CHECK:       tensor.empty() : tensor<2x128x32xf32>
// CHECK:       scf.for %{{.*}} = %c0 to %c24 step %c8
func.func @three_row_tiles(%a: tensor<24x128xf32>, %w: tensor<128x64xf32>, %b: tensor<24xf32>) -> tensor<24x64xf32> {
  %e = tensor.empty() : tensor<24x64xf32>
  %init = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<24xf32>) outs(%e : tensor<24x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<24x64xf32>
  %m = linalg.matmul ins(%a, %w : tensor<24x128xf32>, tensor<128x64xf32>) outs(%init : tensor<24x64xf32>) -> tensor<24x64xf32>
  return %m : tensor<24x64xf32>
}

// -----

// A constant weight (pixel rows: the weight is the second operand) read by
// four register tiles of rows: the tiles of each panel ask for the next
// panel's lines during the first steps of their reduction (48 rows of 32:
// 96 lines, 24 per tile, one per step) and for their own 16 output lines
// (one per step, the last one again after 16), a loop of its own; the
// bias and ReLU stay in the tile.
// CHECK-LABEL: func.func @constant_weight_next_panel
// CHECK-DAG:   %[[P:.*]] = arith.constant dense<5.000000e-01> : tensor<2x48x32xf32>
// CHECK:       scf.for %[[J:.*]] = %c0 to %c64 step %c32
// CHECK:         %[[BUF:.*]] = bufferization.to_buffer %[[P]] read_only
// CHECK:         scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK:           %[[BIAS:.*]] = vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<32xf32>, vector<8x32xf32>
// CHECK:           %[[HALF:.*]] = scf.for %{{.*}} = %c0 to %c24 step %c1 iter_args(%{{.*}} = %[[BIAS]])
// CHECK:             memref.prefetch %{{.*}}, write, locality<3>, data
// CHECK:             memref.prefetch %[[BUF]]{{.*}}, read, locality<3>, data
// CHECK:             vector.contract
// CHECK:           %[[ACC:.*]] = scf.for %{{.*}} = %c24 to %c48 step %c1 iter_args(%{{.*}} = %[[HALF]])
// CHECK-NOT:         memref.prefetch
// CHECK:             vector.contract
// CHECK:           arith.maximumf %[[ACC]]
#col = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @constant_weight_next_panel(%x: tensor<32x48xf32>, %b: tensor<64xf32>) -> tensor<32x64xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<48x64xf32>
  %e = tensor.empty() : tensor<32x64xf32>
  %acc = linalg.generic {indexing_maps = [#col, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<32x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<32x64xf32>
  %m = linalg.matmul ins(%x, %w : tensor<32x48xf32>, tensor<48x64xf32>) outs(%acc : tensor<32x64xf32>) -> tensor<32x64xf32>
  %e2 = tensor.empty() : tensor<32x64xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<32x64xf32>) outs(%e2 : tensor<32x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<32x64xf32>
  return %r : tensor<32x64xf32>
}
