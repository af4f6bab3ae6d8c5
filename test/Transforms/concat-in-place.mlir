// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-concat-in-place))" | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-concat-in-place),one-shot-bufferize{bufferize-function-boundaries},func.func(sieve-expand-strided-copies))" | FileCheck %s --check-prefix=BUF

// A concatenation of two convolutions' results, each computed as a
// [channels, pixels] product into its own empty and expanded to NCHW: the
// concatenation's empty moves to the top, each insert up to its operands,
// and each input's empty becomes the slice it is inserted into, taken from
// the value it is inserted into (the second from the first insert). One
// buffer is left, both products are computed in place in it, and the
// inserts copy views onto themselves, which sieve-expand-strided-copies
// removes: no copy at all.
// CHECK-LABEL: func.func @concat_of_products
// CHECK:       %[[CAT:.*]] = bufferization.alloc_tensor() : tensor<1x24x4x4xf32>
// CHECK:       %[[A:.*]] = tensor.extract_slice %[[CAT]][0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1]
// CHECK:       tensor.collapse_shape %[[A]]
// CHECK:       linalg.matmul
// CHECK:       %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[CAT]][0, 0, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[B:.*]] = tensor.extract_slice %[[I1]][0, 8, 0, 0] [1, 16, 4, 4] [1, 1, 1, 1]
// CHECK:       tensor.collapse_shape %[[B]]
// CHECK:       linalg.matmul
// CHECK:       tensor.insert_slice %{{.*}} into %[[I1]][0, 8, 0, 0] [1, 16, 4, 4]
// CHECK-NOT:   tensor.empty
// BUF-LABEL:   func.func @concat_of_products
// BUF:         memref.alloc() {{.*}} : memref<1x24x4x4xf32>
// BUF-NOT:     memref.alloc
// BUF-NOT:     memref.copy
// BUF-NOT:     linalg.copy
// BUF-NOT:     vector.transfer_read
// BUF:         return
func.func @concat_of_products(%w1: tensor<8x4xf32>, %w2: tensor<16x4xf32>, %x: tensor<4x16xf32>) -> tensor<1x24x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x8x4x4xf32>
  %c1 = tensor.collapse_shape %e1 [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%c1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m1 = linalg.matmul ins(%w1, %x : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y1 = tensor.expand_shape %m1 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %e2 = tensor.empty() : tensor<1x16x4x4xf32>
  %c2 = tensor.collapse_shape %e2 [[0, 1], [2, 3]] : tensor<1x16x4x4xf32> into tensor<16x16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%c2 : tensor<16x16xf32>) -> tensor<16x16xf32>
  %m2 = linalg.matmul ins(%w2, %x : tensor<16x4xf32>, tensor<4x16xf32>) outs(%f2 : tensor<16x16xf32>) -> tensor<16x16xf32>
  %y2 = tensor.expand_shape %m2 [[0, 1], [2, 3]] output_shape [1, 16, 4, 4] : tensor<16x16xf32> into tensor<1x16x4x4xf32>
  %cat = tensor.empty() : tensor<1x24x4x4xf32>
  %i1 = tensor.insert_slice %y1 into %cat[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x24x4x4xf32>
  %i2 = tensor.insert_slice %y2 into %i1[0, 8, 0, 0] [1, 16, 4, 4] [1, 1, 1, 1] : tensor<1x16x4x4xf32> into tensor<1x24x4x4xf32>
  return %i2 : tensor<1x24x4x4xf32>
}

// -----

// Left alone: an input that is a function argument (no empty to replace),
// and one computed into an empty of another type (a padded layout, cut
// down by an extract_slice: not a reshape).
// CHECK-LABEL: func.func @not_rewritten
// CHECK:       tensor.empty() : tensor<4x6xf32>
// CHECK-NOT:   tensor.extract_slice %{{.*}}[0, 0] [4, 4]
// CHECK:       tensor.extract_slice %{{.*}}[0, 0] [4, 4] [1, 1] : tensor<4x6xf32> to tensor<4x4xf32>
func.func @not_rewritten(%a: tensor<4x4xf32>, %b: tensor<4x6xf32>) -> tensor<12x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x6xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %s = linalg.add ins(%b, %f : tensor<4x6xf32>, tensor<4x6xf32>) outs(%f : tensor<4x6xf32>) -> tensor<4x6xf32>
  %cut = tensor.extract_slice %s[0, 0] [4, 4] [1, 1] : tensor<4x6xf32> to tensor<4x4xf32>
  %cat = tensor.empty() : tensor<12x4xf32>
  %i1 = tensor.insert_slice %a into %cat[0, 0] [4, 4] [1, 1] : tensor<4x4xf32> into tensor<12x4xf32>
  %i2 = tensor.insert_slice %cut into %i1[4, 0] [4, 4] [1, 1] : tensor<4x4xf32> into tensor<12x4xf32>
  %i3 = tensor.insert_slice %a into %i2[8, 0] [4, 4] [1, 1] : tensor<4x4xf32> into tensor<12x4xf32>
  return %i3 : tensor<12x4xf32>
}

// -----

