// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32},canonicalize,cse))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 threads=2 min-chunk-cycles=1},canonicalize,cse))" | FileCheck %s --check-prefix=THREADS
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48},canonicalize,cse))" | FileCheck %s --check-prefix=WIDE
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48 l2-bytes=32768},canonicalize,cse))" | FileCheck %s --check-prefix=BLOCKS
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-rows=8 panel-columns=32 direct-convs=true}))" | FileCheck %s --check-prefix=LEFT
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-conv-to-matmul{panel-rows=8 panel-columns=32}))" | FileCheck %s --check-prefix=REWRITTEN

// A 3x3 stride-1 convolution of 8 channels into 16 filters on a padded
// 34x34 image (32x32 outputs, computed 34 wide: 1088 columns of the
// flattened [8, 1156] input). Per tile of 8 filters, the 8 biases
// broadcast once; per tile of 32 columns, 16 accumulators (8 filters x 2
// vectors) carried through one loop over the channels, in which each of
// the 9 taps reads two vectors of the input at its offset (tap (1, 1):
// 34 + 1) and does 16 FMAs; the
// tiles whose reads could pass the input's end (from column 1056) in a
// second pass. The [16, 1088] result's first 32 columns of each 34-wide
// row are the output. sieve-conv-to-matmul leaves such a convolution for
// this kernel with direct-convs, and rewrites it otherwise.
// CHECK-LABEL: func.func @direct
// CHECK:       %[[IMG:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x8x34x34xf32> into tensor<8x1156xf32>
// CHECK:       %[[OUT:.*]] = tensor.empty() : tensor<16x1088xf32>
// CHECK:       scf.for %{{.*}} = %c0 to %c2 step %c1 iter_args(%{{.*}} = %[[OUT]])
// CHECK-COUNT-8: tensor.extract %arg1
// CHECK:         scf.for %[[N:.*]] = %c0 to %c1056 step %c32
// CHECK:           scf.for %[[C:.*]] = %c0 to %c8 step %c1 iter_args
// CHECK:             vector.transfer_read %[[IMG]][%[[C]], %[[N]]], %{{.*}} {in_bounds = [true]} : tensor<8x1156xf32>, vector<16xf32>
// CHECK:             vector.transfer_read %[[IMG]]
// CHECK-COUNT-16:    vector.fma
// CHECK-COUNT-3:     vector.transfer_read
// CHECK:             %[[T11:.*]] = arith.addi %[[N]], %c35
// CHECK:             vector.transfer_read %[[IMG]][%[[C]], %[[T11]]]
// CHECK-COUNT-16:    vector.fma
// CHECK-NOT:       scf.for
// CHECK-COUNT-16:  vector.transfer_write {{.*}} : vector<16xf32>, tensor<16x1088xf32>
// CHECK:         vector.transfer_read %[[IMG]][%{{.*}}, %c1056]
// CHECK:       %[[ROWS:.*]] = tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [16, 32, 34] : tensor<16x1088xf32> into tensor<16x32x34xf32>
// CHECK:       %[[KEPT:.*]] = tensor.extract_slice %[[ROWS]][0, 0, 0] [16, 32, 32] [1, 1, 1]
// CHECK:       tensor.expand_shape %[[KEPT]] {{\[}}[0, 1], [2], [3]] output_shape [1, 16, 32, 32]
// CHECK-NOT:   linalg.conv_2d_nchw_fchw
// direct-tile-n=48 (32 vector registers: 24 accumulators): three vector
// reads per step and 24 FMAs, column tiles of 48 up to 1056 (the rest
// masked).
// WIDE-LABEL: func.func @direct
// WIDE:         scf.for %{{.*}} = %c0 to %c1056 step %c48
// WIDE:           scf.for %{{.*}} = %c0 to %c8 step %c1 iter_args
// WIDE-COUNT-3:     vector.transfer_read
// WIDE-COUNT-24:    vector.fma
// With a 32 KiB L2 (l2-bytes) the input's 8 rows do not fit a quarter of
// it: blocks of 3 column tiles (144 columns, 214 of the input with the
// taps' reach) up to 1008, each computed for both filter tiles in turn;
// then per filter tile the tile at 1008 (a loop of one step, folded) and
// the masked ones.
// BLOCKS-LABEL: func.func @direct
// BLOCKS:       scf.for %[[B:.*]] = %c0 to %c1008 step %c144
// BLOCKS:         scf.for %{{.*}} = %c0 to %c2 step %c1
// BLOCKS:           scf.for %{{.*}} = %c0 to %c144 step %c48
// BLOCKS:       scf.for %{{.*}} = %c0 to %c2 step %c1
// BLOCKS:         vector.transfer_read %{{.*}}[%{{.*}}, %c1008]
// THREADS-LABEL: func.func @direct
// THREADS:     scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<16x1088xf32>)
// THREADS:       tensor.parallel_insert_slice %{{.*}} [8, 1088] [1, 1] : tensor<8x1088xf32> into tensor<16x1088xf32>
// LEFT-LABEL:  func.func @direct
// LEFT:        linalg.conv_2d_nchw_fchw
// LEFT-NOT:    linalg.matmul
// REWRITTEN-LABEL: func.func @direct
// REWRITTEN-NOT: linalg.conv_2d_nchw_fchw
// REWRITTEN:   linalg.matmul
#bias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#bias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @direct(%x: tensor<1x8x34x34xf32>, %b: tensor<16xf32>) -> tensor<1x16x32x32xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %e = tensor.empty() : tensor<1x16x32x32xf32>
  %acc = linalg.generic {indexing_maps = [#bias_ch, #bias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x32x32xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  return %r : tensor<1x16x32x32xf32>
}

// -----

// A stride of 2 reads the input's four phases ([4, 8, 17 * 17] seen as
// [4 * 8, 17 * 17]: each input row read 32 lanes at a time and split by two
// shuffles into the even and odd columns), the output computed 17 wide (16
// kept); tap (1, 1) reads phase (1, 1) (rows 24-31) at offset 0, tap (2, 2)
// phase (0, 0) at offset 17 + 1. With threads the phase split runs in
// chunks of channels too (each writing its channels of every phase).
// CHECK-LABEL: func.func @strided
// CHECK:       tensor.empty() : tensor<4x8x289xf32>
// CHECK:       vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK:       vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x8x289xf32> into tensor<32x289xf32>
// CHECK:       tensor.empty() : tensor<16x272xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2]] output_shape [16, 16, 17] : tensor<16x272xf32> into tensor<16x16x17xf32>
// CHECK:       tensor.extract_slice %{{.*}}[0, 0, 0] [16, 16, 16] [1, 1, 1]
// THREADS-LABEL: func.func @strided
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<4x8x289xf32>)
// THREADS:         vector.shuffle
// THREADS:         tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}, 0] [4, 4, 289] [1, 1, 1] : tensor<4x4x289xf32> into tensor<4x8x289xf32>
// THREADS:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<4x8x289xf32> into tensor<32x289xf32>
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<16x272xf32>)
#sbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#sbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @strided(%x: tensor<1x8x34x34xf32>, %b: tensor<16xf32>) -> tensor<1x16x16x16xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %e = tensor.empty() : tensor<1x16x16x16xf32>
  %acc = linalg.generic {indexing_maps = [#sbias_ch, #sbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x16xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  return %r : tensor<1x16x16x16xf32>
}

// -----

// A zero padding of the strided convolution's input is applied by the
// phase split: it reads the unpadded input ([8 * 32, 32] rows), padded row
// r as source row r - 1 (row 0 and a select to zeros for the two padding
// rows), the first 32 padded columns as the source's first 31 shifted in
// after a zero (the left padding), the next from source column 31 (one
// lane, the rest the right padding); no padded copy is left.
// CHECK-LABEL: func.func @strided_padded
// CHECK-NOT:   tensor.pad
// CHECK:       %[[SRC:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<1x8x32x32xf32> into tensor<256x32xf32>
// CHECK:       tensor.empty() : tensor<4x8x289xf32>
// CHECK-DAG:   arith.cmpi uge, %{{.*}}, %c1 : index
// CHECK-DAG:   arith.cmpi ult, %{{.*}}, %c33 : index
// CHECK:       %[[ROW:.*]] = arith.select %{{.*}}, %{{.*}}, %c0 : index
// CHECK:       %[[FIRST:.*]] = vector.transfer_read %[[SRC]][%{{.*}}, %c0], %{{.*}}, %{{.*}} {in_bounds = [true]} : tensor<256x32xf32>, vector<32xf32>
// CHECK:       vector.shuffle %[[FIRST]], %{{.*}} [32, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]
// CHECK:       vector.transfer_read %[[SRC]][%{{.*}}, %c31], %{{.*}}, %{{.*}} {in_bounds = [true]} : tensor<256x32xf32>, vector<32xf32>
// CHECK-NOT:   tensor.pad
// CHECK:       return
#pbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#pbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @strided_padded(%x: tensor<1x8x32x32xf32>, %b: tensor<16xf32>) -> tensor<1x16x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x32x32xf32> to tensor<1x8x34x34xf32>
  %e = tensor.empty() : tensor<1x16x16x16xf32>
  %acc = linalg.generic {indexing_maps = [#pbias_ch, #pbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x16xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
       ins(%padded, %w : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x16x16xf32>) -> tensor<1x16x16x16xf32>
  return %r : tensor<1x16x16x16xf32>
}

// -----

// At stride 1 a zero padding is applied the same way, the padded image
// its one phase ([1, 8, 34 * 34]): each padded row written once from the
// unpadded rows ([8 * 32, 32]), the left padding shifted in, instead of a
// tensor.pad (a fill of the whole buffer and a copy, on one thread). With
// threads the rows are written in parallel chunks of channels.
// CHECK-LABEL: func.func @direct_padded
// CHECK-NOT:   tensor.pad
// CHECK:       %[[SRC:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<1x8x32x32xf32> into tensor<256x32xf32>
// CHECK:       tensor.empty() : tensor<1x8x1156xf32>
// CHECK:       %[[FIRST:.*]] = vector.transfer_read %[[SRC]][%{{.*}}, %c0], %{{.*}}, %{{.*}} {in_bounds = [true]} : tensor<256x32xf32>, vector<16xf32>
// CHECK:       vector.shuffle %[[FIRST]], %{{.*}} [16, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
// CHECK:       tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2]] : tensor<1x8x1156xf32> into tensor<8x1156xf32>
// CHECK:       vector.fma
// CHECK-NOT:   tensor.pad
// CHECK:       return
// THREADS-LABEL: func.func @direct_padded
// THREADS-NOT:   tensor.pad
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<1x8x1156xf32>)
// THREADS:         vector.transfer_read %{{.*}} : tensor<256x32xf32>, vector<16xf32>
// THREADS:       scf.forall
// THREADS:         vector.fma
#dbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#dbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @direct_padded(%x: tensor<1x8x32x32xf32>, %b: tensor<16xf32>) -> tensor<1x16x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x32x32xf32> to tensor<1x8x34x34xf32>
  %e = tensor.empty() : tensor<1x16x32x32xf32>
  %acc = linalg.generic {indexing_maps = [#dbias_ch, #dbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x32x32xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%padded, %w : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  return %r : tensor<1x16x32x32xf32>
}

// -----

// The Relu after the convolution runs on the accumulators before their
// stores and is replaced by the kernel's result: no pass over the output.
// CHECK-LABEL: func.func @direct_relu
// CHECK:       vector.fma
// CHECK:       arith.maximumf %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NEXT:  vector.transfer_write
// CHECK-NOT:   linalg.generic
// CHECK:       return
#rbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#rid = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @direct_relu(%x: tensor<1x8x34x34xf32>, %b: tensor<16xf32>) -> tensor<1x16x32x32xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %e = tensor.empty() : tensor<1x16x32x32xf32>
  %acc = linalg.generic {indexing_maps = [#rbias_ch, #rid], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x32x32xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%acc : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  %relu = linalg.generic {indexing_maps = [#rid, #rid], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x16x32x32xf32>) outs(%e : tensor<1x16x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x16x32x32xf32>
  return %relu : tensor<1x16x32x32xf32>
}

// -----

// Fewer than 8 channels (an RGB-like stem over 4): one loop over the 9
// taps, each tap's column offset and first image row read from two index
// tables (constants; the rows' all 0 at stride 1, folded here), inside
// it the loop over the 4 channels: no weight
// broadcast is invariant in the column loop, so none is hoisted out of it.
// CHECK-LABEL: func.func @few_channels
// CHECK:       %[[OFF:.*]] = arith.constant dense<[0, 1, 2, 34, 35, 36, 68, 69, 70]> : tensor<9xindex>
// CHECK:         scf.for %[[N:.*]] = %c0 to %c1056 step %c32
// CHECK:           scf.for %[[T:.*]] = %c0 to %c9 step %c1 iter_args
// CHECK:             %[[O:.*]] = tensor.extract %[[OFF]][%[[T]]]
// CHECK:             scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK-COUNT-2:       vector.transfer_read
// CHECK-COUNT-16:      vector.fma
// LEFT-LABEL:  func.func @few_channels
// LEFT:        linalg.conv_2d_nchw_fchw
// LEFT-NOT:    linalg.matmul
#fbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#fbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @few_channels(%x: tensor<1x4x34x34xf32>, %b: tensor<16xf32>) -> tensor<1x16x32x32xf32> {
  %w = arith.constant dense<0.5> : tensor<16x4x3x3xf32>
  %e = tensor.empty() : tensor<1x16x32x32xf32>
  %acc = linalg.generic {indexing_maps = [#fbias_ch, #fbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x32x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x32x32xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x4x34x34xf32>, tensor<16x4x3x3xf32>) outs(%acc : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  return %r : tensor<1x16x32x32xf32>
}

// -----

// Not direct: filters that are no whole tile (12), many discarded columns
// (a 40x9 image, 7 outputs per row: 2 of 9 computed columns dropped, more
// than a fifth, as on a padded 7x7 map), a weight that is no constant.
// They stay convolutions here (sieve-conv-to-matmul rewrites them first in
// the pipeline).
// CHECK-LABEL: func.func @not_direct
// CHECK-COUNT-3: linalg.conv_2d_nchw_fchw
// LEFT-LABEL: func.func @not_direct
// LEFT-NOT:   linalg.conv_2d_nchw_fchw
#fill_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @not_direct(%x: tensor<1x8x34x34xf32>, %x2: tensor<1x8x40x9xf32>, %w4: tensor<16x8x3x3xf32>)
    -> (tensor<1x12x32x32xf32>, tensor<1x16x38x7xf32>, tensor<1x16x32x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<16x8x3x3xf32>
  %w12 = arith.constant dense<0.5> : tensor<12x8x3x3xf32>
  %e2 = tensor.empty() : tensor<1x12x32x32xf32>
  %a2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x12x32x32xf32>) -> tensor<1x12x32x32xf32>
  %r2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w12 : tensor<1x8x34x34xf32>, tensor<12x8x3x3xf32>) outs(%a2 : tensor<1x12x32x32xf32>) -> tensor<1x12x32x32xf32>
  %e3 = tensor.empty() : tensor<1x16x38x7xf32>
  %a3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<1x16x38x7xf32>) -> tensor<1x16x38x7xf32>
  %r3 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x2, %w : tensor<1x8x40x9xf32>, tensor<16x8x3x3xf32>) outs(%a3 : tensor<1x16x38x7xf32>) -> tensor<1x16x38x7xf32>
  %e4 = tensor.empty() : tensor<1x16x32x32xf32>
  %a4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  %r4 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w4 : tensor<1x8x34x34xf32>, tensor<16x8x3x3xf32>) outs(%a4 : tensor<1x16x32x32xf32>) -> tensor<1x16x32x32xf32>
  return %r2, %r3, %r4 : tensor<1x12x32x32xf32>, tensor<1x16x38x7xf32>, tensor<1x16x32x32xf32>
}

