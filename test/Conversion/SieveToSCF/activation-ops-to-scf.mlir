// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-activation-ops-to-scf{vector-width=16}))" | FileCheck %s

// active_set: a compaction loop over the neurons, an "any row active" loop
// over the batch, and the filled prefix of the index buffer.
// CHECK-LABEL: func.func @active_set
// CHECK:       %[[BUF:.*]] = tensor.empty(%{{.*}}) : tensor<?xindex>
// CHECK:       %[[LOOP:.*]]:2 = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[CNT:.*]] = %{{.*}}, %[[B:.*]] = %[[BUF]])
// CHECK:         scf.for {{.*}} -> (i1)
// CHECK:           math.absf
// CHECK:           arith.cmpf ogt
// CHECK:         scf.if %{{.*}} -> (index, tensor<?xindex>)
// CHECK:           tensor.insert %[[K]] into %[[B]][%[[CNT]]]
// CHECK:       tensor.extract_slice %[[LOOP]]#1[%{{.*}}] [%[[LOOP]]#0] [%{{.*}}]
// CHECK-NOT:   sieve.active_set
func.func @active_set(%h: tensor<2x100xf32>) -> tensor<?xindex> {
  %idx = sieve.active_set %h : tensor<2x100xf32> -> tensor<?xindex>
  return %idx : tensor<?xindex>
}

// -----

// CHECK-LABEL: func.func @gather_matmul
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       %[[WB:.*]] = bufferization.to_buffer %arg1 read_only : tensor<100x40xf32> to memref<100x40xf32>
// CHECK:       %[[C4:.*]] = arith.constant 4 : index
// CHECK:       %[[GROUPS:.*]] = scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %[[GEND:.*]] step %[[C4]] iter_args(%{{.*}} = %[[INIT]])
// CHECK:         %[[K0:[a-z0-9_]+]] = tensor.extract %arg2[%[[J]]]
// CHECK:         %[[K1:[a-z0-9_]+]] = tensor.extract %arg2[%{{.*}}]
// CHECK:         %[[K2:[a-z0-9_]+]] = tensor.extract %arg2[%{{.*}}]
// CHECK:         %[[K3:[a-z0-9_]+]] = tensor.extract %arg2[%{{.*}}]
// CHECK:         scf.for
// CHECK-COUNT-4:   vector.broadcast
// CHECK:           scf.for %[[N:[a-z0-9_]+]] =
// CHECK-NOT:         memref.prefetch
// CHECK:             vector.transfer_read %{{.*}}[%{{.*}}, %[[N]]]{{.*}} : tensor<2x40xf32>, vector<16xf32>
// CHECK:             vector.transfer_read %arg1[%[[K0]], %[[N]]]
// CHECK:             vector.fma
// CHECK:             vector.transfer_read %arg1[%[[K1]], %[[N]]]
// CHECK:             vector.fma
// CHECK:             vector.transfer_read %arg1[%[[K2]], %[[N]]]
// CHECK:             vector.fma
// CHECK:             vector.transfer_read %arg1[%[[K3]], %[[N]]]
// CHECK:             vector.fma
// CHECK:             vector.transfer_write
// CHECK:           scf.for
// CHECK-COUNT-4:     math.fma
// CHECK:       scf.for %[[R:[a-z0-9_]+]] = %[[GEND]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[GROUPS]])
// CHECK:         %[[K:[a-z0-9_]+]] = tensor.extract %arg2[%[[R]]]
// CHECK:         %[[NEXTJ:.*]] = arith.minui
// CHECK:         %[[NEXTK:[a-z0-9_]+]] = tensor.extract %arg2[%[[NEXTJ]]]
// CHECK:         scf.for
// CHECK:           %[[HK:.*]] = tensor.extract %arg0[%{{.*}}, %[[K]]]
// CHECK:           vector.broadcast %[[HK]] : f32 to vector<16xf32>
// CHECK:           scf.for %[[N:[a-z0-9_]+]] =
// CHECK:             memref.prefetch %[[WB]][%[[NEXTK]], %[[N]]], read, locality<3>, data : memref<100x40xf32>
// CHECK:             vector.transfer_read %arg1[%[[K]], %[[N]]]{{.*}} : tensor<100x40xf32>, vector<16xf32>
// CHECK:             vector.fma
// CHECK:             vector.transfer_write
// CHECK:           scf.for
// CHECK:             math.fma
// CHECK-NOT:   sieve.gather_matmul

