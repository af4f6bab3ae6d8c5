// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-rows=8 panel-columns=32}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-columns=32}))" | FileCheck %s --check-prefix=OFF

// A 3x3 convolution onto a 9x9 map (81 pixels: no whole number of 32-column
// tiles) with 32 output channels: pixel rows. Each pixel's receptive field
// is gathered into a row, the 81 rows padded with zeros to 88 (whole
// 8-row tiles: no tile of 6 to 8 rows divides 81), times the weights
// transposed at compile time; the accumulator transposed in, the first 81
// rows of the product transposed back out.
// CHECK-LABEL: func.func @pixel_rows
// CHECK:       %[[G:.*]] = linalg.generic {{.*}} ins(%arg0 : tensor<1x2x11x11xf32>) outs(%{{.*}} : tensor<9x9x2x3x3xf32>)
// CHECK:       %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2, 3, 4]] : tensor<9x9x2x3x3xf32> into tensor<81x18xf32>
// CHECK:       %[[RP:.*]] = tensor.pad %[[R]] low[0, 0] high[7, 0]
// CHECK:       tensor<81x18xf32> to tensor<88x18xf32>
// CHECK:       %[[WT:.*]] = arith.constant dense<5.000000e-01> : tensor<18x32xf32>
// CHECK:       %[[AT:.*]] = linalg.transpose ins(%{{.*}} : tensor<32x81xf32>) outs(%{{.*}} : tensor<81x32xf32>) permutation = [1, 0]
// CHECK:       %[[AP:.*]] = tensor.pad %[[AT]] low[0, 0] high[7, 0]
// CHECK:       %[[P:.*]] = linalg.matmul ins(%[[RP]], %[[WT]] : tensor<88x18xf32>, tensor<18x32xf32>) outs(%[[AP]] : tensor<88x32xf32>)
// CHECK:       %[[PS:.*]] = tensor.extract_slice %[[P]][0, 0] [81, 32] [1, 1] : tensor<88x32xf32> to tensor<81x32xf32>
// CHECK:       %[[OUT:.*]] = linalg.transpose ins(%[[PS]] : tensor<81x32xf32>) outs(%{{.*}} : tensor<32x81xf32>) permutation = [1, 0]
// CHECK:       tensor.expand_shape %[[OUT]] {{\[}}[0, 1], [2, 3]] output_shape [1, 32, 9, 9] : tensor<32x81xf32> into tensor<1x32x9x9xf32>
// OFF-LABEL:   func.func @pixel_rows
// OFF-NOT:     linalg.transpose
// OFF:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x18xf32>, tensor<18x81xf32>)
func.func @pixel_rows(%x: tensor<1x2x11x11xf32>, %acc: tensor<1x32x9x9xf32>) -> tensor<1x32x9x9xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2x3x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x11x11xf32>, tensor<32x2x3x3xf32>) outs(%acc : tensor<1x32x9x9xf32>) -> tensor<1x32x9x9xf32>
  return %r : tensor<1x32x9x9xf32>
}

// -----

// Weights that are no constant are transposed at run time; a stride of 2
// reads every other input pixel in the gather; 7x7 = 49 pixels, which
// register tiles of 7 rows divide: no padding rows.
// CHECK-LABEL: func.func @pixel_rows_input_weights
// CHECK:       linalg.generic {indexing_maps = [#[[IN:.*]], #{{.*}}]{{.*}} ins(%arg0 : tensor<1x4x15x15xf32>) outs(%{{.*}} : tensor<7x7x4x3x3xf32>)
// CHECK:       %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<32x4x3x3xf32> into tensor<32x36xf32>
// CHECK:       %[[WT:.*]] = linalg.transpose ins(%[[W]] : tensor<32x36xf32>) outs(%{{.*}} : tensor<36x32xf32>) permutation = [1, 0]
// CHECK-NOT:   tensor.pad
// CHECK:       linalg.matmul ins(%{{.*}}, %[[WT]] : tensor<49x36xf32>, tensor<36x32xf32>)
func.func @pixel_rows_input_weights(%x: tensor<1x4x15x15xf32>, %w: tensor<32x4x3x3xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x4x15x15xf32>, tensor<32x4x3x3xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// Not pixel rows: a map of whole column tiles (8x8 = 64 pixels), output
// channels that are no whole tiles (48), a map of eight tiles or more
// (16x16 = 256 pixels), and one smaller than a row tile (2x2).
// CHECK-LABEL: func.func @columns_stay
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x18xf32>, tensor<18x64xf32>)
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<48x18xf32>, tensor<18x49xf32>)
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x2xf32>, tensor<2x256xf32>)
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<32x2xf32>, tensor<2x4xf32>)
// CHECK-NOT:   linalg.transpose
func.func @columns_stay(%x: tensor<1x2x10x10xf32>, %w: tensor<32x2x3x3xf32>, %acc: tensor<1x32x8x8xf32>,
                        %x2: tensor<1x2x9x9xf32>, %w2: tensor<48x2x3x3xf32>, %acc2: tensor<1x48x7x7xf32>,
                        %x3: tensor<1x2x16x16xf32>, %w3: tensor<32x2x1x1xf32>, %acc3: tensor<1x32x16x16xf32>,
                        %x4: tensor<1x2x2x2xf32>, %acc4: tensor<1x32x2x2xf32>)
    -> (tensor<1x32x8x8xf32>, tensor<1x48x7x7xf32>, tensor<1x32x16x16xf32>, tensor<1x32x2x2xf32>) {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x10x10xf32>, tensor<32x2x3x3xf32>) outs(%acc : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %r2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x2, %w2 : tensor<1x2x9x9xf32>, tensor<48x2x3x3xf32>) outs(%acc2 : tensor<1x48x7x7xf32>) -> tensor<1x48x7x7xf32>
  %r3 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x3, %w3 : tensor<1x2x16x16xf32>, tensor<32x2x1x1xf32>) outs(%acc3 : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  %r4 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x4, %w3 : tensor<1x2x2x2xf32>, tensor<32x2x1x1xf32>) outs(%acc4 : tensor<1x32x2x2xf32>) -> tensor<1x32x2x2xf32>
  return %r, %r2, %r3, %r4 : tensor<1x32x8x8xf32>, tensor<1x48x7x7xf32>, tensor<1x32x16x16xf32>, tensor<1x32x2x2xf32>
}

