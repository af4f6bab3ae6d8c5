// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{approx=true density-limit=0.5}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{density-limit=0.5}))" | FileCheck %s --check-prefix=EXACT
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{approx=true density-limit=0.5 report=true}))" --verify-diagnostics -o /dev/null
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{approx=true}))" | FileCheck %s --check-prefix=COST

// A plain ReLU FFN whose ReLU carries a predictor: the predicted neurons
// (scores x u v above the thresholds) select the columns of the up
// projection to compute, through the ReLU, from W1 transposed at compile
// time, and the rows of W2 to read; the branch compares the predicted
// density with the limit. The dense path keeps the up projection, the bias,
// the ReLU and the down projection as they were.
// CHECK-LABEL: func.func @relu_ffn
// CHECK-DAG:   %[[W1T:.*]] = arith.constant dense_resource<sieve_transposed_weight> : tensor<3x2xf32>
// CHECK-DAG:   %[[U:.*]] = arith.constant dense<{{\[\[}}1.000000e+00], [2.000000e+00]]> : tensor<2x1xf32>
// CHECK-DAG:   %[[V:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, -1.000000e+00, 5.000000e-01]]> : tensor<1x3xf32>
// CHECK-DAG:   %[[T:.*]] = arith.constant dense<[0.000000e+00, 1.000000e+00, -2.000000e+00]> : tensor<3xf32>
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0, %[[U]], %[[V]], %[[T]] : tensor<1x2xf32>, tensor<2x1xf32>, tensor<1x3xf32>, tensor<3xf32> -> tensor<?xindex>
// CHECK:       %[[N:.*]] = tensor.dim %[[IDX]]
// CHECK:       %[[D:.*]] = arith.divf
// CHECK:       %[[Y:.*]] = sieve.branch %[[D]], %{{.*}} : f32 -> tensor<1x4xf32> {
// CHECK:         %[[H:.*]] = sieve.column_gather_matmul %arg0, %[[W1T]], %[[IDX]] bias %arg1 relu : tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex>, tensor<3xf32> -> tensor<1x3xf32>
// CHECK:         %[[S:.*]] = sieve.gather_matmul %[[H]], %arg2, %[[IDX]] : tensor<1x3xf32>, tensor<3x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
// CHECK:         sieve.yield %[[S]]
// CHECK:       } else {
// CHECK:         linalg.matmul ins(%arg0
// CHECK:         linalg.add
// CHECK:         linalg.max
// CHECK:         %[[M:.*]] = linalg.matmul
// CHECK:         sieve.yield %[[M]]
// CHECK:       }
// CHECK:       return %[[Y]]
// The cost model's limit for a predicted FFN at one row: 50% (the exact
// gather's would be 15% with these weights in cache).
// COST-LABEL: func.func @relu_ffn
// COST:       sieve.predict
// COST:       %[[LIMIT:.*]] = arith.constant 5.000000e-01 : f32
// COST:       sieve.branch %{{.*}}, %[[LIMIT]]
// Without approx the predictor is ignored: the exact gather of the down rows.
// EXACT-LABEL: func.func @relu_ffn
// EXACT-NOT:   sieve.predict{{ }}
// EXACT:       sieve.active_set
// EXACT:       sieve.gather_matmul
func.func @relu_ffn(%x: tensor<1x2xf32>, %b1: tensor<3xf32>, %w2: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %bb = linalg.broadcast ins(%b1 : tensor<3xf32>) outs(%e : tensor<1x3xf32>) dimensions = [0]
  %ub = linalg.add ins(%u, %bb : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.max {sieve.predictor = #sieve.predictor<u = dense<[[1.0], [2.0]]> : tensor<2x1xf32>, v = dense<[[1.0, -1.0, 0.5]]> : tensor<1x3xf32>, thresholds = dense<[0.0, 1.0, -2.0]> : tensor<3xf32>, recall = 0.99, density = 0.2>}
      ins(%ub, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul after ReLU output and up projection matmul: predictor of rank 1 (recall 99.0%, predicted density 20.0% on held-out calibration rows) selects the up columns and down rows to compute, dense path above 50% active (checked at run time)}}
  %y = linalg.matmul ins(%h, %w2 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// The form the ONNX importer gives a [batch, seq, d] FFN with both
// dimensions symbolic: the up projection is split back into [batch, seq]
// by tensor.reshape, the ReLU collapsed into the down projection's rows,
// and the importer reads the collapse's rows with tensor.dim: those reads
// become reads of the input's rows, so that nothing keeps the dense up
// projection alive outside the branch.
// CHECK-LABEL: func.func @reshaped_ffn
// CHECK:       %[[X:.*]] = tensor.collapse_shape %arg0
// CHECK:       tensor.dim %[[X]]
// CHECK:       %[[ROWS:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x2xf32>
// CHECK:       %[[IDX:.*]] = sieve.predict %[[X]]
// CHECK:       %[[Y:.*]] = sieve.branch
// CHECK:         sieve.column_gather_matmul %[[X]], %{{.*}}, %[[IDX]] bias %{{.*}} relu : tensor<?x2xf32>, tensor<3x2xf32>, tensor<?xindex>, tensor<3xf32> -> tensor<?x3xf32>
// CHECK:       } else {
// CHECK:         tensor.reshape
// CHECK:         linalg.max
// CHECK:         tensor.collapse_shape
// CHECK:       }
// CHECK:       return %[[Y]], %[[ROWS]]
func.func @reshaped_ffn(%x3: tensor<?x?x2xf32>, %w2: tensor<3x4xf32>) -> (tensor<?x4xf32>, index) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : i64
  %w1 = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %b1 = arith.constant dense<[0.5, -0.5, 0.25]> : tensor<3xf32>
  %x = tensor.collapse_shape %x3 [[0, 1], [2]] : tensor<?x?x2xf32> into tensor<?x2xf32>
  %rows = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%rows) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<?x2xf32>, tensor<2x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  %d0 = tensor.dim %x3, %c0 : tensor<?x?x2xf32>
  %d1 = tensor.dim %x3, %c1 : tensor<?x?x2xf32>
  %i0 = arith.index_cast %d0 : index to i64
  %i1 = arith.index_cast %d1 : index to i64
  %shape = tensor.from_elements %i0, %i1, %c3 : tensor<3xi64>
  %u3 = tensor.reshape %u(%shape) : (tensor<?x3xf32>, tensor<3xi64>) -> tensor<?x?x3xf32>
  %e3 = tensor.empty(%d0, %d1) : tensor<?x?x3xf32>
  %bb = linalg.broadcast ins(%b1 : tensor<3xf32>) outs(%e3 : tensor<?x?x3xf32>) dimensions = [0, 1]
  %ub = linalg.add ins(%u3, %bb : tensor<?x?x3xf32>, tensor<?x?x3xf32>) outs(%e3 : tensor<?x?x3xf32>) -> tensor<?x?x3xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x?x3xf32>) -> tensor<?x?x3xf32>
  %h3 = linalg.max {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.99, density = 0.1>}
      ins(%ub, %z3 : tensor<?x?x3xf32>, tensor<?x?x3xf32>) outs(%e3 : tensor<?x?x3xf32>) -> tensor<?x?x3xf32>
  %h = tensor.collapse_shape %h3 [[0, 1], [2]] : tensor<?x?x3xf32> into tensor<?x3xf32>
  %hrows = tensor.dim %h, %c0 : tensor<?x3xf32>
  %o = tensor.empty(%hrows) : tensor<?x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<?x4xf32>) -> tensor<?x4xf32>
  // expected-remark @+1 {{predictor of rank 1 (recall 99.0%, predicted density 10.0% on held-out calibration rows) selects the up columns and down rows to compute}}
  %y = linalg.matmul ins(%h, %w2 : tensor<?x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y, %hrows : tensor<?x4xf32>, index
}