// gather_matmul: the selected neurons four at a time (their weight rows
// stream together), for each row a vector AXPY of the four weight rows
// into the output row, then a scalar loop for the remainder; the rest of
// the neurons one at a time, the next active row prefetched while a row
// streams.
func.func @gather_matmul(%h: tensor<2x100xf32>, %w: tensor<100x40xf32>, %idx: tensor<?xindex>) -> tensor<2x40xf32> {
  %y = sieve.gather_matmul %h, %w, %idx : tensor<2x100xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<2x40xf32>
  return %y : tensor<2x40xf32>
}

// -----

// gated_gather_matmul: four selected neurons at a time, for each row their
// dot products with the input row in vectors (four accumulators, one input
// load), reassociating reductions, scalar loops for the remainder, the
// biases, and the gate; the rest one neuron at a time, the next selected
// row prefetched (one prefetch per 64-byte line); zero elsewhere.
// CHECK-LABEL: func.func @gated_gather_matmul
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       %[[WB:.*]] = bufferization.to_buffer %arg2 read_only : tensor<100x40xf32> to memref<100x40xf32>
// CHECK:       %[[GROUPS:.*]] = scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %[[GEND:.*]] step %c4 iter_args(%{{.*}} = %[[INIT]])
// CHECK-COUNT-4: tensor.extract %arg3
// CHECK-COUNT-4: tensor.extract %arg4
// CHECK:         scf.for %[[M:[a-z0-9_]+]] =
// CHECK:           %[[DOTS:.*]]:4 = scf.for %[[N:[a-z0-9_]+]] = {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-NOT:         memref.prefetch
// CHECK:             %[[XV:.*]] = vector.transfer_read %arg1[%[[M]], %[[N]]]{{.*}} : tensor<2x40xf32>, vector<16xf32>
// CHECK-COUNT-4:     vector.fma %[[XV]]
// CHECK:           vector.reduction <add>, %[[DOTS]]#0
// CHECK:           arith.mulf
// CHECK:           vector.reduction <add>, %[[DOTS]]#3
// CHECK:           arith.mulf
// CHECK:       scf.for %{{.*}} = %[[GEND]] to %{{.*}} iter_args(%{{.*}} = %[[GROUPS]])
// CHECK:         %[[K:[a-z0-9_]+]] = tensor.extract %arg3[%{{.*}}]
// CHECK:         %[[NEXTK:[a-z0-9_]+]] = tensor.extract %arg3[%{{.*}}]
// CHECK:         %[[B:.*]] = tensor.extract %arg4[%[[K]]]
// CHECK:         scf.for %[[M:[a-z0-9_]+]] =
// CHECK:           %[[DOT:.*]] = scf.for %[[N:[a-z0-9_]+]] = {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK:             memref.prefetch %[[WB]][%[[NEXTK]], %[[N]]], read, locality<3>, data : memref<100x40xf32>
// CHECK:             %[[XV:.*]] = vector.transfer_read %arg1[%[[M]], %[[N]]]{{.*}} : tensor<2x40xf32>, vector<16xf32>
// CHECK:             %[[WV:.*]] = vector.transfer_read %arg2[%[[K]], %[[N]]]{{.*}} : tensor<100x40xf32>, vector<16xf32>
// CHECK:             vector.fma %[[XV]], %[[WV]], %[[ACC]]
// CHECK:           %[[SUM:.*]] = vector.reduction <add>, %[[DOT]] fastmath<reassoc> : vector<16xf32> into f32
// CHECK:           %[[TAIL:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[SUM]]) -> (f32)
// CHECK:             math.fma
// CHECK:           %[[UP:.*]] = arith.addf %[[TAIL]], %[[B]]
// CHECK:           %[[G:.*]] = tensor.extract %arg0[%[[M]], %[[K]]]
// CHECK:           %[[H:.*]] = arith.mulf %[[G]], %[[UP]]
// CHECK:           tensor.insert %[[H]] into %{{.*}}[%[[M]], %[[K]]]
// CHECK-NOT:   sieve.gated_gather_matmul
func.func @gated_gather_matmul(%g: tensor<2x100xf32>, %x: tensor<2x40xf32>, %wt: tensor<100x40xf32>,
                               %idx: tensor<?xindex>, %b: tensor<100xf32>) -> tensor<2x100xf32> {
  %h = sieve.gated_gather_matmul %g, %x, %wt, %idx bias %b
      : tensor<2x100xf32>, tensor<2x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<2x100xf32>
  return %h : tensor<2x100xf32>
}

