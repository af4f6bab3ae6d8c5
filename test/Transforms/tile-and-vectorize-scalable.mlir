// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=4 scalable-vectors=true}),canonicalize,cse)" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-tile-and-vectorize{vector-width=4}),canonicalize,cse)" | FileCheck %s --check-prefix=FIXED

// Elementwise ops in SVE's scalable vectors (an SVE CPU of any length):
// one row at a time in tiles of 4 x vscale elements, each vectorized under
// a mask of the row's elements left (the last tile of a row is partial
// whenever the row is no multiple of the run-time vector length), in
// one-dimensional vectors (the tile's unit row dimension cast away; the
// mask on the transfers themselves); the broadcast bias is read under the
// same mask.
// CHECK-LABEL: func.func @bias_relu
// CHECK:       %[[VSCALE:.*]] = vector.vscale
// CHECK:       %[[STEP:.*]] = arith.muli %[[VSCALE]], %c4
// CHECK:       scf.for %[[I:[a-z0-9_]+]] = %c0 to %c3 step %c1
// CHECK:         scf.for %[[J:[a-z0-9_]+]] = %c0 to %c100 step %[[STEP]]
// CHECK:           %[[N:.*]] = affine.min #{{.*}}(%[[J]])[%[[STEP]]]
// CHECK:           %[[MASK:.*]] = vector.create_mask %[[N]] : vector<[4]xi1>
// CHECK:           vector.transfer_read {{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<1x?xf32>, vector<[4]xf32>
// CHECK:           vector.transfer_read {{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<?xf32>, vector<[4]xf32>
// CHECK:           arith.addf {{.*}} : vector<[4]xf32>
// CHECK:           arith.maximumf {{.*}} : vector<[4]xf32>
// CHECK:           vector.transfer_write {{.*}}, %[[MASK]] {in_bounds = [true]} : vector<[4]xf32>, tensor<1x?xf32>
// CHECK-NOT:   vector.mask
// FIXED-LABEL: func.func @bias_relu
// FIXED-NOT:   vscale
// FIXED:       vector<1x4xf32>
func.func @bias_relu(%a: tensor<3x100xf32>, %b: tensor<100xf32>) -> tensor<3x100xf32> {
  %e = tensor.empty() : tensor<3x100xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<3x100xf32>, tensor<100xf32>) outs(%e : tensor<3x100xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %z = arith.constant 0.0 : f32
    %m = arith.maximumf %s, %z : f32
    linalg.yield %m : f32
  } -> tensor<3x100xf32>
  return %r : tensor<3x100xf32>
}

// -----

// A row of dynamic length the same way (no fixed chunks of vectors).
// CHECK-LABEL: func.func @dynamic_row
// CHECK:       %[[STEP:.*]] = arith.muli %{{.*}}, %c4
// CHECK:       scf.for %{{.*}} step %[[STEP]]
// CHECK:         %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<[4]xi1>
// CHECK:         vector.transfer_read {{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<1x?xf32>, vector<[4]xf32>
// CHECK:         math.exp {{.*}} : vector<[4]xf32>
func.func @dynamic_row(%a: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %c1 = arith.constant 1 : index
  %d = tensor.dim %a, %c1 : tensor<2x?xf32>
  %e = tensor.empty(%d) : tensor<2x?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<2x?xf32>) outs(%e : tensor<2x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<2x?xf32>
  return %r : tensor<2x?xf32>
}

// -----

// A transposing read (the innermost loop is the input's outer dimension)
// has no scalable form: the op keeps its fixed-width vectors.
// CHECK-LABEL: func.func @transposed
// CHECK-NOT:   vscale
// CHECK:       vector<1x4xf32>
// CHECK-NOT:   vscale
// CHECK:       return
func.func @transposed(%a: tensor<64x32xf32>) -> tensor<32x64xf32> {
  %e = tensor.empty() : tensor<32x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<64x32xf32>) outs(%e : tensor<32x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.negf %x : f32
    linalg.yield %y : f32
  } -> tensor<32x64xf32>
  return %r : tensor<32x64xf32>
}

// -----

// A copy of pixel rows [49, 96] into [49, 1, 1, 96] (a 1x1 convolution's
// output on a 7x7 map): the write's map skips the unit dimensions; in one
// dimension its mask is the row's (vector<[4]xi1>, as the lowering of
// transfers needs; a vector<1x[4]> write was lowered with a vector<1xi1>
// mask and failed to verify).
// CHECK-LABEL: func.func @unit_dims
// CHECK:         %[[MASK:.*]] = vector.create_mask %{{.*}} : vector<[4]xi1>
// CHECK:         %[[ROW:.*]] = vector.transfer_read {{.*}}, %[[MASK]] {in_bounds = [true]} : tensor<1x?xf32>, vector<[4]xf32>
// CHECK:         vector.transfer_write %[[ROW]], {{.*}}, %[[MASK]] {in_bounds = [true]} : vector<[4]xf32>, tensor<1x1x1x?xf32>
func.func @unit_dims(%a: tensor<49x96xf32>) -> tensor<49x1x1x96xf32> {
  %e = tensor.empty() : tensor<49x1x1x96xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, a, b, j) -> (i, j)>, affine_map<(i, a, b, j) -> (i, a, b, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%a : tensor<49x96xf32>) outs(%e : tensor<49x1x1x96xf32>) {
  ^bb0(%x: f32, %o: f32):
    linalg.yield %x : f32
  } -> tensor<49x1x1x96xf32>
  return %r : tensor<49x1x1x96xf32>
}

// -----

// Sine and cosine (rotary embeddings) are C library calls per element,
// which LLVM cannot make for a vector of unknown length: such ops keep
// their fixed-width vectors (LLVM stopped with a fatal error otherwise).
// CHECK-LABEL: func.func @rotary_cos
// CHECK-NOT:   vscale
// CHECK:       math.cos {{.*}} : vector<1x4xf32>
// CHECK-NOT:   vscale
// CHECK:       return
func.func @rotary_cos(%a: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %e = tensor.empty() : tensor<8x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x64xf32>) outs(%e : tensor<8x64xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.cos %x : f32
    linalg.yield %y : f32
  } -> tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}
