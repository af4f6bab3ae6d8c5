// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-columns=32}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-columns=32 threads=2}))" | FileCheck %s --check-prefix=FORALL
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul))" | FileCheck %s --check-prefix=PLAIN
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-columns=32 l1-bytes=1048576}))" | FileCheck %s --check-prefix=PLAIN

// Image to column in panels: a 7x7/2 stem-like convolution with 32 x 32
// outputs (rows of the plain layout 4 KiB apart: all in one L1 position,
// 8 of the strip's 147 stay in the default 32 KiB L1). With a step of 2
// along the rows, the input (one zero column added: 70, whole phases) is
// first split into its two phases, xq[0, c, h, q, v] = x[0, c, h, 2v + q];
// each tap then copies a block of one phase whose rows are contiguous (tap
// (0, 0): phase 0 from column 0; (0, 1): phase 1; (0, 2): phase 0 from
// column 1) into col[OH, OW/32, C, KH, KW, 32]; each panel [147, 32] is
// contiguous and gets its own matmul into 32 columns of the output.
// CHECK-DAG:   #[[PHASE:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4 * 2 + d3)>
// CHECK-LABEL: func.func @stem
// CHECK:       %[[X:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 0, 1]
// CHECK:       %[[XQ:.*]] = linalg.generic {indexing_maps = [#[[PHASE]], #{{.*}}]{{.*}} ins(%[[X]] : tensor<1x3x69x70xf32>) outs(%{{.*}} : tensor<1x3x69x2x35xf32>)
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 0, 0] [1, 3, 32, 1, 32] [1, 1, 2, 1, 1] : tensor<1x3x69x2x35xf32> to tensor<3x32x32xf32>
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 1, 0] [1, 3, 32, 1, 32] [1, 1, 2, 1, 1]
// CHECK:       tensor.extract_slice %[[XQ]][0, 0, 0, 0, 1] [1, 3, 32, 1, 32] [1, 1, 2, 1, 1]
// CHECK:       %[[PANELS:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3, 4], [5]] : tensor<32x1x3x7x7x32xf32> into tensor<32x147x32xf32>
// CHECK:       %[[W:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<8x3x7x7xf32> into tensor<8x147xf32>
// CHECK:       %[[ACC:.*]] = tensor.collapse_shape %arg2 {{\[}}[0, 1], [2, 3]] : tensor<1x8x32x32xf32> into tensor<8x1024xf32>
// CHECK:       %[[R:.*]] = scf.for %[[Q:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %[[ACC]]) -> (tensor<8x1024xf32>)
// CHECK:         %[[COLUMN:.*]] = arith.muli %[[Q]], %{{.*}} : index
// CHECK:         %[[B:.*]] = tensor.extract_slice %[[PANELS]][%{{.*}}, 0, 0] [1, 147, 32] [1, 1, 1] : tensor<32x147x32xf32> to tensor<147x32xf32>
// CHECK:         %[[T:.*]] = tensor.extract_slice %[[OUT]][0, %[[COLUMN]]] [8, 32] [1, 1] : tensor<8x1024xf32> to tensor<8x32xf32>
// CHECK:         %[[P:.*]] = linalg.matmul ins(%[[W]], %[[B]] : tensor<8x147xf32>, tensor<147x32xf32>) outs(%[[T]] : tensor<8x32xf32>)
// CHECK:         %[[I:.*]] = tensor.insert_slice %[[P]] into %[[OUT]][0, %[[COLUMN]]] [8, 32] [1, 1]
// CHECK:         scf.yield %[[I]]
// CHECK:       tensor.expand_shape %[[R]] {{\[}}[0, 1], [2, 3]] output_shape [1, 8, 32, 32]
// CHECK-NOT:   linalg.conv_2d
//
// Two threads: two chunks of 16 panels, each its loop.
// FORALL-LABEL: func.func @stem
// FORALL:       scf.forall (%[[CH:.*]]) in (2) shared_outs(%[[S:.*]] = %{{.*}}) -> (tensor<8x1024xf32>)
// FORALL:         %[[FIRST:.*]] = arith.muli %[[CH]], %{{.*}} : index
// FORALL:         %[[PART:.*]] = tensor.extract_slice %[[S]][0, %{{.*}}] [8, 512] [1, 1] : tensor<8x1024xf32> to tensor<8x512xf32>
// FORALL:         %[[L:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[PART]]) -> (tensor<8x512xf32>)
// FORALL:           linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x147xf32>, tensor<147x32xf32>) outs(%{{.*}} : tensor<8x32xf32>)
// FORALL:         scf.forall.in_parallel
// FORALL:           tensor.parallel_insert_slice %[[L]] into %[[S]][0, %{{.*}}] [8, 512] [1, 1]
//
// Without panel-columns (the pass's default), or with an L1 of 256 ways
// (1 MiB) that holds the strip: the plain layout.
// PLAIN-LABEL: func.func @stem
// PLAIN-NOT:   scf.for
// PLAIN:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<8x147xf32>, tensor<147x1024xf32>)
func.func @stem(%x: tensor<1x3x69x69xf32>, %w: tensor<8x3x7x7xf32>, %o: tensor<1x8x32x32xf32>) -> tensor<1x8x32x32xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x69x69xf32>, tensor<8x3x7x7xf32>) outs(%o : tensor<1x8x32x32xf32>) -> tensor<1x8x32x32xf32>
  return %c : tensor<1x8x32x32xf32>
}

