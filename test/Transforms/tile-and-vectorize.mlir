// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{threads=2 min-chunk-cycles=1}))" | FileCheck %s --check-prefix=THREADS
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{threads=2 min-chunk-cycles=20000}))" | FileCheck %s --check-prefix=SPLIT

// A matmul: cache blocks of 128 columns x 256 reduction steps (capped by
// the shape), then 8x32 register tiles with the reduction innermost; the
// tile is a vector.contract of an 8x1 and a 1x32 slice.
// CHECK-LABEL: func.func @matmul
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c64 step %c64
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c128 step %c128
// CHECK:           scf.for %{{.*}} = %c0{{.*}} to %c64{{.*}} step %c32
// CHECK:             scf.for %{{.*}} = %c0{{.*}} to %c16 step %c8
// CHECK:               scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c1
// CHECK:                 vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
func.func @matmul(%a: tensor<16x128xf32>, %b: tensor<128x64xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x128xf32>, tensor<128x64xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A one-row matmul becomes linalg.vecmat (no unit dimension in its tiles):
// 8 weight rows per step (k outer), 256-wide accumulators over the row.
// CHECK-LABEL: func.func @matvec
// CHECK:       tensor.collapse_shape %arg0 {{\[}}[0, 1]] : tensor<1x256xf32> into tensor<256xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c256 step %c8
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c512 step %c256
// CHECK:           vector.contract {{.*}} : vector<8xf32>, vector<8x256xf32> into vector<256xf32>
// CHECK:       tensor.expand_shape {{.*}} into tensor<1x512xf32>
func.func @matvec(%a: tensor<1x256xf32>, %b: tensor<256x512xf32>, %c: tensor<1x512xf32>) -> tensor<1x512xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<1x256xf32>, tensor<256x512xf32>) outs(%c : tensor<1x512xf32>) -> tensor<1x512xf32>
  return %r : tensor<1x512xf32>
}

// -----