// -----

// The accumulator is the broadcast of a per-channel bias: it is built
// directly as [49, 32] rows (no transpose, no pad), which
// sieve-tile-and-vectorize fuses into the register tiles.
// CHECK-LABEL: func.func @pixel_rows_bias
// CHECK:       %[[B:.*]] = linalg.generic {{.*}} ins(%arg1 : tensor<32xf32>) outs(%{{.*}} : tensor<49x32xf32>)
// CHECK-NOT:   linalg.transpose
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<49x18xf32>, tensor<18x32xf32>) outs(%[[B]] : tensor<49x32xf32>)
#bias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#bias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @pixel_rows_bias(%x: tensor<1x2x9x9xf32>, %b: tensor<32xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2x3x3xf32>
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %acc = linalg.generic {indexing_maps = [#bias_ch, #bias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x7x7xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x9x9xf32>, tensor<32x2x3x3xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// 16 channels or more: the input is transposed to channels-last once
// ([9, 9, 16]); each tap (i, j) copies its [7, 7, 16] block of it (whole
// runs of channels, an elementwise copy) into its columns of a [49, 3, 3,
// 16] table; the weights are laid
// out [(i, j, c), F] to match (at compile time when constant, by a
// transpose at run time otherwise).
// CHECK-LABEL: func.func @pixel_rows_channels_last
// CHECK:       %[[T1:.*]] = tensor.empty() : tensor<49x3x3x16xf32>
// CHECK-NOT:   linalg.fill
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x16x9x9xf32> into tensor<16x81xf32>
// CHECK:       %[[HWC:.*]] = linalg.transpose ins(%[[FLAT]] : tensor<16x81xf32>) outs(%{{.*}} : tensor<81x16xf32>) permutation = [1, 0]
// CHECK:       %[[IMG:.*]] = tensor.expand_shape %[[HWC]] {{\[}}[0, 1], [2]] output_shape [9, 9, 16] : tensor<81x16xf32> into tensor<9x9x16xf32>
// CHECK:       %[[B00:.*]] = tensor.extract_slice %[[IMG]][0, 0, 0] [7, 7, 16] [1, 1, 1] : tensor<9x9x16xf32> to tensor<7x7x16xf32>
// CHECK:       %[[D00:.*]] = tensor.extract_slice %[[T1]][0, 0, 0, 0] [49, 1, 1, 16] [1, 1, 1, 1] : tensor<49x3x3x16xf32> to tensor<49x16xf32>
// CHECK:       %[[E00:.*]] = tensor.expand_shape %[[D00]] {{\[}}[0, 1], [2]] output_shape [7, 7, 16] : tensor<49x16xf32> into tensor<7x7x16xf32>
// CHECK:       %[[C00:.*]] = linalg.generic {{.*}} ins(%[[B00]] : tensor<7x7x16xf32>) outs(%[[E00]] : tensor<7x7x16xf32>)
// CHECK:       %[[F00:.*]] = tensor.collapse_shape %[[C00]] {{\[}}[0, 1], [2]] : tensor<7x7x16xf32> into tensor<49x16xf32>
// CHECK:       %[[T2:.*]] = tensor.insert_slice %[[F00]] into %[[T1]][0, 0, 0, 0] [49, 1, 1, 16] [1, 1, 1, 1]
// CHECK:       tensor.extract_slice %[[IMG]][0, 1, 0] [7, 7, 16] [1, 1, 1]
// CHECK:       tensor.extract_slice %[[T2]][0, 0, 1, 0] [49, 1, 1, 16] [1, 1, 1, 1]
// CHECK:       tensor.extract_slice %[[IMG]][2, 2, 0] [7, 7, 16] [1, 1, 1]
// CHECK:       %[[TL:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 2, 2, 0] [49, 1, 1, 16] [1, 1, 1, 1]
// CHECK:       %[[R:.*]] = tensor.collapse_shape %[[TL]] {{\[}}[0], [1, 2, 3]] : tensor<49x3x3x16xf32> into tensor<49x144xf32>
// CHECK:       %[[WT:.*]] = arith.constant dense<5.000000e-01> : tensor<144x32xf32>
// CHECK:       linalg.matmul ins(%[[R]], %[[WT]] : tensor<49x144xf32>, tensor<144x32xf32>)
// A stride of 2: each tap's block is a strided slice of the image.
// CHECK-LABEL: func.func @pixel_rows_channels_last_input_weights
// CHECK:       %[[IMG:.*]] = tensor.expand_shape %{{.*}} output_shape [15, 15, 16] : tensor<225x16xf32> into tensor<15x15x16xf32>
// CHECK:       tensor.extract_slice %[[IMG]][0, 0, 0] [7, 7, 16] [2, 2, 1] : tensor<15x15x16xf32> to tensor<7x7x16xf32>
// CHECK:       tensor.extract_slice %[[IMG]][2, 2, 0] [7, 7, 16] [2, 2, 1] : tensor<15x15x16xf32> to tensor<7x7x16xf32>
// CHECK:       %[[P:.*]] = linalg.transpose ins(%arg1 : tensor<32x16x3x3xf32>) outs(%{{.*}} : tensor<3x3x16x32xf32>) permutation = [2, 3, 1, 0]
// CHECK:       %[[W:.*]] = tensor.collapse_shape %[[P]] {{\[}}[0, 1, 2], [3]] : tensor<3x3x16x32xf32> into tensor<144x32xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %[[W]] : tensor<49x144xf32>, tensor<144x32xf32>)
func.func @pixel_rows_channels_last(%x: tensor<1x16x9x9xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %w = arith.constant dense<0.5> : tensor<32x16x3x3xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x9x9xf32>, tensor<32x16x3x3xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}
func.func @pixel_rows_channels_last_input_weights(%x: tensor<1x16x15x15xf32>, %w: tensor<32x16x3x3xf32>, %acc: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x15x15xf32>, tensor<32x16x3x3xf32>) outs(%acc : tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// A 1x1 kernel with unit strides: the input is transposed straight into
// the rows' table (no copy per tap); 81 pixels take 7 zero rows, written
// in place.
// CHECK-LABEL: func.func @pixel_rows_pointwise
// CHECK:       %[[T0:.*]] = tensor.empty() : tensor<88x1x1x16xf32>
// CHECK:       %[[Z:.*]] = linalg.fill {{.*}} -> tensor<7x1x1x16xf32>
// CHECK:       %[[T1:.*]] = tensor.insert_slice %[[Z]] into %[[T0]][81, 0, 0, 0] [7, 1, 1, 16] [1, 1, 1, 1]
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x16x9x9xf32> into tensor<16x81xf32>
// CHECK:       %[[D:.*]] = tensor.extract_slice %[[T1]][0, 0, 0, 0] [81, 1, 1, 16] [1, 1, 1, 1] : tensor<88x1x1x16xf32> to tensor<81x16xf32>
// CHECK:       %[[T:.*]] = linalg.transpose ins(%[[FLAT]] : tensor<16x81xf32>) outs(%[[D]] : tensor<81x16xf32>) permutation = [1, 0]
// CHECK:       %[[T2:.*]] = tensor.insert_slice %[[T]] into %[[T1]][0, 0, 0, 0] [81, 1, 1, 16] [1, 1, 1, 1]
// CHECK-NOT:   linalg.generic
// CHECK:       %[[R:.*]] = tensor.collapse_shape %[[T2]] {{\[}}[0], [1, 2, 3]] : tensor<88x1x1x16xf32> into tensor<88x16xf32>
// CHECK:       linalg.matmul ins(%[[R]], %{{.*}} : tensor<88x16xf32>, tensor<16x32xf32>)
func.func @pixel_rows_pointwise(%x: tensor<1x16x9x9xf32>, %acc: tensor<1x32x9x9xf32>) -> tensor<1x32x9x9xf32> {
  %w = arith.constant dense<0.5> : tensor<32x16x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x9x9xf32>, tensor<32x16x1x1xf32>) outs(%acc : tensor<1x32x9x9xf32>) -> tensor<1x32x9x9xf32>
  return %r : tensor<1x32x9x9xf32>
}