// -----

// A 3x3 convolution on a padded 14x14 map (16 computed columns per row, 2
// dropped: an eighth, within a fifth) of 32 filters, a map small enough
// for pixel rows: the direct kernel takes it first (it reads the input
// once, pixel rows copy it once per tap); without direct-convs it becomes
// pixel rows (a matmul of the taps' rows, transposed back to NCHW).
// CHECK-LABEL: func.func @small_map
// CHECK:       tensor.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : tensor<1x8x16x16xf32> into tensor<8x256xf32>
// CHECK:       tensor.empty() : tensor<32x224xf32>
// CHECK-NOT:   linalg.conv_2d_nchw_fchw
// LEFT-LABEL:  func.func @small_map
// LEFT:        linalg.conv_2d_nchw_fchw
// LEFT-NOT:    linalg.matmul
// REWRITTEN-LABEL: func.func @small_map
// REWRITTEN-NOT: linalg.conv_2d_nchw_fchw
// REWRITTEN:   linalg.matmul
// REWRITTEN:   linalg.transpose
func.func @small_map(%x: tensor<1x8x16x16xf32>, %b: tensor<32xf32>) -> tensor<1x32x14x14xf32> {
  %w = arith.constant dense<0.25> : tensor<32x8x3x3xf32>
  %e = tensor.empty() : tensor<1x32x14x14xf32>
  %acc = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x14x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x14x14xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x8x16x16xf32>, tensor<32x8x3x3xf32>) outs(%acc : tensor<1x32x14x14xf32>) -> tensor<1x32x14x14xf32>
  return %r : tensor<1x32x14x14xf32>
}