// Elementwise ops become loops over 16-wide vectors.
// CHECK-LABEL: func.func @relu
// CHECK:       scf.for
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c64 step %c16
// CHECK:           vector.transfer_read {{.*}} vector<1x16xf32>
// CHECK:           arith.maximumf {{.*}} : vector<1x16xf32>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// An elementwise op on a 7 x 7 feature map (rows of 7, no vector fits):
// the trailing loops merge until 16 lanes fit, here the channels and the
// map (32 x 49 = 98 vectors of 16); the result is reshaped back.
// CHECK-LABEL: func.func @odd_map
// CHECK:       tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : tensor<1x32x7x7xf32> into tensor<1x1568xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c1568 step %c16
// CHECK:         arith.addf {{.*}} : vector<1x16xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] output_shape [1, 32, 7, 7] : tensor<1x1568xf32> into tensor<1x32x7x7xf32>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @odd_map(%x: tensor<1x32x7x7xf32>, %y: tensor<1x32x7x7xf32>) -> tensor<1x32x7x7xf32> {
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %y : tensor<1x32x7x7xf32>, tensor<1x32x7x7xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// A per-channel operand reads the channel loop alone: only the map's rows
// and columns may merge (49, still no vector), so the op is left as it is.
// CHECK-LABEL: func.func @odd_map_channel_bias
// CHECK-NOT:   tensor.collapse_shape
// CHECK-NOT:   vector.transfer_read
// CHECK:       linalg.generic
#id4b = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @odd_map_channel_bias(%x: tensor<1x32x7x7xf32>, %b: tensor<32xf32>) -> tensor<1x32x7x7xf32> {
  %e = tensor.empty() : tensor<1x32x7x7xf32>
  %r = linalg.generic {indexing_maps = [#id4b, #ch, #id4b], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : tensor<1x32x7x7xf32>, tensor<32xf32>) outs(%e : tensor<1x32x7x7xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<1x32x7x7xf32>
  return %r : tensor<1x32x7x7xf32>
}

// -----

// A 1x1 convolution's matmul (bias broadcast into the accumulator), the
// expand_shape back to NCHW and a ReLU: the ReLU is rewritten over the
// matmul's [channels, pixels] loops and computed block by block with it
// (one loop over cache blocks of 256 columns; with threads, the blocks are
// the parallel chunks). The reduction (16) fits one cache block, so the
// bias and the ReLU go into each register tile: the block's input is
// copied into 32-column panels (one contiguous buffer, the input's rows
// read in order), then per panel each 8x32 tile starts from the broadcast
// bias, accumulates, and goes through the ReLU in registers (after
// canonicalization the reads of the tile just written fold away).
// CHECK-LABEL: func.func @conv_relu
// CHECK:       scf.for %[[B:.*]] = %c0 to %c512 step %c256
// CHECK:         tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [16, 8, 32] : tensor<16x256xf32> into tensor<16x8x32xf32>
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c16 step %c1 {{.*}} -> (tensor<8x16x32xf32>)
// CHECK:           vector.transfer_write {{.*}} : vector<1x1x32xf32>, tensor<1x1x32xf32>
// CHECK:         scf.for %[[P:.*]] = %{{.*}} to %{{.*}} step %c32
// CHECK:           scf.for %{{.*}} = %{{.*}} to %c64 step %c8
// CHECK:             vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// CHECK:             scf.for
// CHECK:               vector.contract {{.*}} into vector<8x32xf32>
// CHECK:             arith.maximumf {{.*}} : vector<8x32xf32>
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, %[[P]]] [64, 32] [1, 1] : tensor<64x32xf32> into tensor<64x256xf32>
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, %[[B]]] [64, 256] [1, 1] : tensor<64x256xf32> into tensor<64x512xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] output_shape [1, 64, 16, 32] : tensor<64x512xf32> into tensor<1x64x16x32xf32>
// CHECK-NOT:   linalg.generic
// THREADS-LABEL: func.func @conv_relu
// THREADS:     scf.forall (%{{.*}}) = (0) to (512) step (256)
// THREADS:         vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// THREADS:         vector.contract
// THREADS:         arith.maximumf {{.*}} : vector<8x32xf32>
#row = affine_map<(d0, d1) -> (d0)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @conv_relu(%w: tensor<64x16xf32>, %x: tensor<16x512xf32>, %b: tensor<64xf32>) -> tensor<1x64x16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64x16x32xf32>
  %e2 = tensor.empty() : tensor<64x512xf32>
  %acc = linalg.generic {indexing_maps = [#row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e2 : tensor<64x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x512xf32>
  %m = linalg.matmul ins(%w, %x : tensor<64x16xf32>, tensor<16x512xf32>) outs(%acc : tensor<64x512xf32>) -> tensor<64x512xf32>
  %y = tensor.expand_shape %m [[0, 1], [2, 3]] output_shape [1, 64, 16, 32] : tensor<64x512xf32> into tensor<1x64x16x32xf32>
  %r = linalg.generic {indexing_maps = [#nchw, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<1x64x16x32xf32>) outs(%e : tensor<1x64x16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %v = arith.maximumf %in, %zero : f32
    linalg.yield %v : f32
  } -> tensor<1x64x16x32xf32>
  return %r : tensor<1x64x16x32xf32>
}

// -----

// The same 1x1 convolution without an epilogue (a linear bottleneck): with
// threads the parallel chunks take the bias broadcast along, so each
// register tile inside a chunk starts from the broadcast bias; no pass
// writes the bias into the output before the chunks (that pass ran on one
// thread and the tiles read it back).
// CHECK-LABEL: func.func @conv_bias
// CHECK:         vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// THREADS-LABEL: func.func @conv_bias
// THREADS-NOT:   vector.transfer_write
// THREADS:       scf.forall (%{{.*}}) = (0) to (512) step (256)
// THREADS:         vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// THREADS:         vector.contract
#brow = affine_map<(d0, d1) -> (d0)>
#bid2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @conv_bias(%w: tensor<64x16xf32>, %x: tensor<16x512xf32>, %b: tensor<64xf32>) -> tensor<64x512xf32> {
  %e2 = tensor.empty() : tensor<64x512xf32>
  %acc = linalg.generic {indexing_maps = [#brow, #bid2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e2 : tensor<64x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x512xf32>
  %m = linalg.matmul ins(%w, %x : tensor<64x16xf32>, tensor<16x512xf32>) outs(%acc : tensor<64x512xf32>) -> tensor<64x512xf32>
  return %m : tensor<64x512xf32>
}

// -----

// A 1x1 convolution with a residual Add and a ReLU (a ResNet bottleneck's
// last convolution): each 8x32 register tile adds its part of the residual
// after the reduction. The residual's rows are a row of the image apart and
// successive tiles move down them, which no hardware prefetcher follows, so
// each tile asks for its 16 lines (8 rows x 2 lines of 16 floats) during
// its reduction, one per step (16 steps here: every step asks for one),
// and as many of its own output's lines, to be written.
// CHECK-LABEL: func.func @conv_residual
// CHECK:         scf.for %{{.*}} = %{{.*}} to %c64 step %c8
// CHECK:           %[[BUF:.*]] = bufferization.to_buffer %[[RES:.*]] read_only
// CHECK:           %[[OUT:.*]] = bufferization.to_buffer %{{.*}} read_only
// CHECK-NOT:       memref.prefetch
// CHECK:           vector.transfer_read {{.*}}permutation_map{{.*}} : tensor<8xf32>, vector<8x32xf32>
// CHECK:           scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step
// CHECK:             %[[ROW:.*]] = affine.apply #{{.*}}(%[[K]])
// CHECK:             %[[COLUMN:.*]] = affine.apply #{{.*}}(%[[K]])
// CHECK:             memref.prefetch %[[BUF]][%[[ROW]], %[[COLUMN]]], read, locality<3>, data
// CHECK:             memref.prefetch %[[OUT]][%{{.*}}, %{{.*}}], write, locality<3>, data
// CHECK:             vector.contract {{.*}} into vector<8x32xf32>
// CHECK:           vector.transfer_read %[[RES]]{{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:           arith.addf {{.*}} : vector<8x32xf32>
// CHECK:           arith.maximumf {{.*}} : vector<8x32xf32>
#rrow = affine_map<(d0, d1) -> (d0)>
#rid2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @conv_residual(%w: tensor<64x16xf32>, %x: tensor<16x512xf32>, %b: tensor<64xf32>, %skip: tensor<64x512xf32>) -> tensor<64x512xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x512xf32>
  %acc = linalg.generic {indexing_maps = [#rrow, #rid2], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<64xf32>) outs(%e : tensor<64x512xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<64x512xf32>
  %m = linalg.matmul ins(%w, %x : tensor<64x16xf32>, tensor<16x512xf32>) outs(%acc : tensor<64x512xf32>) -> tensor<64x512xf32>
  %r = linalg.generic {indexing_maps = [#rid2, #rid2, #rid2], iterator_types = ["parallel", "parallel"]}
      ins(%m, %skip : tensor<64x512xf32>, tensor<64x512xf32>) outs(%e : tensor<64x512xf32>) {
  ^bb0(%in: f32, %s: f32, %out: f32):
    %sum = arith.addf %in, %s : f32
    %v = arith.maximumf %sum, %zero : f32
    linalg.yield %v : f32
  } -> tensor<64x512xf32>
  return %r : tensor<64x512xf32>
}

// -----

// Dynamic rows (a symbolic batch or sequence length) with static reduction
// and columns become static pieces, no masks: a loop over whole blocks of
// 64 rows (8 register tiles), each a static matmul with the cache-blocked
// schedule (one read of a weight panel for the block's 8 tiles), then at
// most one piece each of 32, 16 and 8 rows (the digits of the whole tiles
// left), then the rest by its row count: one row (decoding a token) as the
// matrix-vector kernel, r rows (2-7) as one r-row register tile (the weight
// streamed once, not once per power of two, and no padding rows computed).
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-NOT:   vector.mask
// CHECK:       %[[BREST:.*]] = arith.remui %[[ROWS:.*]], %c64 : index
// CHECK:       %[[BLOCKS:.*]] = arith.subi %[[ROWS]], %[[BREST]] : index
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %[[BLOCKS]] step %c64
// CHECK:         tensor.extract_slice %{{.*}} [64, 128] [1, 1] : tensor<?x128xf32> to tensor<64x128xf32>
// CHECK:         vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       %[[TILES:.*]] = arith.divui %[[BREST]], %c8
// CHECK:       arith.andi %[[TILES]], %c4
// CHECK:       scf.if
// CHECK:         tensor.extract_slice %{{.*}} [32, 128] [1, 1] : tensor<?x128xf32> to tensor<32x128xf32>
// CHECK:       arith.andi %[[TILES]], %c2
// CHECK:       scf.if
// CHECK:         tensor.extract_slice %{{.*}} [16, 128] [1, 1] : tensor<?x128xf32> to tensor<16x128xf32>
// CHECK:       arith.andi %[[TILES]], %c1
// CHECK:       scf.if
// CHECK:         tensor.extract_slice %{{.*}} [8, 128] [1, 1] : tensor<?x128xf32> to tensor<8x128xf32>
// CHECK:         vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       %[[REST:.*]] = arith.remui %[[ROWS]], %c8{{.*}} : index
// CHECK:       %[[WHOLE:.*]] = arith.subi %[[ROWS]], %[[REST]] : index
// CHECK:       scf.index_switch %[[REST]]
// CHECK:       case 1 {
// CHECK:         tensor.extract_slice %{{.*}}[%[[WHOLE]], 0] [1, 128] [1, 1]
// CHECK:         vector.contract {{.*}} : vector<8xf32>, vector<8x64xf32> into vector<64xf32>
// CHECK:       case 2 {
// CHECK:         tensor.extract_slice %{{.*}}[%[[WHOLE]], 0] [2, 128] [1, 1]
// CHECK:         vector.contract {{.*}} : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
// CHECK:       case 7 {
// CHECK:         tensor.extract_slice %{{.*}}[%[[WHOLE]], 0] [7, 128] [1, 1]
// CHECK:         vector.contract {{.*}} : vector<7x1xf32>, vector<1x32xf32> into vector<7x32xf32>
// CHECK:         tensor.insert_slice %{{.*}}[%[[WHOLE]], 0] [7, 64] [1, 1] : tensor<7x64xf32> into tensor<?x64xf32>
// CHECK:       default {
// CHECK-NOT:   vector.mask
// CHECK:       return
func.func @dynamic_rows(%a: tensor<?x128xf32>, %b: tensor<128x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x128xf32>, tensor<128x64xf32>) outs(%c : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Static rows that fit one 8-row register tile (7: a prompt of 7 tokens)
// are one 7-row tile, which streams the weight once (not seven one-row
// tiles, nor pieces of 4, 2 and 1 rows that read it three times).
// CHECK-LABEL: func.func @seven_rows
// CHECK-NOT:   tensor.extract_slice %{{.*}}[4, 0]
// CHECK:       vector.contract {{.*}} : vector<7x1xf32>, vector<1x32xf32> into vector<7x32xf32>
// CHECK-NOT:   vector.contract
// CHECK:       return
func.func @seven_rows(%a: tensor<7x128xf32>, %b: tensor<128x64xf32>, %c: tensor<7x64xf32>) -> tensor<7x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<7x128xf32>, tensor<128x64xf32>) outs(%c : tensor<7x64xf32>) -> tensor<7x64xf32>
  return %r : tensor<7x64xf32>
}

// -----

// More rows than a tile, not a multiple of it (20 at 8 rows): the whole
// tiles (16 rows), then the remainder as one 4-row piece and tile.
// CHECK-LABEL: func.func @twenty_rows
// CHECK:       tensor.extract_slice %{{.*}}[0, 0] [16, 128] [1, 1]
// CHECK:       vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       tensor.extract_slice %{{.*}}[16, 0] [4, 128] [1, 1]
// CHECK:       vector.contract {{.*}} : vector<4x1xf32>, vector<1x32xf32> into vector<4x32xf32>
// CHECK-NOT:   vector.contract
// CHECK:       return
func.func @twenty_rows(%a: tensor<20x128xf32>, %b: tensor<128x64xf32>, %c: tensor<20x64xf32>) -> tensor<20x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<20x128xf32>, tensor<128x64xf32>) outs(%c : tensor<20x64xf32>) -> tensor<20x64xf32>
  return %r : tensor<20x64xf32>
}

// -----

// A dynamic reduction stays scalar.
// CHECK-LABEL: func.func @dynamic_reduction
// CHECK-NOT:   vector.
// CHECK:       linalg.matmul
func.func @dynamic_reduction(%a: tensor<4x?xf32>, %b: tensor<?x64xf32>, %c: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x?xf32>, tensor<?x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %r : tensor<4x64xf32>
}

// -----

// Elementwise with dynamic rows and a static innermost dimension: one row
// at a time, full vectors.
// CHECK-LABEL: func.func @dynamic_elementwise
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %dim step %c1
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c64 step %c16
// CHECK:           arith.maximumf {{.*}} : vector<1x16xf32>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @dynamic_elementwise(%x: tensor<?x64xf32>, %e: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %zero = arith.constant 0.0 : f32
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// Elementwise with a dynamic innermost dimension (attention's keys): one
// row at a time, in chunks of two vectors, each masked by what is left of
// the row.
// CHECK-LABEL: func.func @dynamic_row_elementwise
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %{{.*}} step %c1
// CHECK:         scf.for %[[J:.*]] = %c0{{.*}} to %[[N:.*]] step %c32
// CHECK:           affine.min {{.*}}(%[[J]])[%[[N]]]
// CHECK:           %[[MASK:.*]] = vector.create_mask %{{.*}}, %{{.*}} : vector<1x32xi1>
// CHECK:           vector.mask %[[MASK]] { vector.transfer_read {{.*}} : tensor<1x?xf32>, vector<1x32xf32> }
// CHECK:           math.exp {{.*}} : vector<1x32xf32>
// CHECK:           vector.mask %[[MASK]] { vector.transfer_write
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @dynamic_row_elementwise(%x: tensor<4x?xf32>, %e: tensor<4x?xf32>) -> tensor<4x?xf32> {
  %r = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x?xf32>) outs(%e : tensor<4x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = math.exp %in : f32
    linalg.yield %m : f32
  } -> tensor<4x?xf32>
  return %r : tensor<4x?xf32>
}

// -----

// A row reduction of dynamic length (softmax's sum over the keys): chunks
// of four vectors, masked; the reduction is masked too.
// CHECK-LABEL: func.func @dynamic_row_sum
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c4 step %c1
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %{{.*}} step %c64
// CHECK:           %[[MASK:.*]] = vector.create_mask %{{.*}}, %{{.*}} : vector<1x64xi1>
// CHECK:           vector.mask %[[MASK]] { vector.transfer_read {{.*}} : tensor<1x?xf32>, vector<1x64xf32> }
// CHECK:           vector.mask %[[MASK]] { vector.multi_reduction <add>, {{.*}} [1] : vector<1x64xf32> to vector<1xf32> }
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row2 = affine_map<(d0, d1) -> (d0)>
func.func @dynamic_row_sum(%x: tensor<4x?xf32>, %acc: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.generic {indexing_maps = [#id2, #row2], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x?xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A reduction of a whole tensor with a dynamic axis (DynamicQuantizeLinear's
// maximum over [?, 64]): its loops merged into one row of ? * 64, reduced in
// masked chunks of four vectors, not scalar loops.
// CHECK-LABEL: func.func @dynamic_full_reduction
// CHECK:       tensor.collapse_shape %{{.*}} {{\[\[}}0, 1]] : tensor<?x64xf32> into tensor<?xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %{{.*}} step %c64
// CHECK:         %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<64xi1>
// CHECK:         vector.mask %[[MASK]] { vector.transfer_read {{.*}} : tensor<?xf32>, vector<64xf32> }
// CHECK:         vector.mask %[[MASK]] { vector.multi_reduction <maximumf>, {{.*}} [0] : vector<64xf32> to f32 }
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#all = affine_map<(d0, d1) -> ()>
func.func @dynamic_full_reduction(%x: tensor<?x64xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [#id2, #all], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<?x64xf32>) outs(%acc : tensor<f32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// A few rows (small-batch inference) stream the weight 16 rows at a time in
// order, over the whole output row, with 4x32 register tiles.
// CHECK-LABEL: func.func @few_rows
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c64 step %c16
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c128 step %c32
// CHECK:           scf.for %{{.*}} = %c0{{.*}} to %c4 step %c4
// CHECK:             scf.for %{{.*}} = %c0{{.*}} to %c16{{.*}} step %c1
// CHECK:               vector.contract {{.*}} : vector<4x1xf32>, vector<1x32xf32> into vector<4x32xf32>
func.func @few_rows(%a: tensor<4x64xf32>, %b: tensor<64x128xf32>, %c: tensor<4x128xf32>) -> tensor<4x128xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x64xf32>, tensor<64x128xf32>) outs(%c : tensor<4x128xf32>) -> tensor<4x128xf32>
  return %r : tensor<4x128xf32>
}

// -----

// Bool results stay scalar: LLVM stores a vector of i1 as packed bits, a
// memref of i1 holds one byte per element.
// CHECK-LABEL: func.func @bool_result
// CHECK-NOT:   vector.transfer_write
// CHECK:       linalg.generic
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @bool_result(%a: tensor<3x16xi32>, %b: tensor<3x16xi32>) -> tensor<3x16xi1> {
  %e = tensor.empty() : tensor<3x16xi1>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<3x16xi32>, tensor<3x16xi32>) outs(%e : tensor<3x16xi1>) {
  ^bb0(%x: i32, %y: i32, %o: i1):
    %c = arith.cmpi eq, %x, %y : i32
    linalg.yield %c : i1
  } -> tensor<3x16xi1>
  return %r : tensor<3x16xi1>
}

// -----

// Columns the register tile does not divide (a convolution over a 7x7
// image: 49 columns): the matmul is split into the 32 columns whole 8x32
// tiles cover and the other 17, whose B and accumulator columns are copied
// into zero-padded 32-column tensors, multiplied in whole 8x32 tiles (a
// 17-lane vector would be loaded and stored one lane at a time) and sliced
// back to 17 columns, instead of 49 tiles of one column.
// CHECK-LABEL: func.func @odd_columns
// CHECK:       tensor.extract_slice %arg1[0, 0] [64, 32] [1, 1] : tensor<64x49xf32> to tensor<64x32xf32>
// CHECK:       vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       %[[LEFT:.*]] = tensor.insert_slice %{{.*}} into %arg2[0, 0] [16, 32] [1, 1] : tensor<16x32xf32> into tensor<16x49xf32>
// CHECK:       %[[B:.*]] = tensor.extract_slice %arg1[0, 32] [64, 17] [1, 1] : tensor<64x49xf32> to tensor<64x17xf32>
// CHECK:       %[[C:.*]] = tensor.extract_slice %[[LEFT]][0, 32] [16, 17] [1, 1]
// CHECK:       %[[BZ:.*]] = linalg.fill {{.*}} -> tensor<64x32xf32>
// CHECK:       %[[BP:.*]] = tensor.insert_slice %[[B]] into %[[BZ]][0, 0] [64, 17] [1, 1] : tensor<64x17xf32> into tensor<64x32xf32>
// CHECK:       %[[CZ:.*]] = linalg.fill {{.*}} -> tensor<16x32xf32>
// CHECK:       tensor.insert_slice %[[C]] into %[[CZ]][0, 0] [16, 17] [1, 1] : tensor<16x17xf32> into tensor<16x32xf32>
// CHECK-NOT:   vector.mask
// CHECK:       tensor.extract_slice %[[BP]]
// CHECK:       vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       %[[REST:.*]] = tensor.extract_slice %{{.*}}[0, 0] [16, 17] [1, 1] : tensor<16x32xf32> to tensor<16x17xf32>
// CHECK:       tensor.insert_slice %[[REST]] into %[[LEFT]][0, 32] [16, 17] [1, 1] : tensor<16x17xf32> into tensor<16x49xf32>
func.func @odd_columns(%a: tensor<16x64xf32>, %b: tensor<64x49xf32>, %c: tensor<16x49xf32>) -> tensor<16x49xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x49xf32>) outs(%c : tensor<16x49xf32>) -> tensor<16x49xf32>
  return %r : tensor<16x49xf32>
}

// -----

// Fewer columns than a register tile, not a power of two: padded to 16
// columns (one vector); a power of two below the tile (8) stays as it is.
// CHECK-LABEL: func.func @seven_columns
// CHECK:       tensor.insert_slice %arg1 into %{{.*}}[0, 0] [64, 7] [1, 1] : tensor<64x7xf32> into tensor<64x16xf32>
// CHECK:       tensor.insert_slice %arg2 into %{{.*}}[0, 0] [16, 7] [1, 1] : tensor<16x7xf32> into tensor<16x16xf32>
// CHECK:       vector.contract {{.*}} : vector<8x1xf32>, vector<1x16xf32> into vector<8x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[0, 0] [16, 7] [1, 1] : tensor<16x16xf32> to tensor<16x7xf32>
// CHECK-LABEL: func.func @eight_columns
// CHECK-NOT:   tensor.insert_slice
// CHECK:       vector.contract {{.*}} : vector<8x1xf32>, vector<1x8xf32> into vector<8x8xf32>
func.func @seven_columns(%a: tensor<16x64xf32>, %b: tensor<64x7xf32>, %c: tensor<16x7xf32>) -> tensor<16x7xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x7xf32>) outs(%c : tensor<16x7xf32>) -> tensor<16x7xf32>
  return %r : tensor<16x7xf32>
}
func.func @eight_columns(%a: tensor<16x64xf32>, %b: tensor<64x8xf32>, %c: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x8xf32>) outs(%c : tensor<16x8xf32>) -> tensor<16x8xf32>
  return %r : tensor<16x8xf32>
}

