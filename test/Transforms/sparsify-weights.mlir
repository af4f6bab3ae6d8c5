// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights{density-limit=0.5}))" | FileCheck %s --check-prefix=LIMIT

// A 128x2 weight with two non-zeros, W[5, 0] = 3.0 and W[40, 0] = 4.0, is
// packed column by column: column 0 holds its two entries padded with zeros
// to a whole group of 16 (the padding repeats the column's last row);
// column 1 holds nothing. Packed density 16 / 256 = 6.25%, below the limit
// for one row and an in-cache weight (12%). The matmul's accumulator
// becomes the op's init.
// CHECK-LABEL: func.func @packed
// CHECK-DAG:   %[[V:.*]] = arith.constant dense<[3.000000e+00, 4.000000e+00, 0.000000e+00, {{.*}}]> : tensor<16xf32>
// CHECK-DAG:   %[[R:.*]] = arith.constant dense<[5, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40]> : tensor<16xi32>
// CHECK-DAG:   %[[O:.*]] = arith.constant dense<[0, 16, 16]> : tensor<3xi32>
// CHECK:       %[[Y:.*]] = sieve.sparse_matmul %arg0, %[[V]], %[[R]], %[[O]], %arg1 group 16 : tensor<1x128xf32>, tensor<16xf32>, tensor<16xi32>, tensor<3xi32> -> tensor<1x2xf32>
// CHECK-NOT:   linalg.matmul
// CHECK:       return %[[Y]]
func.func @packed(%x: tensor<1x128xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant sparse<[[5, 0], [40, 0]], [3.0, 4.0]> : tensor<128x2xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<1x128xf32>, tensor<128x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// A dense-form constant packs as well; the weight's pattern annotation is
// carried over; a dynamic batch packs (packed density 6.25%; limit 12%, the
// smaller of the one-row limit for an in-cache weight and 20%).
// CHECK-LABEL: func.func @annotated_dynamic_batch
// CHECK:       sieve.sparse_matmul {{.*}} group 16 {sieve.weight_pattern = #sieve.weight_pattern<rows, density = 0.00390625>} : tensor<?x256xf32>
func.func @annotated_dynamic_batch(%x: tensor<?x256xf32>, %init: tensor<?x1xf32>) -> tensor<?x1xf32> {
  %w = arith.constant dense<[[0.0], [0.0], [0.0], [0.0], [0.0], [3.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0]]> : tensor<256x1xf32>
  %0 = linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<rows, density = 0.00390625>}
      ins(%x, %w : tensor<?x256xf32>, tensor<256x1xf32>) outs(%init : tensor<?x1xf32>) -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// -----

// Cost model: a 64x4 weight with 16 non-zeros per column is 25% dense
// (packed: 25%, whole groups). Above the limit for one row with an
// in-cache weight (12%), below the limit for 16 rows (30%); both pack with
// density-limit=0.5.
// CHECK-LABEL: func.func @quarter_dense
// CHECK:       %[[ONE:.*]] = linalg.matmul
// CHECK:       %[[MANY:.*]] = sieve.sparse_matmul
// CHECK:       return %[[ONE]], %[[MANY]]
// LIMIT-LABEL: func.func @quarter_dense
// LIMIT-COUNT-2: sieve.sparse_matmul
// LIMIT-NOT:   linalg.matmul
func.func @quarter_dense(%x1: tensor<1x64xf32>, %i1: tensor<1x4xf32>,
                         %x16: tensor<16x64xf32>, %i16: tensor<16x4xf32>)
    -> (tensor<1x4xf32>, tensor<16x4xf32>) {
  %w = arith.constant sparse<[[0, 0], [4, 0], [8, 0], [12, 0], [16, 0], [20, 0], [24, 0], [28, 0], [32, 0], [36, 0], [40, 0], [44, 0], [48, 0], [52, 0], [56, 0], [60, 0], [1, 1], [5, 1], [9, 1], [13, 1], [17, 1], [21, 1], [25, 1], [29, 1], [33, 1], [37, 1], [41, 1], [45, 1], [49, 1], [53, 1], [57, 1], [61, 1], [2, 2], [6, 2], [10, 2], [14, 2], [18, 2], [22, 2], [26, 2], [30, 2], [34, 2], [38, 2], [42, 2], [46, 2], [50, 2], [54, 2], [58, 2], [62, 2], [3, 3], [7, 3], [11, 3], [15, 3], [19, 3], [23, 3], [27, 3], [31, 3], [35, 3], [39, 3], [43, 3], [47, 3], [51, 3], [55, 3], [59, 3], [63, 3]], [1.0, 17.0, 33.0, 49.0, 65.0, 81.0, 97.0, 113.0, 129.0, 145.0, 161.0, 177.0, 193.0, 209.0, 225.0, 241.0, 6.0, 22.0, 38.0, 54.0, 70.0, 86.0, 102.0, 118.0, 134.0, 150.0, 166.0, 182.0, 198.0, 214.0, 230.0, 246.0, 11.0, 27.0, 43.0, 59.0, 75.0, 91.0, 107.0, 123.0, 139.0, 155.0, 171.0, 187.0, 203.0, 219.0, 235.0, 251.0, 16.0, 32.0, 48.0, 64.0, 80.0, 96.0, 112.0, 128.0, 144.0, 160.0, 176.0, 192.0, 208.0, 224.0, 240.0, 256.0]> : tensor<64x4xf32>
  %0 = linalg.matmul ins(%x1, %w : tensor<1x64xf32>, tensor<64x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = linalg.matmul ins(%x16, %w : tensor<16x64xf32>, tensor<64x4xf32>) outs(%i16 : tensor<16x4xf32>) -> tensor<16x4xf32>
  return %0, %1 : tensor<1x4xf32>, tensor<16x4xf32>
}

// -----

// Padding counts: a 4x4 diagonal weight is 25% dense, but each column's
// single entry is padded to 16, so the packed kernel would read 4x the
// dense weight: not packed even with density-limit=0.5.
// CHECK-LABEL: func.func @short_columns
// CHECK:       linalg.matmul
// LIMIT-LABEL: func.func @short_columns
// LIMIT-NOT:   sieve.sparse_matmul
func.func @short_columns(%x: tensor<16x4xf32>, %init: tensor<16x4xf32>) -> tensor<16x4xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0],
                             [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<16x4xf32>, tensor<4x4xf32>) outs(%init : tensor<16x4xf32>) -> tensor<16x4xf32>
  return %0 : tensor<16x4xf32>
}

