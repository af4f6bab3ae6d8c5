// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights{density-limit=0.5}))" | FileCheck %s --check-prefix=LIMIT

// A 1/16-dense constant weight is packed column by column: column 0 holds
// W[5, 0] = 3.0, padded with zeros to a whole group of 16 entries (the
// padding repeats the column's last row); column 1 holds nothing.
// The matmul's accumulator becomes the op's init.
// CHECK-LABEL: func.func @packed
// CHECK-DAG:   %[[V:.*]] = arith.constant dense<[3.000000e+00, 0.000000e+00, {{.*}}]> : tensor<16xf32>
// CHECK-DAG:   %[[R:.*]] = arith.constant dense<5> : tensor<16xi32>
// CHECK-DAG:   %[[O:.*]] = arith.constant dense<[0, 16, 16]> : tensor<3xi32>
// CHECK:       %[[Y:.*]] = sieve.sparse_matmul %arg0, %[[V]], %[[R]], %[[O]], %arg1 group 16 : tensor<1x8xf32>, tensor<16xf32>, tensor<16xi32>, tensor<3xi32> -> tensor<1x2xf32>
// CHECK-NOT:   linalg.matmul
// CHECK:       return %[[Y]]
func.func @packed(%x: tensor<1x8xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0],
                             [0.0, 0.0], [3.0, 0.0], [0.0, 0.0], [0.0, 0.0]]> : tensor<8x2xf32>
  %0 = linalg.matmul ins(%x, %w : tensor<1x8xf32>, tensor<8x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// The weight's pattern annotation is carried over; a dynamic batch packs.
// CHECK-LABEL: func.func @annotated_dynamic_batch
// CHECK:       sieve.sparse_matmul {{.*}} group 16 {sieve.weight_pattern = #sieve.weight_pattern<rows, density = 0.0625>} : tensor<?x8xf32>
func.func @annotated_dynamic_batch(%x: tensor<?x8xf32>, %init: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0],
                             [0.0, 0.0], [3.0, 0.0], [0.0, 0.0], [0.0, 0.0]]> : tensor<8x2xf32>
  %0 = linalg.matmul {sieve.weight_pattern = #sieve.weight_pattern<rows, density = 0.0625>}
      ins(%x, %w : tensor<?x8xf32>, tensor<8x2xf32>) outs(%init : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// Cost model: 25% dense is above the limit for one row with an in-cache
// weight (10%) but below the limit for 16 rows (30%); both pack with
// density-limit=0.5.
// CHECK-LABEL: func.func @quarter_dense
// CHECK:       %[[ONE:.*]] = linalg.matmul
// CHECK:       %[[MANY:.*]] = sieve.sparse_matmul
// CHECK:       return %[[ONE]], %[[MANY]]
// LIMIT-LABEL: func.func @quarter_dense
// LIMIT-COUNT-2: sieve.sparse_matmul
// LIMIT-NOT:   linalg.matmul
func.func @quarter_dense(%x1: tensor<1x4xf32>, %i1: tensor<1x4xf32>,
                         %x16: tensor<16x4xf32>, %i16: tensor<16x4xf32>)
    -> (tensor<1x4xf32>, tensor<16x4xf32>) {
  %w = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0],
                             [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xf32>
  %0 = linalg.matmul ins(%x1, %w : tensor<1x4xf32>, tensor<4x4xf32>) outs(%i1 : tensor<1x4xf32>) -> tensor<1x4xf32>
  %1 = linalg.matmul ins(%x16, %w : tensor<16x4xf32>, tensor<4x4xf32>) outs(%i16 : tensor<16x4xf32>) -> tensor<16x4xf32>
  return %0, %1 : tensor<1x4xf32>, tensor<16x4xf32>
}

// -----

// Not rewritten: a dense constant, a weight that is not a constant, an f16
// weight, and a transposed-weight matmul (non-default indexing maps).
// CHECK-LABEL: func.func @not_rewritten
// CHECK-COUNT-4: linalg.matmul
// CHECK-NOT:   sieve.sparse_matmul
// LIMIT-LABEL: func.func @not_rewritten
// LIMIT-NOT:   sieve.sparse_matmul
func.func @not_rewritten(%x: tensor<1x2xf32>, %init: tensor<1x2xf32>,
                         %warg: tensor<2x2xf32>, %xh: tensor<1x2xf16>,
                         %inith: tensor<1x2xf16>)
    -> (tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf16>, tensor<1x2xf32>) {
  %dense = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %half = arith.constant dense<[[0.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf16>
  %sparse = arith.constant dense<[[0.0, 0.0], [0.0, 1.0]]> : tensor<2x2xf32>
  %0 = linalg.matmul ins(%x, %dense : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %1 = linalg.matmul ins(%x, %warg : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  %2 = linalg.matmul ins(%xh, %half : tensor<1x2xf16>, tensor<2x2xf16>) outs(%inith : tensor<1x2xf16>) -> tensor<1x2xf16>
  %3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %sparse : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %0, %1, %2, %3 : tensor<1x2xf32>, tensor<1x2xf32>, tensor<1x2xf16>, tensor<1x2xf32>
}