// -----

// Attention scores times values with a symbolic sequence length (dynamic
// batch, rows and reduction; 16 static columns): one output row at a time,
// a 16-lane accumulator kept in registers across the reduction loop.
// CHECK-LABEL: func.func @dynamic_batch_matmul
// CHECK-NOT:   vector.mask
// CHECK:       vector.transfer_read {{.*}} : tensor<1x1x16xf32>, vector<1x1x16xf32>
// CHECK:       scf.for {{.*}} -> (tensor<?x?x16xf32>, tensor<1x1x16xf32>, vector<1x1x16xf32>)
// CHECK:         vector.contract {{.*}} : vector<1x1x1xf32>, vector<1x1x16xf32> into vector<1x1x16xf32>
func.func @dynamic_batch_matmul(%a: tensor<?x?x?xf32>, %b: tensor<?x?x16xf32>, %c: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<?x?x?xf32>, tensor<?x?x16xf32>) outs(%c : tensor<?x?x16xf32>) -> tensor<?x?x16xf32>
  return %r : tensor<?x?x16xf32>
}

// -----

// Queries times keys with a symbolic sequence length (dynamic columns): a
// loop over whole 16-column vectors, each a static piece with no masks and
// its accumulator in registers, then one piece for the rest, masked.
// CHECK-LABEL: func.func @dynamic_batch_columns
// CHECK:       %[[REST:.*]] = arith.remui %{{.*}}, %c16 : index
// CHECK:       scf.for
// CHECK-NOT:     vector.mask
// CHECK:         vector.contract {{.*}} : vector<1x1x1xf32>, vector<1x1x16xf32> into vector<1x1x16xf32>
// CHECK:       %[[SOME:.*]] = arith.cmpi ne, %[[REST]], %c0
// CHECK:       scf.if %[[SOME]]
// CHECK:         vector.mask %{{.*}} { vector.transfer_read {{.*}} : tensor<1x1x?xf32>, vector<1x1x16x1xf32> }
func.func @dynamic_batch_columns(%a: tensor<?x?x16xf32>, %b: tensor<?x16x?xf32>, %c: tensor<?x?x?xf32>) -> tensor<?x?x?xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<?x?x16xf32>, tensor<?x16x?xf32>) outs(%c : tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  return %r : tensor<?x?x?xf32>
}