// -----

// A gated FFN whose gate is the ReLU of a projection with a predictor: the
// predicted gate columns (through the ReLU), the up columns times the gate,
// and the down rows of the same neurons.
// CHECK-LABEL: func.func @gated_ffn
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0
// CHECK:       sieve.branch
// CHECK:         %[[G:.*]] = sieve.column_gather_matmul %arg0, %{{.*}}, %[[IDX]] relu : tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         %[[H:.*]] = sieve.gated_gather_matmul %[[G]], %arg0, %{{.*}}, %[[IDX]] : tensor<1x3xf32>, tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         sieve.gather_matmul %[[H]], %arg1, %[[IDX]]
// CHECK:       } else {
// CHECK-COUNT-2: linalg.matmul ins(%arg0
// CHECK:         linalg.mul
// CHECK:       }
// CHECK-NOT:   sieve.active_set
func.func @gated_ffn(%x: tensor<1x2xf32>, %wd: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %wg = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %wu = arith.constant dense<[[0.5, 0.5, 0.5], [1.5, 1.5, 1.5]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %r = linalg.max {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.95, density = 0.3>}
      ins(%g, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul in a gated FFN with ReLU gate output: predictor of rank 1 (recall 95.0%, predicted density 30.0% on held-out calibration rows) selects the gate and up columns and down rows to compute, dense path above 50% active (checked at run time)}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A predictor whose held-out density is above the limit would always take
// the dense path: it is not used, and the exact gather applies.
// CHECK-LABEL: func.func @dense_predictor
// CHECK-NOT:   sieve.predict{{ }}
// CHECK:       sieve.active_set
// CHECK:       sieve.gather_matmul
func.func @dense_predictor(%x: tensor<1x2xf32>, %w2: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.max {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.99, density = 0.8>}
      ins(%u, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+2 {{matmul after ReLU output: predictor of rank 1 (recall 99.0%, predicted density 80.0% on held-out calibration rows) above the gather limit 50% active: predictor not used}}
  // expected-remark @+1 {{matmul after ReLU output: gathers the weight rows of active neurons}}
  %y = linalg.matmul ins(%h, %w2 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A predictor on a ReLU6 (Clip from 0 to 6): the gathered up columns
// without the kernel's ReLU, then the Clip's body applied to them in place;
// the dense path keeps the Clip.
// CHECK-LABEL: func.func @clip_predictor
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0
// CHECK:       sieve.branch
// CHECK:         %[[C:.*]] = sieve.column_gather_matmul %arg0, %{{.*}}, %[[IDX]] : tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         %[[H:.*]] = linalg.generic {{.*}} outs(%[[C]] : tensor<1x3xf32>)
// CHECK:           arith.maximumf
// CHECK:           arith.minimumf
// CHECK:         sieve.gather_matmul %[[H]], %arg1, %[[IDX]]
// CHECK:       } else {
// CHECK:         linalg.matmul ins(%arg0
// CHECK:         linalg.generic
// CHECK-NOT:       sieve.predictor
// CHECK:           arith.minimumf
// CHECK:         linalg.matmul
// CHECK:       }
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @clip_predictor(%x: tensor<1x2xf32>, %w2: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<1x3xf32>) outs(%e : tensor<1x3xf32>)
      attrs = {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.99, density = 0.1>} {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    %c = arith.minimumf %m, %six : f32
    linalg.yield %c : f32
  } -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul after Clip output and up projection matmul: predictor of rank 1}}
  %y = linalg.matmul ins(%h, %w2 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A Clip whose upper bound is negative is never zero: its predictor is not
// used, and the exact gather applies.
// CHECK-LABEL: func.func @negative_clip_predictor
// CHECK-NOT:   sieve.predict{{ }}
// CHECK:       sieve.active_set
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @negative_clip_predictor(%x: tensor<1x2xf32>, %w2: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %bound = arith.constant -1.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<1x3xf32>) outs(%e : tensor<1x3xf32>)
      attrs = {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.99, density = 0.1>} {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    %c = arith.minimumf %m, %bound : f32
    linalg.yield %c : f32
  } -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+2 {{matmul after an activation: predictor not used (the clip activation is not one Sieve can apply to gathered columns (a ReLU, a Clip from 0 to a constant, or a squared ReLU of the projection))}}
  // expected-remark @+1 {{gathers the weight rows of active neurons}}
  %y = linalg.matmul ins(%h, %w2 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A squared ReLU as the importer writes Mul(r, r): the predictor sits on
// the product; the gathered columns get the ReLU and the square in one
// generic (not the kernel's ReLU). The dense path keeps both ops.
// CHECK-LABEL: func.func @squared_relu_predictor
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0
// CHECK:       sieve.branch
// CHECK:         %[[C:.*]] = sieve.column_gather_matmul %arg0, %{{.*}}, %[[IDX]] : tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         %[[H:.*]] = linalg.generic {{.*}} outs(%[[C]] : tensor<1x3xf32>)
// CHECK:           %[[R:.*]] = arith.maximumf
// CHECK:           arith.mulf %[[R]], %[[R]]
// CHECK:         sieve.gather_matmul %[[H]], %arg1, %[[IDX]]
// CHECK:       } else {
// CHECK:         linalg.max
// CHECK:         linalg.mul
// CHECK:       }
func.func @squared_relu_predictor(%x: tensor<1x2xf32>, %w2: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w1 = arith.constant dense<1.0> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %w1 : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %r = linalg.max ins(%u, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.mul {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.99, density = 0.1>}
      ins(%r, %r : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul after squared ReLU output and up projection matmul: predictor of rank 1}}
  %y = linalg.matmul ins(%h, %w2 : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A gated FFN whose gate is a squared ReLU (Pow(r, 2)) of a projection
// with a predictor: the gathered gate columns squared, then the up columns
// times them.
// CHECK-LABEL: func.func @gated_squared_gate
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0
// CHECK:       sieve.branch
// CHECK:         %[[C:.*]] = sieve.column_gather_matmul %arg0, %{{.*}}, %[[IDX]] : tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         %[[G:.*]] = linalg.generic {{.*}} outs(%[[C]] : tensor<1x3xf32>)
// CHECK:           arith.mulf
// CHECK:         sieve.gated_gather_matmul %[[G]], %arg0
// CHECK:       } else {
// CHECK:         linalg.powf
// CHECK:       }
func.func @gated_squared_gate(%x: tensor<1x2xf32>, %wd: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant dense<2.0> : tensor<1x3xf32>
  %wg = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %wu = arith.constant dense<[[0.5, 0.5, 0.5], [1.5, 1.5, 1.5]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %r = linalg.max ins(%g, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %sq = linalg.powf {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.95, density = 0.3>}
      ins(%r, %two : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.mul ins(%sq, %u : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul in a gated FFN with squared ReLU gate output: predictor of rank 1}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A gated FFN of a symbolic batch as Hugging Face's Llama exports it: the
// projections reshaped to [batch, 1, d_ff], and the gate's reshape read by
// tensor.dim (the ReLU's output size). Shape queries are not other uses:
// the predictor applies.
// CHECK-LABEL: func.func @gated_ffn_batch
// CHECK:       %[[IDX:.*]] = sieve.predict %arg0
// CHECK:       sieve.branch
// CHECK:         sieve.column_gather_matmul %arg0, %{{.*}}, %[[IDX]] relu : tensor<?x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<?x3xf32>
func.func @gated_ffn_batch(%x: tensor<?x2xf32>, %wd: tensor<3x4xf32>) -> tensor<?x1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %wg = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %wu = arith.constant dense<[[0.5, 0.5, 0.5], [1.5, 1.5, 1.5]]> : tensor<2x3xf32>
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<?x2xf32>, tensor<2x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  %g3 = tensor.expand_shape %g [[0, 1], [2]] output_shape [%n, 1, 3] : tensor<?x3xf32> into tensor<?x1x3xf32>
  %b = tensor.dim %g3, %c0 : tensor<?x1x3xf32>
  %e3 = tensor.empty(%b) : tensor<?x1x3xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x1x3xf32>) -> tensor<?x1x3xf32>
  %r = linalg.max {sieve.predictor = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 0.95, density = 0.3>}
      ins(%g3, %z3 : tensor<?x1x3xf32>, tensor<?x1x3xf32>) outs(%e3 : tensor<?x1x3xf32>) -> tensor<?x1x3xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<?x2xf32>, tensor<2x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  %u3 = tensor.expand_shape %u [[0, 1], [2]] output_shape [%n, 1, 3] : tensor<?x3xf32> into tensor<?x1x3xf32>
  %h = linalg.mul ins(%r, %u3 : tensor<?x1x3xf32>, tensor<?x1x3xf32>) outs(%e3 : tensor<?x1x3xf32>) -> tensor<?x1x3xf32>
  %hc = tensor.collapse_shape %h [[0, 1], [2]] : tensor<?x1x3xf32> into tensor<?x3xf32>
  %o = tensor.empty(%n) : tensor<?x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<?x4xf32>) -> tensor<?x4xf32>
  // expected-remark @+1 {{matmul in a gated FFN with ReLU gate output: predictor of rank 1 (recall 95.0%, predicted density 30.0% on held-out calibration rows) selects the gate and up columns and down rows to compute, dense path above 50% active (checked at run time)}}
  %y = linalg.matmul ins(%hc, %wd : tensor<?x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y3 = tensor.expand_shape %y [[0, 1], [2]] output_shape [%n, 1, 4] : tensor<?x4xf32> into tensor<?x1x4xf32>
  return %y3 : tensor<?x1x4xf32>
}