// -----

// 64 x 60 outputs (rows 15 KiB apart: four positions in a 4 KiB way, 32
// rows of the default 32 KiB L1, fewer than the 36 of the strip): computed
// 64 wide (4 more is at most an eighth), the input padded by 9 columns on
// the right for them ((64 - 1) * 2 + 3 = 129, rounded up to whole phases:
// 130) and split into its two phases of 65, the accumulator padded by 4;
// the 60 valid columns sliced out at the end.
// CHECK-LABEL: func.func @padded_width
// CHECK:       %[[X:.*]] = tensor.pad %arg0 low[0, 0, 0, 0] high[0, 0, 0, 9]
// CHECK:       tensor<1x4x129x121xf32> to tensor<1x4x129x130xf32>
// CHECK:       linalg.generic {{.*}} ins(%[[X]] : tensor<1x4x129x130xf32>) outs(%{{.*}} : tensor<1x4x129x2x65xf32>)
// CHECK:       linalg.generic {{.*}} ins(%{{.*}} : tensor<4x64x2x32xf32>) outs(%{{.*}} : tensor<64x2x4x32xf32>)
// CHECK:       tensor.pad %arg2 low[0, 0, 0, 0] high[0, 0, 0, 4]
// CHECK:       tensor<1x4x64x60xf32> to tensor<1x4x64x64xf32>
// CHECK:       scf.for
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x36xf32>, tensor<36x32xf32>) outs(%{{.*}} : tensor<4x32xf32>)
// CHECK:       %[[E:.*]] = tensor.expand_shape %{{.*}} output_shape [1, 4, 64, 64]
// CHECK:       tensor.extract_slice %[[E]][0, 0, 0, 0] [1, 4, 64, 60] [1, 1, 1, 1]
func.func @padded_width(%x: tensor<1x4x129x121xf32>, %w: tensor<4x4x3x3xf32>, %o: tensor<1x4x64x60xf32>) -> tensor<1x4x64x60xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x4x129x121xf32>, tensor<4x4x3x3xf32>) outs(%o : tensor<1x4x64x60xf32>) -> tensor<1x4x64x60xf32>
  return %c : tensor<1x4x64x60xf32>
}

// -----

