// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16},canonicalize))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=8},canonicalize))" | FileCheck %s --check-prefix=AVX2
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 threads=2 min-chunk-cycles=1},canonicalize))" | FileCheck %s --check-prefix=THREADS

// A depthwise 3x3 convolution at stride 1 on rows of 40 outputs: loops over
// channels and output rows; two full 16-lane vectors per row in a loop, then
// a masked last vector of 8 outputs (an explicit mask of the lanes before
// the row's end, the transfer in bounds); each tap an FMA of a
// shifted input row with the channel's weight, broadcast once per channel.
// With 8 lanes (AVX2) the row is 5 full vectors and no tail. With threads,
// the channels are split into parallel chunks (scf.forall); each chunk
// writes its slice of the output and reads the input and weights at the
// global channel.
// CHECK-LABEL: func.func @depthwise
// CHECK:       scf.for %[[C:.*]] = %c0 to %c4 step %c1 iter_args
// CHECK-COUNT-9: vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK:         scf.for %[[OH:.*]] = %c0 to %c40 step %c1
// CHECK:           scf.for %[[OW:.*]] = %c0 to %c32 step %c16
// CHECK:             vector.transfer_read %{{.*}}[%c0, %[[C]], %[[OH]], %[[OW]]], %{{.*}} {in_bounds = [true]} : tensor<1x4x40x40xf32>, vector<16xf32>
// CHECK-COUNT-9:     vector.fma {{.*}} : vector<16xf32>
// CHECK:             vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<1x4x40x40xf32>
// CHECK:           %[[M:.*]] = vector.constant_mask [8] : vector<16xi1>
// CHECK:           vector.transfer_read %{{.*}}[%c0, %[[C]], %[[OH]], %c32], %{{.*}}, %[[M]] {in_bounds = [true]} : tensor<1x4x40x40xf32>, vector<16xf32>
// CHECK:           %[[M10:.*]] = vector.constant_mask [10] : vector<16xi1>
// CHECK:           vector.transfer_read %arg0[%c0, %[[C]], %[[OH]], %c32], %{{.*}}, %[[M10]] {in_bounds = [true]} : tensor<1x4x42x42xf32>, vector<16xf32>
// CHECK-COUNT-9:   vector.fma {{.*}} : vector<16xf32>
// CHECK:           vector.transfer_write %{{.*}}[%c0, %[[C]], %[[OH]], %c32], %[[M]] {in_bounds = [true]} : vector<16xf32>, tensor<1x4x40x40xf32>
// CHECK-NOT:   linalg.depthwise_conv_2d_nchw_chw
// AVX2-LABEL:  func.func @depthwise
// AVX2:        scf.for %{{.*}} = %c0 to %c40 step %c8
// AVX2-COUNT-9:  vector.fma {{.*}} : vector<8xf32>
// AVX2-NOT:    vector.fma
// THREADS-LABEL: func.func @depthwise
// THREADS:     scf.forall (%[[I:.*]]) in (2) shared_outs(%[[OUT:.*]] = %arg2)
// THREADS:       %[[FIRST:.*]] = arith.muli %[[I]], %c2
// THREADS:       tensor.extract_slice %[[OUT]][0, %[[FIRST]], 0, 0] [1, 2, 40, 40] [1, 1, 1, 1]
// THREADS:       scf.for %[[C:.*]] = %c0 to %c2 step %c1
// THREADS:         %[[GLOBAL:.*]] = arith.addi %[[FIRST]], %[[C]]
// THREADS:         tensor.extract %arg1[%[[GLOBAL]], %c0, %c0]
// THREADS:         vector.fma
// THREADS:       scf.forall.in_parallel
// THREADS:         tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, %[[FIRST]], 0, 0] [1, 2, 40, 40]
func.func @depthwise(%x: tensor<1x4x42x42xf32>, %w: tensor<4x3x3xf32>, %init: tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32> {
  %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x4x42x42xf32>, tensor<4x3x3xf32>) outs(%init : tensor<1x4x40x40xf32>) -> tensor<1x4x40x40xf32>
  return %0 : tensor<1x4x40x40xf32>
}

// -----

