// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul))" | FileCheck %s

// A 1x1 convolution is W[F, C] @ X[C, H*W], by reshapes only.
// CHECK-LABEL: func.func @pointwise
// CHECK-DAG:   %[[X:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x16x7x7xf32> into tensor<16x49xf32>
// CHECK-DAG:   %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<8x16x1x1xf32> into tensor<8x16xf32>
// CHECK-DAG:   %[[O:.*]] = tensor.collapse_shape %arg2 {{\[}}[0, 1], [2, 3]] : tensor<1x8x7x7xf32> into tensor<8x49xf32>
// CHECK:       %[[P:.*]] = linalg.matmul ins(%[[W]], %[[X]] : tensor<8x16xf32>, tensor<16x49xf32>) outs(%[[O]] : tensor<8x49xf32>)
// CHECK:       tensor.expand_shape %[[P]] {{\[}}[0, 1], [2, 3]] output_shape [1, 8, 7, 7]
func.func @pointwise(%x: tensor<1x16x7x7xf32>, %w: tensor<8x16x1x1xf32>, %o: tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x7x7xf32>, tensor<8x16x1x1xf32>) outs(%o : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  return %c : tensor<1x8x7x7xf32>
}

// -----

// A bias broadcast into the accumulator (the importer's Conv with a bias)
// is built over [F, H*W] directly, not reshaped: later passes tile it with
// the matmul.
// CHECK-DAG:   #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @bias
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<8x49xf32>
// CHECK:       %[[B:.*]] = linalg.generic {indexing_maps = [#[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%arg2 : tensor<8xf32>) outs(%[[E]] : tensor<8x49xf32>)
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x16xf32>, tensor<16x49xf32>) outs(%[[B]] : tensor<8x49xf32>)
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @bias(%x: tensor<1x16x7x7xf32>, %w: tensor<8x16x1x1xf32>, %b: tensor<8xf32>) -> tensor<1x8x7x7xf32> {
  %e = tensor.empty() : tensor<1x8x7x7xf32>
  %o = linalg.generic {indexing_maps = [#bias, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<8xf32>) outs(%e : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x8x7x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x7x7xf32>, tensor<8x16x1x1xf32>) outs(%o : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  return %c : tensor<1x8x7x7xf32>
}

// -----

// A strided 3x3 convolution (image to column): the input (padded to 10
// columns, whole phases) split into its two phases along the rows,
// xq[0, c, h, q, v] = x[0, c, h, 2v + q], then one copy per tap of a
// block of one phase whose rows are contiguous (tap (0, 2): phase 0 from
// column 1), the rows every other one.
// CHECK-DAG:   #[[PHASE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4 * 2 + d3)>
// CHECK-LABEL: func.func @strided
// CHECK:       %[[X:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 0, 1]
// CHECK:       %[[XQ:.*]] = linalg.generic {indexing_maps = [#[[PHASE]], #{{.*}}]{{.*}} ins(%[[X]] : tensor<1x3x9x10xf32>) outs(%{{.*}} : tensor<1x3x9x2x5xf32>)
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 0, 0] [1, 3, 4, 1, 4] [1, 1, 2, 1, 1] : tensor<1x3x9x2x5xf32> to tensor<3x4x4xf32>
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 1, 0] [1, 3, 4, 1, 4] [1, 1, 2, 1, 1]
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 0, 1] [1, 3, 4, 1, 4] [1, 1, 2, 1, 1]
// CHECK:       %[[C2:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1, 2], [3, 4]] : tensor<3x3x3x4x4xf32> into tensor<27x16xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %[[C2]] : tensor<4x27xf32>, tensor<27x16xf32>)
func.func @strided(%x: tensor<1x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %c : tensor<1x4x4x4xf32>
}

// -----

