// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(convert-sieve-weight-ops-to-scf))" | FileCheck %s

// One row: for each output column, the column's entries 16 at a time; the
// activations at their rows are gathered and multiplied with the values,
// and the vector accumulator is reduced once per column into init (a tree
// reduction: reassoc).
// CHECK-LABEL: func.func @one_row
// CHECK-SAME:    (%[[X:.*]]: tensor<1x64xf32>, %[[V:.*]]: tensor<?xf32>, %[[R:.*]]: tensor<?xi32>, %[[O:.*]]: tensor<33xi32>, %[[I:.*]]: tensor<1x32xf32>)
// CHECK:       %[[C16:.*]] = arith.constant 16 : index
// CHECK:       scf.for %[[N:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[Y:.*]] = %[[I]]) -> (tensor<1x32xf32>)
// CHECK:         %[[B:.*]] = tensor.extract %[[O]][%[[N]]] : tensor<33xi32>
// CHECK:         %[[BEGIN:.*]] = arith.index_castui %[[B]] : i32 to index
// CHECK:         %[[E:.*]] = tensor.extract %[[O]][%{{.*}}] : tensor<33xi32>
// CHECK:         %[[END:.*]] = arith.index_castui %[[E]] : i32 to index
// CHECK:         %[[ACC:.*]] = scf.for %[[J:.*]] = %[[BEGIN]] to %[[END]] step %[[C16]] iter_args(%[[A:.*]] = %{{.*}}) -> (vector<16xf32>)
// CHECK:           %[[IDX:.*]] = vector.transfer_read %[[R]][%[[J]]]{{.*}} : tensor<?xi32>, vector<16xi32>
// CHECK:           %[[W:.*]] = vector.transfer_read %[[V]][%[[J]]]{{.*}} : tensor<?xf32>, vector<16xf32>
// CHECK:           %[[G:.*]] = vector.gather %[[X]][%{{.*}}, %{{.*}}] [%[[IDX]]], %{{.*}}, %{{.*}} : tensor<1x64xf32>, vector<16xi32>, vector<16xi1>, vector<16xf32> into vector<16xf32>
// CHECK:           %[[F:.*]] = vector.fma %[[G]], %[[W]], %[[A]] : vector<16xf32>
// CHECK:           scf.yield %[[F]]
// CHECK:         %[[PREV:.*]] = tensor.extract %[[Y]]
// CHECK:         %[[T:.*]] = vector.reduction <add>, %[[ACC]], %[[PREV]] fastmath<reassoc> : vector<16xf32> into f32
// CHECK:         tensor.insert %[[T]] into %[[Y]]
func.func @one_row(%x: tensor<1x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                   %o: tensor<33xi32>, %init: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<1x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<1x32xf32>
  return %0 : tensor<1x32xf32>
}

// -----

// Eight rows: the input and init are transposed; each entry is a broadcast
// of its value times the batch vector of its row (whole 8-wide vectors,
// in bounds), unrolled over the group into rotating accumulators, with the
// packed rows and values prefetched 512 entries ahead; the result is
// transposed back.
// CHECK-LABEL: func.func @batch_of_eight
// CHECK:       %[[RB:.*]] = bufferization.to_buffer %arg2 read_only : tensor<?xi32> to memref<?xi32>
// CHECK:       %[[VB:.*]] = bufferization.to_buffer %arg1 read_only : tensor<?xf32> to memref<?xf32>
// CHECK:       %[[N:.*]] = tensor.dim %arg2, %{{.*}} : tensor<?xi32>
// CHECK:       %[[LAST:.*]] = arith.subi %[[N]], %{{.*}} : index
// CHECK:       %[[XT:.*]] = linalg.transpose ins(%arg0 : tensor<8x64xf32>) outs(%{{.*}} : tensor<64x8xf32>) permutation = [1, 0]
// CHECK:       %[[IT:.*]] = linalg.transpose ins(%arg4 : tensor<8x32xf32>) outs(%{{.*}} : tensor<32x8xf32>) permutation = [1, 0]
// CHECK:       %[[YT:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[IT]]) -> (tensor<32x8xf32>)
// CHECK:         scf.for {{.*}} -> (tensor<32x8xf32>)
// CHECK:           %[[ACC:.*]]:4 = scf.for %[[J:[a-z0-9_]+]] = {{.*}} -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
// CHECK:             %[[FAR:.*]] = arith.addi %[[J]], %c512
// CHECK:             %[[AHEAD:.*]] = arith.minui %[[FAR]], %[[LAST]] : index
// CHECK:             memref.prefetch %[[RB]][%[[AHEAD]]], read, locality<3>, data : memref<?xi32>
// CHECK:             memref.prefetch %[[VB]][%[[AHEAD]]], read, locality<3>, data : memref<?xf32>
// CHECK:             %[[K:.*]] = arith.index_castui %{{.*}} : i32 to index
// CHECK:             %[[W:.*]] = tensor.extract %arg1
// CHECK:             %[[WV:.*]] = vector.broadcast %[[W]] : f32 to vector<8xf32>
// CHECK:             %[[XV:.*]] = vector.transfer_read %[[XT]][%[[K]], %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<64x8xf32>, vector<8xf32>
// CHECK:             vector.fma %[[XV]], %[[WV]], %{{.*}} : vector<8xf32>
// CHECK-COUNT-3:     vector.fma
// CHECK-NOT:         vector.fma
// CHECK:             scf.yield
// CHECK:           vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<32x8xf32>, vector<8xf32>
// CHECK-COUNT-4:   arith.addf {{.*}} : vector<8xf32>
// CHECK:           vector.transfer_write {{.*}} {in_bounds = [true]} : vector<8xf32>, tensor<32x8xf32>
// CHECK:       linalg.transpose ins(%[[YT]] : tensor<32x8xf32>) outs(%{{.*}} : tensor<8x32xf32>) permutation = [1, 0]
func.func @batch_of_eight(%x: tensor<8x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                          %o: tensor<33xi32>, %init: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 4
      : tensor<8x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<8x32xf32>
  return %0 : tensor<8x32xf32>
}

