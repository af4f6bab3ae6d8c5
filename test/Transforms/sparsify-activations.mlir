// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{density-limit=0.5}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations))" | FileCheck %s --check-prefix=COST

// The cost model: one row and a weight that fits in cache -> limit 0.15;
// several rows -> 0.5.
// COST-LABEL: func.func @relu_matmul
// COST:       arith.constant 1.500000e-01 : f32
// COST-LABEL: func.func @relu6_with_bias
// COST:       arith.constant 5.000000e-01 : f32

// ReLU (linalg.max with zeros) feeding a matmul: the matmul reads only the
// weight rows of active neurons, behind a run-time density check.
// CHECK-LABEL: func.func @relu_matmul
// CHECK:       %[[H:.*]] = linalg.max
// CHECK:       %[[IDX:.*]] = sieve.active_set %[[H]] {sieve.site = #sieve.activation_site<relu>} : tensor<1x64xf32> -> tensor<?xindex>
// CHECK:       %[[N:.*]] = tensor.dim %[[IDX]], %{{.*}} : tensor<?xindex>
// CHECK:       %[[D:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK:       %[[LIMIT:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:       %[[R:.*]] = sieve.branch %[[D]], %[[LIMIT]] : f32 -> tensor<1x16xf32> {
// CHECK:         %[[S:.*]] = sieve.gather_matmul %[[H]], %arg1, %[[IDX]]
// CHECK:         sieve.yield %[[S]]
// CHECK:       } else {
// CHECK:         %[[M:.*]] = linalg.matmul ins(%[[H]], %arg1
// CHECK:         sieve.yield %[[M]]
// CHECK:       return %[[R]]
func.func @relu_matmul(%x: tensor<1x64xf32>, %w: tensor<64x16xf32>) -> tensor<1x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %h = linalg.max ins(%x, %z : tensor<1x64xf32>, tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %o = tensor.empty() : tensor<1x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x16xf32>) -> tensor<1x16xf32>
  %y = linalg.matmul ins(%h, %w : tensor<1x64xf32>, tensor<64x16xf32>) outs(%acc : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// A clamped ReLU (ReLU6/Clip) keeps zeros too; a non-zero accumulator (a
// bias) is added to the gathered product.
// CHECK-LABEL: func.func @relu6_with_bias
// CHECK:       sieve.active_set %{{.*}} {sieve.site = #sieve.activation_site<clip>}
// CHECK:       sieve.branch
// CHECK:         %[[S:.*]] = sieve.gather_matmul
// CHECK:         %[[B:.*]] = linalg.add ins(%[[S]], %arg2 : tensor<4x16xf32>, tensor<4x16xf32>)
// CHECK:         sieve.yield %[[B]]
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @relu6_with_bias(%x: tensor<4x64xf32>, %w: tensor<64x16xf32>, %bias: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %h = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x64xf32>) outs(%e : tensor<4x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    %c = arith.minimumf %m, %six : f32
    linalg.yield %c : f32
  } -> tensor<4x64xf32>
  %y = linalg.matmul ins(%h, %w : tensor<4x64xf32>, tensor<64x16xf32>) outs(%bias : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// -----

// Not a ReLU output (Sigmoid never gives zeros): no rewrite.
// CHECK-LABEL: func.func @not_relu
// CHECK-NOT:   sieve.
// CHECK:       linalg.matmul
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @not_relu(%x: tensor<1x64xf32>, %w: tensor<64x16xf32>, %acc: tensor<1x16xf32>) -> tensor<1x16xf32> {
  %e = tensor.empty() : tensor<1x64xf32>
  %h = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = math.exp %in : f32
    linalg.yield %s : f32
  } -> tensor<1x64xf32>
  %y = linalg.matmul ins(%h, %w : tensor<1x64xf32>, tensor<64x16xf32>) outs(%acc : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// A site that a profile measured denser than the limit stays dense; one
// measured sparser is rewritten.
// CHECK-LABEL: func.func @profiled
// CHECK:       linalg.max {sieve.activation_site = #sieve.activation_site<relu, measured = 0.9>}
// CHECK-NEXT:  linalg.matmul
// CHECK:       sieve.active_set
// CHECK:       sieve.branch
func.func @profiled(%x: tensor<1x64xf32>, %w: tensor<64x16xf32>, %acc: tensor<1x16xf32>) -> (tensor<1x16xf32>, tensor<1x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %dense = linalg.max {sieve.activation_site = #sieve.activation_site<relu, measured = 0.9>} ins(%x, %z : tensor<1x64xf32>, tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y1 = linalg.matmul ins(%dense, %w : tensor<1x64xf32>, tensor<64x16xf32>) outs(%acc : tensor<1x16xf32>) -> tensor<1x16xf32>
  %sparse = linalg.max {sieve.activation_site = #sieve.activation_site<relu, measured = 0.1>} ins(%x, %z : tensor<1x64xf32>, tensor<1x64xf32>) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
  %y2 = linalg.matmul ins(%sparse, %w : tensor<1x64xf32>, tensor<64x16xf32>) outs(%acc : tensor<1x16xf32>) -> tensor<1x16xf32>
  return %y1, %y2 : tensor<1x16xf32>, tensor<1x16xf32>
}

// -----

// A ReLU of rank 3 whose leading dimensions are collapsed into the matmul's
// rows (as the importer does for a [batch, seq, d_ff] FFN): gathered on the
// collapsed activations.
// CHECK-LABEL: func.func @relu_rank3_collapsed
// CHECK:       %[[H:.*]] = linalg.max
// CHECK:       %[[C:.*]] = tensor.collapse_shape %[[H]] {{\[\[}}0, 1], [2]] : tensor<2x3x64xf32> into tensor<6x64xf32>
// CHECK:       %[[IDX:.*]] = sieve.active_set %[[C]] {sieve.site = #sieve.activation_site<relu>} : tensor<6x64xf32> -> tensor<?xindex>
// CHECK:       sieve.branch
// CHECK:         sieve.gather_matmul %[[C]], %arg1, %[[IDX]]
func.func @relu_rank3_collapsed(%x: tensor<2x3x64xf32>, %w: tensor<64x16xf32>) -> tensor<6x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x64xf32>) -> tensor<2x3x64xf32>
  %h = linalg.max ins(%x, %z : tensor<2x3x64xf32>, tensor<2x3x64xf32>) outs(%e : tensor<2x3x64xf32>) -> tensor<2x3x64xf32>
  %c = tensor.collapse_shape %h [[0, 1], [2]] : tensor<2x3x64xf32> into tensor<6x64xf32>
  %e2 = tensor.empty() : tensor<6x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<6x16xf32>) -> tensor<6x16xf32>
  %y = linalg.matmul ins(%c, %w : tensor<6x64xf32>, tensor<64x16xf32>) outs(%z2 : tensor<6x16xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// -----

// A dynamic batch picks the cost model's limit at run time: 15% for one row
// (the weight is in cache), 50% for more.
// COST-LABEL: func.func @relu_dynamic_batch
// COST:       sieve.active_set
// COST:       %[[LN:.*]] = arith.constant 5.000000e-01 : f32
// COST:       %[[ROWS:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x64xf32>
// COST:       %[[ONE:.*]] = arith.cmpi eq, %[[ROWS]], %{{.*}} : index
// COST:       %[[L1:.*]] = arith.constant 1.500000e-01 : f32
// COST:       %[[LIMIT:.*]] = arith.select %[[ONE]], %[[L1]], %[[LN]] : f32
// COST:       sieve.branch %{{.*}}, %[[LIMIT]]
// A given limit is used as it is.
// CHECK-LABEL: func.func @relu_dynamic_batch
// CHECK-NOT:   arith.select
// CHECK:       sieve.branch
func.func @relu_dynamic_batch(%x: tensor<?x64xf32>, %w: tensor<64x16xf32>, %acc: tensor<?x16xf32>) -> tensor<?x16xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %h = linalg.max ins(%x, %z : tensor<?x64xf32>, tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.matmul ins(%h, %w : tensor<?x64xf32>, tensor<64x16xf32>) outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
