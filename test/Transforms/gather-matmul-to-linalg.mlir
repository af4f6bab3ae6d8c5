// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg))' | FileCheck %s --check-prefix=LIST
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg{skip-zeros=true}))' | FileCheck %s --check-prefix=SKIP
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg{skip-zeros=true dense-rows=32}))' | FileCheck %s --check-prefix=ROWS
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg{skip-zeros=true dense-rows=32 report=true}))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// The exact ReLU FFN's sparse path: the gather of the non-zero neurons of
// %h behind a branch on their density.
// By default the gather iterates over the positions of the index list.
// LIST-LABEL: func.func @nonzeros(
// LIST:         %[[SET:.*]] = sieve.active_set
// LIST:         sieve.branch
// LIST:           linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[SET]] : tensor<?xindex>)
// LIST:           tensor.extract
// LIST:           tensor.extract
// LIST-NOT:       sieve.skip_zeros
// LIST:         } else {
// LIST:           linalg.matmul
//
// With skip-zeros it is a contraction over every neuron that skips the
// zeros of %h; the sparse region then needs no active set, so it is taken
// unconditionally: no branch, no active set, no density.
// SKIP-DAG: #[[$IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// SKIP-DAG: #[[$WEIGHT:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// SKIP-DAG: #[[$OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// SKIP-LABEL: func.func @nonzeros(
// SKIP-SAME:      %[[H:.*]]: tensor<1x256xf32>, %[[W:.*]]: tensor<256x64xf32>
// SKIP-NOT:     sieve.active_set
// SKIP-NOT:     sieve.branch
// SKIP:         %[[ZERO:.*]] = linalg.fill
// SKIP:         %[[Y:.*]] = linalg.generic {indexing_maps = [#[[$IN]], #[[$WEIGHT]], #[[$OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[H]], %[[W]] : tensor<1x256xf32>, tensor<256x64xf32>) outs(%[[ZERO]] : tensor<1x64xf32>) attrs = {sieve.skip_zeros = 0 : i64}
// SKIP:           arith.mulf
// SKIP:           arith.addf
// SKIP-NOT:     linalg.matmul
// SKIP-NOT:     sieve.active_set
// SKIP:         return %[[Y]]
func.func @nonzeros(%h: tensor<1x256xf32>, %w: tensor<256x64xf32>) -> tensor<1x64xf32> {
  %c0 = arith.constant 0 : index
  %n = arith.constant 2.560000e+02 : f32
  %limit = arith.constant 1.500000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %idx = sieve.active_set %h : tensor<1x256xf32> -> tensor<?xindex>
  %count = tensor.dim %idx, %c0 : tensor<?xindex>
  %i = arith.index_castui %count : index to i64
  %f = arith.uitofp %i : i64 to f32
  %density = arith.divf %f, %n : f32
  %y = sieve.branch %density, %limit : f32 -> tensor<1x64xf32> {
    %s = sieve.gather_matmul %h, %w, %idx
        : tensor<1x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x64xf32>
    sieve.yield %s : tensor<1x64xf32>
  } else {
    %e = tensor.empty() : tensor<1x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
    %d = linalg.matmul ins(%h, %w : tensor<1x256xf32>, tensor<256x64xf32>)
                       outs(%init : tensor<1x64xf32>) -> tensor<1x64xf32>
    sieve.yield %d : tensor<1x64xf32>
  }
  return %y : tensor<1x64xf32>
}

// -----

// Not rewritten: the active set has a threshold (neurons below it are
// skipped although not zero), so only the index list is that gather.
// SKIP-LABEL: func.func @threshold(
// SKIP:         %[[SET:.*]] = sieve.active_set %{{.*}} threshold
// SKIP:         linalg.generic {{.*}} ins(%[[SET]] : tensor<?xindex>)
// SKIP-NOT:     sieve.skip_zeros
func.func @threshold(%h: tensor<256xf32>, %w: tensor<256x64xf32>) -> tensor<64xf32> {
  %idx = sieve.active_set %h threshold 0.01 : tensor<256xf32> -> tensor<?xindex>
  %s = sieve.gather_matmul %h, %w, %idx
      : tensor<256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<64xf32>
  return %s : tensor<64xf32>
}

// -----