// A strided 1x1 convolution (ResNet's downsampling shortcut): the input
// sampled at the pixels it reads, s[n, c, y, x] = x[n, c, 2y, 2x] (no
// phases of the whole input), then the 1x1 convolution with unit steps:
// the sample is the matmul's right operand as it is.
// A step down the columns only (@strided_pointwise_rows): the sample
// steps along the rows' index.
// CHECK-DAG:   #[[SAMPLE:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2)>
// CHECK-DAG:   #[[ROWS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 3, d3)>
// CHECK-LABEL: func.func @strided_pointwise
// CHECK:       %[[S:.*]] = linalg.generic {indexing_maps = [#[[SAMPLE]], #{{.*}}]{{.*}} ins(%arg0 : tensor<1x16x34x34xf32>) outs(%{{.*}} : tensor<1x16x17x17xf32>)
// CHECK:       %[[COLS:.*]] = tensor.collapse_shape %[[S]] {{\[}}[0, 1], [2, 3]] : tensor<1x16x17x17xf32> into tensor<16x289xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %[[COLS]] : tensor<8x16xf32>, tensor<16x289xf32>)
// CHECK-NOT:   linalg.conv_2d_nchw_fchw
// CHECK-NOT:   d4 * 2 + d3
// CHECK-LABEL: func.func @strided_pointwise_rows
// CHECK:       linalg.generic {indexing_maps = [#[[ROWS]], #{{.*}}]{{.*}} ins(%arg0 : tensor<1x16x30x20xf32>) outs(%{{.*}} : tensor<1x16x10x20xf32>)
func.func @strided_pointwise(%x: tensor<1x16x34x34xf32>, %w: tensor<8x16x1x1xf32>, %o: tensor<1x8x17x17xf32>) -> tensor<1x8x17x17xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x34x34xf32>, tensor<8x16x1x1xf32>) outs(%o : tensor<1x8x17x17xf32>) -> tensor<1x8x17x17xf32>
  return %c : tensor<1x8x17x17xf32>
}
func.func @strided_pointwise_rows(%x: tensor<1x16x30x20xf32>, %w: tensor<8x16x1x1xf32>, %o: tensor<1x8x10x20xf32>) -> tensor<1x8x10x20xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[3, 1]> : tensor<2xi64>}
       ins(%x, %w : tensor<1x16x30x20xf32>, tensor<8x16x1x1xf32>) outs(%o : tensor<1x8x10x20xf32>) -> tensor<1x8x10x20xf32>
  return %c : tensor<1x8x10x20xf32>
}

// -----

// Unit steps along the rows (a 3x3 convolution, stride 2 down the columns
// only, dilation 2 down them): one elementwise copy per tap of a [C, OH, OW]
// block whose rows are contiguous, into its place in the columns.
// CHECK-LABEL: func.func @unit_row_steps
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<3x3x3x3x4xf32>
// CHECK:       %[[S0:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 3, 3, 4] [1, 1, 2, 1] : tensor<1x3x9x6xf32> to tensor<3x3x4xf32>
// CHECK:       %[[D0:.*]] = tensor.extract_slice %[[E]][0, 0, 0, 0, 0] [3, 1, 1, 3, 4] [1, 1, 1, 1, 1] : tensor<3x3x3x3x4xf32> to tensor<3x3x4xf32>
// CHECK:       %[[G0:.*]] = linalg.generic {{.*}} ins(%[[S0]] : tensor<3x3x4xf32>) outs(%[[D0]] : tensor<3x3x4xf32>)
// CHECK:       %[[C0:.*]] = tensor.insert_slice %[[G0]] into %[[E]][0, 0, 0, 0, 0] [3, 1, 1, 3, 4] [1, 1, 1, 1, 1]
// CHECK:       tensor.extract_slice %arg0[0, 0, 0, 1] [1, 3, 3, 4] [1, 1, 2, 1]
// CHECK-COUNT-7: tensor.insert_slice
// The last tap: row offset 2 * dilation, column offset 2.
// CHECK:       tensor.extract_slice %arg0[0, 0, 4, 2] [1, 3, 3, 4] [1, 1, 2, 1]
// CHECK:       %[[LAST:.*]] = tensor.insert_slice %{{.*}} into %{{.*}}[0, 2, 2, 0, 0] [3, 1, 1, 3, 4]
// CHECK:       %[[C2:.*]] = tensor.collapse_shape %[[LAST]] {{\[}}[0, 1, 2], [3, 4]] : tensor<3x3x3x3x4xf32> into tensor<27x12xf32>
// CHECK:       linalg.matmul ins(%{{.*}}, %[[C2]] : tensor<4x27xf32>, tensor<27x12xf32>)
func.func @unit_row_steps(%x: tensor<1x3x9x6xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x3x4xf32>) -> tensor<1x4x3x4xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x9x6xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x3x4xf32>) -> tensor<1x4x3x4xf32>
  return %c : tensor<1x4x3x4xf32>
}

// -----

// Batches other than 1 and dynamic shapes are left alone.
// CHECK-LABEL: func.func @batch2
// CHECK:       linalg.conv_2d_nchw_fchw
// CHECK-NOT:   linalg.matmul
func.func @batch2(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<2x4x6x6xf32>) -> tensor<2x4x6x6xf32> {
  %c = linalg.conv_2d_nchw_fchw ins(%x, %w : tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<2x4x6x6xf32>) -> tensor<2x4x6x6xf32>
  return %c : tensor<2x4x6x6xf32>
}

// -----