// Unit steps along the rows (a 5x5 stride-1 convolution too narrow for the
// shifted taps, 16 outputs per row): panels of 16 (half the register
// tile's columns divide the row), one vector copy per tap from the input's
// [C, OH, 16] block into col[:, :, :, i, j, :].
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[TO:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d0, d3)>
// CHECK-LABEL: func.func @unit_row_steps
// CHECK:       %[[E:.*]] = tensor.empty() : tensor<64x1x2x5x5x16xf32>
// CHECK:       %[[S:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 2, 64, 16] [1, 1, 1, 1] : tensor<1x2x68x20xf32> to tensor<2x64x16xf32>
// CHECK:       %[[B:.*]] = tensor.expand_shape %[[S]] {{\[}}[0], [1], [2, 3]] output_shape [2, 64, 1, 16]
// CHECK:       %[[D:.*]] = tensor.extract_slice %[[E]][0, 0, 0, 0, 0, 0] [64, 1, 2, 1, 1, 16] [1, 1, 1, 1, 1, 1] : tensor<64x1x2x5x5x16xf32> to tensor<64x1x2x16xf32>
// CHECK:       linalg.generic {indexing_maps = [#[[ID]], #[[TO]]], {{.*}}} ins(%[[B]] : tensor<2x64x1x16xf32>) outs(%[[D]] : tensor<64x1x2x16xf32>)
// CHECK-COUNT-24: tensor.insert_slice
// CHECK:       tensor.extract_slice %arg0[0, 0, 4, 4] [1, 2, 64, 16] [1, 1, 1, 1]
// CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0, 4, 4, 0] [64, 1, 2, 1, 1, 16]
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3, 4], [5]] : tensor<64x1x2x5x5x16xf32> into tensor<64x50x16xf32>
// CHECK:       scf.for
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x50xf32>, tensor<50x16xf32>) outs(%{{.*}} : tensor<4x16xf32>)
func.func @unit_row_steps(%x: tensor<1x2x68x20xf32>, %w: tensor<4x2x5x5xf32>, %o: tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x2x68x20xf32>, tensor<4x2x5x5xf32>) outs(%o : tensor<1x4x64x16xf32>) -> tensor<1x4x64x16xf32>
  return %c : tensor<1x4x64x16xf32>
}

// -----

// Left in the plain layout: fewer than 1024 columns (rows less than a page
// apart), a 1x1 convolution (its columns are the input itself), 33 outputs
// per row (neither 32 nor 16 divides it, 64 would nearly double the work),
// and rows 4224 bytes apart (32 positions in a way: 256 rows stay in the
// L1, more than the strip's 147).
// CHECK-LABEL: func.func @small
// CHECK-NOT:   scf.for
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x27xf32>, tensor<27x961xf32>)
// CHECK-LABEL: func.func @pointwise
// CHECK-NOT:   scf.for
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x3xf32>, tensor<3x4096xf32>)
// CHECK-LABEL: func.func @odd_width
// CHECK-NOT:   scf.for
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x147xf32>, tensor<147x2112xf32>)
// CHECK-LABEL: func.func @fits_l1
// CHECK-NOT:   scf.for
// CHECK:       linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x147xf32>, tensor<147x1056xf32>)
func.func @small(%x: tensor<1x3x63x63xf32>, %w: tensor<4x3x3x3xf32>, %o: tensor<1x4x31x31xf32>) -> tensor<1x4x31x31xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x63x63xf32>, tensor<4x3x3x3xf32>) outs(%o : tensor<1x4x31x31xf32>) -> tensor<1x4x31x31xf32>
  return %c : tensor<1x4x31x31xf32>
}
func.func @pointwise(%x: tensor<1x3x64x64xf32>, %w: tensor<4x3x1x1xf32>, %o: tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x64x64xf32>, tensor<4x3x1x1xf32>) outs(%o : tensor<1x4x64x64xf32>) -> tensor<1x4x64x64xf32>
  return %c : tensor<1x4x64x64xf32>
}
func.func @odd_width(%x: tensor<1x3x133x71xf32>, %w: tensor<4x3x7x7xf32>, %o: tensor<1x4x64x33xf32>) -> tensor<1x4x64x33xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x133x71xf32>, tensor<4x3x7x7xf32>) outs(%o : tensor<1x4x64x33xf32>) -> tensor<1x4x64x33xf32>
  return %c : tensor<1x4x64x33xf32>
}
func.func @fits_l1(%x: tensor<1x3x71x69xf32>, %w: tensor<4x3x7x7xf32>, %o: tensor<1x4x33x32xf32>) -> tensor<1x4x33x32xf32> {
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x71x69xf32>, tensor<4x3x7x7xf32>) outs(%o : tensor<1x4x33x32xf32>) -> tensor<1x4x33x32xf32>
  return %c : tensor<1x4x33x32xf32>
}