// -----

// column_gather_matmul: the same selected dot products, through the ReLU
// (a maximumf with zero) instead of a gate; without `relu` the dot products
// (plus bias) are stored as they are.
// CHECK-LABEL: func.func @column_gather_matmul
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       %[[G1:.*]] = scf.for %{{.*}} step %c4 iter_args(%{{.*}} = %[[INIT]])
// CHECK-COUNT-4: tensor.extract %arg3
// CHECK:         scf.for
// CHECK:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4:   arith.maximumf
// CHECK:       scf.for %[[J:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[G1]])
// CHECK:         %[[K:[a-z0-9_]+]] = tensor.extract %arg2[%[[J]]]
// CHECK:         %[[B:.*]] = tensor.extract %arg3[%[[K]]]
// CHECK:         scf.for %[[M:[a-z0-9_]+]] =
// CHECK:           vector.fma
// CHECK:           vector.reduction <add>
// CHECK:           %[[TAIL:.*]] = scf.for
// CHECK:           %[[UP:.*]] = arith.addf %[[TAIL]], %[[B]]
// CHECK:           %[[H:.*]] = arith.maximumf %[[UP]], %{{.*}} : f32
// CHECK:           tensor.insert %[[H]] into %{{.*}}[%[[M]], %[[K]]]
// CHECK:       scf.for %{{.*}} step %c4
// CHECK-NOT:     arith.maximumf
// CHECK:       scf.for
// CHECK:         scf.for %[[M2:[a-z0-9_]+]] =
// CHECK:           %[[TAIL2:[a-z0-9_]+]] = scf.for {{.*}} -> (f32)
// CHECK-NOT:       arith.maximumf
// CHECK:           tensor.insert %[[TAIL2]] into
// CHECK-NOT:   sieve.column_gather_matmul
func.func @column_gather_matmul(%x: tensor<?x40xf32>, %wt: tensor<100x40xf32>,
                                %idx: tensor<?xindex>, %b: tensor<100xf32>)
    -> (tensor<?x100xf32>, tensor<?x100xf32>) {
  %h = sieve.column_gather_matmul %x, %wt, %idx bias %b relu
      : tensor<?x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<?x100xf32>
  %p = sieve.column_gather_matmul %x, %wt, %idx
      : tensor<?x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<?x100xf32>
  return %h, %p : tensor<?x100xf32>, tensor<?x100xf32>
}

// -----

// predict: the scores (x u) v as two matmuls (left to the matmul tiling),
// then a compaction of the neurons whose score exceeds their threshold in
// some row. One row is expanded to a 1 x D matrix.
// CHECK-LABEL: func.func @predict
// CHECK:       %[[X:.*]] = tensor.expand_shape %arg0 {{\[\[}}0, 1]] output_shape [1, 64] : tensor<64xf32> into tensor<1x64xf32>
// CHECK:       %[[P:.*]] = linalg.matmul ins(%[[X]], %arg1 : tensor<1x64xf32>, tensor<64x8xf32>)
// CHECK:       %[[S:.*]] = linalg.matmul ins(%[[P]], %arg2 : tensor<1x8xf32>, tensor<8x256xf32>)
// CHECK:       scf.for %[[K:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(
// CHECK:         scf.for %[[M:[a-z0-9_]+]] =
// CHECK:           %[[SV:.*]] = tensor.extract %[[S]][%[[M]], %[[K]]]
// CHECK:           %[[T:.*]] = tensor.extract %arg3[%[[K]]]
// CHECK:           arith.cmpf ogt, %[[SV]], %[[T]]
// CHECK:         scf.if
// CHECK:           tensor.insert %[[K]]
// CHECK:       tensor.extract_slice
// CHECK-NOT:   sieve.predict
func.func @predict(%x: tensor<64xf32>, %u: tensor<64x8xf32>, %v: tensor<8x256xf32>,
                   %t: tensor<256xf32>) -> tensor<?xindex> {
  %idx = sieve.predict %x, %u, %v, %t
      : tensor<64xf32>, tensor<64x8xf32>, tensor<8x256xf32>, tensor<256xf32> -> tensor<?xindex>
  return %idx : tensor<?xindex>
}