// Stride 2 and dilation 2: each tap reads twice the lanes from column
// 2 * ow + 2 * kw and keeps the even ones. A row of 7 outputs is one vector of
// 8 lanes (the power of two that covers it), masked.
// CHECK-LABEL: func.func @strided
// CHECK:       %[[X:.*]] = vector.transfer_read %arg0[%c0, %{{.*}}, %{{.*}}, %c4], %{{.*}} : tensor<1x2x19x19xf32>, vector<16xf32>
// CHECK:       vector.shuffle %[[X]], %[[X]] [0, 2, 4, 6, 8, 10, 12, 14] : vector<16xf32>, vector<16xf32>
// CHECK:       vector.fma {{.*}} : vector<8xf32>
// AVX2-LABEL:  func.func @strided
func.func @strided(%x: tensor<1x2x19x19xf32>, %w: tensor<2x3x3xf32>, %init: tensor<1x2x7x7xf32>) -> tensor<1x2x7x7xf32> {
  %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<2> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x19x19xf32>, tensor<2x3x3xf32>) outs(%init : tensor<1x2x7x7xf32>) -> tensor<1x2x7x7xf32>
  return %0 : tensor<1x2x7x7xf32>
}

// -----

// A grouped convolution (2 groups of 4 input channels, 3 outputs each):
// loops over groups, their outputs and rows; the input channels of the group
// are a loop inside each output vector, with the weights of the taps read per
// channel.
// CHECK-LABEL: func.func @grouped
// CHECK:       scf.for %[[G:.*]] = %c0 to %c2 step %c1
// CHECK:         scf.for %[[F:.*]] = %c0 to %c3 step %c1
// CHECK:           scf.for %{{.*}} = %c0 to %c10 step %c1
// CHECK:             scf.for %[[IC:.*]] = %c0 to %c4 step %c1 iter_args(%{{.*}} = %{{.*}}) -> (vector<16xf32>)
// CHECK:               tensor.extract %arg1[%[[G]], %[[F]], %[[IC]], %c0, %c0] : tensor<2x3x4x3x3xf32>
// CHECK-COUNT-9:       vector.fma
func.func @grouped(%x: tensor<1x2x4x12x12xf32>, %w: tensor<2x3x4x3x3xf32>, %init: tensor<1x2x3x10x10xf32>) -> tensor<1x2x3x10x10xf32> {
  %0 = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x4x12x12xf32>, tensor<2x3x4x3x3xf32>) outs(%init : tensor<1x2x3x10x10xf32>) -> tensor<1x2x3x10x10xf32>
  return %0 : tensor<1x2x3x10x10xf32>
}

// -----

// Pools: the max pool combines its taps with a compare and select (acc > x
// ? acc : x, one vmaxps; arith.maximumf's NaN propagation took four
// instructions), the sum pool with arith.addf; no weights.
// CHECK-LABEL: func.func @max_pool
// CHECK-NOT:   vector.fma
// CHECK-NOT:   arith.maximumf
// CHECK-COUNT-9: arith.select {{.*}} : vector<16xi1>, vector<16xf32>
// CHECK-LABEL: func.func @sum_pool
// CHECK-COUNT-4: arith.addf {{.*}} : vector<16xf32>
func.func @max_pool(%x: tensor<1x3x33x33xf32>, %init: tensor<1x3x16x16xf32>) -> tensor<1x3x16x16xf32> {
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %k : tensor<1x3x33x33xf32>, tensor<3x3xf32>) outs(%init : tensor<1x3x16x16xf32>) -> tensor<1x3x16x16xf32>
  return %0 : tensor<1x3x16x16xf32>
}
func.func @sum_pool(%x: tensor<1x3x17x17xf32>, %init: tensor<1x3x16x16xf32>) -> tensor<1x3x16x16xf32> {
  %k = tensor.empty() : tensor<2x2xf32>
  %0 = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %k : tensor<1x3x17x17xf32>, tensor<2x2xf32>) outs(%init : tensor<1x3x16x16xf32>) -> tensor<1x3x16x16xf32>
  return %0 : tensor<1x3x16x16xf32>
}

// -----

