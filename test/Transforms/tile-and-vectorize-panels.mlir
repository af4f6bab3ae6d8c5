// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize),canonicalize)" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{pack-panels=false}),canonicalize)" | FileCheck %s --check-prefix=OFF

// A constant weight read by one matmul of more than one register tile of
// rows: rearranged at compile time into [N / 32, K, 32] panels, and the
// cache block computed one 32-column panel at a time, reading its panel
// (index: the block's column plus the panel's, over 32) contiguously. No
// copies at run time.
// CHECK-LABEL: func.func @constant_weight
// CHECK-DAG:   %[[P:.*]] = arith.constant dense_resource<sieve_packed_weight> : tensor<2x4x32xf32>
// CHECK:       scf.for %[[J:.*]] = %c0 to %c64 step %c32
// CHECK:         %[[Q:.*]] = affine.apply #{{.*}}(%[[J]])
// CHECK:         %[[PANEL:.*]] = tensor.extract_slice %[[P]][%[[Q]], 0, 0] [1, 4, 32] [1, 1, 1] : tensor<2x4x32xf32> to tensor<4x32xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:           tensor.extract_slice %[[PANEL]][%{{.*}}, 0] [1, 32] [1, 1] : tensor<4x32xf32> to tensor<1x32xf32>
// CHECK:           vector.contract {{.*}} : vector<8x1xf32>, vector<1x32xf32> into vector<8x32xf32>
// CHECK-NOT:   linalg.copy
// The panels: w[0, 0:32] (0, 1, 2, ... 31), then w[1, 0:32] (64.0 =
// 0x42800000), little-endian after the blob's alignment word.
// CHECK:       sieve_packed_weight: "0x08000000000000000000803F00000040{{([0-9A-F]{8}){29}(00008042)}}
// OFF-LABEL:   func.func @constant_weight
// OFF-NOT:     tensor<2x4x32xf32>
// OFF:         vector.contract
// OFF-NOT:     tensor<2x4x32xf32>
func.func @constant_weight(%a: tensor<16x4xf32>, %c: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %w = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0], [64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0, 80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0], [128.0, 129.0, 130.0, 131.0, 132.0, 133.0, 134.0, 135.0, 136.0, 137.0, 138.0, 139.0, 140.0, 141.0, 142.0, 143.0, 144.0, 145.0, 146.0, 147.0, 148.0, 149.0, 150.0, 151.0, 152.0, 153.0, 154.0, 155.0, 156.0, 157.0, 158.0, 159.0, 160.0, 161.0, 162.0, 163.0, 164.0, 165.0, 166.0, 167.0, 168.0, 169.0, 170.0, 171.0, 172.0, 173.0, 174.0, 175.0, 176.0, 177.0, 178.0, 179.0, 180.0, 181.0, 182.0, 183.0, 184.0, 185.0, 186.0, 187.0, 188.0, 189.0, 190.0, 191.0], [192.0, 193.0, 194.0, 195.0, 196.0, 197.0, 198.0, 199.0, 200.0, 201.0, 202.0, 203.0, 204.0, 205.0, 206.0, 207.0, 208.0, 209.0, 210.0, 211.0, 212.0, 213.0, 214.0, 215.0, 216.0, 217.0, 218.0, 219.0, 220.0, 221.0, 222.0, 223.0, 224.0, 225.0, 226.0, 227.0, 228.0, 229.0, 230.0, 231.0, 232.0, 233.0, 234.0, 235.0, 236.0, 237.0, 238.0, 239.0, 240.0, 241.0, 242.0, 243.0, 244.0, 245.0, 246.0, 247.0, 248.0, 249.0, 250.0, 251.0, 252.0, 253.0, 254.0, 255.0]]> : tensor<4x64xf32>
  %r = linalg.matmul ins(%a, %w : tensor<16x4xf32>, tensor<4x64xf32>) outs(%c : tensor<16x64xf32>) -> tensor<16x64xf32>
  return %r : tensor<16x64xf32>
}

// -----

// A weight that is no constant (a 1x1 convolution's input): each panel's
// [64, 32] strip copied (8 rows at a time, in vectors of 32) into one
// buffer allocated before the loops, which the register tiles then read.
// CHECK-LABEL: func.func @input_weight
// CHECK:       %[[S:.*]] = tensor.empty() : tensor<64x32xf32>
// CHECK:       scf.for %[[J:.*]] = %c0 to %c128 step %c32
// CHECK:         %[[STRIP:.*]] = tensor.extract_slice %arg1[0, %[[J]]] [64, 32] [1, 1] : tensor<64x128xf32> to tensor<64x32xf32>
// CHECK:         %[[PANEL:.*]] = scf.for %{{.*}} = %c0 to %c64 step %c8 iter_args(%{{.*}} = %[[S]])
// CHECK:           tensor.extract_slice %[[STRIP]]{{.*}} [8, 32] [1, 1] : tensor<64x32xf32> to tensor<8x32xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c16 step %c8
// CHECK:           tensor.extract_slice %[[PANEL]][%{{.*}}, 0] [1, 32] [1, 1] : tensor<64x32xf32> to tensor<1x32xf32>
// CHECK:           vector.contract
// OFF-LABEL:   func.func @input_weight
// OFF-NOT:     tensor<64x32xf32>
func.func @input_weight(%a: tensor<16x64xf32>, %b: tensor<64x128xf32>, %c: tensor<16x128xf32>) -> tensor<16x128xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x128xf32>) outs(%c : tensor<16x128xf32>) -> tensor<16x128xf32>
  return %r : tensor<16x128xf32>
}

