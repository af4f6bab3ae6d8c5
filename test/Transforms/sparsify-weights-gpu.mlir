// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-sparsify-weights-gpu{report=true}))' --verify-diagnostics | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-sparsify-weights-gpu{density-limit=0.25}))' | FileCheck %s --check-prefix=LIMIT

// A 4 x 3 weight with at most two non-zeros per column becomes a 2 x 3 ELL
// contraction: entry j of column c at [j, c] (rows ascending), padding
// with value 0 and the column's last row; i16 rows. The generic sums
// values[j, c] * x[m, rows[j, c]] over j into the matmul's accumulator.
// CHECK-DAG: #[[ENTRY:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @pruned(
// CHECK-SAME:      %[[X:.*]]: tensor<2x4xf32>, %[[INIT:.*]]: tensor<2x3xf32>)
// CHECK-DAG:     %[[VALUES:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 3.000000e+00, 0.000000e+00], [2.000000e+00, 4.000000e+00, 0.000000e+00]]> : tensor<2x3xf32>
// CHECK-DAG:     %[[ROWS:.*]] = arith.constant dense<{{\[}}[0, 1, 0], [3, 2, 0]]> : tensor<2x3xi16>
// CHECK:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ENTRY]], #[[ENTRY]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[VALUES]], %[[ROWS]] : tensor<2x3xf32>, tensor<2x3xi16>) outs(%[[INIT]] : tensor<2x3xf32>)
// CHECK:         ^bb0(%[[V:.*]]: f32, %[[R:.*]]: i16, %[[ACC:.*]]: f32):
// CHECK:           %[[K:.*]] = arith.index_cast %[[R]] : i16 to index
// CHECK:           %[[M:.*]] = linalg.index 0 : index
// CHECK:           %[[A:.*]] = tensor.extract %[[X]][%[[M]], %[[K]]] : tensor<2x4xf32>
// CHECK:           %[[P:.*]] = arith.mulf %[[A]], %[[V]] : f32
// CHECK:           %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK:           linalg.yield %[[S]] : f32
// CHECK:         return %[[Y]]
// LIMIT-LABEL: func.func @pruned(
// LIMIT:         linalg.matmul
func.func @pruned(%x: tensor<2x4xf32>, %init: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 4.0, 0.0], [2.0, 0.0, 0.0]]> : tensor<4x3xf32>
  // expected-remark @+1 {{matmul: 4x3 weight 33.3% non-zero, its longest column 50.0% of the rows (limit 53%): packed for the GPU, 2 entries per column (36 B, dense 48 B)}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// A column with three non-zeros of four rows (75%) is above the limit
// (80% of the dense bytes: 53% with 16-bit rows): kept dense.
// CHECK-LABEL: func.func @too_dense(
// CHECK:         linalg.matmul
func.func @too_dense(%x: tensor<1x4xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [0.0, 1.0]]> : tensor<4x2xf32>
  // expected-remark @+1 {{matmul: 4x2 weight 50.0% non-zero, its longest column 75.0% of the rows, above the GPU packing limit 53%: kept dense}}
  %y = linalg.matmul ins(%x, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// Past 32767 reduction rows the rows are i32 (a weight of zeros: one
// padding entry per column); a weight without zeros is left alone.
// CHECK-LABEL: func.func @long_rows(
// CHECK:         arith.constant dense<0> : tensor<1x2xi32>
// CHECK:         linalg.generic
// CHECK:           arith.index_cast %{{.*}} : i32 to index
// CHECK-LABEL: func.func @no_zeros(
// CHECK:         linalg.matmul
func.func @long_rows(%x: tensor<1x40000xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<0.0> : tensor<40000x2xf32>
  // expected-remark @+1 {{packed for the GPU, 1 entries per column}}
  %y = linalg.matmul ins(%x, %w : tensor<1x40000xf32>, tensor<40000x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
func.func @no_zeros(%x: tensor<1x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
