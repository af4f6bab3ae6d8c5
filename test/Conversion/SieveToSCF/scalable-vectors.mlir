// The sparse kernels in SVE's scalable vectors (`scalable-vectors`, the
// CPU pipeline's choice for an SVE CPU of any vector length): steps of
// 16 x vscale lanes, whole vectors unmasked, then at most one step under a
// mask of the elements left (vector.create_mask), instead of fixed-width
// vectors and a scalar remainder loop.

// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-weight-ops-to-scf{scalable-vectors=true}))" | FileCheck %s --check-prefix=PACKED
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-activation-ops-to-scf{scalable-vectors=true}))" | FileCheck %s --check-prefix=GATHER

// The packed kernel's one-row form: each column's entries in whole scalable
// vectors (rows widened to i32 for the gather), then the column's partial
// last step with the mask on the reads and the gather; one reduction per
// column.
// PACKED-LABEL: func.func @one_row
// PACKED:       %[[VSCALE:.*]] = vector.vscale
// PACKED:       %[[STEP:.*]] = arith.muli %[[VSCALE]], %c16
// PACKED:       %[[ALL:.*]] = arith.constant dense<true> : vector<[16]xi1>
// PACKED:       scf.for %[[N:[a-z0-9_]+]] = %{{.*}} to %{{.*}} step %c1
// PACKED:         %[[BEGIN:.*]] = arith.index_castui
// PACKED:         %[[END:.*]] = arith.index_castui
// PACKED:         %[[LEN:.*]] = arith.subi %[[END]], %[[BEGIN]]
// PACKED:         %[[WHOLE:.*]] = arith.divui %[[LEN]], %[[STEP]]
// PACKED:         %[[WHOLELEN:.*]] = arith.muli %[[WHOLE]], %[[STEP]]
// PACKED:         %[[WHOLEEND:.*]] = arith.addi %[[BEGIN]], %[[WHOLELEN]]
// PACKED:         %[[ACC:.*]] = scf.for %[[J:[a-z0-9_]+]] = %[[BEGIN]] to %[[WHOLEEND]] step %[[STEP]] iter_args(%{{.*}}) -> (vector<[16]xf32>)
// PACKED:           %[[IDX:.*]] = vector.transfer_read %arg2[%[[J]]], %{{.*}} {in_bounds = [true]} : tensor<?xi16>, vector<[16]xi16>
// PACKED:           %[[IDX32:.*]] = arith.extui %[[IDX]] : vector<[16]xi16> to vector<[16]xi32>
// PACKED:           %[[W:.*]] = vector.transfer_read %arg1[%[[J]]], %{{.*}} {in_bounds = [true]} : tensor<?xf32>, vector<[16]xf32>
// PACKED:           %[[G:.*]] = vector.gather %arg0[%{{.*}}, %{{.*}}] [%[[IDX32]]], %[[ALL]], %{{.*}} : tensor<1x64xf32>, vector<[16]xi32>, vector<[16]xi1>, vector<[16]xf32> into vector<[16]xf32>
// PACKED:           vector.fma %[[G]], %[[W]], %{{.*}} : vector<[16]xf32>
// PACKED:         %[[LAST:.*]] = scf.for %[[J:[a-z0-9_]+]] = %[[WHOLEEND]] to %[[END]] step %[[STEP]] iter_args(%{{.*}} = %[[ACC]]) -> (vector<[16]xf32>)
// PACKED:           %[[LEFT:.*]] = arith.subi %[[END]], %[[J]]
// PACKED:           %[[MASK:.*]] = vector.create_mask %[[LEFT]] : vector<[16]xi1>
// PACKED:           vector.transfer_read %arg2[%[[J]]], %{{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<?xi16>, vector<[16]xi16>
// PACKED:           vector.transfer_read %arg1[%[[J]]], %{{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<?xf32>, vector<[16]xf32>
// PACKED:           vector.gather %arg0[%{{.*}}, %{{.*}}] [%{{.*}}], %[[MASK]], %{{.*}}
// PACKED:         vector.reduction <add>, %[[LAST]], %{{.*}} fastmath<reassoc> : vector<[16]xf32> into f32
// PACKED-NOT:   sieve.sparse_matmul
func.func @one_row(%x: tensor<1x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi16>,
                   %o: tensor<33xi32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<1x64xf32>, tensor<?xf32>, tensor<?xi16>, tensor<33xi32> -> tensor<1x32xf32>
  return %0 : tensor<1x32xf32>
}

// The batch form (fixed-width vectors over the batch rows) and f16 values
// (the gather's f32 form only) keep their fixed-width kernels.
// PACKED-LABEL: func.func @batch_and_f16
// PACKED-NOT:   vector<[
// PACKED:       vector<8xf32>
// PACKED-NOT:   vector<[
// PACKED:       vector<16xf16>
// PACKED-NOT:   vector<[
func.func @batch_and_f16(%x: tensor<8x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                         %o: tensor<33xi32>, %init: tensor<8x32xf32>,
                         %xh: tensor<1x64xf16>, %vh: tensor<?xf16>,
                         %inith: tensor<1x32xf16>) -> (tensor<8x32xf32>, tensor<1x32xf16>) {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<8x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<8x32xf32>
  %1 = sieve.sparse_matmul %xh, %vh, %r, %o, %inith group 16
      : tensor<1x64xf16>, tensor<?xf16>, tensor<?xi32>, tensor<33xi32> -> tensor<1x32xf16>
  return %0, %1 : tensor<8x32xf32>, tensor<1x32xf16>
}

