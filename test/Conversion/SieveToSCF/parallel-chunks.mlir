// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-activation-ops-to-scf{vector-width=16 threads=2 min-chunk-cycles=1000}, convert-sieve-weight-ops-to-scf{threads=2 min-chunk-cycles=1}))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-activation-ops-to-scf{vector-width=16}, convert-sieve-weight-ops-to-scf))" | FileCheck %s --check-prefix=ONE

// With threads, the gather runs by chunks of consecutive active neurons,
// in parallel: the chunk count is computed at run time from the estimated
// cycles (the multiply-adds, active neurons x rows x columns, at one
// vector FMA per cycle, or the active rows' bytes at 16 per cycle: one
// chunk per min-chunk-cycles, at most one per thread and per active
// neuron). Each chunk runs the gather loops over its neurons' whole rows
// into an output of its own, a row of the partial outputs [chunks, 2, 40],
// and their sum over the chunks is the result; the active set (%arg2) is
// computed once, outside.
// CHECK-LABEL: func.func @gather_matmul
// CHECK:       %[[COUNT:.*]] = tensor.dim %arg2
// CHECK:       %[[ELEMENTS:.*]] = arith.muli %[[COUNT]], %{{.*}} : index
// CHECK:       %[[MACS:.*]] = arith.muli %[[ELEMENTS]], %{{.*}} : index
// CHECK:       %[[COMPUTE:.*]] = arith.divui %[[MACS]], %c16
// CHECK:       %[[BYTES:.*]] = arith.muli %[[ELEMENTS]], %c4
// CHECK:       %[[STREAM:.*]] = arith.divui %[[BYTES]], %c16
// CHECK:       %[[CYCLES:.*]] = arith.maxui %[[COMPUTE]], %[[STREAM]]
// CHECK:       arith.divui %[[CYCLES]], %c1000
// CHECK:       %[[WANTED:.*]] = arith.maxui
// CHECK:       arith.ceildivui %[[COUNT]], %[[WANTED]]
// CHECK:       %[[PER:.*]] = arith.maxui
// CHECK:       arith.ceildivui %[[COUNT]], %[[PER]]
// CHECK:       %[[CHUNKS:.*]] = arith.maxui
// CHECK:       %[[P0:.*]] = tensor.empty(%[[CHUNKS]]) : tensor<?x2x40xf32>
// CHECK:       %[[P:.*]] = scf.forall (%[[I:.*]]) in (%[[CHUNKS]]) shared_outs(%[[Y:.*]] = %[[P0]]) -> (tensor<?x2x40xf32>)
// CHECK:         %[[OFF:.*]] = arith.muli %[[I]],
// CHECK:         %[[FIRST:.*]] = arith.muli %[[OFF]], %[[PER]] : index
// CHECK:         %[[OWN:.*]] = linalg.fill {{.*}} -> tensor<2x40xf32>
// CHECK:         scf.for %{{.*}} = %[[FIRST]] to %{{.*}} step %c4{{.*}} iter_args(%{{.*}} = %[[OWN]])
// CHECK:           vector.fma
// CHECK:         tensor.insert_slice %{{.*}} into %{{.*}}[0, 0, 0] [1, 2, 40]
// CHECK:         scf.forall.in_parallel
// CHECK-NEXT:      tensor.parallel_insert_slice %{{.*}} into %[[Y]][%[[OFF]], 0, 0]
// CHECK:       linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[P]] : tensor<?x2x40xf32>)
// ONE-LABEL:   func.func @gather_matmul
// ONE-NOT:     scf.forall
// ONE:         return
func.func @gather_matmul(%h: tensor<2x100xf32>, %w: tensor<100x40xf32>, %idx: tensor<?xindex>) -> tensor<2x40xf32> {
  %y = sieve.gather_matmul %h, %w, %idx : tensor<2x100xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<2x40xf32>
  return %y : tensor<2x40xf32>
}

// -----

