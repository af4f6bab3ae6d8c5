// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-map-to-gpu{block-size=128 report=true},canonicalize,cse))' --verify-diagnostics | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-map-to-gpu{block-size=128 shared-tiles=false},canonicalize,cse))' | FileCheck %s --check-prefix=REGS

// A matmul of whole tiles: blocks of 256 threads (16 x 16), one per tile
// of 64 x 64 points; each stage loads 16 steps of both inputs into shared
// memory (the input [1024, 64] with its reduction fastest, rows padded to
// 68; the weight with its columns fastest, rows padded to 80), waits, runs its 16 steps four
// at a time (16-byte vector loads of four elements of each), waits again.
// No guards (no partial tile), no split: each thread adds its 4 x 4 sums
// with plain loads and stores.
// CHECK-LABEL: func.func @whole_tiles(
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}}) workgroup(%[[SA:.*]] : memref<16x68xf32, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<16x80xf32, #gpu.address_space<workgroup>>)
// CHECK:           scf.for {{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NOT:         scf.if
// CHECK-COUNT-4:     memref.store {{.*}}, %[[SA]]
// CHECK-COUNT-4:     memref.store {{.*}}, %[[SB]]
// CHECK-NEXT:        gpu.barrier
// CHECK:             scf.for {{.*}} = %c0 to %c16 step %c4
// CHECK-NEXT:          vector.load %[[SA]][{{.*}}] {alignment = 16 : i64} : memref<16x68xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK-NEXT:          vector.load %[[SB]][{{.*}}] {alignment = 16 : i64} : memref<16x80xf32, #gpu.address_space<workgroup>>, vector<4xf32>
// CHECK:               arith.mulf {{.*}} fastmath<contract> : f32
// CHECK-NEXT:          arith.addf {{.*}} fastmath<contract> : f32
// CHECK:             gpu.barrier
// CHECK-NEXT:        scf.yield
// CHECK-NOT:       memref.atomic_rmw
// CHECK-COUNT-16:  memref.store {{.*}}, %arg2
// CHECK:           gpu.terminator
// REGS-LABEL: func.func @whole_tiles(
// REGS-NOT:     workgroup
// REGS-NOT:     gpu.barrier
// REGS:         return
func.func @whole_tiles(%a: memref<1024x64xf32>, %b: memref<64x1024xf32>, %c: memref<1024x1024xf32>) {
  // expected-remark @below {{contraction: 1024 x 1024 points of 64 steps: shared-memory tiles of 64 x 64}}
  linalg.matmul ins(%a, %b : memref<1024x64xf32>, memref<64x1024xf32>) outs(%c : memref<1024x1024xf32>)
  return
}

// -----

// Partial tiles (50 rows, 40 columns) and a partial last stage (72 steps):
// the loads of missing points and of steps past the end are zeros, the
// sums of missing points are not added. One tile: the reduction is split
// over two blocks (at least 4 stages each), added atomically.
// CHECK-LABEL: func.func @partial_tiles(
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c2, {{.*}}) threads
// CHECK:           scf.for
// CHECK:             arith.cmpi ult, {{.*}}, %c72 : index
// CHECK:             scf.if {{.*}} -> (f32) {
// CHECK-NEXT:          memref.load %arg0
// CHECK-NEXT:          scf.yield
// CHECK-NEXT:        } else {
// CHECK-NEXT:          scf.yield %cst : f32
// CHECK-COUNT-16:  memref.atomic_rmw addf {{.*}}, %arg2
func.func @partial_tiles(%a: memref<50x72xf32>, %b: memref<72x40xf32>, %c: memref<50x40xf32>) {
  // expected-remark @below {{contraction: 50 x 40 points of 72 steps: shared-memory tiles of 64 x 64}}
  linalg.matmul ins(%a, %b : memref<50x72xf32>, memref<72x40xf32>) outs(%c : memref<50x40xf32>)
  return
}

// -----

// A convolution is an implicit GEMM: M is its output channels, N its
// pixels, K its input channels and window; the input is read at
// oh + kh, ow + kw of the flattened indices' dimensions, pixels fastest
// (rows padded to 80), the weight with its window fastest (rows padded to 68).
// CHECK-LABEL: func.func @conv(
// CHECK:         gpu.launch {{.*}} workgroup(%{{.*}} : memref<16x80xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x68xf32, #gpu.address_space<workgroup>>)
// CHECK:           %[[H:.*]] = affine.apply #{{.*}}(%{{.*}})[%{{.*}}]
// CHECK-NEXT:      %[[W:.*]] = affine.apply #{{.*}}(%{{.*}})[%{{.*}}]
// CHECK-NEXT:      memref.load %arg0[%{{.*}}, %{{.*}}, %[[H]], %[[W]]] : memref<1x8x34x34xf32>
// CHECK:           memref.load %arg1[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}] : memref<32x8x3x3xf32>
// CHECK:           gpu.barrier
func.func @conv(%x: memref<1x8x34x34xf32>, %w: memref<32x8x3x3xf32>, %y: memref<1x32x32x32xf32>) {
  // expected-remark @below {{contraction: 32 x 1024 points of 72 steps: shared-memory tiles of 64 x 64}}
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x34x34xf32>, memref<32x8x3x3xf32>) outs(%y : memref<1x32x32x32xf32>)
  return
}

// -----

// A batch dimension that both inputs read (attention's heads): one batch
// point per block.
// CHECK-LABEL: func.func @batched(
// CHECK:         gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}}) threads
func.func @batched(%q: memref<4x48x40xf32>, %k: memref<4x40x64xf32>, %s: memref<4x48x64xf32>) {
  // expected-remark @below {{contraction: 48 x 64 points of 40 steps: shared-memory tiles of 64 x 64}}
  linalg.batch_matmul ins(%q, %k : memref<4x48x40xf32>, memref<4x40x64xf32>) outs(%s : memref<4x48x64xf32>)
  return
}

// -----

// Dynamic rows: tiles when there are at least 32 at run time, else the
// register kernel (a GEMV's one row).
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK:         %[[ROWS:.*]] = memref.dim %arg0, %c0
// CHECK:         %[[WIDE:.*]] = arith.cmpi uge, %[[ROWS]], %c32 : index
// CHECK:         scf.if %[[WIDE]] {
// CHECK:           gpu.launch {{.*}} workgroup(
// CHECK:         } else {
// CHECK:           gpu.launch
// CHECK-NOT:         workgroup
// CHECK:             memref.atomic_rmw
func.func @dynamic_rows(%a: memref<?x64xf32>, %b: memref<64x128xf32>, %c: memref<?x128xf32>) {
  // expected-remark @below {{contraction: ? x 128 points of 64 steps: shared-memory tiles of 64 x 64 where both sides have 32 points at run time}}
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x128xf32>) outs(%c : memref<?x128xf32>)
  return
}

// -----

// Too few rows (8 < 32) for a tile: the register kernel.
// CHECK-LABEL: func.func @few_rows(
// CHECK-NOT:     workgroup
// CHECK:         return
func.func @few_rows(%a: memref<8x64xf32>, %b: memref<64x48xf32>, %c: memref<8x48xf32>) {
  linalg.matmul ins(%a, %b : memref<8x64xf32>, memref<64x48xf32>) outs(%c : memref<8x48xf32>)
  return
}
