// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{density-limit=0.5}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations))" | FileCheck %s --check-prefix=COST
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-activations{report=true}))" --verify-diagnostics -o /dev/null

// Gated FFN y = (relu(x Wg) * (x Wu)) Wd: the gate stays dense; its active
// set selects the columns of the up projection, computed from the up weight
// transposed at compile time (rows [1, 4], [2, 5], [3, 6]), and the rows of
// the down weight. The dense path keeps the up projection, the product and
// the down projection as they were.
// CHECK-LABEL: func.func @gated_relu
// CHECK:       %[[WU:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00, 6.000000e+00]]> : tensor<2x3xf32>
// CHECK:       %[[R:.*]] = linalg.max
// CHECK-NOT:   linalg.mul
// CHECK:       %[[WUT:.*]] = arith.constant dense_resource<sieve_transposed_weight> : tensor<3x2xf32>
// CHECK:       %[[IDX:.*]] = sieve.active_set %[[R]] {sieve.site = #sieve.activation_site<relu>} : tensor<1x3xf32> -> tensor<?xindex>
// CHECK:       %[[D:.*]] = arith.divf
// CHECK:       %[[LIMIT:.*]] = arith.constant 5.000000e-01 : f32
// CHECK:       %[[Y:.*]] = sieve.branch %[[D]], %[[LIMIT]] : f32 -> tensor<1x4xf32> {
// CHECK:         %[[H:.*]] = sieve.gated_gather_matmul %[[R]], %arg0, %[[WUT]], %[[IDX]] : tensor<1x3xf32>, tensor<1x2xf32>, tensor<3x2xf32>, tensor<?xindex> -> tensor<1x3xf32>
// CHECK:         %[[S:.*]] = sieve.gather_matmul %[[H]], %arg2, %[[IDX]] : tensor<1x3xf32>, tensor<3x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
// CHECK:         sieve.yield %[[S]]
// CHECK:       } else {
// CHECK:         %[[U:.*]] = linalg.matmul ins(%arg0, %[[WU]]
// CHECK:         %[[P:.*]] = linalg.mul ins(%[[R]], %[[U]]
// CHECK:         %[[M:.*]] = linalg.matmul ins(%[[P]], %arg2
// CHECK:         sieve.yield %[[M]]
// CHECK:       }
// CHECK:       return %[[Y]]
// CHECK:       sieve_transposed_weight: "0x080000000000803F00008040000000400000A040000040400000C040"
// The cost model: one row, both gathered weights in cache -> 15%.
// COST-LABEL: func.func @gated_relu
// COST:       arith.constant 1.500000e-01 : f32
// COST:       sieve.branch
func.func @gated_relu(%x: tensor<1x2xf32>, %wg: tensor<2x3xf32>, %wd: tensor<3x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %e = tensor.empty() : tensor<1x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %r = linalg.max ins(%g, %z : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x2xf32>, tensor<2x3xf32>) outs(%z : tensor<1x3xf32>) -> tensor<1x3xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x3xf32>, tensor<1x3xf32>) outs(%e : tensor<1x3xf32>) -> tensor<1x3xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul in a gated FFN with relu gate output and up projection matmul: computes the up columns and reads the down rows of active neurons only, dense path above 15% active (checked at run time)}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x3xf32>, tensor<3x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// A [batch, seq, d] FFN as the importer emits it: the up projection is
// expanded to the gate's rank and the product collapsed into the down
// projection's rows; here the product also has its operands swapped. The
// gate is collapsed the same way and gathered in two dimensions.
// CHECK-LABEL: func.func @gated_rank3_swapped
// CHECK:       %[[R:.*]] = linalg.max
// CHECK:       %[[RC:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
// CHECK:       %[[IDX:.*]] = sieve.active_set %[[RC]]
// CHECK:       sieve.branch
// CHECK:         %[[H:.*]] = sieve.gated_gather_matmul %[[RC]], %[[X:.*]], %{{.*}}, %[[IDX]] : tensor<6x16xf32>, tensor<6x8xf32>, tensor<16x8xf32>, tensor<?xindex> -> tensor<6x16xf32>
// CHECK:         sieve.gather_matmul %[[H]], %arg2, %[[IDX]]
// CHECK:       } else {
// CHECK:         linalg.matmul ins(%[[X]]
// CHECK:         tensor.expand_shape
// CHECK:         linalg.mul
// CHECK:         tensor.collapse_shape
// CHECK:         linalg.matmul
// Six rows share each gathered weight row -> 50%.
// COST-LABEL: func.func @gated_rank3_swapped
// COST:       arith.constant 5.000000e-01 : f32
// COST:       sieve.branch
func.func @gated_rank3_swapped(%x3: tensor<2x3x8xf32>, %wg: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<6x8xf32> {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<0.5> : tensor<8x16xf32>
  %x = tensor.collapse_shape %x3 [[0, 1], [2]] : tensor<2x3x8xf32> into tensor<6x8xf32>
  %e = tensor.empty() : tensor<6x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<6x16xf32>) -> tensor<6x16xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<6x8xf32>, tensor<8x16xf32>) outs(%z : tensor<6x16xf32>) -> tensor<6x16xf32>
  %g3 = tensor.expand_shape %g [[0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xf32> into tensor<2x3x16xf32>
  %e3 = tensor.empty() : tensor<2x3x16xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %r = linalg.max ins(%g3, %z3 : tensor<2x3x16xf32>, tensor<2x3x16xf32>) outs(%e3 : tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<6x8xf32>, tensor<8x16xf32>) outs(%z : tensor<6x16xf32>) -> tensor<6x16xf32>
  %u3 = tensor.expand_shape %u [[0, 1], [2]] output_shape [2, 3, 16] : tensor<6x16xf32> into tensor<2x3x16xf32>
  %h3 = linalg.mul ins(%u3, %r : tensor<2x3x16xf32>, tensor<2x3x16xf32>) outs(%e3 : tensor<2x3x16xf32>) -> tensor<2x3x16xf32>
  %h = tensor.collapse_shape %h3 [[0, 1], [2]] : tensor<2x3x16xf32> into tensor<6x16xf32>
  %o = tensor.empty() : tensor<6x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<6x8xf32>) -> tensor<6x8xf32>
  // expected-remark @+1 {{dense path above 50% active}}
  %y = linalg.matmul ins(%h, %wd : tensor<6x16xf32>, tensor<16x8xf32>) outs(%acc : tensor<6x8xf32>) -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// A decode step ([B, 1, N] with a symbolic batch): the importer expands the
// up projection's rows as [[0], [1, 2]] and the down projection collapses
// the product as [[0, 1], [2]]; both keep the row order, so the FFN is
// matched as if the groups were the same.
// CHECK-LABEL: func.func @gated_decode_step
// CHECK:       %[[R:.*]] = linalg.max
// CHECK:       %[[RC:.*]] = tensor.collapse_shape %[[R]] {{\[\[}}0, 1], [2]] : tensor<?x1x16xf32> into tensor<?x16xf32>
// CHECK:       sieve.branch
// CHECK:         sieve.gated_gather_matmul %[[RC]], %[[X:.*]], %{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<?x8xf32>, tensor<16x8xf32>, tensor<?xindex> -> tensor<?x16xf32>
// CHECK:       } else {
func.func @gated_decode_step(%x3: tensor<?x1x8xf32>, %wg: tensor<8x16xf32>, %wd: tensor<16x8xf32>) -> tensor<?x8xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %wu = arith.constant dense<0.5> : tensor<8x16xf32>
  %x = tensor.collapse_shape %x3 [[0, 1], [2]] : tensor<?x1x8xf32> into tensor<?x8xf32>
  %b = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%b) : tensor<?x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %g3 = tensor.expand_shape %g [[0], [1, 2]] output_shape [%b, 1, 16] : tensor<?x16xf32> into tensor<?x1x16xf32>
  %e3 = tensor.empty(%b) : tensor<?x1x16xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x1x16xf32>) -> tensor<?x1x16xf32>
  %r = linalg.max ins(%g3, %z3 : tensor<?x1x16xf32>, tensor<?x1x16xf32>) outs(%e3 : tensor<?x1x16xf32>) -> tensor<?x1x16xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<?x8xf32>, tensor<8x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %u3 = tensor.expand_shape %u [[0], [1, 2]] output_shape [%b, 1, 16] : tensor<?x16xf32> into tensor<?x1x16xf32>
  %h3 = linalg.mul ins(%u3, %r : tensor<?x1x16xf32>, tensor<?x1x16xf32>) outs(%e3 : tensor<?x1x16xf32>) -> tensor<?x1x16xf32>
  %h = tensor.collapse_shape %h3 [[0, 1], [2]] : tensor<?x1x16xf32> into tensor<?x16xf32>
  %o = tensor.empty(%b) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<?x8xf32>) -> tensor<?x8xf32>
  // expected-remark @+1 {{computes the up columns and reads the down rows of active neurons only}}
  %y = linalg.matmul ins(%h, %wd : tensor<?x16xf32>, tensor<16x8xf32>) outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// The up projection's bias, broadcast into its accumulator (Gemm) or added