// -----

// A row reduction over a static innermost dimension (LayerNorm's mean,
// softmax's maximum) with dynamic rows: one row at a time, reduced as one
// vector.
// CHECK-LABEL: func.func @row_sum
// CHECK:       vector.multi_reduction <add>, {{.*}} [2] : vector<1x1x64xf32> to vector<1x1xf32>
#rin = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#rout = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_sum(%x: tensor<?x?x64xf32>, %e: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %r = linalg.generic {indexing_maps = [#rin, #rout], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x?x64xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// The same with static rows; a reduction over a non-innermost dimension
// stays scalar.
// CHECK-LABEL: func.func @static_row_max
// CHECK:       vector.multi_reduction <maxnumf>, {{.*}} [1] : vector<1x256xf32> to vector<1xf32>
// CHECK-LABEL: func.func @column_sum
// CHECK-NOT:   vector.
// CHECK:       return
#sin = affine_map<(d0, d1) -> (d0, d1)>
#sout = affine_map<(d0, d1) -> (d0)>
func.func @static_row_max(%x: tensor<8x256xf32>, %e: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [#sin, #sout], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<8x256xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maxnumf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}
#cin = affine_map<(d0, d1) -> (d1, d0)>
func.func @column_sum(%x: tensor<64x8xf32>, %e: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.generic {indexing_maps = [#cin, #sout], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// A batch matmul of 197 columns (ViT's attention scores): 192 in whole
// tiles, the other 5 padded to one 16-lane vector.
// CHECK-LABEL: func.func @batch_odd_columns
// CHECK:       tensor.extract_slice %arg1[0, 0, 0] [2, 64, 192] [1, 1, 1]
// CHECK:       vector.contract {{.*}} into vector<1x8x32xf32>
// CHECK:       tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [2, 64, 5] [1, 1, 1] : tensor<2x64x5xf32> into tensor<2x64x16xf32>
// CHECK:       vector.contract {{.*}} into vector<1x8x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[0, 0, 0] [2, 16, 5] [1, 1, 1] : tensor<2x16x16xf32> to tensor<2x16x5xf32>
func.func @batch_odd_columns(%a: tensor<2x16x64xf32>, %b: tensor<2x64x197xf32>, %c: tensor<2x16x197xf32>) -> tensor<2x16x197xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x16x64xf32>, tensor<2x64x197xf32>) outs(%c : tensor<2x16x197xf32>) -> tensor<2x16x197xf32>
  return %r : tensor<2x16x197xf32>
}

// -----

// A 2-D transpose (pixel rows back to NCHW): blocks of 8 input rows by 8
// columns, each row read as a vector, the block transposed by three rounds
// of shuffles (24) and written as 8 output rows; the rows left over (196 =
// 24 x 8 + 4) one block of 4 (vector.transpose). Columns that are no
// multiple of 8 come in pieces of smaller powers of two (6 = 4 + 2).
// CHECK-LABEL: func.func @transpose_blocks
// CHECK:       scf.for %[[C:.*]] = %c0{{.*}} to %c64{{.*}} step %c8
// CHECK:         scf.for %[[R:.*]] = %c0{{.*}} to %c192{{.*}} step %c8
// CHECK-COUNT-8:   vector.transfer_read %{{.*}} {in_bounds = [true]} : tensor<196x64xf32>, vector<8xf32>
// CHECK:           vector.shuffle %{{.*}}, %{{.*}} [0, 8, 1, 9, 4, 12, 5, 13] : vector<8xf32>, vector<8xf32>
// CHECK-COUNT-23:  vector.shuffle
// CHECK-NOT:       vector.shuffle
// CHECK-COUNT-8:   vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<64x196xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c64{{.*}} step %c8
// CHECK:         scf.for %{{.*}} = %c192{{.*}} to %c196{{.*}} step %c4
// CHECK:           vector.transpose %{{.*}}, [1, 0] : vector<4x8xf32> to vector<8x4xf32>
// CHECK-NOT:   linalg.transpose
// CHECK-LABEL: func.func @transpose_narrow
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c4
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c192{{.*}} step %c8
// CHECK:           vector.transpose %{{.*}}, [1, 0] : vector<8x4xf32> to vector<4x8xf32>
// CHECK:       scf.for %{{.*}} = %c4{{.*}} to %c6{{.*}} step %c2
// CHECK:         scf.for %{{.*}} = %c0{{.*}} to %c192{{.*}} step %c8
// CHECK:           vector.transpose %{{.*}}, [1, 0] : vector<8x2xf32> to vector<2x8xf32>
// CHECK-NOT:   linalg.transpose
func.func @transpose_blocks(%x: tensor<196x64xf32>) -> tensor<64x196xf32> {
  %e = tensor.empty() : tensor<64x196xf32>
  %t = linalg.transpose ins(%x : tensor<196x64xf32>) outs(%e : tensor<64x196xf32>) permutation = [1, 0]
  return %t : tensor<64x196xf32>
}
func.func @transpose_narrow(%x: tensor<196x6xf32>) -> tensor<6x196xf32> {
  %e = tensor.empty() : tensor<6x196xf32>
  %t = linalg.transpose ins(%x : tensor<196x6xf32>) outs(%e : tensor<6x196xf32>) permutation = [1, 0]
  return %t : tensor<6x196xf32>
}

// -----

// A global average pool's sum (two trailing reduction loops, height and
// width, contiguous in the input) becomes one row reduction per channel;
// rows of 196 that 16 lanes do not divide are reduced in 64-lane chunks up
// to 192, then the last 4 lanes, the second accumulating onto the first.
// CHECK-LABEL: func.func @global_pool_sum
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c192{{.*}} step %c64
// CHECK:         vector.multi_reduction <add>, %{{.*}}, %{{.*}} [2] : vector<1x1x64xf32> to vector<1x1xf32>
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c4
// CHECK:         vector.multi_reduction <add>, %{{.*}}, %{{.*}} [2] : vector<1x1x4xf32> to vector<1x1xf32>
func.func @global_pool_sum(%x: tensor<1x480x14x14xf32>, %acc: tensor<1x480xf32>) -> tensor<1x480xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : tensor<1x480x14x14xf32>) outs(%acc : tensor<1x480xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<1x480xf32>
  return %r : tensor<1x480xf32>
}

// -----

// Trailing reductions are merged only when every map is a projected
// permutation: a per-channel scale read as (d1, 0, 0) (a BatchNormalization
// folded into the pool, DenseNet's last layer) keeps the op as it is (the
// upstream collapse crashed on it).
// CHECK-LABEL: func.func @pool_with_constant_indices
// CHECK:       linalg.generic
// CHECK-SAME:  iterator_types = ["parallel", "parallel", "reduction", "reduction"]
func.func @pool_with_constant_indices(%x: tensor<1x64x7x7xf32>, %s: tensor<64x1x1xf32>, %acc: tensor<1x64xf32>) -> tensor<1x64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>, affine_map<(d0, d1, d2, d3) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %s : tensor<1x64x7x7xf32>, tensor<64x1x1xf32>) outs(%acc : tensor<1x64xf32>) {
  ^bb0(%in: f32, %scale: f32, %out: f32):
    %p = arith.mulf %in, %scale : f32
    %q = arith.addf %p, %out : f32
    linalg.yield %q : f32
  } -> tensor<1x64xf32>
  return %r : tensor<1x64xf32>
}