// The packed kernels split their output columns at compile time (the
// packed entries are known): one row into two chunks of 16 columns, each
// reading the packed columns from its first on.
// CHECK-LABEL: func.func @one_row
// CHECK:       scf.forall (%[[I:.*]]) in (2) shared_outs(%[[Y:.*]] = %arg4) -> (tensor<1x32xf32>)
// CHECK:         %[[FIRST:.*]] = arith.muli %[[I]], %c16
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %[[Y]][0, %[[FIRST]]] [1, %{{.*}}] [1, 1]
// CHECK:         scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[SLICE]])
// CHECK:           %[[COLUMN:.*]] = arith.addi %[[FIRST]], %[[N]] : index
// CHECK:           tensor.extract %arg3[%[[COLUMN]]] : tensor<33xi32>
// CHECK:           vector.gather
// CHECK:         scf.forall.in_parallel
// ONE-LABEL:   func.func @one_row
// ONE-NOT:     scf.forall
// ONE:         return
func.func @one_row(%x: tensor<1x64xf32>, %v: tensor<512xf32>, %r: tensor<512xi32>,
                   %o: tensor<33xi32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<1x64xf32>, tensor<512xf32>, tensor<512xi32>, tensor<33xi32> -> tensor<1x32xf32>
  return %0 : tensor<1x32xf32>
}

// -----

