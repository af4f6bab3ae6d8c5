// RUN: sieve-opt %s --split-input-file --allow-unregistered-dialect --pass-pipeline="builtin.module(func.func(sieve-resolve-shape-dims))" | FileCheck %s

// Two layers over a dynamic batch, tiled: the second loop's bound, the
// second layer's empty tensor and the returned dim were dims of the first
// loop's result (and of the linalg op inside); all become the argument's.
// CHECK-LABEL: func.func @tiled_layers
// CHECK-SAME:  (%[[X:.*]]: tensor<?x8xf32>)
// CHECK:       %[[B:.*]] = tensor.dim %[[X]], %c0
// CHECK-NOT:   tensor.dim
// CHECK:       scf.for %{{.*}} = %c0 to %[[B]]
// CHECK:       tensor.empty(%[[B]])
// CHECK:       scf.for %{{.*}} = %c0 to %[[B]]
// CHECK-NOT:   tensor.dim
// CHECK:       return %{{.*}}, %[[B]]
func.func @tiled_layers(%x: tensor<?x8xf32>) -> (tensor<?x8xf32>, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x8xf32>
  %init = tensor.empty(%b) : tensor<?x8xf32>
  %first = scf.for %i = %c0 to %b step %c1 iter_args(%t = %init) -> (tensor<?x8xf32>) {
    %row = tensor.extract_slice %x[%i, 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<1x8xf32>
    %w = tensor.insert_slice %row into %t[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<?x8xf32>
    scf.yield %w : tensor<?x8xf32>
  }
  %b1 = tensor.dim %first, %c0 : tensor<?x8xf32>
  %init2 = tensor.empty(%b1) : tensor<?x8xf32>
  %second = scf.for %i = %c0 to %b1 step %c1 iter_args(%t = %init2) -> (tensor<?x8xf32>) {
    %row = tensor.extract_slice %first[%i, 0] [1, 8] [1, 1] : tensor<?x8xf32> to tensor<1x8xf32>
    %w = tensor.insert_slice %row into %t[%i, 0] [1, 8] [1, 1] : tensor<1x8xf32> into tensor<?x8xf32>
    scf.yield %w : tensor<?x8xf32>
  }
  %b2 = tensor.dim %second, %c0 : tensor<?x8xf32>
  return %second, %b2 : tensor<?x8xf32>, index
}

// -----

// A linalg op's result dims are its operands'; an scf.forall's result and
// shared output have its initial shared output's dims.
// CHECK-LABEL: func.func @linalg_and_forall
// CHECK-SAME:  (%[[X:.*]]: tensor<?x?xf32>
// CHECK:       scf.forall
// CHECK:         %[[IN:.*]] = tensor.dim %[[X]], %c0
// CHECK:         "test.use"(%[[IN]])
// CHECK-DAG:   %[[D1:.*]] = tensor.dim %[[X]], %c1
// CHECK-DAG:   %[[D0:.*]] = tensor.dim %[[X]], %c0
// CHECK:       return %[[D1]], %[[D0]]
func.func @linalg_and_forall(%x: tensor<?x?xf32>, %n: index) -> (index, index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %neg = linalg.negf ins(%x : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) -> tensor<?x?xf32>
  %r = scf.forall (%i) in (%n) shared_outs(%o = %neg) -> (tensor<?x?xf32>) {
    %rows = tensor.dim %o, %c0 : tensor<?x?xf32>
    "test.use"(%rows) : (index) -> ()
    %slice = tensor.extract_slice %o[%i, 0] [1, 4] [1, 1] : tensor<?x?xf32> to tensor<1x4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %slice into %o[%i, 0] [1, 4] [1, 1] : tensor<1x4xf32> into tensor<?x?xf32>
    }
  }
  %cols = tensor.dim %r, %c1 : tensor<?x?xf32>
  %rows = tensor.dim %neg, %c0 : tensor<?x?xf32>
  return %cols, %rows : index, index
}

// -----

// A loop that yields a tensor of another size changes its shape: its
// result's dim stays.
// CHECK-LABEL: func.func @resizing_loop
// CHECK:       %[[R:.*]] = scf.for
// CHECK:       %[[D:.*]] = tensor.dim %[[R]], %c0
// CHECK:       return %[[D]]
func.func @resizing_loop(%x: tensor<?xf32>, %n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%t = %x) -> (tensor<?xf32>) {
    %grown = tensor.empty(%i) : tensor<?xf32>
    scf.yield %grown : tensor<?xf32>
  }
  %d = tensor.dim %r, %c0 : tensor<?xf32>
  return %d : index
}