// -----

// The activation gather: each selected weight row's AXPY into the output
// row in whole scalable vectors, then one masked step (the mask on the
// reads and on the write back); no scalar loop.
// GATHER-LABEL: func.func @gather_matmul
// GATHER:       %[[VSCALE:.*]] = vector.vscale
// GATHER:       %[[STEP:.*]] = arith.muli %[[VSCALE]], %c16
// GATHER:       %[[Q:.*]] = arith.divui %[[COLS:.*]], %[[STEP]]
// GATHER:       %[[VEND:.*]] = arith.muli %[[Q]], %[[STEP]]
// GATHER:       scf.for %{{.*}} step %c4
// GATHER:         scf.for %[[M:[a-z0-9_]+]] =
// GATHER-COUNT-4:   vector.broadcast %{{.*}} : f32 to vector<[16]xf32>
// GATHER:           %[[ROW:.*]] = scf.for %[[N:[a-z0-9_]+]] = %{{.*}} to %[[VEND]] step %[[STEP]]
// GATHER:             vector.transfer_read %{{.*}}[%[[M]], %[[N]]], %{{.*}} {in_bounds = [true]} : tensor<2x40xf32>, vector<[16]xf32>
// GATHER-COUNT-4:     vector.fma
// GATHER:             vector.transfer_write %{{.*}} {in_bounds = [true]} : vector<[16]xf32>, tensor<2x40xf32>
// GATHER:           scf.for %[[N:[a-z0-9_]+]] = %[[VEND]] to %[[COLS]] step %[[STEP]] iter_args(%{{.*}} = %[[ROW]])
// GATHER:             %[[LEFT:.*]] = arith.subi %[[COLS]], %[[N]]
// GATHER:             %[[MASK:.*]] = vector.create_mask %[[LEFT]] : vector<[16]xi1>
// GATHER:             vector.transfer_read %{{.*}}[%[[M]], %[[N]]], %{{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<2x40xf32>, vector<[16]xf32>
// GATHER-COUNT-4:     vector.fma
// GATHER:             vector.transfer_write %{{.*}}, %[[MASK]] {in_bounds = [true]} : vector<[16]xf32>, tensor<2x40xf32>
// GATHER-NOT:   math.fma
// GATHER:       return
func.func @gather_matmul(%h: tensor<2x100xf32>, %w: tensor<100x40xf32>, %idx: tensor<?xindex>) -> tensor<2x40xf32> {
  %y = sieve.gather_matmul %h, %w, %idx : tensor<2x100xf32>, tensor<100x40xf32>, tensor<?xindex> -> tensor<2x40xf32>
  return %y : tensor<2x40xf32>
}

// -----

// The selected dot products (gated up projection): four accumulators of
// whole scalable vectors, the masked last step added into them (zeros in
// the masked-off lanes), then the reductions; no scalar loop.
// GATHER-LABEL: func.func @gated_gather_matmul
// GATHER:       %[[STEP:.*]] = arith.muli %{{.*}}, %c16
// GATHER:       %[[Q:.*]] = arith.divui %[[RED:.*]], %[[STEP]]
// GATHER:       %[[VEND:.*]] = arith.muli %[[Q]], %[[STEP]]
// GATHER:       scf.for %{{.*}} step %c4
// GATHER:         scf.for %[[M:[a-z0-9_]+]] =
// GATHER:           %[[WHOLE:.*]]:4 = scf.for %{{.*}} = %{{.*}} to %[[VEND]] step %[[STEP]] {{.*}} -> (vector<[16]xf32>, vector<[16]xf32>, vector<[16]xf32>, vector<[16]xf32>)
// GATHER-COUNT-4:     vector.fma
// GATHER:           %[[DOTS:.*]]:4 = scf.for %[[N:[a-z0-9_]+]] = %[[VEND]] to %[[RED]] step %[[STEP]] iter_args(%{{.*}} = %[[WHOLE]]#0, %{{.*}} = %[[WHOLE]]#1, %{{.*}} = %[[WHOLE]]#2, %{{.*}} = %[[WHOLE]]#3)
// GATHER:             %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<[16]xi1>
// GATHER:             vector.transfer_read %arg1[%[[M]], %[[N]]], %{{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<2x40xf32>, vector<[16]xf32>
// GATHER-COUNT-4:     vector.fma
// GATHER:           vector.reduction <add>, %[[DOTS]]#0 fastmath<reassoc> : vector<[16]xf32> into f32
// GATHER-NOT:       math.fma
// GATHER:           arith.mulf
// GATHER-NOT:   math.fma
// GATHER:       return
func.func @gated_gather_matmul(%g: tensor<2x100xf32>, %x: tensor<2x40xf32>, %wt: tensor<100x40xf32>,
                               %idx: tensor<?xindex>, %b: tensor<100xf32>) -> tensor<2x100xf32> {
  %h = sieve.gated_gather_matmul %g, %x, %wt, %idx bias %b
      : tensor<2x100xf32>, tensor<2x40xf32>, tensor<100x40xf32>, tensor<?xindex>, tensor<100xf32> -> tensor<2x100xf32>
  return %h : tensor<2x100xf32>
}
