// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=16}))" | FileCheck %s

// A pad of a channels-last image (the innermost dimension unpadded) fills
// only its border, slab by slab, each element once: the rows above the
// image whole (none below: high 0 in H), then the pixels left and right of
// each image row, and the image is inserted into the middle. The fills are
// vectorized along the channels.
// CHECK-LABEL: func.func @channels_last_pad
// CHECK-NOT:   tensor.pad
// CHECK:       %[[BUF:.*]] = bufferization.alloc_tensor() : tensor<5x8x32xf32>
// CHECK:       %[[TOP:.*]] = tensor.extract_slice %[[BUF]][0, 0, 0] [1, 8, 32] [1, 1, 1]
// CHECK:       vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[1, 0, 0] [4, 2, 32] [1, 1, 1]
// CHECK:       vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK:       tensor.extract_slice %{{.*}}[1, 7, 0] [4, 1, 32] [1, 1, 1]
// CHECK:       vector.transfer_write %{{.*}} : vector<1x1x16xf32>
// CHECK-NOT:   tensor.extract_slice %{{.*}}[4, 0, 0]
// CHECK:       %[[OUT:.*]] = tensor.insert_slice %arg0 into %{{.*}}[1, 2, 0] [4, 5, 32] [1, 1, 1] : tensor<4x5x32xf32> into tensor<5x8x32xf32>
// CHECK:       return %[[OUT]]
func.func @channels_last_pad(%x: tensor<4x5x32xf32>) -> tensor<5x8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[1, 2, 0] high[0, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %zero : f32
  } : tensor<4x5x32xf32> to tensor<5x8x32xf32>
  return %padded : tensor<5x8x32xf32>
}

// -----

// Any constant: a max pool's -inf border is filled with -inf.
// CHECK-LABEL: func.func @lowest_pad
// CHECK:       %[[NEG:.*]] = arith.constant dense<0xFF800000> : vector<1x1x16xf32>
// CHECK:       vector.transfer_write %[[NEG]]
// CHECK-NOT:   tensor.pad
func.func @lowest_pad(%x: tensor<2x2x16xf32>) -> tensor<4x4x16xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %padded = tensor.pad %x low[1, 1, 0] high[1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index):
    tensor.yield %ninf : f32
  } : tensor<2x2x16xf32> to tensor<4x4x16xf32>
  return %padded : tensor<4x4x16xf32>
}

// -----

// A pad of the innermost dimension (an NCHW map's columns) stays one
// tensor.pad: its border slabs would be single elements, slower than
// filling the whole buffer.
// CHECK-LABEL: func.func @nchw_pad
// CHECK:       tensor.pad %arg0 low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK-NOT:   bufferization.alloc_tensor
func.func @nchw_pad(%x: tensor<1x8x14x14xf32>) -> tensor<1x8x16x16xf32> {
  %zero = arith.constant 0.0 : f32
  %padded = tensor.pad %x low[0, 0, 1, 1] high[0, 0, 1, 1] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<1x8x14x14xf32> to tensor<1x8x16x16xf32>
  return %padded : tensor<1x8x16x16xf32>
}