// -----

// Input rows 4 KiB apart (1024 f32) share the L1 sets of a virtually
// indexed cache: the input is copied into rows one cache line (16 f32)
// longer, a slice of an 8 x 1040 buffer that the register tiles read; rows
// of another length (1000) are read in place.
// CHECK-LABEL: func.func @spread_input_rows
// CHECK:       %[[WIDE:.*]] = tensor.empty() : tensor<8x1040xf32>
// CHECK:       %[[ROWS:.*]] = tensor.extract_slice %[[WIDE]][0, 0] [8, 1024] [1, 1]
// CHECK:       %[[COPY:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ROWS]]) -> (tensor<8x1024xf32>)
// CHECK:           tensor.extract_slice %arg0
// CHECK:           vector.transfer_read
// CHECK:           vector.transfer_write
// CHECK:       tensor.extract_slice %[[COPY]]
// CHECK:       vector.contract
// CHECK-LABEL: func.func @rows_in_place
// CHECK-NOT:   tensor.empty() : tensor<8x10{{[0-9]+}}xf32>
// CHECK:       return
func.func @spread_input_rows(%a: tensor<8x1024xf32>, %b: tensor<1024x256xf32>) -> tensor<8x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x256xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x256xf32>) -> tensor<8x256xf32>
  %y = linalg.matmul ins(%a, %b : tensor<8x1024xf32>, tensor<1024x256xf32>)
                     outs(%init : tensor<8x256xf32>) -> tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}