// -----

// A constant weight that two matmuls read is not rearranged (that would
// keep two copies of it): both copy their panels at run time.
// CHECK-LABEL: func.func @shared_weight
// CHECK-NOT:   tensor<4x64x32xf32>
// CHECK-COUNT-2: tensor.empty() : tensor<64x32xf32>
// CHECK-NOT:   tensor<4x64x32xf32>
func.func @shared_weight(%a: tensor<16x64xf32>, %c: tensor<16x128xf32>) -> (tensor<16x128xf32>, tensor<16x128xf32>) {
  %w = arith.constant dense<1.0> : tensor<64x128xf32>
  %r = linalg.matmul ins(%a, %w : tensor<16x64xf32>, tensor<64x128xf32>) outs(%c : tensor<16x128xf32>) -> tensor<16x128xf32>
  %s = linalg.matmul ins(%a, %w : tensor<16x64xf32>, tensor<64x128xf32>) outs(%r : tensor<16x128xf32>) -> tensor<16x128xf32>
  return %r, %s : tensor<16x128xf32>, tensor<16x128xf32>
}

// -----

// Not packed: a weight whose rows are one register tile wide (already
// contiguous: a convolution's image-to-column panel), and a matmul of one
// register tile of rows (the weight streams once anyway).
// CHECK-LABEL: func.func @contiguous_rows
// CHECK-NOT:   tensor.empty
// CHECK-NOT:   x32xf32> = arith.constant
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT:   tensor.empty
// CHECK-NOT:   tensor<4x64x32xf32>
func.func @contiguous_rows(%a: tensor<16x64xf32>, %c: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %w = arith.constant dense<1.0> : tensor<64x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<16x64xf32>, tensor<64x32xf32>) outs(%c : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}
func.func @few_rows(%a: tensor<8x64xf32>, %c: tensor<8x128xf32>) -> tensor<8x128xf32> {
  %w = arith.constant dense<1.0> : tensor<64x128xf32>
  %r = linalg.matmul ins(%a, %w : tensor<8x64xf32>, tensor<64x128xf32>) outs(%c : tensor<8x128xf32>) -> tensor<8x128xf32>
  return %r : tensor<8x128xf32>
}

// -----

// 80 columns: the matmul is split into the 64 that whole register tiles
// cover and the 16 left, each reading a slice of the weight; the slices
// become constants of their own (the whole weight is gone), and the first
// piece's is packed into two panels.
// CHECK-LABEL: func.func @column_pieces
// CHECK-DAG:   arith.constant dense_resource<sieve_packed_weight> : tensor<2x2x32xf32>
// CHECK-DAG:   arith.constant dense_resource<sieve_weight_columns{{.*}}> : tensor<2x16xf32>
// CHECK-NOT:   tensor<2x80xf32> = arith.constant
// The first panel: w[0, 0:32], then w[1, 0:32] (80.0 = 0x42A00000).
// CHECK:       sieve_packed_weight: "0x08000000000000000000803F{{([0-9A-F]{8}){30}(0000A042)}}
func.func @column_pieces(%a: tensor<16x2xf32>, %c: tensor<16x80xf32>) -> tensor<16x80xf32> {
  %w = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0, 64.0, 65.0, 66.0, 67.0, 68.0, 69.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0], [80.0, 81.0, 82.0, 83.0, 84.0, 85.0, 86.0, 87.0, 88.0, 89.0, 90.0, 91.0, 92.0, 93.0, 94.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0, 128.0, 129.0, 130.0, 131.0, 132.0, 133.0, 134.0, 135.0, 136.0, 137.0, 138.0, 139.0, 140.0, 141.0, 142.0, 143.0, 144.0, 145.0, 146.0, 147.0, 148.0, 149.0, 150.0, 151.0, 152.0, 153.0, 154.0, 155.0, 156.0, 157.0, 158.0, 159.0]]> : tensor<2x80xf32>
  %r = linalg.matmul ins(%a, %w : tensor<16x2xf32>, tensor<2x80xf32>) outs(%c : tensor<16x80xf32>) -> tensor<16x80xf32>
  return %r : tensor<16x80xf32>
}