// A symbolic batch (ViT's patch embedding, 8x8 stride 8): a loop over the
// batch entries, each a static batch-1 convolution rewritten as above.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:       %[[N:.*]] = tensor.dim %{{.*}}, %c0{{.*}} : tensor<?x64x4x4xf32>
// CHECK:       scf.for %[[I:.*]] = %c0{{.*}} to %[[N]] step %c1
// CHECK:         tensor.extract_slice %{{.*}}[%[[I]], 0, 0, 0] [1, 3, 32, 32] [1, 1, 1, 1] : tensor<?x3x32x32xf32> to tensor<1x3x32x32xf32>
// CHECK:         linalg.matmul ins(%{{.*}} : tensor<64x192xf32>, tensor<192x16xf32>) outs(%{{.*}} : tensor<64x16xf32>)
// CHECK:         tensor.insert_slice %{{.*}}[%[[I]], 0, 0, 0] [1, 64, 4, 4] [1, 1, 1, 1] : tensor<1x64x4x4xf32> into tensor<?x64x4x4xf32>
// CHECK-NOT:   linalg.conv_2d
func.func @dynamic_batch(%x: tensor<?x3x32x32xf32>, %w: tensor<64x3x8x8xf32>, %b: tensor<?x64x4x4xf32>) -> tensor<?x64x4x4xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<8> : tensor<2xi64>} ins(%x, %w : tensor<?x3x32x32xf32>, tensor<64x3x8x8xf32>) outs(%b : tensor<?x64x4x4xf32>) -> tensor<?x64x4x4xf32>
  return %r : tensor<?x64x4x4xf32>
}

// -----

// Stride 1 over a wide enough image (the discarded columns at most an
// eighth): one matmul per tap on the flattened input, no image to column.
// The output is computed W = 18 columns wide; tap (i, j) multiplies the
// window of the flattened input at i * dh * W + j (dilation 2 down the
// rows). The input gets one extra zero row, added to the importer's pad.
// CHECK-LABEL: func.func @shifted_taps
// CHECK:       %[[PAD:.*]] = tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 2, 1]
// CHECK:       } : tensor<1x3x16x16xf32> to tensor<1x3x19x18xf32>
// CHECK:       %[[FLAT:.*]] = tensor.collapse_shape %[[PAD]] {{\[}}[0, 1], [2, 3]] : tensor<1x3x19x18xf32> into tensor<3x342xf32>
// CHECK:       %[[WT:.*]] = linalg.transpose ins(%arg1 : tensor<4x3x3x3xf32>) outs(%{{.*}} : tensor<3x3x4x3xf32>) permutation = [2, 3, 0, 1]
// CHECK:       %[[WIDE:.*]] = tensor.pad %arg2 low[0, 0, 0, 0] high[0, 0, 0, 2]
// CHECK:       %[[ACC:.*]] = tensor.collapse_shape %[[WIDE]] {{\[}}[0, 1], [2, 3]] : tensor<1x4x14x18xf32> into tensor<4x252xf32>
// CHECK:       %[[T0:.*]] = tensor.extract_slice %[[WT]][0, 0, 0, 0] [1, 1, 4, 3] [1, 1, 1, 1] : tensor<3x3x4x3xf32> to tensor<4x3xf32>
// CHECK:       %[[X0:.*]] = tensor.extract_slice %[[FLAT]][0, 0] [3, 252] [1, 1] : tensor<3x342xf32> to tensor<3x252xf32>
// CHECK:       %[[M0:.*]] = linalg.matmul ins(%[[T0]], %[[X0]] : tensor<4x3xf32>, tensor<3x252xf32>) outs(%[[ACC]] : tensor<4x252xf32>)
// CHECK:       tensor.extract_slice %[[FLAT]][0, 1] [3, 252]
// CHECK:       tensor.extract_slice %[[FLAT]][0, 2] [3, 252]
// CHECK:       tensor.extract_slice %[[FLAT]][0, 36] [3, 252]
// CHECK-COUNT-5: linalg.matmul
// CHECK:       tensor.extract_slice %[[FLAT]][0, 74] [3, 252]
// CHECK:       %[[LAST:.*]] = linalg.matmul
// CHECK:       %[[E:.*]] = tensor.expand_shape %[[LAST]] {{\[}}[0, 1], [2, 3]] output_shape [1, 4, 14, 18]
// CHECK:       tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 4, 14, 16] [1, 1, 1, 1] : tensor<1x4x14x18xf32> to tensor<1x4x14x16xf32>
// CHECK-NOT:   linalg.conv_2d
func.func @shifted_taps(%x: tensor<1x3x16x16xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x14x16xf32>) -> tensor<1x4x14x16xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<1x3x16x16xf32> to tensor<1x3x18x18xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%p, %w : tensor<1x3x18x18xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x14x16xf32>) -> tensor<1x4x14x16xf32>
  return %c : tensor<1x4x14x16xf32>
}