// Not rewritten: the indices are of another activation than the input.
// The branch keeps its sparse region's index list, so it stays.
// SKIP-LABEL: func.func @other_activation(
// SKIP:         %[[SET:.*]] = sieve.active_set %{{.*}} : tensor<1x256xf32>
// SKIP:         sieve.branch
// SKIP:           linalg.generic {{.*}} ins(%[[SET]] : tensor<?xindex>)
// SKIP-NOT:       sieve.skip_zeros
// SKIP:         } else {
func.func @other_activation(%g: tensor<1x256xf32>, %h: tensor<1x256xf32>, %w: tensor<256x64xf32>, %density: f32) -> tensor<1x64xf32> {
  %limit = arith.constant 1.500000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %idx = sieve.active_set %g : tensor<1x256xf32> -> tensor<?xindex>
  %y = sieve.branch %density, %limit : f32 -> tensor<1x64xf32> {
    %s = sieve.gather_matmul %h, %w, %idx
        : tensor<1x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x64xf32>
    sieve.yield %s : tensor<1x64xf32>
  } else {
    %e = tensor.empty() : tensor<1x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x64xf32>) -> tensor<1x64xf32>
    sieve.yield %init : tensor<1x64xf32>
  }
  return %y : tensor<1x64xf32>
}

// -----