// -----

// A selected FFN on one thread: the column gather's only use is the down
// gather over the same indices, so both run in one pass over the selected
// neurons, from one constant whose row k is neuron k's up row (40) then its
// down row (24): per step of four neurons, their dot products (ReLU, into
// the hidden values) and then their AXPYs, which read the down row from
// column 40 on.
// CHECK-LABEL: func.func @fused_column_ffn
// CHECK:       %[[B:.*]] = arith.constant dense_resource<sieve_bundled_rows> : tensor<100x64xf32>
// CHECK:       %[[Y0:.*]] = linalg.fill {{.*}} -> tensor<2x24xf32>
// CHECK:       %[[H0:.*]] = linalg.fill {{.*}} -> tensor<2x100xf32>
// CHECK:       %[[G:.*]]:2 = scf.for %{{.*}} step %c4 iter_args(%{{.*}} = %[[H0]], %[[Y:.*]] = %[[Y0]])
// CHECK:         %[[HS:.*]] = scf.for
// CHECK:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK-COUNT-4:     vector.transfer_read %[[B]]
// CHECK-COUNT-4:   arith.maximumf
// CHECK:         scf.for %[[M:[a-z0-9_]+]] = {{.*}} iter_args(%{{.*}} = %[[Y]])
// CHECK-COUNT-4:   tensor.extract %[[HS]][%[[M]],
// CHECK:           scf.for %[[N:[a-z0-9_]+]] =
// CHECK:             %[[COL:.*]] = arith.addi %c40{{.*}}, %[[N]]
// CHECK-COUNT-4:     vector.transfer_read %[[B]][%{{.*}}, %[[COL]]]
// CHECK:       scf.for {{.*}} iter_args(%{{.*}} = %[[G]]#0, %{{.*}} = %[[G]]#1)
// CHECK:           memref.prefetch
// CHECK-NOT:   sieve.
func.func @fused_column_ffn(%x: tensor<2x40xf32>, %idx: tensor<?xindex>,
                            %b: tensor<100xf32>) -> tensor<2x24xf32> {
  %wt = arith.constant dense<1.0> : tensor<100x40xf32>
  %wd = arith.constant dense<2.0> : tensor<100x24xf32>
  %h = sieve.column_gather_matmul %x, %wt, %idx bias %b relu
      : tensor<2x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<2x100xf32>
  %y = sieve.gather_matmul %h, %wd, %idx
      : tensor<2x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<2x24xf32>
  return %y : tensor<2x24xf32>
}

// -----

// A predictor's gated FFN: the gate's column gather, the gated up gather
// and the down gather in one pass, from rows of gate (40), up (40) and down
// (24) weights; the up step multiplies by the gate values of the same step.
// CHECK-LABEL: func.func @fused_gated_ffn
// CHECK:       %[[B:.*]] = arith.constant dense_resource<sieve_bundled_rows> : tensor<100x104xf32>
// CHECK:       scf.for %{{.*}} step %c4 iter_args(%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[G0:.*]] = %{{.*}}) -> (tensor<1x100xf32>, tensor<1x24xf32>, tensor<1x100xf32>)
// CHECK:         %[[GATE:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[G0]])
// CHECK-COUNT-4:   arith.maximumf
// CHECK:         scf.for
// CHECK:             arith.addi %c40
// CHECK:           tensor.extract %[[GATE]]
// CHECK:           arith.mulf
// CHECK:         scf.for
// CHECK:             arith.addi %c80
// CHECK-NOT:   sieve.
func.func @fused_gated_ffn(%x: tensor<1x40xf32>, %idx: tensor<?xindex>,
                           %bg: tensor<100xf32>) -> tensor<1x24xf32> {
  %wg = arith.constant dense<1.0> : tensor<100x40xf32>
  %wu = arith.constant dense<3.0> : tensor<100x40xf32>
  %wd = arith.constant dense<2.0> : tensor<100x24xf32>
  %g = sieve.column_gather_matmul %x, %wg, %idx bias %bg relu
      : tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<1x100xf32>
  %h = sieve.gated_gather_matmul %g, %x, %wu, %idx
      : tensor<1x100xf32>, tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<1x100xf32>
  %y = sieve.gather_matmul %h, %wd, %idx
      : tensor<1x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}

