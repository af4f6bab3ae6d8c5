// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg))' | FileCheck %s --check-prefix=LIST
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gather-matmul-to-linalg{skip-zeros=true}))' | FileCheck %s --check-prefix=SKIP

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