// A batch: the transposed result (N x M) is split by rows, i.e. output
// columns; the input is transposed once, before.
// CHECK-LABEL: func.func @batch_of_eight
// CHECK:       linalg.transpose ins(%arg0
// CHECK:       %[[YT:.*]] = linalg.transpose ins(%arg4
// CHECK:       %[[R:.*]] = scf.forall (%[[I:.*]]) in (2) shared_outs(%[[Y:.*]] = %[[YT]]) -> (tensor<32x8xf32>)
// CHECK:         tensor.extract_slice %[[Y]][%{{.*}}, 0] [%{{.*}}, 8] [1, 1]
// CHECK:         vector.fma
// CHECK:       linalg.transpose ins(%[[R]]
func.func @batch_of_eight(%x: tensor<8x64xf32>, %v: tensor<256xf32>, %r: tensor<256xi32>,
                          %o: tensor<33xi32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 4
      : tensor<8x64xf32>, tensor<256xf32>, tensor<256xi32>, tensor<33xi32> -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// The selected dot products (gated and column gathers) run in chunks of
// consecutive selected neurons (ascending): a chunk of `per` of them, one
// chunk per min-chunk-cycles of the estimated cycles, at most one per
// thread and per neuron; a chunk owns the result's neurons from its first
// selected one (0 for the first chunk) to the next chunk's first (the end
// for the last), so the chunks write disjoint slices, each neuron at its
// column within the slice. No selected neuron: the zeros, no chunk.
// CHECK-LABEL: func.func @gated_chunks
// CHECK:       %[[INIT:.*]] = linalg.fill
// CHECK:       %[[COUNT:.*]] = tensor.dim %arg3
// CHECK:       %[[PERC:.*]] = arith.ceildivui %[[COUNT]], %{{.*}} : index
// CHECK:       %[[PER:.*]] = arith.maxui %{{.*}}, %[[PERC]] : index
// CHECK:       %[[CH:.*]] = arith.ceildivui %[[COUNT]], %[[PER]] : index
// CHECK:       %[[CHUNKS:.*]] = arith.maxui %{{.*}}, %[[CH]] : index
// CHECK:       %[[ANY:.*]] = arith.cmpi ne, %[[COUNT]], %{{.*}} : index
// CHECK:       scf.if %[[ANY]] -> (tensor<2x100xf32>)
// CHECK:         scf.forall (%[[C:.*]]) in (%[[CHUNKS]]) shared_outs(%[[Y:.*]] = %[[INIT]]) -> (tensor<2x100xf32>)
// CHECK:           %[[JB:.*]] = arith.muli %[[C]], %[[PER]] : index
// CHECK:           %[[BEGIN:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK:           %[[END:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK:           %[[EXTENT:.*]] = arith.subi %[[END]], %[[BEGIN]] : index
// CHECK:           %[[SLICE:.*]] = tensor.extract_slice %[[Y]][0, %[[BEGIN]]] [2, %[[EXTENT]]] [1, 1] : tensor<2x100xf32> to tensor<2x?xf32>
// CHECK:           scf.for %[[J:[a-z0-9_]+]] = %[[JB]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[SLICE]])
// CHECK:             %[[K:.*]] = tensor.extract %arg3[%[[J]]]
// CHECK:             %[[COL:.*]] = arith.subi %[[K]], %[[BEGIN]] : index
// CHECK:             tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %[[COL]]] : tensor<2x?xf32>
// CHECK:           scf.forall.in_parallel
// CHECK-NEXT:        tensor.parallel_insert_slice %{{.*}} into %[[Y]][0, %[[BEGIN]]] [2, %[[EXTENT]]]
// CHECK:       } else {
// CHECK-NEXT:    scf.yield %[[INIT]]
// ONE-LABEL:   func.func @gated_chunks
// ONE-NOT:     scf.forall
// ONE:         return
func.func @gated_chunks(%g: tensor<2x100xf32>, %x: tensor<2x40xf32>, %wt: tensor<100x40xf32>,
                        %idx: tensor<?xindex>, %b: tensor<100xf32>) -> tensor<2x100xf32> {
  %h = sieve.gated_gather_matmul %g, %x, %wt, %idx bias %b
      : tensor<2x100xf32>, tensor<2x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<2x100xf32>
  return %h : tensor<2x100xf32>
}

// -----

// The column gather of one row (a predictor's up projection at batch 1):
// chunks of its neurons the same way.
// CHECK-LABEL: func.func @column_chunks
// CHECK:         scf.forall
// CHECK:           tensor.extract_slice %{{.*}}[%{{.*}}] [%{{.*}}] [1] : tensor<100xf32> to tensor<?xf32>
// CHECK:             arith.maximumf
// CHECK:           scf.forall.in_parallel
// ONE-LABEL:   func.func @column_chunks
// ONE-NOT:     scf.forall
// ONE:         return
func.func @column_chunks(%x: tensor<40xf32>, %wt: tensor<100x40xf32>, %idx: tensor<?xindex>) -> tensor<100xf32> {
  %h = sieve.column_gather_matmul %x, %wt, %idx relu
      : tensor<40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<100xf32>
  return %h : tensor<100xf32>
}

// -----

// With several threads a selected FFN runs in one pass too, in chunks of
// consecutive selected neurons: each chunk runs the one-thread loop
// (activation-ops-to-scf.mlir @fused_column_ffn) over its neurons into an
// output of its own, a row of the partial outputs [chunks, 2, 24], whose
// sum over the chunks is the result.
// CHECK-LABEL: func.func @selected_ffn
// CHECK:       %[[B:.*]] = arith.constant dense_resource<sieve_bundled_rows> : tensor<100x64xf32>
// CHECK:       %[[P:.*]] = scf.forall (%[[I:.*]]) in (%{{.*}}) shared_outs(%{{.*}} = %{{.*}}) -> (tensor<?x2x24xf32>)
// CHECK:         %[[OFF:.*]] = arith.muli %[[I]],
// CHECK:         %[[J:.*]] = arith.muli %[[OFF]],
// CHECK:         %[[G:.*]]:2 = scf.for %{{.*}} = %[[J]] to %{{.*}} step %c4
// CHECK:           vector.transfer_read %[[B]]
// CHECK:         %[[R:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[G]]#0, %{{.*}} = %[[G]]#1)
// CHECK:         tensor.insert_slice %[[R]]#1 into %{{.*}}[0, 0, 0] [1, 2, 24]
// CHECK:         scf.forall.in_parallel
// CHECK:       linalg.generic {{.*}} iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[P]] : tensor<?x2x24xf32>)
// CHECK:         arith.addf
// ONE-LABEL:   func.func @selected_ffn
// ONE:         dense_resource<sieve_bundled_rows> : tensor<100x64xf32>
// ONE-NOT:     scf.forall
// ONE-NOT:     linalg.generic
func.func @selected_ffn(%x: tensor<2x40xf32>, %idx: tensor<?xindex>) -> tensor<2x24xf32> {
  %wt = arith.constant dense<1.0> : tensor<100x40xf32>
  %wd = arith.constant dense<2.0> : tensor<100x24xf32>
  %h = sieve.column_gather_matmul %x, %wt, %idx relu
      : tensor<2x40xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<2x100xf32>
  %y = sieve.gather_matmul %h, %wd, %idx
      : tensor<2x100xf32>, tensor<100x24xf32>, tensor<?xindex> -> tensor<2x24xf32>
  return %y : tensor<2x24xf32>
}
