// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{threads=2}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{threads=1}))" | FileCheck %s --check-prefix=ONE
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{threads=3}))" | FileCheck %s --check-prefix=THREE

// With threads, a large matmul is first split into parallel chunks
// (scf.forall); each chunk gets the single-thread schedule. The weight
// (1024x4096) is larger than the input (64x1024): the columns are split,
// in whole register tiles (128 of 32 columns), into two halves for two
// threads; for three, into 32 chunks (11 rounds of 1/32 each, within 5% of
// the best balance, 43 rounds of 1/128).
// CHECK-LABEL: func.func @wide
// CHECK:       scf.forall (%{{.*}}) = (0) to (4096) step (2048) shared_outs(%{{.*}} = %arg2) -> (tensor<64x4096xf32>)
// CHECK:         tensor.extract_slice %arg1[0, %{{.*}}] [1024, 2048] [1, 1] : tensor<1024x4096xf32> to tensor<1024x2048xf32>
// CHECK:         scf.for
// CHECK:           vector.contract
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}] [64, 2048] [1, 1] : tensor<64x2048xf32> into tensor<64x4096xf32>
// ONE-LABEL:   func.func @wide
// ONE-NOT:     scf.forall
// THREE-LABEL: func.func @wide
// THREE:       scf.forall (%{{.*}}) = (0) to (4096) step (128)
func.func @wide(%a: tensor<64x1024xf32>, %b: tensor<1024x4096xf32>, %c: tensor<64x4096xf32>) -> tensor<64x4096xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x1024xf32>, tensor<1024x4096xf32>) outs(%c : tensor<64x4096xf32>) -> tensor<64x4096xf32>
  return %r : tensor<64x4096xf32>
}

// -----

// More rows than weight columns: the rows are split, in whole register
// tiles (8 rows).
// CHECK-LABEL: func.func @tall
// CHECK:       scf.forall (%{{.*}}) = (0) to (4096) step (2048) shared_outs(%{{.*}} = %arg2) -> (tensor<4096x64xf32>)
// CHECK:         tensor.extract_slice %arg0[%{{.*}}, 0] [2048, 512] [1, 1]
// ONE-LABEL:   func.func @tall
// ONE-NOT:     scf.forall
func.func @tall(%a: tensor<4096x512xf32>, %b: tensor<512x64xf32>, %c: tensor<4096x64xf32>) -> tensor<4096x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4096x512xf32>, tensor<512x64xf32>) outs(%c : tensor<4096x64xf32>) -> tensor<4096x64xf32>
  return %r : tensor<4096x64xf32>
}

// -----

// A one-row matmul (batch-1 inference) splits its columns, and each half
// is a matrix-vector product (the vecmat kernel) streaming its half of
// every weight row.
// CHECK-LABEL: func.func @matvec
// CHECK:       scf.forall (%{{.*}}) = (0) to (4096) step (2048)
// CHECK:         tensor.collapse_shape {{.*}} into tensor<2048xf32>
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c1024 step %c8
// CHECK:           scf.for %{{.*}} = %c0{{.*}} to %c2048 step %c256
// CHECK:             vector.contract {{.*}} : vector<8xf32>, vector<8x256xf32> into vector<256xf32>
func.func @matvec(%a: tensor<1x1024xf32>, %b: tensor<1024x4096xf32>, %c: tensor<1x4096xf32>) -> tensor<1x4096xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<1x1024xf32>, tensor<1024x4096xf32>) outs(%c : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  return %r : tensor<1x4096xf32>
}

// -----

