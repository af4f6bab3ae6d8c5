// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48},canonicalize,cse))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48 threads=2 min-chunk-cycles=1},canonicalize,cse))" | FileCheck %s --check-prefix=THREADS
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48 winograd=false},canonicalize,cse))" | FileCheck %s --check-prefix=OFF
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16 tile-m=8 tile-n=32 direct-tile-n=48 fma-lanes=16},canonicalize,cse))" | FileCheck %s --check-prefix=ONE

// A 3x3 stride-1 convolution with 128 channels and filters on a 16x15 map
// (8x8 = 64 output tiles of 2x2; the odd width's last tile column keeps
// one column), bias and Relu, as Winograd's F(2x2, 3x3):
// - the input transform reads the unpadded image's rows ([128 * 16, 15])
//   48 wide, the first shifted right by the left padding, picks the
//   window's four columns of 16 tiles by shuffles (2k, 2k + 1, 2k + 2,
//   2k + 3) and writes the 16 positions of [16, 128, 64];
// - the filters transformed at compile time, [16, 16 tiles of 8, 128, 8];
// - 16 products, each the direct kernel's 8x48 register tiles (24 FMAs
//   per channel) over the 64 tile columns;
// - the output transform reads the 16 positions, adds the bias, applies
//   the Relu and writes each output row's two tile columns interleaved
//   (32 lanes, masked to the 15 columns).
// CHECK-LABEL: func.func @winograd
// CHECK-NOT:   tensor.pad
// CHECK-DAG:   %[[U:.*]] = arith.constant dense_resource<sieve_winograd_tiles> : tensor<16x16x128x8xf32>
// CHECK-DAG:   %[[SRC:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<1x128x16x15xf32> into tensor<2048x15xf32>
// CHECK:       %[[V:.*]] = scf.for {{.*}} -> (tensor<16x128x64xf32>) {
// CHECK:         vector.transfer_read %[[SRC]]{{.*}} : tensor<2048x15xf32>, vector<48xf32>
// CHECK:         vector.shuffle %{{.*}}, %{{.*}} [48, 0, 1, 2,
// CHECK:         vector.shuffle %{{.*}}, %{{.*}} [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// CHECK:         vector.shuffle %{{.*}}, %{{.*}} [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// CHECK:         vector.shuffle %{{.*}}, %{{.*}} [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]
// CHECK:         vector.shuffle %{{.*}}, %{{.*}} [3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31, 33]
// CHECK:         vector.transfer_write %{{.*}}, %{{.*}}[%c15, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : vector<16xf32>, tensor<16x128x64xf32>
// CHECK:       %[[M:.*]] = scf.for %[[XI:.*]] = %c0 to %c16 step %c1
// CHECK-DAG:     tensor.extract_slice %[[V]][%[[XI]], 0, 0] [1, 128, 64] [1, 1, 1] : tensor<16x128x64xf32> to tensor<128x64xf32>
// CHECK-DAG:     tensor.extract_slice %[[U]][%[[XI]], 0, 0, 0] [1, 16, 128, 8] [1, 1, 1, 1] : tensor<16x16x128x8xf32> to tensor<16x128x8xf32>
// CHECK:         scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-24: vector.fma
// CHECK:       scf.for {{.*}} -> (tensor<1x128x16x15xf32>) {
// CHECK:         tensor.extract %arg1
// CHECK:         vector.transfer_read %[[M]][%c0, {{.*}} : tensor<16x128x64xf32>, vector<16xf32>
// CHECK:         vector.transfer_read %[[M]][%c15, {{.*}} : tensor<16x128x64xf32>, vector<16xf32>
// CHECK:         arith.maximumf
// CHECK:         vector.interleave %{{.*}}, %{{.*}} : vector<16xf32> -> vector<32xf32>
// CHECK:         vector.transfer_write %{{.*}}, %{{.*}} {in_bounds = [true]} : vector<32xf32>, tensor<1x128x16x15xf32>
// CHECK-NOT:   linalg.generic
// CHECK:       return
// The input transform (chunks of channels), the products (chunks of
// filter tiles) and the output transform (chunks of filters) in parallel.
// THREADS-LABEL: func.func @winograd
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<16x128x64xf32>)
// THREADS:         vector.shuffle
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<16x128x64xf32>)
// THREADS:         vector.fma
// THREADS:       scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<1x128x16x15xf32>)
// THREADS:         vector.transfer_write %{{.*}} : vector<32xf32>, tensor<1x64x16x15xf32>
// Off: the direct kernel (the splat weight broadcast as it is).
// OFF-LABEL:   func.func @winograd
// OFF-NOT:     sieve_winograd_tiles
// OFF:         arith.constant dense<5.000000e-01> : vector<16xf32>
// OFF-NOT:     tensor<16x128x64xf32>
// OFF:         vector.fma
#bias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#bias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @winograd(%x: tensor<1x128x16x15xf32>, %b: tensor<128xf32>) -> tensor<1x128x16x15xf32> {
  %zero = arith.constant 0.0 : f32
  %w = arith.constant dense<0.5> : tensor<128x128x3x3xf32>
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x128x16x15xf32> to tensor<1x128x18x17xf32>
  %e = tensor.empty() : tensor<1x128x16x15xf32>
  %acc = linalg.generic {indexing_maps = [#bias_ch, #bias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<128xf32>) outs(%e : tensor<1x128x16x15xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x128x16x15xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%padded, %w : tensor<1x128x18x17xf32>, tensor<128x128x3x3xf32>) outs(%acc : tensor<1x128x16x15xf32>) -> tensor<1x128x16x15xf32>
  %e2 = tensor.empty() : tensor<1x128x16x15xf32>
  %relu = linalg.generic {indexing_maps = [#bias_id, #bias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%r : tensor<1x128x16x15xf32>) outs(%e2 : tensor<1x128x16x15xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<1x128x16x15xf32>
  return %relu : tensor<1x128x16x15xf32>
}

// -----

// Too few filters for the transforms to pay (128 -> 16: 9.9 multiply-adds
// saved per moved value, fewer than the 20 that 32 multiply-adds per cycle
// need, kWinogradCyclesPerMovedValue, and than the 10 of 16 per cycle):
// the direct kernel.
// CHECK-LABEL: func.func @few_filters
// CHECK-NOT:   sieve_winograd_tiles
// CHECK:       arith.constant dense<5.000000e-01> : vector<16xf32>
// CHECK-NOT:   tensor<16x128x64xf32>
// CHECK:       vector.fma
#fbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#fbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @few_filters(%x: tensor<1x128x18x17xf32>, %b: tensor<16xf32>) -> tensor<1x16x16x15xf32> {
  %w = arith.constant dense<0.5> : tensor<16x128x3x3xf32>
  %e = tensor.empty() : tensor<1x16x16x15xf32>
  %acc = linalg.generic {indexing_maps = [#fbias_ch, #fbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<16xf32>) outs(%e : tensor<1x16x16x15xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x16x16x15xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x128x18x17xf32>, tensor<16x128x3x3xf32>) outs(%acc : tensor<1x16x16x15xf32>) -> tensor<1x16x16x15xf32>
  return %r : tensor<1x16x16x15xf32>
}

// -----

// 128 -> 32 on the same map saves 17.8 multiply-adds per moved value: the
// direct kernel on a core of 32 multiply-adds per cycle, Winograd on one
// of 16 (a Zen 4: fma-lanes=16).
// CHECK-LABEL: func.func @one_fma_unit
// CHECK-NOT:   sieve_winograd_tiles
// CHECK:       vector.fma
// ONE-LABEL:   func.func @one_fma_unit
// ONE:         arith.constant dense_resource<sieve_winograd_tiles> : tensor<16x4x128x8xf32>
#fbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#fbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @one_fma_unit(%x: tensor<1x128x18x17xf32>, %b: tensor<32xf32>) -> tensor<1x32x16x15xf32> {
  %w = arith.constant dense<0.5> : tensor<32x128x3x3xf32>
  %e = tensor.empty() : tensor<1x32x16x15xf32>
  %acc = linalg.generic {indexing_maps = [#fbias_ch, #fbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<32xf32>) outs(%e : tensor<1x32x16x15xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x32x16x15xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x128x18x17xf32>, tensor<32x128x3x3xf32>) outs(%acc : tensor<1x32x16x15xf32>) -> tensor<1x32x16x15xf32>
  return %r : tensor<1x32x16x15xf32>
}

// -----

// 64 -> 256 on 13x13 (SqueezeNet's last expand layer): its 49 tiles are
// four vectors of columns (the masked register tile's other two vectors
// are never computed), so the products take 16 * 256 * 64 * 64
// multiply-adds, 23.9 saved per moved value: Winograd at 32 per cycle.
// CHECK-LABEL: func.func @partial_tile
// CHECK:       arith.constant dense_resource<sieve_winograd_tiles> : tensor<16x32x64x8xf32>
#fbias_ch = affine_map<(d0, d1, d2, d3) -> (d1)>
#fbias_id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @partial_tile(%x: tensor<1x64x15x15xf32>, %b: tensor<256xf32>) -> tensor<1x256x13x13xf32> {
  %w = arith.constant dense<0.5> : tensor<256x64x3x3xf32>
  %e = tensor.empty() : tensor<1x256x13x13xf32>
  %acc = linalg.generic {indexing_maps = [#fbias_ch, #fbias_id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%b : tensor<256xf32>) outs(%e : tensor<1x256x13x13xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x256x13x13xf32>
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x64x15x15xf32>, tensor<256x64x3x3xf32>) outs(%acc : tensor<1x256x13x13xf32>) -> tensor<1x256x13x13xf32>
  return %r : tensor<1x256x13x13xf32>
}