// A gated FFN over its gate's non-zeros (skip-zeros, the GPU): the up
// projection is a contraction over every neuron whose points with a zero
// gate skip their sums (sieve.skip_zero_points names the gate), then
// gate * (up + bias); the down projection skips the zeros of that product
// (zero wherever the gate is). No active set remains. Without skip-zeros
// the gated op is left as it is (host loops after the CPU lowering).
// SKIP-DAG: #[[$PT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// SKIP-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// SKIP-DAG: #[[$WT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// SKIP-LABEL: func.func @gated(
// SKIP-SAME:      %[[X:[a-z0-9]+]]: tensor<1x64xf32>, %[[G:[a-z0-9]+]]: tensor<1x256xf32>, %[[WU:[a-z0-9]+]]: tensor<256x64xf32>, %[[B:[a-z0-9]+]]: tensor<256xf32>, %[[WD:[a-z0-9]+]]: tensor<256x64xf32>
// SKIP-NOT:     sieve.
// SKIP:         %[[UP:.*]] = linalg.generic {indexing_maps = [#[[$PT]], #[[$X]], #[[$WT]], #[[$PT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[G]], %[[X]], %[[WU]] : {{.*}}) outs(%{{.*}} : tensor<1x256xf32>) attrs = {sieve.skip_zero_points = 0 : i64}
// SKIP:           arith.mulf
// SKIP:           arith.addf
// SKIP:         %[[H:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[UP]], %[[B]] : {{.*}})
// SKIP:           %[[S:.*]] = arith.addf
// SKIP:           arith.mulf %{{.*}}, %[[S]]
// SKIP:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[WD]] : {{.*}}) {{.*}} attrs = {sieve.skip_zeros = 0 : i64}
// SKIP-NOT:     sieve.
// SKIP:         return %[[Y]]
// LIST-LABEL: func.func @gated(
// LIST:         sieve.gated_gather_matmul
func.func @gated(%x: tensor<1x64xf32>, %g: tensor<1x256xf32>, %wu: tensor<256x64xf32>,
                 %b: tensor<256xf32>, %wd: tensor<256x64xf32>) -> tensor<1x64xf32> {
  %idx = sieve.active_set %g : tensor<1x256xf32> -> tensor<?xindex>
  %h = sieve.gated_gather_matmul %g, %x, %wu, %idx bias %b
      : tensor<1x256xf32>, tensor<1x64xf32>, tensor<256x64xf32>, tensor<?xindex>, tensor<256xf32> -> tensor<1x256xf32>
  %y = sieve.gather_matmul %h, %wd, %idx : tensor<1x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// Other indices than the gate's non-zeros (a threshold): the gated op stays.
// SKIP-LABEL: func.func @gated_threshold(
// SKIP:         sieve.active_set %{{.*}} threshold
// SKIP:         sieve.gated_gather_matmul
// SKIP-NOT:     sieve.skip_zero_points
func.func @gated_threshold(%x: tensor<1x64xf32>, %g: tensor<1x256xf32>,
                           %wu: tensor<256x64xf32>) -> tensor<1x256xf32> {
  %idx = sieve.active_set %g threshold 0.5 : tensor<1x256xf32> -> tensor<?xindex>
  %h = sieve.gated_gather_matmul %g, %x, %wu, %idx
      : tensor<1x256xf32>, tensor<1x64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x256xf32>
  return %h : tensor<1x256xf32>
}

// -----

// A constant up weight keeps its N x K layout (each neuron's weights
// contiguous): sieve-map-to-gpu reads the rows of the points whose gate is
// non-zero in lanes (a warp per row), and never reads the others.
// SKIP-DAG: #[[$PT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// SKIP-DAG: #[[$X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// SKIP-DAG: #[[$NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// SKIP-LABEL: func.func @gated_constant(
// SKIP:         %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], {{.*}}> : tensor<3x4xf32>
// SKIP:         linalg.generic {indexing_maps = [#[[$PT]], #[[$X]], #[[$NK]], #[[$PT]]], {{.*}} ins(%{{.*}}, %{{.*}}, %[[W]] : tensor<1x3xf32>, tensor<1x4xf32>, tensor<3x4xf32>) {{.*}} attrs = {sieve.skip_zero_points = 0 : i64}
// SKIP-NOT:   sieve_transposed_weight
func.func @gated_constant(%x: tensor<1x4xf32>, %g: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %wu = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %idx = sieve.active_set %g : tensor<1x3xf32> -> tensor<?xindex>
  %h = sieve.gated_gather_matmul %g, %x, %wu, %idx
      : tensor<1x3xf32>, tensor<1x4xf32>, tensor<3x4xf32>, tensor<?xindex> -> tensor<1x3xf32>
  return %h : tensor<1x3xf32>
}

// -----

// A predicted ReLU FFN (--sparsity=approx) with skip-zeros: the predictor
// becomes a mask over the neurons (x u, then v, then per neuron the count
// of rows whose score is above its threshold: non-zero for the union of
// the rows' predictions), all contractions for GPU kernels. The column
// gather becomes a contraction over every neuron that skips the points
// the mask leaves out (sieve.skip_zero_points = 0, the mask read at the
// neuron; the N x K weight's rows), then mask ? relu(sum + bias) : 0; the
// down projection skips the zeros of that (zero outside the predicted
// neurons). No index list is left, so the branch takes the sparse region.
// SKIP-DAG: #[[$MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// SKIP-DAG: #[[$KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// SKIP-DAG: #[[$MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// SKIP-DAG: #[[$SCORE:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// SKIP-DAG: #[[$NEURON:.*]] = affine_map<(d0, d1) -> (d0)>
// SKIP-DAG: #[[$MASK:.*]] = affine_map<(d0, d1, d2) -> (d1)>
// SKIP-DAG: #[[$NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// SKIP-DAG: #[[$COL:.*]] = affine_map<(d0, d1) -> (d1)>
// SKIP-DAG: #[[$ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// SKIP-LABEL: func.func @predicted(
// SKIP-SAME:      %[[X:[a-z0-9]+]]: tensor<2x4xf32>, %[[U:[a-z0-9]+]]: tensor<4x2xf32>, %[[V:[a-z0-9]+]]: tensor<2x8xf32>, %[[T:[a-z0-9]+]]: tensor<8xf32>, %[[W1T:[a-z0-9]+]]: tensor<8x4xf32>, %[[B:[a-z0-9]+]]: tensor<8xf32>, %[[W2:[a-z0-9]+]]: tensor<8x3xf32>
// SKIP-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// SKIP-DAG:     %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// SKIP-NOT:     sieve.
// SKIP:         %[[XU:.*]] = linalg.generic {indexing_maps = [#[[$MK]], #[[$KN]], #[[$MN]]], {{.*}} ins(%[[X]], %[[U]] : tensor<2x4xf32>, tensor<4x2xf32>) outs(%{{.*}} : tensor<2x2xf32>)
// SKIP:         %[[S:.*]] = linalg.generic {indexing_maps = [#[[$MK]], #[[$KN]], #[[$MN]]], {{.*}} ins(%[[XU]], %[[V]] : tensor<2x2xf32>, tensor<2x8xf32>) outs(%{{.*}} : tensor<2x8xf32>)
// SKIP:         %[[M:.*]] = linalg.generic {indexing_maps = [#[[$SCORE]], #[[$NEURON]], #[[$NEURON]]], iterator_types = ["parallel", "reduction"]} ins(%[[S]], %[[T]] : tensor<2x8xf32>, tensor<8xf32>) outs(%{{.*}} : tensor<8xf32>)
// SKIP:           %[[ABOVE:.*]] = arith.cmpf ogt
// SKIP:           %[[C:.*]] = arith.select %[[ABOVE]], %[[ONE]], %[[ZERO]]
// SKIP:           arith.addf %{{.*}}, %[[C]]
// SKIP:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[$MASK]], #[[$MK]], #[[$NK]], #[[$MN]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[M]], %[[X]], %[[W1T]] : tensor<8xf32>, tensor<2x4xf32>, tensor<8x4xf32>) outs(%{{.*}} : tensor<2x8xf32>) attrs = {sieve.skip_zero_points = 0 : i64}
// SKIP:         %[[H:.*]] = linalg.generic {indexing_maps = [#[[$COL]], #[[$ID]], #[[$COL]], #[[$ID]]], {{.*}} ins(%[[M]], %[[SUM]], %[[B]] : tensor<8xf32>, tensor<2x8xf32>, tensor<8xf32>)
// SKIP:           %[[PLUS:.*]] = arith.addf
// SKIP:           %[[R:.*]] = arith.maximumf %[[PLUS]], %[[ZERO]]
// SKIP:           %[[IN:.*]] = arith.cmpf une
// SKIP:           arith.select %[[IN]], %[[R]], %[[ZERO]]
// SKIP:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %[[W2]] : {{.*}}) {{.*}} attrs = {sieve.skip_zeros = 0 : i64}
// SKIP-NOT:     sieve.
// SKIP:         return %[[Y]]
// Without skip-zeros (no GPU) the ops stay.
// LIST-LABEL: func.func @predicted(
// LIST:         sieve.predict
// LIST:         sieve.column_gather_matmul
func.func @predicted(%x: tensor<2x4xf32>, %u: tensor<4x2xf32>, %v: tensor<2x8xf32>,
                     %t: tensor<8xf32>, %w1t: tensor<8x4xf32>, %b: tensor<8xf32>,
                     %w2: tensor<8x3xf32>) -> tensor<2x3xf32> {
  %c0 = arith.constant 0 : index
  %n = arith.constant 8.0 : f32
  %limit = arith.constant 5.000000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %idx = sieve.predict %x, %u, %v, %t : tensor<2x4xf32>, tensor<4x2xf32>, tensor<2x8xf32>, tensor<8xf32> -> tensor<?xindex>
  %count = tensor.dim %idx, %c0 : tensor<?xindex>
  %i = arith.index_castui %count : index to i64
  %f = arith.uitofp %i : i64 to f32
  %density = arith.divf %f, %n : f32
  %y = sieve.branch %density, %limit : f32 -> tensor<2x3xf32> {
    %h = sieve.column_gather_matmul %x, %w1t, %idx bias %b relu
        : tensor<2x4xf32>, tensor<8x4xf32>, tensor<?xindex>, tensor<8xf32> -> tensor<2x8xf32>
    %s = sieve.gather_matmul %h, %w2, %idx
        : tensor<2x8xf32>, tensor<8x3xf32>, tensor<?xindex> -> tensor<2x3xf32>
    sieve.yield %s : tensor<2x3xf32>
  } else {
    %e = tensor.empty() : tensor<2x3xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
    sieve.yield %init : tensor<2x3xf32>
  }
  return %y : tensor<2x3xf32>
}

// -----

// A predicted gated FFN whose gate is a ReLU6 (one row): the gate's
// column gather without its ReLU, the activation applied in place (it maps
// zero to zero, so the gate stays zero outside the predicted neurons), the
// up projection skipping the gate's zeros, the down one the product's.
// SKIP-LABEL: func.func @predicted_gated_clip(
// SKIP-NOT:     sieve.
// SKIP:         %[[M:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} outs(%{{.*}} : tensor<8xf32>)
// SKIP:           arith.cmpf ogt
// SKIP:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[M]], %{{.*}}, %{{.*}} : tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) outs(%{{.*}} : tensor<8xf32>) attrs = {sieve.skip_zero_points = 0 : i64}
// SKIP:         %[[C:.*]] = linalg.generic {{.*}} ins(%[[M]], %[[SUM]] : tensor<8xf32>, tensor<8xf32>)
// SKIP-NOT:       arith.maximumf
// SKIP:           arith.select
// SKIP:         %[[G:.*]] = linalg.generic {{.*}} outs(%[[C]] : tensor<8xf32>)
// SKIP:           arith.maximumf
// SKIP:           arith.minimumf
// SKIP:         %[[UP:.*]] = linalg.generic {{.*}} ins(%[[G]], %{{.*}}, %{{.*}} : tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>) {{.*}} attrs = {sieve.skip_zero_points = 0 : i64}
// SKIP:         %[[H:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[UP]] : tensor<8xf32>, tensor<8xf32>)
// SKIP:         %[[Y:.*]] = linalg.generic {{.*}} ins(%[[H]], %{{.*}} : tensor<8xf32>, tensor<8x3xf32>) {{.*}} attrs = {sieve.skip_zeros = 0 : i64}
// SKIP-NOT:     sieve.
// SKIP:         return %[[Y]]
#id1 = affine_map<(d0) -> (d0)>
func.func @predicted_gated_clip(%x: tensor<4xf32>, %u: tensor<4x2xf32>, %v: tensor<2x8xf32>,
                                %t: tensor<8xf32>, %wgt: tensor<8x4xf32>, %wut: tensor<8x4xf32>,
                                %wd: tensor<8x3xf32>) -> tensor<3xf32> {
  %idx = sieve.predict %x, %u, %v, %t : tensor<4xf32>, tensor<4x2xf32>, tensor<2x8xf32>, tensor<8xf32> -> tensor<?xindex>
  %c = sieve.column_gather_matmul %x, %wgt, %idx
      : tensor<4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<8xf32>
  %g = linalg.generic {indexing_maps = [#id1], iterator_types = ["parallel"]} outs(%c : tensor<8xf32>) {
  ^bb0(%a: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %r = arith.maximumf %a, %zero : f32
    %m = arith.minimumf %r, %six : f32
    linalg.yield %m : f32
  } -> tensor<8xf32>
  %h = sieve.gated_gather_matmul %g, %x, %wut, %idx
      : tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<8xf32>
  %y = sieve.gather_matmul %h, %wd, %idx : tensor<8xf32>, tensor<8x3xf32>, tensor<?xindex> -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// An activation that does not map zero to zero (here a + 1) makes the
// gate non-zero outside the predicted neurons: the gated gather over the
// predicted indices stays (an index list), and so does the predictor.
// SKIP-LABEL: func.func @predicted_not_zero_preserving(
// SKIP:         sieve.predict
// SKIP:         sieve.gated_gather_matmul
func.func @predicted_not_zero_preserving(%x: tensor<4xf32>, %u: tensor<4x2xf32>, %v: tensor<2x8xf32>,
                                         %t: tensor<8xf32>, %wgt: tensor<8x4xf32>, %wut: tensor<8x4xf32>) -> tensor<8xf32> {
  %idx = sieve.predict %x, %u, %v, %t : tensor<4xf32>, tensor<4x2xf32>, tensor<2x8xf32>, tensor<8xf32> -> tensor<?xindex>
  %c = sieve.column_gather_matmul %x, %wgt, %idx
      : tensor<4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<8xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} outs(%c : tensor<8xf32>) {
  ^bb0(%a: f32):
    %one = arith.constant 1.0 : f32
    %p = arith.addf %a, %one : f32
    linalg.yield %p : f32
  } -> tensor<8xf32>
  %h = sieve.gated_gather_matmul %g, %x, %wut, %idx
      : tensor<8xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<8xf32>
  return %h : tensor<8xf32>
}

// -----

// With dense-rows (sieve-gpu-pipeline: 32, the shared-memory tiles' side)
// the branch is chosen by the rows the sparse region computes (the leading
// dimensions of the first non-constant value it reads from outside): one
// row here (@nonzeros above) takes the sparse region, 64 static rows the
// dense one at compile time, and dynamic rows compare at run time (the
// rows, a host value, as the branch's density; the limit 31).
// ROWS-LABEL: func.func @nonzeros(
// ROWS-NOT:     sieve.branch
// ROWS:         sieve.skip_zeros = 0
// REPORT: remark: an activation gather: the non-zero neurons only, at every density (on the GPU the zero-skipping kernels need no index list, and the dense path and its run-time branch are dropped)
// ROWS-LABEL: func.func @nonzeros_64_rows(
// ROWS-NOT:     sieve.skip_zeros
// ROWS-NOT:     sieve.branch
// ROWS:         %[[D:.*]] = linalg.matmul
// ROWS:         return %[[D]]
// REPORT: remark: an activation gather: the dense path (64 rows; on the GPU the dense contractions win from 32 rows)
// ROWS-LABEL: func.func @nonzeros_dynamic_rows(
// ROWS-SAME:      %[[H:[a-z0-9]+]]: tensor<?x256xf32>
// ROWS-DAG:     %[[C0:.*]] = arith.constant 0 : index
// ROWS-DAG:     %[[LIMIT:.*]] = arith.constant 3.100000e+01 : f32
// ROWS-NOT:     sieve.active_set
// ROWS:         tensor.dim %[[H]], %[[C0]]
// ROWS-NEXT:    %[[ROWS:.*]] = tensor.dim %[[H]], %[[C0]]
// ROWS-NEXT:    %[[I:.*]] = arith.index_castui %[[ROWS]] : index to i64
// ROWS:         %[[F:.*]] = arith.uitofp %[[I]] : i64 to f32
// ROWS:         sieve.branch %[[F]], %[[LIMIT]]
// ROWS:           sieve.skip_zeros = 0
// ROWS:         } else {
// ROWS:           linalg.matmul
// REPORT: remark: an activation gather: the non-zero neurons only, at every density, below 32 rows (checked at run time; on the GPU the zero-skipping kernels need no index list), the dense path from 32
func.func @nonzeros_64_rows(%h: tensor<64x256xf32>, %w: tensor<256x64xf32>) -> tensor<64x64xf32> {
  %c0 = arith.constant 0 : index
  %n = arith.constant 2.560000e+02 : f32
  %limit = arith.constant 1.500000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %idx = sieve.active_set %h : tensor<64x256xf32> -> tensor<?xindex>
  %count = tensor.dim %idx, %c0 : tensor<?xindex>
  %i = arith.index_castui %count : index to i64
  %f = arith.uitofp %i : i64 to f32
  %density = arith.divf %f, %n : f32
  %y = sieve.branch %density, %limit : f32 -> tensor<64x64xf32> {
    %s = sieve.gather_matmul %h, %w, %idx
        : tensor<64x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<64x64xf32>
    sieve.yield %s : tensor<64x64xf32>
  } else {
    %e = tensor.empty() : tensor<64x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
    %d = linalg.matmul ins(%h, %w : tensor<64x256xf32>, tensor<256x64xf32>)
                       outs(%init : tensor<64x64xf32>) -> tensor<64x64xf32>
    sieve.yield %d : tensor<64x64xf32>
  }
  return %y : tensor<64x64xf32>
}
func.func @nonzeros_dynamic_rows(%h: tensor<?x256xf32>, %w: tensor<256x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = arith.constant 2.560000e+02 : f32
  %limit = arith.constant 1.500000e-01 : f32
  %zero = arith.constant 0.000000e+00 : f32
  %rows = tensor.dim %h, %c0 : tensor<?x256xf32>
  %idx = sieve.active_set %h : tensor<?x256xf32> -> tensor<?xindex>
  %count = tensor.dim %idx, %c0 : tensor<?xindex>
  %i = arith.index_castui %count : index to i64
  %f = arith.uitofp %i : i64 to f32
  %density = arith.divf %f, %n : f32
  %y = sieve.branch %density, %limit : f32 -> tensor<?x64xf32> {
    %s = sieve.gather_matmul %h, %w, %idx
        : tensor<?x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<?x64xf32>
    sieve.yield %s : tensor<?x64xf32>
  } else {
    %e = tensor.empty(%rows) : tensor<?x64xf32>
    %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
    %d = linalg.matmul ins(%h, %w : tensor<?x256xf32>, tensor<256x64xf32>)
                       outs(%init : tensor<?x64xf32>) -> tensor<?x64xf32>
    sieve.yield %d : tensor<?x64xf32>
  }
  return %y : tensor<?x64xf32>
}