func.func @rows_in_place(%a: tensor<8x1000xf32>, %b: tensor<1000x256xf32>) -> tensor<8x256xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x256xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<8x256xf32>) -> tensor<8x256xf32>
  %y = linalg.matmul ins(%a, %b : tensor<8x1000xf32>, tensor<1000x256xf32>)
                     outs(%init : tensor<8x256xf32>) -> tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}

// -----

// Rows that register tiles of 7 divide (a 7x7 map's 49 pixel rows) run as
// one matmul in 7-row tiles, with no remainder piece streaming the weight
// again; 50 rows (no tile of 6 to 8 divides them) split into 48 and 2.
// CHECK-LABEL: func.func @seven_row_tiles
// CHECK-NOT:   tensor.extract_slice %arg0[48
// CHECK:       scf.for %{{.*}} = %c0{{.*}} to %c49 step %c7
// CHECK:         vector.contract {{.*}} : vector<7x1xf32>, vector<1x32xf32> into vector<7x32xf32>
// CHECK-LABEL: func.func @remainder_piece
// CHECK:       tensor.extract_slice %arg0[0, 0] [48, 64] [1, 1]
// CHECK:         vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK:       tensor.extract_slice %arg0[48, 0] [2, 64] [1, 1]
// CHECK:         vector.contract {{.*}} : vector<2x1xf32>, vector<1x32xf32> into vector<2x32xf32>
func.func @seven_row_tiles(%a: tensor<49x64xf32>, %b: tensor<64x64xf32>, %c: tensor<49x64xf32>) -> tensor<49x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<49x64xf32>, tensor<64x64xf32>) outs(%c : tensor<49x64xf32>) -> tensor<49x64xf32>
  return %r : tensor<49x64xf32>
}
func.func @remainder_piece(%a: tensor<50x64xf32>, %b: tensor<64x64xf32>, %c: tensor<50x64xf32>) -> tensor<50x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<50x64xf32>, tensor<64x64xf32>) outs(%c : tensor<50x64xf32>) -> tensor<50x64xf32>
  return %r : tensor<50x64xf32>
}

