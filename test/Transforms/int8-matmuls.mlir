// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-int8-matmuls{int8-dot-bits=512 tile-m=4}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-int8-matmuls{int8-dot-bits=256 tile-m=4}))" | FileCheck %s --check-prefix=AVX2
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-int8-matmuls))" | FileCheck %s --check-prefix=NONE
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-int8-matmuls{int8-dot-bits=512 tile-m=4 threads=2 min-chunk-cycles=1000}))" | FileCheck %s --check-prefix=THREADS

#id = affine_map<(d0, d1) -> (d0, d1)>
#scalar = affine_map<(d0, d1) -> ()>

// MatMulInteger as imported: uint8 rows minus a zero point of one element,
// a constant int8 weight [8, 32]. The weight is packed into 2 panels of 16
// columns x 2 groups of 4 rows x 64 bytes; one loop of register tiles (4
// rows x 2 panels: 8 accumulators) over the whole rows, then one of single
// rows; each tile accumulates with sieve.dot_bytes over the 2 groups of
// the reduction and subtracts the zero point times the column sums. The
// widening generics are gone.
// CHECK-LABEL: func.func @u8_rows
// CHECK-SAME:    (%[[X:.*]]: tensor<?x8xi8>, %[[ZP:.*]]: tensor<i8>)
// CHECK-DAG:     %[[PANELS:.*]] = arith.constant dense_resource<sieve_int8_panels> : tensor<2x2x64xi8>
// CHECK-DAG:     %[[SUMS:.*]] = arith.constant dense_resource<sieve_int8_column_sums> : tensor<32xi32>
// CHECK:         %[[REM:.*]] = arith.remui %{{.*}}, %c4
// CHECK:         %[[WHOLE:.*]] = arith.subi %{{.*}}, %[[REM]]
// CHECK:         scf.for {{.*}} -> (tensor<?x32xi32>)
// CHECK:           scf.for %{{.*}} = %{{.*}} to %[[WHOLE]] step %{{.*}} iter_args({{.*}}) -> (tensor<?x32xi32>)
// CHECK:             scf.for {{.*}} -> (vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>, vector<16xi32>)
// CHECK:               vector.transfer_read %[[PANELS]]{{.*}} {in_bounds = [true]} : tensor<2x2x64xi8>, vector<64xi8>
// CHECK:               vector.transfer_read %[[X]]{{.*}} {in_bounds = [true]} : tensor<?x8xi8>, vector<4xi8>
// CHECK:               vector.bitcast %{{.*}} : vector<4xi8> to vector<1xi32>
// CHECK:               vector.broadcast %{{.*}} : vector<1xi32> to vector<16xi32>
// CHECK:               vector.bitcast %{{.*}} : vector<16xi32> to vector<64xi8>
// CHECK-NOT:           arith.xori
// CHECK:               sieve.dot_bytes %{{.*}} : vector<16xi32>, vector<64xi8>
// CHECK-COUNT-7:       sieve.dot_bytes
// CHECK:             tensor.extract %[[ZP]][] : tensor<i8>
// CHECK:             arith.extui %{{.*}} : i8 to i32
// CHECK:             vector.transfer_read %[[SUMS]]
// CHECK:             arith.muli
// CHECK:             arith.subi
// CHECK:             vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xi32>, tensor<?x32xi32>
// CHECK:           scf.for %{{.*}} = %[[WHOLE]] to
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     linalg.matmul
// AVX2-LABEL: func.func @u8_rows
// AVX2:         arith.constant dense_resource<sieve_int8_panels> : tensor<4x2x32xi8>
// AVX2:         sieve.dot_bytes %{{.*}} : vector<8xi32>, vector<32xi8>
// NONE-LABEL: func.func @u8_rows
// NONE:         linalg.matmul
func.func @u8_rows(%x: tensor<?x8xi8>, %zp: tensor<i8>) -> tensor<?x32xi32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x8xi8>
  %w = arith.constant dense<3> : tensor<8x32xi8>
  %e0 = tensor.empty(%m) : tensor<?x8xi32>
  %a = linalg.generic {indexing_maps = [#id, #scalar, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %zp : tensor<?x8xi8>, tensor<i8>) outs(%e0 : tensor<?x8xi32>) {
  ^bb0(%in: i8, %z: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extui %z : i8 to i32
    %2 = arith.subi %0, %1 : i32
    linalg.yield %2 : i32
  } -> tensor<?x8xi32>
  %e1 = tensor.empty() : tensor<8x32xi32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x32xi8>) outs(%e1 : tensor<8x32xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<8x32xi32>
  %c0_i32 = arith.constant 0 : i32
  %e2 = tensor.empty(%m) : tensor<?x32xi32>
  %f = linalg.fill ins(%c0_i32 : i32) outs(%e2 : tensor<?x32xi32>) -> tensor<?x32xi32>
  %r = linalg.matmul ins(%a, %b : tensor<?x8xi32>, tensor<8x32xi32>) outs(%f : tensor<?x32xi32>) -> tensor<?x32xi32>
  return %r : tensor<?x32xi32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>

// int8 rows with a zero point per row, computed in the same generic from
// floats (a QuantizeLinear that sieve-prepare-linalg fused into the
// widening): the bytes come from a copy of that generic yielding them; a
// signed byte is read as unsigned with its top bit flipped (x + 128), so
// the correction is (zero point + 128) times the column sums. A uint8
// weight with a zero point per column (128 each) is packed minus it. K = 6
// is one whole group of 4 and a tail read with padding; N = 20 is one
// whole panel and one of 4 columns, written with masks.
// CHECK-LABEL: func.func @s8_rows_from_floats
// CHECK-SAME:    (%[[X:.*]]: tensor<?x6xf32>, %[[ZP:.*]]: tensor<?xi8>)
// CHECK:         %[[BYTES:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[ZP]] : tensor<?x6xf32>, tensor<?xi8>) outs(%{{.*}} : tensor<?x6xi8>)
// CHECK:           arith.fptosi
// CHECK:           linalg.yield %{{.*}} : i8
// CHECK:         arith.constant dense_resource<sieve_int8_panels> : tensor<2x2x64xi8>
// CHECK:         scf.for
// CHECK:           vector.transfer_read %[[BYTES]]{{.*}} {in_bounds = [true]} : tensor<?x6xi8>, vector<4xi8>
// CHECK:           %[[FLIP:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK:           arith.xori %{{.*}}, %[[FLIP]] : vector<64xi8>
// CHECK:         vector.transfer_read %[[BYTES]][%{{.*}}, %{{.*}}], %{{.*}} : tensor<?x6xi8>, vector<4xi8>
// CHECK:         %[[Z:.*]] = tensor.extract %[[ZP]][%{{.*}}] : tensor<?xi8>
// CHECK:         %[[ZI:.*]] = arith.extsi %[[Z]] : i8 to i32
// CHECK:         %[[C128:.*]] = arith.constant 128 : i32
// CHECK:         arith.addi %[[ZI]], %[[C128]] : i32
// CHECK:         vector.transfer_write {{.*}} {in_bounds = [true]} : vector<16xi32>, tensor<?x20xi32>
// CHECK:         vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : vector<16xi32>, tensor<?x20xi32>
// CHECK-NOT:     linalg.matmul
func.func @s8_rows_from_floats(%x: tensor<?x6xf32>, %zp: tensor<?xi8>) -> tensor<?x20xi32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x6xf32>
  %w = arith.constant dense<200> : tensor<6x20xi8>
  %wzp = arith.constant dense<128> : tensor<20xi8>
  %e0 = tensor.empty(%m) : tensor<?x6xi32>
  %a = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %zp : tensor<?x6xf32>, tensor<?xi8>) outs(%e0 : tensor<?x6xi32>) {
  ^bb0(%in: f32, %z: i8, %out: i32):
    %q = arith.fptosi %in : f32 to i8
    %0 = arith.extsi %q : i8 to i32
    %1 = arith.extsi %z : i8 to i32
    %2 = arith.subi %0, %1 : i32
    linalg.yield %2 : i32
  } -> tensor<?x6xi32>
  %e1 = tensor.empty() : tensor<6x20xi32>
  %b = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]} ins(%w, %wzp : tensor<6x20xi8>, tensor<20xi8>) outs(%e1 : tensor<6x20xi32>) {
  ^bb0(%in: i8, %z: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    %1 = arith.extui %z : i8 to i32
    %2 = arith.subi %0, %1 : i32
    linalg.yield %2 : i32
  } -> tensor<6x20xi32>
  %c0_i32 = arith.constant 0 : i32
  %e2 = tensor.empty(%m) : tensor<?x20xi32>
  %f = linalg.fill ins(%c0_i32 : i32) outs(%e2 : tensor<?x20xi32>) -> tensor<?x20xi32>
  %r = linalg.matmul ins(%a, %b : tensor<?x6xi32>, tensor<6x20xi32>) outs(%f : tensor<?x20xi32>) -> tensor<?x20xi32>
  return %r : tensor<?x20xi32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// A batched operand [2, ?, 16] read as rows through a collapse_shape and a
// cast: the bytes are collapsed and cast alike.
// CHECK-LABEL: func.func @batched_rows
// CHECK:         %[[C:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x?x16xi8> into tensor<?x16xi8>
// CHECK:         %[[CAST:.*]] = tensor.cast %[[C]] : tensor<?x16xi8> to tensor<?x16xi8>
// CHECK:         vector.transfer_read %[[CAST]]
// CHECK:         sieve.dot_bytes
// CHECK-NOT:     linalg.matmul
func.func @batched_rows(%x: tensor<2x?x16xi8>) -> tensor<?x16xi32> {
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c1 : tensor<2x?x16xi8>
  %w = arith.constant dense<-7> : tensor<16x16xi8>
  %e0 = tensor.empty(%n) : tensor<2x?x16xi32>
  %a = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<2x?x16xi8>) outs(%e0 : tensor<2x?x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<2x?x16xi32>
  %collapsed = tensor.collapse_shape %a [[0, 1], [2]] : tensor<2x?x16xi32> into tensor<?x16xi32>
  %cast = tensor.cast %collapsed : tensor<?x16xi32> to tensor<?x16xi32>
  %e1 = tensor.empty() : tensor<16x16xi32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<16x16xi8>) outs(%e1 : tensor<16x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<16x16xi32>
  %c0 = arith.constant 0 : index
  %m = tensor.dim %cast, %c0 : tensor<?x16xi32>
  %c0_i32 = arith.constant 0 : i32
  %e2 = tensor.empty(%m) : tensor<?x16xi32>
  %f = linalg.fill ins(%c0_i32 : i32) outs(%e2 : tensor<?x16xi32>) -> tensor<?x16xi32>
  %r = linalg.matmul ins(%cast, %b : tensor<?x16xi32>, tensor<16x16xi32>) outs(%f : tensor<?x16xi32>) -> tensor<?x16xi32>
  return %r : tensor<?x16xi32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Left alone: a weight that is not a constant, and a uint8 weight of 200
// with no zero point (not a signed byte).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     sieve.dot_bytes
// CHECK:         linalg.matmul
// CHECK:         linalg.matmul
func.func @left_alone(%x: tensor<4x8xi8>, %wv: tensor<8x16xi8>) -> (tensor<4x16xi32>, tensor<4x16xi32>) {
  %w = arith.constant dense<200> : tensor<8x16xi8>
  %e0 = tensor.empty() : tensor<4x8xi32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x8xi8>) outs(%e0 : tensor<4x8xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<4x8xi32>
  %e1 = tensor.empty() : tensor<8x16xi32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%wv : tensor<8x16xi8>) outs(%e1 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<8x16xi32>
  %b2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<8x16xi8>) outs(%e1 : tensor<8x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<8x16xi32>
  %c0_i32 = arith.constant 0 : i32
  %e2 = tensor.empty() : tensor<4x16xi32>
  %f = linalg.fill ins(%c0_i32 : i32) outs(%e2 : tensor<4x16xi32>) -> tensor<4x16xi32>
  %r = linalg.matmul ins(%a, %b : tensor<4x8xi32>, tensor<8x16xi32>) outs(%f : tensor<4x16xi32>) -> tensor<4x16xi32>
  %r2 = linalg.matmul ins(%a, %b2 : tensor<4x8xi32>, tensor<8x16xi32>) outs(%f : tensor<4x16xi32>) -> tensor<4x16xi32>
  return %r, %r2 : tensor<4x16xi32>, tensor<4x16xi32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// With threads: 96 columns are 3 pairs of panels, shared among
// min(2 threads, 3 pairs, rows * 24 cycles / 1000) chunks (at least one:
// 3 pairs of 2 panels, 4 groups of 4 reduction steps), counted at run time; chunk c takes pairs [3c / chunks, 3(c+1) /
// chunks), a slice of the output's columns, reading the weight's panels
// from its first.
// THREADS-LABEL: func.func @parallel_pairs
// THREADS:         %[[WORK:.*]] = arith.muli %[[M:.*]], %c24
// THREADS:         %[[WANT:.*]] = arith.divui %[[WORK]], %c1000
// THREADS:         %[[MIN:.*]] = arith.minui %[[WANT]], %c2
// THREADS:         %[[CHUNKS:.*]] = arith.maxui %{{.*}}, %[[MIN]]
// THREADS:         scf.forall (%[[C:.*]]) in (%[[CHUNKS]]) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x96xi32>)
// THREADS:           arith.divui %{{.*}}, %[[CHUNKS]]
// THREADS:           %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][0, %{{.*}}] [%[[M]], %{{.*}}] [1, 1] : tensor<?x96xi32> to tensor<?x?xi32>
// THREADS:           sieve.dot_bytes
// THREADS:           scf.forall.in_parallel
// THREADS:             tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, %{{.*}}] [%[[M]], %{{.*}}] [1, 1] : tensor<?x?xi32> into tensor<?x96xi32>
// Without threads, one loop over the pairs.
// CHECK-LABEL: func.func @parallel_pairs
// CHECK-NOT:     scf.forall
func.func @parallel_pairs(%x: tensor<?x16xi8>) -> tensor<?x96xi32> {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %x, %c0 : tensor<?x16xi8>
  %w = arith.constant dense<5> : tensor<16x96xi8>
  %e0 = tensor.empty(%m) : tensor<?x16xi32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x16xi8>) outs(%e0 : tensor<?x16xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extui %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<?x16xi32>
  %e1 = tensor.empty() : tensor<16x96xi32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<16x96xi8>) outs(%e1 : tensor<16x96xi32>) {
  ^bb0(%in: i8, %out: i32):
    %0 = arith.extsi %in : i8 to i32
    linalg.yield %0 : i32
  } -> tensor<16x96xi32>
  %c0_i32 = arith.constant 0 : i32
  %e2 = tensor.empty(%m) : tensor<?x96xi32>
  %f = linalg.fill ins(%c0_i32 : i32) outs(%e2 : tensor<?x96xi32>) -> tensor<?x96xi32>
  %r = linalg.matmul ins(%a, %b : tensor<?x16xi32>, tensor<16x96xi32>) outs(%f : tensor<?x96xi32>) -> tensor<?x96xi32>
  return %r : tensor<?x96xi32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>

// A QDQ convolution: the input fake-quantized ((uitofp(q) - 131) * 0.02,
// q computed from floats in the same generic), padded with zeros, and a
// weight whose filters are integer multiples of their scales (filter 0:
// 0.5 x {-2, 127, ...}; filter 1: 0.25 x ...), a bias per filter. The
// bytes are peeled, padded with the zero point (and the channels to a
// multiple of 4) and laid out [H, W, C] (a 2-D transpose); the kernel runs over the 9 taps
// and 1 group of 4 channels per tap; each output is (acc - 131 x the
// filter's sum) x 0.02 x its scale + bias, pixel-major, transposed to NCHW.
// CHECK-LABEL: func.func @qdq_conv
// CHECK:         %[[ZP:.*]] = arith.trunci %{{.*}} : i32 to i8
// CHECK:         %[[Q:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x3x5x5xi8>)
// CHECK:           arith.fptoui
// CHECK:           linalg.yield %{{.*}} : i8
// CHECK:         %[[PAD:.*]] = tensor.pad %[[Q]] low[0, 0, 1, 1] high[0, 1, 1, 1]
// CHECK:           tensor.yield %[[ZP]] : i8
// CHECK:         } : tensor<1x3x5x5xi8> to tensor<1x4x7x7xi8>
// CHECK:         %[[PLANES:.*]] = tensor.collapse_shape %[[PAD]] {{\[\[}}0, 1], [2, 3]] : tensor<1x4x7x7xi8> into tensor<4x49xi8>
// CHECK:         %[[PIXELS:.*]] = linalg.transpose ins(%[[PLANES]] : tensor<4x49xi8>) outs(%{{.*}} : tensor<49x4xi8>) permutation = [1, 0]
// CHECK:         %[[IMAGE:.*]] = tensor.expand_shape %[[PIXELS]] {{\[\[}}0, 1, 2], [3]] output_shape [1, 7, 7, 4] : tensor<49x4xi8> into tensor<1x7x7x4xi8>
// CHECK:         arith.constant dense_resource<sieve_int8_filter_scales> : tensor<16xf32>
// CHECK:         arith.constant dense_resource<sieve_int8_panels> : tensor<1x9x64xi8>
// CHECK:         scf.for {{.*}} -> (tensor<25x2xf32>)
// CHECK:           scf.for {{.*}} -> (vector<16xi32>
// CHECK:             scf.for {{.*}} -> (vector<16xi32>
// CHECK:               vector.transfer_read %[[IMAGE]]{{.*}} : tensor<1x7x7x4xi8>, vector<4xi8>
// CHECK:               sieve.dot_bytes
// CHECK:           arith.sitofp %{{.*}} : vector<16xi32> to vector<16xf32>
// CHECK:           vector.transfer_read %{{.*}} : tensor<2xf32>, vector<16xf32>
// CHECK:           arith.addf
// CHECK:           vector.transfer_write %{{.*}} : vector<16xf32>, tensor<25x2xf32>
// CHECK:         %[[T:.*]] = linalg.transpose ins(%{{.*}} : tensor<25x2xf32>) outs(%{{.*}} : tensor<2x25xf32>) permutation = [1, 0]
// CHECK:         tensor.expand_shape %[[T]] {{\[\[}}0, 1], [2, 3]] output_shape [1, 2, 5, 5] : tensor<2x25xf32> into tensor<1x2x5x5xf32>
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// NONE-LABEL: func.func @qdq_conv
// NONE:         linalg.conv_2d_nchw_fchw
func.func @qdq_conv(%x: tensor<1x3x5x5xf32>) -> tensor<1x2x5x5xf32> {
  %s = arith.constant 0.02 : f32
  %z = arith.constant 131.0 : f32
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<[[[[-1.0, 63.5, 0.5], [1.0, 0.0, -0.5], [2.0, 3.0, 4.0]], [[0.5, 0.5, 0.5], [0.0, 0.0, 0.0], [-63.5, 1.5, 2.5]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
                              [[[0.25, 0.5, 0.75], [1.0, -31.75, 0.0], [0.0, 0.0, 0.25]], [[2.0, 2.0, 2.0], [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]], [[-0.25, -0.5, -0.75], [-1.0, -1.25, -1.5], [-1.75, -2.0, -2.25]]]]> : tensor<2x3x3x3xf32>
  %bias = arith.constant dense<[0.5, -1.5]> : tensor<2xf32>
  %e0 = tensor.empty() : tensor<1x3x5x5xf32>
  %fq = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x3x5x5xf32>) outs(%e0 : tensor<1x3x5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.divf %in, %s : f32
    %1 = arith.addf %0, %z : f32
    %2 = arith.fptoui %1 : f32 to i8
    %3 = arith.uitofp %2 : i8 to f32
    %4 = arith.subf %3, %z : f32
    %5 = arith.mulf %4, %s : f32
    linalg.yield %5 : f32
  } -> tensor<1x3x5x5xf32>
  %padded = tensor.pad %fq low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x3x5x5xf32> to tensor<1x3x7x7xf32>
  %e1 = tensor.empty() : tensor<1x2x5x5xf32>
  %init = linalg.generic {indexing_maps = [#ch, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : tensor<2xf32>) outs(%e1 : tensor<1x2x5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x2x5x5xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%padded, %w : tensor<1x3x7x7xf32>, tensor<2x3x3x3xf32>) outs(%init : tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  return %r : tensor<1x2x5x5xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// Left alone: a weight with no common scale (1.0 and 0.14142136 = sqrt(2)
// / 10 are no integer multiples of 1.0 / m within 5e-5 for any m <= 127),
// a weight with a NaN (the rest of it zeros), and a convolution of an input
// that is not fake-quantized.
// CHECK-LABEL: func.func @float_convs
// CHECK-NOT:     sieve.dot_bytes
// CHECK:         linalg.conv_2d_nchw_fchw
// CHECK:         linalg.conv_2d_nchw_fchw
// CHECK:         linalg.conv_2d_nchw_fchw
func.func @float_convs(%x: tensor<1x4x3x3xf32>) -> (tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>) {
  %s = arith.constant 0.02 : f32
  %w = arith.constant dense<[[[[1.0, 0.14142136, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<1x4x3x3xf32>
  %w2 = arith.constant dense<1.0> : tensor<1x4x3x3xf32>
  %e0 = tensor.empty() : tensor<1x4x3x3xf32>
  %fq = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x3x3xf32>) outs(%e0 : tensor<1x4x3x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.fptoui %in : f32 to i8
    %1 = arith.uitofp %0 : i8 to f32
    %2 = arith.mulf %1, %s : f32
    linalg.yield %2 : f32
  } -> tensor<1x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x1x1x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%fq, %w : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) outs(%f : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %wnan = arith.constant dense<[[[[0x7FC00000, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]> : tensor<1x4x3x3xf32>
  %rnan = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%fq, %wnan : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) outs(%f : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  %r2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w2 : tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) outs(%f : tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  return %r, %rnan, %r2 : tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>, tensor<1x1x1x1xf32>
}