// -----

// Not fused: weights that are not constants, other indices, a hidden value
// used twice. Each op runs its own kernel.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT:   sieve_bundled_rows
// CHECK-COUNT-6: scf.for %{{.*}} step %c4{{[_0-9]*}} iter_args(%{{[a-z0-9_]+}} = %{{[a-z0-9_]+}}) -> (tensor<
// CHECK-NOT:   sieve.
func.func @not_fused(%x: tensor<1x40xf32>, %idx: tensor<?xindex>, %idx2: tensor<?xindex>,
                     %wt: tensor<100x40xf32>, %wd: tensor<100x24xf32>)
    -> (tensor<1x24xf32>, tensor<1x24xf32>, tensor<1x24xf32>, tensor<1x100xf32>) {
  %wtc = arith.constant dense<1.0> : tensor<100x40xf32>
  %wdc = arith.constant dense<2.0> : tensor<100x24xf32>
  %h = sieve.column_gather_matmul %x, %wt, %idx relu
      : tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<1x100xf32>
  %y = sieve.gather_matmul %h, %wd, %idx
      : tensor<1x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<1x24xf32>
  %h2 = sieve.column_gather_matmul %x, %wtc, %idx relu
      : tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<1x100xf32>
  %y2 = sieve.gather_matmul %h2, %wdc, %idx2
      : tensor<1x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<1x24xf32>
  %h3 = sieve.column_gather_matmul %x, %wtc, %idx relu
      : tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<1x100xf32>
  %y3 = sieve.gather_matmul %h3, %wdc, %idx
      : tensor<1x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<1x24xf32>
  return %y, %y2, %y3, %h3 : tensor<1x24xf32>, tensor<1x24xf32>, tensor<1x24xf32>, tensor<1x100xf32>
}

// -----

// An elementwise activation between the gathers (a ReLU6 applied in place
// on the column gather's result) runs on each hidden value inside the one
// pass, after the dot product and bias.
// CHECK-LABEL: func.func @fused_relu6_ffn
// CHECK:       dense_resource<sieve_bundled_rows> : tensor<100x64xf32>
// CHECK:       scf.for %{{.*}} step %c4
// CHECK:           vector.fma
// CHECK:         %[[DOT:.*]] = arith.addf
// CHECK:         %[[LOW:.*]] = arith.maximumf %[[DOT]]
// CHECK:         %[[H:.*]] = arith.minimumf %[[LOW]]
// CHECK:         tensor.insert %[[H]]
// CHECK-NOT:   linalg.generic
// CHECK-NOT:   sieve.
func.func @fused_relu6_ffn(%x: tensor<1x40xf32>, %idx: tensor<?xindex>,
                           %b: tensor<100xf32>) -> tensor<1x24xf32> {
  %wt = arith.constant dense<1.0> : tensor<100x40xf32>
  %wd = arith.constant dense<2.0> : tensor<100x24xf32>
  %h = sieve.column_gather_matmul %x, %wt, %idx bias %b
      : tensor<1x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<1x100xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]} outs(%h : tensor<1x100xf32>) {
  ^bb0(%v: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %low = arith.maximumf %v, %zero : f32
    %high = arith.minimumf %low, %six : f32
    linalg.yield %high : f32
  } -> tensor<1x100xf32>
  %y = sieve.gather_matmul %r, %wd, %idx
      : tensor<1x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<1x24xf32>
  return %y : tensor<1x24xf32>
}