// -----

// With threads, a transpose's row blocks split into parallel chunks over
// the output's columns (64 input rows: 8 blocks of 8, two chunks of 32);
// alone, one loop.
// CHECK-LABEL: func.func @transpose_chunks
// CHECK-NOT:   scf.forall
// THREADS-LABEL: func.func @transpose_chunks
// THREADS:     scf.forall (%[[I:.*]]) in (2) shared_outs(%{{.*}}) -> (tensor<196x64xf32>)
// THREADS:       tensor.extract_slice %arg0[%{{.*}}, 0] [32, 196] [1, 1] : tensor<64x196xf32> to tensor<32x196xf32>
// THREADS:       vector.shuffle
// THREADS:       tensor.parallel_insert_slice %{{.*}} into %{{.*}}[0, %{{.*}}] [196, 32] [1, 1] : tensor<196x32xf32> into tensor<196x64xf32>
func.func @transpose_chunks(%x: tensor<64x196xf32>) -> tensor<196x64xf32> {
  %e = tensor.empty() : tensor<196x64xf32>
  %t = linalg.transpose ins(%x : tensor<64x196xf32>) outs(%e : tensor<196x64xf32>) permutation = [1, 0]
  return %t : tensor<196x64xf32>
}

// -----

// A classifier-like product of one row whose 7 column tiles have no
// divisor worth a chunk (a tile is ~8000 cycles, under min-chunk-cycles):
// the first 6 tiles are split between the threads (two chunks of 96
// columns), the last tile stays on the calling thread. Without threads it
// is one product.
// SPLIT-LABEL: func.func @classifier_columns
// SPLIT:         tensor.extract_slice %arg1[0, 0] [1024, 192] [1, 1]
// SPLIT:         scf.forall (%{{.*}}) = (0) to (192) step (96)
// SPLIT:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 0] [1, 192] [1, 1]
// SPLIT:         tensor.extract_slice %arg1[0, 192] [1024, 32] [1, 1]
// SPLIT-NOT:     scf.forall
// SPLIT:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 192] [1, 32] [1, 1]
// CHECK-LABEL: func.func @classifier_columns
// CHECK-NOT:     scf.forall
// CHECK-NOT:     tensor.extract_slice %arg1[0, 192]
// CHECK:         return
func.func @classifier_columns(%a: tensor<1x1024xf32>, %b: tensor<1024x224xf32>) -> tensor<1x224xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x224xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x224xf32>) -> tensor<1x224xf32>
  %r = linalg.matmul ins(%a, %b : tensor<1x1024xf32>, tensor<1024x224xf32>) outs(%init : tensor<1x224xf32>) -> tensor<1x224xf32>
  return %r : tensor<1x224xf32>
}

// -----