// -----

// Not rewritten: a dense constant, a weight that is not a constant, an f16
// weight, a transposed-weight matmul (non-default indexing maps), an empty
// reduction and an empty batch.
// CHECK-LABEL: func.func @not_rewritten
// CHECK-COUNT-6: linalg.matmul
// CHECK-NOT:   sieve.sparse_matmul
// LIMIT-LABEL: func.func @not_rewritten
// LIMIT-NOT:   sieve.sparse_matmul
func.func @not_rewritten(%x: tensor<1x32xf32>, %init: tensor<1x2xf32>,
                         %warg: tensor<32x2xf32>, %xh: tensor<1x32xf16>,
                         %inith: tensor<1x2xf16>, %x0: tensor<1x0xf32>,
                         %b0: tensor<0x32xf32>, %init0: tensor<0x2xf32>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf16>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<0x2xf32>) {
  %dense = arith.constant dense<1.0> : tensor<32x2xf32>
  %half = arith.constant sparse<[[5, 1]], [1.0]> : tensor<32x2xf16>
  %sparse = arith.constant sparse<[[1, 5]], [1.0]> : tensor<2x32xf32>
  %empty = arith.constant dense<> : tensor<0x2xf32>
  %sparse2 = arith.constant sparse<[[5, 1]], [1.0]> : tensor<32x2xf32>
  %0 = linalg.matmul ins(%x, %dense : tensor<1x32xf32>, tensor<32x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %1 = linalg.matmul ins(%x, %warg : tensor<1x32xf32>, tensor<32x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %2 = linalg.matmul ins(%xh, %half : tensor<1x32xf16>, tensor<32x2xf16>) outs(%inith : tensor<1x2xf16>) -> tensor<1x2xf16>
  %3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %sparse : tensor<1x32xf32>, tensor<2x32xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %4 = linalg.matmul ins(%x0, %empty : tensor<1x0xf32>, tensor<0x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %5 = linalg.matmul ins(%b0, %sparse2 : tensor<0x32xf32>, tensor<32x2xf32>) outs(%init0 : tensor<0x2xf32>) -> tensor<0x2xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf16>, tensor<1x2xf32>, tensor<1x2xf32>, tensor<0x2xf32>
}