// A dynamic batch keeps the scalar fallback, and so do windows of more than
// 64 taps (each tap is unrolled) and strides above 4 along a row.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:       linalg.depthwise_conv_2d_nchw_chw
// CHECK-LABEL: func.func @large_window
// CHECK:       linalg.pooling_nchw_max
// CHECK-LABEL: func.func @large_stride
// CHECK:       linalg.pooling_nchw_max
func.func @dynamic_batch(%x: tensor<?x4x10x10xf32>, %w: tensor<4x3x3xf32>, %init: tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32> {
  %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<?x4x10x10xf32>, tensor<4x3x3xf32>) outs(%init : tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  return %0 : tensor<?x4x8x8xf32>
}
func.func @large_window(%x: tensor<1x1x20x20xf32>, %init: tensor<1x1x12x12xf32>) -> tensor<1x1x12x12xf32> {
  %k = tensor.empty() : tensor<9x9xf32>
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %k : tensor<1x1x20x20xf32>, tensor<9x9xf32>) outs(%init : tensor<1x1x12x12xf32>) -> tensor<1x1x12x12xf32>
  return %0 : tensor<1x1x12x12xf32>
}
func.func @large_stride(%x: tensor<1x1x20x20xf32>, %init: tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> {
  %k = tensor.empty() : tensor<2x2xf32>
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<5> : tensor<2xi64>}
    ins(%x, %k : tensor<1x1x20x20xf32>, tensor<2x2xf32>) outs(%init : tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// As the importer emits a MobileNet layer: the input padded by a constant
// tensor.pad, the bias broadcast as the accumulator, Clip(0, 6) after. The
// kernel reads the unpadded input (the top output row skips the taps of
// padding row -1; the first vector of each row reads from column 0 and
// shifts one lane of zeros in), starts the accumulator from the broadcast
// bias, and clamps it before the store, into the Clip's destination: the
// pad, the broadcast and the Clip's loop are gone.
// CHECK-LABEL: func.func @fused_layer
// CHECK-NOT:   tensor.pad
// CHECK:       %[[DEST:.*]] = tensor.empty() : tensor<1x8x16x16xf32>
// CHECK:       scf.for %[[C:.*]] = %c0 to %c8 step %c1 iter_args(%{{.*}} = %[[DEST]])
// CHECK:         %[[B:.*]] = tensor.extract %arg2[%[[C]]] : tensor<8xf32>
// CHECK:         %[[ACC:.*]] = vector.broadcast %[[B]] : f32 to vector<16xf32>
// CHECK:         %[[ROW0:.*]] = vector.transfer_read %arg0[%c0, %[[C]], %c0, %c0], %{{.*}} {in_bounds = [true]} : tensor<1x8x16x16xf32>, vector<16xf32>
// CHECK:         %[[SHIFTED:.*]] = vector.shuffle %{{.*}}, %[[ROW0]] [0, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]
// CHECK:         vector.fma %[[SHIFTED]], %{{.*}}, %[[ACC]]
// CHECK-COUNT-5: vector.fma
// CHECK-NOT:     vector.fma
// CHECK:         arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:         arith.minimumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK:         vector.transfer_write
// CHECK:         scf.for %{{.*}} = %c1 to %c15 step %c1
// CHECK-COUNT-9:   vector.fma
// CHECK-NOT:   linalg.generic
func.func @fused_layer(%x: tensor<1x8x16x16xf32>, %w: tensor<8x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x16x16xf32> to tensor<1x8x18x18xf32>
  %empty = tensor.empty() : tensor<1x8x16x16xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : tensor<8xf32>) outs(%empty : tensor<1x8x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x16x16xf32>
  %conv = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : tensor<1x8x18x18xf32>, tensor<8x3x3xf32>) outs(%bias : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  %clip = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%conv : tensor<1x8x16x16xf32>) outs(%empty : tensor<1x8x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<1x8x16x16xf32>
  return %clip : tensor<1x8x16x16xf32>
}

// -----

// A ceil-mode max pool: the input padded at the end with -inf, the
// accumulator a fill. The kernel reads the unpadded 16x16 input, the lanes
// past its end as -inf (the transfer's padding value), skips the last
// output row's taps below the image, and starts from the fill's value (the
// first maximum with -inf is the tap itself: 8 per vector, 5 in the last
// row). The
// taps that start past column 0 read 16 lanes under a mask of the lanes
// before the row's end.
// CHECK-LABEL: func.func @ceil_max_pool
// CHECK-NOT:   tensor.pad
// CHECK:       %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK:       scf.for %{{.*}} = %c0 to %c7 step %c1
// CHECK:         vector.transfer_read %arg0{{.*}}, %[[NEG]] {in_bounds = [true]} : tensor<1x3x16x16xf32>, vector<16xf32>
// CHECK:         %[[M15:.*]] = vector.constant_mask [15] : vector<16xi1>
// CHECK:         vector.transfer_read %arg0[{{.*}}, %c1], %[[NEG]], %[[M15]] {in_bounds = [true]} : tensor<1x3x16x16xf32>, vector<16xf32>
// CHECK-COUNT-8: arith.select {{.*}} : vector<8xi1>, vector<8xf32>
// CHECK:       }
// CHECK-COUNT-5: arith.select
// CHECK-NOT:   arith.select
// CHECK:       return
func.func @ceil_max_pool(%x: tensor<1x3x16x16xf32>) -> tensor<1x3x8x8xf32> {
  %neg = arith.constant 0xFF800000 : f32
  %padded = tensor.pad %x low[0, 0, 0, 0] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %neg : f32
  } : tensor<1x3x16x16xf32> to tensor<1x3x17x17xf32>
  %empty = tensor.empty() : tensor<1x3x8x8xf32>
  %init = linalg.fill ins(%neg : f32) outs(%empty : tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %k = tensor.empty() : tensor<3x3xf32>
  %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%padded, %k : tensor<1x3x17x17xf32>, tensor<3x3xf32>) outs(%init : tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  return %0 : tensor<1x3x8x8xf32>
}

// -----

// A depthwise 3x3 convolution at stride 1 onto a 7x7 map (rows shorter
// than a vector) runs channels-last: the unpadded input transposed to
// [49, 32] (8x8 shuffled blocks, then the last column) and padded
// channels-last to [81, 32] (the padded NCHW input is never written: one
// pass over the input fewer, a 480-channel 5x5 on 14x14 0.112 -> 0.089 ms
// on one thread) by filling the border (rows 0 and 8 whole, columns 0
// and 8 of rows 1-7: fillPadBorders, not a fill of the whole image) and
// inserting the rows into the middle, the weights
// permuted at compile time to [9, 32] (through the importer's collapse of
// its [32, 1, 3, 3] constant), then per block of 16 channels (8 with AVX2)
// the 9 weight vectors and the bias vector loaded once and each output row
// computed as 7 pixels x 9 taps FMAs in 7 independent chains, Clip(0, 6)
// applied in registers, 7 stores per row; the [49, 32] result transposed
// back to NCHW. With threads the blocks of 16 channels split into chunks,
// each transposing its channels of the unpadded input ([16, 49] -> [49, 16]),
// padding them channels-last, computing them and transposing its result
// into its rows of the NCHW output: no copy is left outside the chunks (the
// NCHW padding is gone), so a thread touches only its channels.
// CHECK-LABEL: func.func @channels_last
// CHECK-DAG:   %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<9x32xf32>
// CHECK-NOT:   tensor.pad %arg0
// CHECK:       tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x32x7x7xf32> into tensor<32x49xf32>
// CHECK:       scf.for %{{.*}} = %c0 to %c48 step %c8
// CHECK:         vector.shuffle
// CHECK:       %[[ROWS:.*]] = scf.for %{{.*}} = %c0 to %c32 step %c8
// CHECK:       %[[IMG:.*]] = tensor.expand_shape %[[ROWS]] {{\[}}[0, 1], [2]] output_shape [7, 7, 32]
// CHECK-NOT:   tensor.pad
// CHECK:       %[[BUF:.*]] = bufferization.alloc_tensor() : tensor<9x9x32xf32>
// CHECK:       tensor.extract_slice %[[BUF]][0, 0, 0] [1, 9, 32]
// CHECK:         vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[8, 0, 0] [1, 9, 32]
// CHECK:         vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[1, 0, 0] [7, 1, 32]
// CHECK:         vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[1, 8, 0] [7, 1, 32]
// CHECK:         vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       %[[PADDED:.*]] = tensor.insert_slice %[[IMG]] into %{{.*}}[1, 1, 0] [7, 7, 32] [1, 1, 1]
// CHECK:       tensor.collapse_shape %[[PADDED]] {{\[}}[0, 1], [2]] : tensor<9x9x32xf32> into tensor<81x32xf32>
// CHECK:       scf.for %[[C:.*]] = %c0 to %c32 step %c16
// CHECK-COUNT-9: vector.transfer_read %[[W]][%{{.*}}, %[[C]]]
// CHECK:         vector.transfer_read %arg1[%[[C]]]{{.*}} : tensor<32xf32>, vector<16xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c7 step %c1
// CHECK-COUNT-63:  vector.fma {{.*}} : vector<16xf32>
// CHECK-NOT:       vector.fma
// CHECK-COUNT-7:   arith.minimumf
// CHECK:           vector.transfer_write {{.*}} : vector<16xf32>, tensor<49x32xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 32, 7, 7] : tensor<32x49xf32> into tensor<1x32x7x7xf32>
// CHECK-NOT:   linalg.depthwise_conv_2d_nchw_chw
// AVX2-LABEL:  func.func @channels_last
// AVX2:        scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args(%{{.*}}) -> (tensor<49x32xf32>)
// AVX2-COUNT-63: vector.fma {{.*}} : vector<8xf32>
// THREADS-LABEL: func.func @channels_last(
// THREADS-NOT: tensor.pad
// THREADS:     scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<32x49xf32>)
// THREADS:       %[[PLANES:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x32x7x7xf32> into tensor<32x49xf32>
// THREADS:       tensor.extract_slice %[[PLANES]][%{{.*}}, 0] [16, 49] [1, 1] : tensor<32x49xf32> to tensor<16x49xf32>
// THREADS:       vector.shuffle
// THREADS:       bufferization.alloc_tensor() : tensor<9x9x16xf32>
// THREADS:       tensor.insert_slice %{{.*}} into %{{.*}}[1, 1, 0] [7, 7, 16] [1, 1, 1]
// THREADS:       tensor.collapse_shape %{{.*}} : tensor<9x9x16xf32> into tensor<81x16xf32>
// THREADS-COUNT-63: vector.fma {{.*}} : vector<16xf32>
// THREADS:       vector.shuffle
// THREADS:       tensor.parallel_insert_slice %{{.*}} [16, 49] [1, 1] : tensor<16x49xf32> into tensor<32x49xf32>
// THREADS-NOT: vector.shuffle
// THREADS:     return
func.func @channels_last(%x: tensor<1x32x7x7xf32>, %b: tensor<32xf32>) -> tensor<1x32x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %w4 = arith.constant dense<0.5> : tensor<32x1x3x3xf32>
  %w = tensor.collapse_shape %w4 [[0, 1], [2], [3]] : tensor<32x1x3x3xf32> into tensor<32x3x3xf32>
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x32x7x7xf32> to tensor<1x32x9x9xf32>
  %empty = tensor.empty() : tensor<1x32x7x7xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : tensor<32xf32>) outs(%empty : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x7x7xf32>
  %conv = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : tensor<1x32x9x9xf32>, tensor<32x3x3xf32>) outs(%bias : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  %clip = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%conv : tensor<1x32x7x7xf32>) outs(%empty : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<1x32x7x7xf32>
  return %clip : tensor<1x32x7x7xf32>
}

// -----

// A depthwise 7x7 window on a 14x14 map channels-last, split the same way
// with threads (the transposes, 14 columns in an 8-wide and a narrower
// piece, inside the chunks).
// THREADS-LABEL: func.func @channels_last_7x7
// THREADS-NOT: tensor.pad
// THREADS:     scf.forall (%{{.*}}) in (2) {{.*}} -> (tensor<32x196xf32>)
// THREADS:       bufferization.alloc_tensor() : tensor<20x20x16xf32>
// THREADS:       tensor.insert_slice %{{.*}} into %{{.*}}[3, 3, 0] [14, 14, 16] [1, 1, 1]
// THREADS:       vector.fma {{.*}} : vector<16xf32>
// THREADS:       tensor.parallel_insert_slice %{{.*}} [16, 196] [1, 1] : tensor<16x196xf32> into tensor<32x196xf32>
func.func @channels_last_7x7(%x: tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32> {
  %zero = arith.constant 0.0 : f32
  %w4 = arith.constant dense<0.5> : tensor<32x1x7x7xf32>
  %w = tensor.collapse_shape %w4 [[0, 1], [2], [3]] : tensor<32x1x7x7xf32> into tensor<32x7x7xf32>
  %padded = tensor.pad %x low[0, 0, 3, 3] high[0, 0, 3, 3] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x32x14x14xf32> to tensor<1x32x20x20xf32>
  %empty = tensor.empty() : tensor<1x32x14x14xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  %conv = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : tensor<1x32x20x20xf32>, tensor<32x7x7xf32>) outs(%init : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  return %conv : tensor<1x32x14x14xf32>
}

// -----

// As in MobileNetV2, the depthwise input is a pixel-rows convolution's
// [49, 32] product transposed to NCHW, clipped and padded, and its result
// goes back to rows for the next pixel-rows convolution: the Clip runs on
// the rows, the padding is added channels-last, and the transpose of the
// result back to rows becomes a copy: no transpose is left.
// CHECK-LABEL: func.func @transposes_cancel
// CHECK-NOT:   vector.shuffle
// CHECK:       arith.minimumf {{.*}} : vector<1x16xf32>
// CHECK:       %[[IMG:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2]] output_shape [7, 7, 32] : tensor<49x32xf32> into tensor<7x7x32xf32>
// CHECK:       bufferization.alloc_tensor() : tensor<9x9x32xf32>
// CHECK:       tensor.insert_slice %[[IMG]] into %{{.*}}[1, 1, 0] [7, 7, 32] [1, 1, 1]
// CHECK:       tensor.collapse_shape %{{.*}} : tensor<9x9x32xf32> into tensor<81x32xf32>
// CHECK-COUNT-63: vector.fma
// CHECK:       scf.for %{{.*}} iter_args(%{{.*}} = %arg2) -> (tensor<49x32xf32>)
// CHECK-NOT:   vector.shuffle
// CHECK-NOT:   tensor<1x32x9x9xf32>
// With threads the chunks write their columns of the rows, each padding its
// channels channels-last, and the transposes still cancel.
// THREADS-LABEL: func.func @transposes_cancel
// THREADS-NOT:   vector.shuffle
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<49x32xf32>)
// THREADS:         tensor.extract_slice %{{.*}}[0, %{{.*}}] [49, 16] [1, 1] : tensor<49x32xf32> to tensor<49x16xf32>
// THREADS:         bufferization.alloc_tensor() : tensor<9x9x16xf32>
// THREADS:         tensor.insert_slice %{{.*}} into %{{.*}}[1, 1, 0] [7, 7, 16] [1, 1, 1]
// THREADS:         tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}] [49, 16] [1, 1] : tensor<49x16xf32> into tensor<49x32xf32>
// THREADS-NOT:   vector.shuffle
// THREADS:       return
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @transposes_cancel(%rows: tensor<49x32xf32>, %b: tensor<32xf32>, %next: tensor<49x32xf32>) -> tensor<49x32xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %w4 = arith.constant dense<0.5> : tensor<32x1x3x3xf32>
  %w = tensor.collapse_shape %w4 [[0, 1], [2], [3]] : tensor<32x1x3x3xf32> into tensor<32x3x3xf32>
  %e0 = tensor.empty() : tensor<32x49xf32>
  %t0 = linalg.transpose ins(%rows : tensor<49x32xf32>) outs(%e0 : tensor<32x49xf32>) permutation = [1, 0]
  %x = tensor.expand_shape %t0 [[0, 1], [2, 3]] output_shape [1, 32, 7, 7] : tensor<32x49xf32> into tensor<1x32x7x7xf32>
  %empty = tensor.empty() : tensor<1x32x7x7xf32>
  %clip0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%x : tensor<1x32x7x7xf32>) outs(%empty : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<1x32x7x7xf32>
  %padded = tensor.pad %clip0 low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x32x7x7xf32> to tensor<1x32x9x9xf32>
  %bias = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, #id],
                          iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : tensor<32xf32>) outs(%empty : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x7x7xf32>
  %conv = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%padded, %w : tensor<1x32x9x9xf32>, tensor<32x3x3xf32>) outs(%bias : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  %flat = tensor.collapse_shape %conv [[0, 1], [2, 3]] : tensor<1x32x7x7xf32> into tensor<32x49xf32>
  %t1 = linalg.transpose ins(%flat : tensor<32x49xf32>) outs(%next : tensor<49x32xf32>) permutation = [1, 0]
  return %t1 : tensor<49x32xf32>
}