// A strided sample (a strided 1x1 convolution's input, out[n, c, y, x] =
// in[n, c, 2y, 2x]): per output row, a read of 32 consecutive elements and
// a shuffle of the even lanes per vector of 16 outputs, the last one (one
// output of 17) read masked to the input row's 34 elements and written
// masked. With threads, parallel chunks of the channels.
// CHECK-LABEL: func.func @strided_sample
// CHECK:       scf.for %[[C:.*]] = %c0{{.*}} to %c4{{.*}} step %c1
// CHECK:         scf.for %[[Y:.*]] = %c0{{.*}} to %c17{{.*}} step %c1
// CHECK:           %[[ROW:.*]] = arith.muli %[[Y]], %c2
// CHECK:           %[[W:.*]] = vector.transfer_read %arg0[%c0{{.*}}, %[[C]], %[[ROW]], %c0{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x4x34x34xf32>, vector<32xf32>
// CHECK:           %[[P:.*]] = vector.shuffle %[[W]], %[[W]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30] : vector<32xf32>, vector<32xf32>
// CHECK:           vector.transfer_write %[[P]], %{{.*}}[%c0{{.*}}, %[[C]], %[[Y]], %c0{{.*}}] {in_bounds = [true]} : vector<16xf32>, tensor<1x4x17x17xf32>
// CHECK:           %[[M:.*]] = vector.create_mask %{{.*}} : vector<32xi1>
// CHECK:           vector.transfer_read %arg0[%c0{{.*}}, %[[C]], %{{.*}}, %c32{{.*}}], %{{.*}}, %[[M]] {in_bounds = [true]} : tensor<1x4x34x34xf32>, vector<32xf32>
// CHECK:           vector.shuffle
// CHECK:           %[[WM:.*]] = vector.create_mask %c1{{.*}} : vector<16xi1>
// CHECK:           vector.transfer_write %{{.*}}, %{{.*}}[%c0{{.*}}, %[[C]], %[[Y]], %c16{{.*}}], %[[WM]] {in_bounds = [true]} : vector<16xf32>, tensor<1x4x17x17xf32>
// CHECK-NOT:   linalg.generic
// THREADS-LABEL: func.func @strided_sample
// THREADS:       scf.forall (%{{.*}}) in (2)
// THREADS:         scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1
// THREADS:           vector.shuffle
// THREADS:       scf.forall.in_parallel
#sample_in = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2 * 2, d3 * 2)>
#sample_out = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @strided_sample(%x: tensor<1x4x34x34xf32>) -> tensor<1x4x17x17xf32> {
  %e = tensor.empty() : tensor<1x4x17x17xf32>
  %s = linalg.generic {indexing_maps = [#sample_in, #sample_out], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%x : tensor<1x4x34x34xf32>) outs(%e : tensor<1x4x17x17xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x4x17x17xf32>
  return %s : tensor<1x4x17x17xf32>
}

// -----

// The elementwise op that alone reads a 2-D transpose's result (through
// the expand_shape back to NCHW: a pixel-rows convolution's residual Add
// and ReLU) is applied to each transposed vector before it is written,
// into the elementwise op's destination, its other operand read at the
// same place: no pass of its own. With threads the read is at the chunk's
// offset.
// CHECK-LABEL: func.func @transpose_epilogue
// CHECK-DAG:   %[[OUT:.*]] = tensor.collapse_shape %{{.*}} {{\[}}[0, 1], [2, 3]] : tensor<1x64x12x12xf32> into tensor<64x144xf32>
// CHECK-DAG:   %[[RES:.*]] = tensor.collapse_shape %arg1 {{\[}}[0, 1], [2, 3]] : tensor<1x64x12x12xf32> into tensor<64x144xf32>
// CHECK:       scf.for %[[C:.*]] = %c0{{.*}} to %c64{{.*}} step %c8{{.*}} iter_args(%{{.*}} = %[[OUT]])
// CHECK:         scf.for %[[R:.*]] = %c0{{.*}} to %c144{{.*}} step %c8
// CHECK-COUNT-24:  vector.shuffle
// CHECK:           %[[X:.*]] = vector.transfer_read %[[RES]][%[[C]], %[[R]]], %{{.*}} {in_bounds = [true]} : tensor<64x144xf32>, vector<8xf32>
// CHECK:           %[[S:.*]] = arith.addf %{{.*}}, %[[X]] : vector<8xf32>
// CHECK:           %[[M:.*]] = arith.maximumf %[[S]], %{{.*}} : vector<8xf32>
// CHECK:           vector.transfer_write %[[M]], %{{.*}}[%[[C]], %[[R]]] {in_bounds = [true]} : vector<8xf32>, tensor<64x144xf32>
// CHECK:       tensor.expand_shape %{{.*}} {{\[}}[0, 1], [2, 3]] output_shape [1, 64, 12, 12] : tensor<64x144xf32> into tensor<1x64x12x12xf32>
// CHECK-NOT:   linalg.generic
// CHECK-NOT:   linalg.transpose
// THREADS-LABEL: func.func @transpose_epilogue
// THREADS:       scf.forall (%[[I:.*]]) in (2)
// THREADS:         %[[OFF:.*]] = arith.muli %[[I]], %c72
// THREADS:         %[[G:.*]] = arith.addi %[[OFF]], %{{.*}} : index
// THREADS:         vector.transfer_read %{{.*}}[%{{.*}}, %[[G]]], %{{.*}} {in_bounds = [true]} : tensor<64x144xf32>, vector<8xf32>
// THREADS:         arith.addf
// THREADS:         arith.maximumf
func.func @transpose_epilogue(%x: tensor<144x64xf32>, %r: tensor<1x64x12x12xf32>) -> tensor<1x64x12x12xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x144xf32>
  %t = linalg.transpose ins(%x : tensor<144x64xf32>) outs(%e : tensor<64x144xf32>) permutation = [1, 0]
  %t4 = tensor.expand_shape %t [[0, 1], [2, 3]] output_shape [1, 64, 12, 12] : tensor<64x144xf32> into tensor<1x64x12x12xf32>
  %o = tensor.empty() : tensor<1x64x12x12xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
       ins(%t4, %r : tensor<1x64x12x12xf32>, tensor<1x64x12x12xf32>) outs(%o : tensor<1x64x12x12xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    %m = arith.maximumf %s, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x64x12x12xf32>
  return %y : tensor<1x64x12x12xf32>
}