// -----

// A constant weight is laid out tap-major at compile time (no transpose at
// run time): [F, C, KH, KW] = [2, 1, 2, 2] holding 1..8 becomes
// [KH, KW, F, C] holding 1 5 2 6 3 7 4 8 (the blob's little-endian floats).
// CHECK-LABEL: func.func @shifted_taps_constant
// CHECK:       %[[WT:.*]] = arith.constant dense_resource<sieve_permuted_weight> : tensor<2x2x2x1xf32>
// CHECK-NOT:   linalg.transpose
// CHECK:       tensor.extract_slice %[[WT]][0, 0, 0, 0] [1, 1, 2, 1]
// CHECK-COUNT-4: linalg.matmul
// CHECK:       sieve_permuted_weight: "0x{{[0-9A-F]*}}0000803F0000A040000000400000C040000040400000E0400000804000000041"
func.func @shifted_taps_constant(%x: tensor<1x1x16x16xf32>, %o: tensor<1x2x15x15xf32>) -> tensor<1x2x15x15xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0], [3.0, 4.0]]], [[[5.0, 6.0], [7.0, 8.0]]]]> : tensor<2x1x2x2xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x1x16x16xf32>, tensor<2x1x2x2xf32>) outs(%o : tensor<1x2x15x15xf32>) -> tensor<1x2x15x15xf32>
  return %c : tensor<1x2x15x15xf32>
}

// -----

// A narrow image keeps image to column: computing 7 + 2 columns per row of
// 7 would waste more than it saves.
// CHECK-LABEL: func.func @narrow_keeps_columns
// CHECK-COUNT-9: linalg.generic
// CHECK:       linalg.matmul ins(%{{.*}} : tensor<4x27xf32>, tensor<27x49xf32>)
func.func @narrow_keeps_columns(%x: tensor<1x3x9x9xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x7x7xf32>) -> tensor<1x4x7x7xf32>
  return %c : tensor<1x4x7x7xf32>
}

// -----

// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{l2-bytes=16384}))" | FileCheck %s --check-prefix=BLOCKS

// With a 16 KiB L2 (for the test): the 4 taps' weights (8x8x2x2 floats,
// 1 KiB) fit its half, and the output block [8, nb] and input windows
// [8, nb] take at most 8 KiB: blocks of 128 columns of the 16 x 17 = 272,
// two in a loop, then the 16 left.
// BLOCKS-LABEL: func.func @column_blocks
// BLOCKS:       %[[C0:.*]] = arith.constant 0 : index
// BLOCKS:       %[[C256:.*]] = arith.constant 256 : index
// BLOCKS:       %[[C128:.*]] = arith.constant 128 : index
// BLOCKS:       scf.for %[[J:.*]] = %[[C0]] to %[[C256]] step %[[C128]]
// BLOCKS:         tensor.extract_slice %{{.*}}[0, %[[J]]] [8, 128] [1, 1] : tensor<8x272xf32> to tensor<8x128xf32>
// BLOCKS-COUNT-4: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x128xf32>)
// BLOCKS:         tensor.insert_slice
// BLOCKS:       }
// BLOCKS:       tensor.extract_slice %{{.*}}[0, 256] [8, 16] [1, 1] : tensor<8x272xf32> to tensor<8x16xf32>
// BLOCKS-COUNT-4: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x8xf32>, tensor<8x16xf32>)
// BLOCKS-NOT:   linalg.conv_2d
//
// With all taps' weights over half the L2, image to column (one matmul).
// BLOCKS-LABEL: func.func @wide_weights_keep_columns
// BLOCKS-COUNT-9: linalg.generic
// BLOCKS:       linalg.matmul ins(%{{.*}} : tensor<32x288xf32>, tensor<288x256xf32>)
func.func @column_blocks(%x: tensor<1x8x17x17xf32>, %w: tensor<8x8x2x2xf32>, %o: tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x17x17xf32>, tensor<8x8x2x2xf32>) outs(%o : tensor<1x8x16x16xf32>) -> tensor<1x8x16x16xf32>
  return %c : tensor<1x8x16x16xf32>
}
func.func @wide_weights_keep_columns(%x: tensor<1x32x18x18xf32>, %w: tensor<32x32x3x3xf32>, %o: tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x32x18x18xf32>, tensor<32x32x3x3xf32>) outs(%o : tensor<1x32x16x16xf32>) -> tensor<1x32x16x16xf32>
  return %c : tensor<1x32x16x16xf32>
}