// to its result (MatMul + Add), is added to each computed column; the down
// projection's accumulator (a bias) to the gathered product.
// CHECK-LABEL: func.func @gated_up_bias
// CHECK:       sieve.branch
// CHECK:         sieve.gated_gather_matmul %{{.*}}, %arg0, %{{.*}}, %{{.*}} bias %arg3 : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex>, tensor<8xf32> -> tensor<1x8xf32>
// CHECK:         %[[S:.*]] = sieve.gather_matmul
// CHECK:         %[[B:.*]] = linalg.add ins(%[[S]], %arg5
// CHECK:         sieve.yield %[[B]]
// CHECK:       } else {
// CHECK:         linalg.matmul ins(%arg0, %{{.*}}) outs(%{{.*}} : tensor<1x8xf32>)
// CHECK:       sieve.branch
// CHECK:         sieve.gated_gather_matmul %{{.*}}, %arg0, %{{.*}}, %{{.*}} bias %arg4 :
// CHECK:       } else {
// CHECK:         linalg.matmul
// CHECK:         linalg.add
// CHECK:         linalg.mul
func.func @gated_up_bias(%x: tensor<1x4xf32>, %wg: tensor<4x8xf32>, %wd: tensor<8x4xf32>,
                         %bu: tensor<8xf32>, %bu2: tensor<8xf32>, %bd: tensor<1x4xf32>) -> (tensor<1x4xf32>, tensor<1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %b = linalg.broadcast ins(%bu : tensor<8xf32>) outs(%e : tensor<1x8xf32>) dimensions = [0]
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%b : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  // expected-remark @+1 {{computes the up columns}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%bd : tensor<1x4xf32>) -> tensor<1x4xf32>
  %u2 = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %b2 = linalg.broadcast ins(%bu2 : tensor<8xf32>) outs(%e : tensor<1x8xf32>) dimensions = [0]
  %ub = linalg.add ins(%u2, %b2 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h2 = linalg.mul ins(%r, %ub : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{computes the up columns}}
  %y2 = linalg.matmul ins(%h2, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y, %y2 : tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// An up weight that is the transpose of a constant (Transpose of an
// initializer, as some exports write it) is gathered from that constant:
// no copy is made.
// CHECK-LABEL: func.func @gated_transposed_up_weight
// CHECK:       %[[WUT:.*]] = arith.constant dense<1.000000e+00> : tensor<8x4xf32>
// CHECK-NOT:   sieve_transposed_weight
// CHECK:       sieve.gated_gather_matmul %{{.*}}, %arg0, %[[WUT]], %{{.*}} : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>
// CHECK-NOT:   sieve_transposed_weight
func.func @gated_transposed_up_weight(%x: tensor<1x4xf32>, %wg: tensor<4x8xf32>, %wd: tensor<8x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %wut = arith.constant dense<1.0> : tensor<8x4xf32>
  %et = tensor.empty() : tensor<4x8xf32>
  %wu = linalg.transpose ins(%wut : tensor<8x4xf32>) outs(%et : tensor<4x8xf32>) permutation = [1, 0]
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %g = linalg.matmul ins(%x, %wg : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{computes the up columns}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// Other ReLU-like gates: ReLU6/Clip(min=0) (clip), the square of a ReLU as
// Mul(r, r) and as Pow(r, 2) (squared_relu).
// CHECK-LABEL: func.func @gated_relu_variants
// CHECK:       sieve.active_set %{{.*}} {sieve.site = #sieve.activation_site<clip>}
// CHECK:       sieve.gated_gather_matmul
// CHECK:       sieve.active_set %{{.*}} {sieve.site = #sieve.activation_site<squared_relu>}
// CHECK:       sieve.gated_gather_matmul
// CHECK:       sieve.active_set %{{.*}} {sieve.site = #sieve.activation_site<squared_relu>}
// CHECK:       sieve.gated_gather_matmul
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @gated_relu_variants(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>)
    -> (tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %two = arith.constant dense<2.0> : tensor<f32>
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  %r6 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%g : tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    %c = arith.minimumf %m, %six : f32
    linalg.yield %c : f32
  } -> tensor<1x8xf32>
  %u1 = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h1 = linalg.mul ins(%r6, %u1 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  // expected-remark @+1 {{in a gated FFN with clip gate}}
  %y1 = linalg.matmul ins(%h1, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %sq = linalg.mul ins(%r, %r : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u2 = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h2 = linalg.mul ins(%sq, %u2 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  // expected-remark @+1 {{in a gated FFN with squared_relu gate}}
  %y2 = linalg.matmul ins(%h2, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  %twos = linalg.broadcast ins(%two : tensor<f32>) outs(%e : tensor<1x8xf32>) dimensions = [0, 1]
  %pw = linalg.powf ins(%r, %twos : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u3 = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h3 = linalg.mul ins(%pw, %u3 : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  // expected-remark @+1 {{in a gated FFN with squared_relu gate}}
  %y3 = linalg.matmul ins(%h3, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y1, %y2, %y3 : tensor<1x4xf32>, tensor<1x4xf32>, tensor<1x4xf32>
}

// -----

// A dynamic batch picks the limit at run time: 15% for one row (weights in
// cache), 50% for more.
// COST-LABEL: func.func @gated_dynamic_batch
// COST:       sieve.active_set
// COST:       %[[LN:.*]] = arith.constant 5.000000e-01 : f32
// COST:       %[[ONE:.*]] = arith.cmpi eq
// COST:       %[[L1:.*]] = arith.constant 1.500000e-01 : f32
// COST:       %[[LIMIT:.*]] = arith.select %[[ONE]], %[[L1]], %[[LN]] : f32
// COST:       sieve.branch %{{.*}}, %[[LIMIT]]
// COST:         sieve.gated_gather_matmul %{{.*}} : tensor<?x8xf32>, tensor<?x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<?x8xf32>
func.func @gated_dynamic_batch(%x: tensor<?x4xf32>, %g: tensor<?x8xf32>, %wd: tensor<8x4xf32>, %acc: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.max ins(%g, %z : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<?x4xf32>, tensor<4x8xf32>) outs(%z : tensor<?x8xf32>) -> tensor<?x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<?x8xf32>, tensor<?x8xf32>) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  // expected-remark @+1 {{dense path above 15% active for one row, 50% for more}}
  %y = linalg.matmul ins(%h, %wd : tensor<?x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

// -----

// Not rewritten: an up weight that is no constant (it cannot be stored
// transposed), ...
// CHECK-LABEL: func.func @up_weight_not_constant
// CHECK-NOT:   sieve.
// CHECK:       return
func.func @up_weight_not_constant(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wu: tensor<4x8xf32>, %wd: tensor<8x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul after a product with a ReLU-like value: not a gated FFN Sieve can gather (the up weight is not a static f32 constant): kept dense}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// ... a product of the ReLU with something that is not the up projection
// (here an input of the function), ...
// CHECK-LABEL: func.func @mul_with_non_projection
// CHECK-NOT:   sieve.
// CHECK:       return
func.func @mul_with_non_projection(%v: tensor<1x8xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %v : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{(the up projection is not a matmul)}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// ... a gate with a bias added after the ReLU (relu(g) + 1 is never zero:
// nothing to skip), ...
// CHECK-LABEL: func.func @gate_bias_after_relu
// CHECK-NOT:   sieve.
// CHECK:       return
func.func @gate_bias_after_relu(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %rb = linalg.add ins(%r, %ones : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%rb, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// ... an up projection whose result is used elsewhere too (the dense up
// projection has to run anyway), ...
// CHECK-LABEL: func.func @up_other_uses
// CHECK-NOT:   sieve.
// CHECK:       return
func.func @up_other_uses(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>) -> (tensor<1x4xf32>, tensor<1x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{(the up projection has other uses)}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y, %u : tensor<1x4xf32>, tensor<1x8xf32>
}

// -----

// ... an up projection whose accumulator is neither zero nor a bias, ...
// CHECK-LABEL: func.func @up_accumulator_not_bias
// CHECK-NOT:   sieve.
// CHECK:       return
func.func @up_accumulator_not_bias(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>, %ua: tensor<1x8xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%ua : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{(the up projection's accumulator is neither zero nor a bias)}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}

// -----

// ... and a gate that a profile measured denser than the limit.
// CHECK-LABEL: func.func @gate_profiled_dense
// CHECK-NOT:   sieve.branch
// CHECK:       return
func.func @gate_profiled_dense(%x: tensor<1x4xf32>, %g: tensor<1x8xf32>, %wd: tensor<8x4xf32>) -> tensor<1x4xf32> {
  %zero = arith.constant 0.0 : f32
  %wu = arith.constant dense<0.25> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<1x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %r = linalg.max {sieve.activation_site = #sieve.activation_site<relu, measured = 0.9>} ins(%g, %z : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %u = linalg.matmul ins(%x, %wu : tensor<1x4xf32>, tensor<4x8xf32>) outs(%z : tensor<1x8xf32>) -> tensor<1x8xf32>
  %h = linalg.mul ins(%r, %u : tensor<1x8xf32>, tensor<1x8xf32>) outs(%e : tensor<1x8xf32>) -> tensor<1x8xf32>
  %o = tensor.empty() : tensor<1x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%o : tensor<1x4xf32>) -> tensor<1x4xf32>
  // expected-remark @+1 {{matmul in a gated FFN with relu gate output: density 90.0% (profile) above the gather limit 15%: kept dense}}
  %y = linalg.matmul ins(%h, %wd : tensor<1x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<1x4xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}