// CSE shares empties between layers of one shape: here one empty holds
// four products (reshaped by each) and one concatenation's empty holds two
// concatenations. Each concatenation gets an empty of its own (the second
// a clone; both become allocations, which a later CSE does not merge),
// each concatenated product gets its own empty before it becomes its
// slice, and the product that is not concatenated keeps the shared one.
// The second concatenation's first insert (a function argument, copied)
// moves to the top, so that the product after it is computed after it, in
// its slice. After bufferization: one buffer per concatenation, one for
// the other product, and only the argument copied.
// CHECK-LABEL: func.func @shared_empties
// CHECK-DAG:   %[[CAT2:.*]] = bufferization.alloc_tensor() : tensor<1x16x4x4xf32>
// CHECK-DAG:   %[[CAT1:.*]] = bufferization.alloc_tensor() : tensor<1x16x4x4xf32>
// CHECK-DAG:   %[[J1:.*]] = tensor.insert_slice %arg3 into %[[CAT2]][0, 0, 0, 0]
// CHECK-DAG:   %[[E:.*]] = tensor.empty() : tensor<1x8x4x4xf32>
// CHECK:       tensor.extract_slice %[[CAT1]][0, 0, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[I1:.*]] = tensor.insert_slice %{{.*}} into %[[CAT1]][0, 0, 0, 0]
// CHECK:       tensor.extract_slice %[[I1]][0, 8, 0, 0] [1, 8, 4, 4]
// CHECK:       tensor.insert_slice %{{.*}} into %[[I1]][0, 8, 0, 0]
// CHECK:       tensor.extract_slice %[[J1]][0, 8, 0, 0] [1, 8, 4, 4]
// CHECK:       tensor.insert_slice %{{.*}} into %[[J1]][0, 8, 0, 0]
// CHECK:       tensor.collapse_shape %[[E]]
// CHECK-NOT:   tensor.empty
// BUF-LABEL:   func.func @shared_empties
// BUF:         memref.alloc()
// BUF:         linalg.copy ins(%arg3
// BUF-COUNT-2: memref.alloc()
// BUF-NOT:     memref.alloc
// BUF-NOT:     linalg.copy
// BUF-NOT:     memref.copy
// BUF:         return
func.func @shared_empties(%w: tensor<8x4xf32>, %x: tensor<4x16xf32>, %y: tensor<4x16xf32>, %z: tensor<1x8x4x4xf32>) -> (tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x8x4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x4x4xf32>
  %c1 = tensor.collapse_shape %e [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%c1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m1 = linalg.matmul ins(%w, %x : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y1 = tensor.expand_shape %m1 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %c2 = tensor.collapse_shape %e [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%c2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m2 = linalg.matmul ins(%w, %y : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y2 = tensor.expand_shape %m2 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %cat = tensor.empty() : tensor<1x16x4x4xf32>
  %i1 = tensor.insert_slice %y1 into %cat[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %i2 = tensor.insert_slice %y2 into %i1[0, 8, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %c3 = tensor.collapse_shape %e [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%c3 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m3 = linalg.matmul ins(%w, %x : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f3 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y3 = tensor.expand_shape %m3 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %j1 = tensor.insert_slice %z into %cat[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %j2 = tensor.insert_slice %y3 into %j1[0, 8, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %c4 = tensor.collapse_shape %e [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%c4 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m4 = linalg.matmul ins(%w, %y : tensor<8x4xf32>, tensor<4x16xf32>) outs(%f4 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y4 = tensor.expand_shape %m4 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  return %i2, %j2, %y4 : tensor<1x16x4x4xf32>, tensor<1x16x4x4xf32>, tensor<1x8x4x4xf32>
}

// -----

// A dense block (DenseNet): layer k reads the concatenation of the block's
// input and layers 1 .. k-1 (through an elementwise op, here exp, as
// DenseNet's BatchNormalization and ReLU), the block's output is all of
// them. The shorter concatenations become slices of the longest's value
// after their inputs (its inserts moved up), each output is computed in
// its slice of it: one buffer for the block, no copy (the other buffers
// are the elementwise ops' results).
// CHECK-LABEL: func.func @dense_block
// CHECK:       %[[BLOCK:.*]] = bufferization.alloc_tensor() : tensor<1x32x4x4xf32>
// CHECK:       tensor.extract_slice %[[BLOCK]][0, 0, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[T1:.*]] = tensor.insert_slice %{{.*}} into %[[BLOCK]][0, 0, 0, 0] [1, 8, 4, 4]
// CHECK:       tensor.extract_slice %[[T1]][0, 8, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[T2:.*]] = tensor.insert_slice %{{.*}} into %[[T1]][0, 8, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[C2:.*]] = tensor.extract_slice %[[T2]][0, 0, 0, 0] [1, 16, 4, 4] [1, 1, 1, 1] : tensor<1x32x4x4xf32> to tensor<1x16x4x4xf32>
// CHECK:       linalg.exp ins(%[[C2]] : tensor<1x16x4x4xf32>)
// CHECK:       tensor.extract_slice %[[T2]][0, 16, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[T3:.*]] = tensor.insert_slice %{{.*}} into %[[T2]][0, 16, 0, 0] [1, 8, 4, 4]
// CHECK:       %[[C3:.*]] = tensor.extract_slice %[[T3]][0, 0, 0, 0] [1, 24, 4, 4] [1, 1, 1, 1] : tensor<1x32x4x4xf32> to tensor<1x24x4x4xf32>
// CHECK:       linalg.exp ins(%[[C3]] : tensor<1x24x4x4xf32>)
// CHECK:       %[[T4:.*]] = tensor.insert_slice %{{.*}} into %[[T3]][0, 24, 0, 0] [1, 8, 4, 4]
// CHECK:       return %[[T4]]
// BUF-LABEL:   func.func @dense_block
// BUF:         memref.alloc() {{.*}} : memref<1x32x4x4xf32>
// BUF-NOT:     memref.copy
// BUF-NOT:     linalg.copy
// BUF-NOT:     memref.alloc() {{.*}} : memref<1x32x4x4xf32>
// BUF:         return
func.func @dense_block(%w1: tensor<8x8xf32>, %w2: tensor<8x16xf32>, %w3: tensor<8x24xf32>, %x: tensor<8x16xf32>) -> tensor<1x32x4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %ex = tensor.empty() : tensor<1x8x4x4xf32>
  %cx = tensor.collapse_shape %ex [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %mx = linalg.exp ins(%x : tensor<8x16xf32>) outs(%cx : tensor<8x16xf32>) -> tensor<8x16xf32>
  %x0 = tensor.expand_shape %mx [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %n1 = tensor.empty() : tensor<1x8x4x4xf32>
  %r1 = linalg.exp ins(%x0 : tensor<1x8x4x4xf32>) outs(%n1 : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %k1 = tensor.collapse_shape %r1 [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %e1 = tensor.empty() : tensor<1x8x4x4xf32>
  %c1 = tensor.collapse_shape %e1 [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%c1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m1 = linalg.matmul ins(%w1, %k1 : tensor<8x8xf32>, tensor<8x16xf32>) outs(%f1 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y1 = tensor.expand_shape %m1 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %cat1 = tensor.empty() : tensor<1x16x4x4xf32>
  %a1 = tensor.insert_slice %x0 into %cat1[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %a2 = tensor.insert_slice %y1 into %a1[0, 8, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x16x4x4xf32>
  %n2 = tensor.empty() : tensor<1x16x4x4xf32>
  %r2 = linalg.exp ins(%a2 : tensor<1x16x4x4xf32>) outs(%n2 : tensor<1x16x4x4xf32>) -> tensor<1x16x4x4xf32>
  %k2 = tensor.collapse_shape %r2 [[0, 1], [2, 3]] : tensor<1x16x4x4xf32> into tensor<16x16xf32>
  %e2 = tensor.empty() : tensor<1x8x4x4xf32>
  %c2 = tensor.collapse_shape %e2 [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%c2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m2 = linalg.matmul ins(%w2, %k2 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%f2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y2 = tensor.expand_shape %m2 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %cat2 = tensor.empty() : tensor<1x24x4x4xf32>
  %b1 = tensor.insert_slice %x0 into %cat2[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x24x4x4xf32>
  %b2 = tensor.insert_slice %y1 into %b1[0, 8, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x24x4x4xf32>
  %b3 = tensor.insert_slice %y2 into %b2[0, 16, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x24x4x4xf32>
  %n3 = tensor.empty() : tensor<1x24x4x4xf32>
  %r3 = linalg.exp ins(%b3 : tensor<1x24x4x4xf32>) outs(%n3 : tensor<1x24x4x4xf32>) -> tensor<1x24x4x4xf32>
  %k3 = tensor.collapse_shape %r3 [[0, 1], [2, 3]] : tensor<1x24x4x4xf32> into tensor<24x16xf32>
  %e3 = tensor.empty() : tensor<1x8x4x4xf32>
  %c3 = tensor.collapse_shape %e3 [[0, 1], [2, 3]] : tensor<1x8x4x4xf32> into tensor<8x16xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%c3 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %m3 = linalg.matmul ins(%w3, %k3 : tensor<8x24xf32>, tensor<24x16xf32>) outs(%f3 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %y3 = tensor.expand_shape %m3 [[0, 1], [2, 3]] output_shape [1, 8, 4, 4] : tensor<8x16xf32> into tensor<1x8x4x4xf32>
  %cat3 = tensor.empty() : tensor<1x32x4x4xf32>
  %d1 = tensor.insert_slice %x0 into %cat3[0, 0, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x32x4x4xf32>
  %d2 = tensor.insert_slice %y1 into %d1[0, 8, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x32x4x4xf32>
  %d3 = tensor.insert_slice %y2 into %d2[0, 16, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x32x4x4xf32>
  %d4 = tensor.insert_slice %y3 into %d3[0, 24, 0, 0] [1, 8, 4, 4] [1, 1, 1, 1] : tensor<1x8x4x4xf32> into tensor<1x32x4x4xf32>
  return %d4 : tensor<1x32x4x4xf32>
}
