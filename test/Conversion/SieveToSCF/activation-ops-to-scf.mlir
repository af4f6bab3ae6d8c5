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