// Small ops do not pay for threads: 8x64x32 is 16K multiply-adds (1K
// cycles at 16 lanes; its 11 KiB of operands, 700 cycles at 16 bytes per
// cycle), under the least chunk (min-chunk-cycles, 50K by default).
// CHECK-LABEL: func.func @small
// CHECK-NOT:   scf.forall
// CHECK:       return
func.func @small(%a: tensor<8x64xf32>, %b: tensor<64x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// A batch matmul splits its batch; a convolution (not rewritten here) its
// outermost parallel dimension that pays (the batch is 1: the filters).
// CHECK-LABEL: func.func @batched
// CHECK:       scf.forall (%{{.*}}) = (0) to (8) step (4)
// CHECK:         tensor.extract_slice %arg0[%{{.*}}, 0, 0] [4, 256, 128] [1, 1, 1]
// CHECK:         vector.contract
// CHECK-LABEL: func.func @conv
// CHECK:       scf.forall (%{{.*}}) = (0) to (64) step (32)
// CHECK:         linalg.conv_2d_nchw_fchw
// CHECK-SAME:      -> tensor<1x32x56x56xf32>
func.func @batched(%a: tensor<8x256x128xf32>, %b: tensor<8x128x256xf32>, %c: tensor<8x256x256xf32>) -> tensor<8x256x256xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<8x256x128xf32>, tensor<8x128x256xf32>) outs(%c : tensor<8x256x256xf32>) -> tensor<8x256x256xf32>
  return %r : tensor<8x256x256xf32>
}
func.func @conv(%x: tensor<1x64x58x58xf32>, %w: tensor<64x64x3x3xf32>, %c: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x64x58x58xf32>, tensor<64x64x3x3xf32>) outs(%c : tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32>
  return %r : tensor<1x64x56x56xf32>
}

// -----

// An elementwise op over a large feature map (a ReLU on 1x96x112x112:
// memory-bound) is split too, on its first dimension that pays (the
// channels); each chunk is vectorized as usual. A small one is not.
// CHECK-LABEL: func.func @relu_map
// CHECK:       scf.forall (%{{.*}}) = (0) to (96) step (48) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<1x96x112x112xf32>)
// CHECK:         arith.maximumf {{.*}} : vector<1x1x1x16xf32>
// ONE-LABEL:   func.func @relu_map
// ONE-NOT:     scf.forall
// ONE:         return
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @relu_map(%x: tensor<1x96x112x112xf32>) -> tensor<1x96x112x112xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x96x112x112xf32>
  %r = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x96x112x112xf32>) outs(%e : tensor<1x96x112x112xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<1x96x112x112xf32>
  return %r : tensor<1x96x112x112xf32>
}

// -----

// CHECK-LABEL: func.func @relu_small
// CHECK-NOT:   scf.forall
// CHECK:       return
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu_small(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// Dynamic rows (a symbolic batch x sequence): the whole 64-row blocks are
// shared among the threads (an scf.forall, each block's rows inserted in
// parallel) when one block is worth a chunk and would not be split itself;
// the pieces after the blocks stay on the calling thread.
// CHECK-LABEL: func.func @dynamic_rows_blocks
// CHECK:       scf.forall (%[[I:.*]]) = (0) to (%{{.*}}) step (64) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x256xf32>)
// CHECK:         tensor.extract_slice %[[OUT]][%[[I]], 0] [64, 256] [1, 1] : tensor<?x256xf32> to tensor<64x256xf32>
// CHECK:         vector.contract
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[I]], 0] [64, 256] [1, 1]
// CHECK-NOT:   scf.forall
// CHECK:       return
// ONE-LABEL:   func.func @dynamic_rows_blocks
// ONE-NOT:     scf.forall
// ONE:         return
func.func @dynamic_rows_blocks(%a: tensor<?x64xf32>, %b: tensor<64x256xf32>, %c: tensor<?x256xf32>) -> tensor<?x256xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x256xf32>) outs(%c : tensor<?x256xf32>) -> tensor<?x256xf32>
  return %r : tensor<?x256xf32>
}

// -----

// A block too small to be worth a thread (64 x 64 x 64) keeps the serial
// loop over blocks.
// CHECK-LABEL: func.func @dynamic_rows_small
// CHECK-NOT:   scf.forall
// CHECK:       return
func.func @dynamic_rows_small(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x64xf32>) outs(%c : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// A block large enough to be split itself (64 rows over a 1024 x 1024
// weight) keeps the serial loop over blocks, each block's columns split
// among the threads.
// CHECK-LABEL: func.func @dynamic_rows_large
// CHECK:       scf.for
// CHECK:         scf.forall
// CHECK-SAME:      -> (tensor<64x1024xf32>)
func.func @dynamic_rows_large(%a: tensor<?x1024xf32>, %b: tensor<1024x1024xf32>, %c: tensor<?x1024xf32>) -> tensor<?x1024xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x1024xf32>, tensor<1024x1024xf32>) outs(%c : tensor<?x1024xf32>) -> tensor<?x1024xf32>
  return %r : tensor<?x1024xf32>
}