// -----

// Three rows: 4-wide vectors, the reads and writes masked (not in bounds).
// CHECK-LABEL: func.func @batch_of_three
// CHECK-NOT:   in_bounds
// CHECK:       vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}], %{{[a-z0-9_]+}} : tensor<64x3xf32>, vector<4xf32>
// CHECK-NOT:   in_bounds
// CHECK:       vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}], %{{[a-z0-9_]+}} : tensor<32x3xf32>, vector<4xf32>
// CHECK-NOT:   in_bounds
// CHECK:       vector.transfer_write %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}] : vector<4xf32>, tensor<32x3xf32>
// CHECK-LABEL: return
func.func @batch_of_three(%x: tensor<3x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                          %o: tensor<33xi32>, %init: tensor<3x32xf32>) -> tensor<3x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init
      : tensor<3x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<3x32xf32>
  return %0 : tensor<3x32xf32>
}

// -----

// A dynamic batch: both kernels, chosen at run time.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:       %[[M:.*]] = tensor.dim %arg4, %{{.*}} : tensor<?x32xf32>
// CHECK:       %[[ONE:.*]] = arith.cmpi eq, %[[M]], %{{.*}} : index
// CHECK:       %[[R:.*]] = scf.if %[[ONE]] -> (tensor<?x32xf32>) {
// CHECK:         vector.gather
// CHECK:       } else {
// CHECK:         linalg.transpose
// CHECK-NOT:     in_bounds
// CHECK:         vector.transfer_read %{{.*}}[%{{.*}}, %{{.*}}], %{{[a-z0-9_]+}} : tensor<64x?xf32>, vector<8xf32>
// CHECK:       return %[[R]]
func.func @dynamic_batch(%x: tensor<?x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                         %o: tensor<33xi32>, %init: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<?x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

// Narrow rows are unsigned: widened with extui (not sign-extended) before
// they index the gather or the batch vector.
// CHECK-LABEL: func.func @narrow_rows
// CHECK:       %[[IDX:.*]] = vector.transfer_read %arg2[%{{.*}}]{{.*}} : tensor<?xi16>, vector<16xi16>
// CHECK:       %[[WIDE:.*]] = arith.extui %[[IDX]] : vector<16xi16> to vector<16xi32>
// CHECK:       vector.gather %arg0[%{{.*}}, %{{.*}}] [%[[WIDE]]]
// CHECK:       arith.index_castui %{{.*}} : i16 to index
func.func @narrow_rows(%x: tensor<1x40000xf32>, %v: tensor<?xf32>, %r: tensor<?xi16>,
                       %o: tensor<33xi32>, %init: tensor<1x32xf32>,
                       %x2: tensor<2x40000xf32>, %init2: tensor<2x32xf32>)
    -> (tensor<1x32xf32>, tensor<2x32xf32>) {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<1x40000xf32>, tensor<?xf32>, tensor<?xi16>, tensor<33xi32> -> tensor<1x32xf32>
  %1 = sieve.sparse_matmul %x2, %v, %r, %o, %init2 group 16
      : tensor<2x40000xf32>, tensor<?xf32>, tensor<?xi16>, tensor<33xi32> -> tensor<2x32xf32>
  return %0, %1 : tensor<1x32xf32>, tensor<2x32xf32>
}

// -----

// An empty batch or reduction: the product is init.
// CHECK-LABEL: func.func @empty
// CHECK-NOT:   scf.for
// CHECK:       return %arg4, %arg7
func.func @empty(%x: tensor<0x64xf32>, %v: tensor<?xf32>, %r: tensor<?xi32>,
                 %o: tensor<33xi32>, %init: tensor<0x32xf32>,
                 %xk: tensor<2x0xf32>, %ok: tensor<33xi32>, %initk: tensor<2x32xf32>)
    -> (tensor<0x32xf32>, tensor<2x32xf32>) {
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %init group 16
      : tensor<0x64xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<0x32xf32>
  %1 = sieve.sparse_matmul %xk, %v, %r, %ok, %initk group 16
      : tensor<2x0xf32>, tensor<?xf32>, tensor<?xi32>, tensor<33xi32> -> tensor<2x32xf32>
  return %0, %1 : tensor<0x32xf32>, tensor<2x32xf32>
}
