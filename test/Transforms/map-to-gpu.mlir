// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-copy-inputs,sieve-map-to-gpu{block-size=128 shared-tiles=false},canonicalize,cse))' --verify-diagnostics | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-copy-inputs,sieve-map-to-gpu{block-size=128 shared-tiles=false gpu-memcpy=true},canonicalize,cse))' --verify-diagnostics | FileCheck %s --check-prefix=MEMCPY
// RUN: sieve-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(sieve-gpu-copy-inputs,sieve-map-to-gpu{block-size=128 shared-tiles=false compact-skipped=false},canonicalize,cse))' --verify-diagnostics | FileCheck %s --check-prefix=TESTED

// The register kernels (shared-tiles=false; the shared-memory tiles of
// matmuls with rows and convolutions: map-to-gpu-shared-tiles.mlir).

// With gpu-memcpy the entry's copies of the caller's buffers are the
// driver's: a gpu.memcpy on a stream, waited for before anything else.
// MEMCPY-LABEL: func.func @matmul(
// MEMCPY-SAME:      %[[A:.*]]: memref<8x64xf32>, %[[B:.*]]: memref<64x48xf32>, %[[C:.*]]: memref<8x48xf32>)
// MEMCPY:         %[[A2:.*]] = memref.alloc() : memref<8x64xf32>
// MEMCPY:         %[[S:.*]] = gpu.wait async
// MEMCPY:         %[[T:.*]] = gpu.memcpy async [%[[S]]] %[[A2]], %[[A]] : memref<8x64xf32>, memref<8x64xf32>
// MEMCPY:         gpu.wait [%[[T]]]
// MEMCPY-NOT:     memref.copy
// MEMCPY:         gpu.launch

// A matmul on buffers becomes one launch. Each thread sums four rows of
// one column (the weight, which does not depend on the row, is loaded once
// for the four): 2 x 48 threads per chunk of the reduction. That is too few
// to fill a GPU, so the reduction over k is split in two chunks of 32 (the
// split index slowest): 192 threads in 2 blocks of 128, linearized with the
// column fastest (neighbouring threads read neighbouring weight columns).
// Each thread sums its chunk in four registers and adds them to the output
// atomically; a multiply and add may contract into an FMA. The caller's
// buffers are copied into the model's own at the entry (on the host).
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:.*]]: memref<8x64xf32>, %[[B:.*]]: memref<64x48xf32>, %[[C:.*]]: memref<8x48xf32>)
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C48:.*]] = arith.constant 48 : index
// CHECK-DAG:     %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG:     %[[C192:.*]] = arith.constant 192 : index
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[A2:.*]] = memref.alloc() : memref<8x64xf32>
// CHECK:         memref.copy %[[A]], %[[A2]]
// CHECK:         %[[B2:.*]] = memref.alloc() : memref<64x48xf32>
// CHECK:         memref.copy %[[B]], %[[B2]]
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<8x48xf32>
// CHECK:         memref.copy %[[C]], %[[OUT]]
// CHECK:         gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C2]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]],
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %[[C128]]
// CHECK:           %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK:           %[[IN:.*]] = arith.cmpi slt, %[[ID]], %[[C192]]
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remsi %[[ID]], %[[C48]]
// CHECK:             %[[REST:.*]] = arith.divsi %[[ID]], %[[C48]]
// CHECK:             %[[IT:.*]] = arith.remsi %[[REST]], %[[C2]]
// CHECK:             %[[S:.*]] = arith.divsi %[[REST]], %[[C2]]
// CHECK:             %[[I0:.*]] = arith.muli %[[IT]], %[[C4]]
// CHECK:             %[[I1:.*]] = arith.addi %[[I0]], %[[C1]]
// CHECK:             %[[I2:.*]] = arith.addi %[[I0]], %[[C2]]
// CHECK:             %[[I3:.*]] = arith.addi %[[I0]], %[[C3]]
// CHECK:             %[[FIRST:.*]] = arith.muli %[[S]], %[[C32]]
// CHECK:             %[[END:.*]] = arith.addi %[[FIRST]], %[[C32]]
// CHECK:             %[[LAST:.*]] = arith.minsi %[[END]], %[[C64]]
// CHECK:             %[[SUM:.*]]:4 = scf.for %[[K:.*]] = %[[FIRST]] to %[[LAST]] step %{{.*}} iter_args(%[[ACC0:.*]] = %[[ZERO]], %[[ACC1:.*]] = %[[ZERO]], %{{.*}} = %[[ZERO]], %{{.*}} = %[[ZERO]]) -> (f32, f32, f32, f32) {
// CHECK:               %[[W:.*]] = memref.load %[[B2]][%[[K]], %[[J]]]
// CHECK:               %[[X0:.*]] = memref.load %[[A2]][%[[I0]], %[[K]]]
// CHECK:               %[[P0:.*]] = arith.mulf %[[X0]], %[[W]] fastmath<contract> : f32
// CHECK:               %[[N0:.*]] = arith.addf %[[ACC0]], %[[P0]] fastmath<contract> : f32
// CHECK:               %[[X1:.*]] = memref.load %[[A2]][%[[I1]], %[[K]]]
// CHECK:               %[[P1:.*]] = arith.mulf %[[X1]], %[[W]] fastmath<contract> : f32
// CHECK:               %[[N1:.*]] = arith.addf %[[ACC1]], %[[P1]] fastmath<contract> : f32
// CHECK:               memref.load %[[A2]][%[[I2]], %[[K]]]
// CHECK:               memref.load %[[A2]][%[[I3]], %[[K]]]
// CHECK-NOT:           memref.load %[[B2]]
// CHECK:               scf.yield %[[N0]], %[[N1]]
// CHECK:             memref.atomic_rmw addf %[[SUM]]#0, %[[OUT]][%[[I0]], %[[J]]]
// CHECK:             memref.atomic_rmw addf %[[SUM]]#1, %[[OUT]][%[[I1]], %[[J]]]
// CHECK:             memref.atomic_rmw addf %[[SUM]]#2, %[[OUT]][%[[I2]], %[[J]]]
// CHECK:             memref.atomic_rmw addf %[[SUM]]#3, %[[OUT]][%[[I3]], %[[J]]]
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @matmul(%a: memref<8x64xf32>, %b: memref<64x48xf32>, %c: memref<8x48xf32>) {
  linalg.matmul ins(%a, %b : memref<8x64xf32>, memref<64x48xf32>) outs(%c : memref<8x48xf32>)
  return
}

// -----

// A copy between the model's buffers (a strided view here) runs on the
// GPU; dynamic sizes give the grid size at run time, at least one block.
// CHECK-LABEL: func.func @copy_view(
// CHECK:         %[[BLOCKS:.*]] = arith.ceildivsi
// CHECK:         %[[GRID:.*]] = arith.maxsi %[[BLOCKS]], %{{.*}}
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %[[GRID]],
// CHECK:           memref.load
// CHECK:           memref.store
// CHECK-NOT:     memref.copy
func.func @copy_view(%n: index) {
  %a = memref.alloc(%n) : memref<?x8xf32>
  %b = memref.alloc(%n) : memref<?x16xf32>
  %c0 = arith.constant 0 : index
  %v = memref.subview %b[0, 4] [%n, 8] [1, 1] : memref<?x16xf32> to memref<?x8xf32, strided<[16, 1], offset: 4>>
  memref.copy %a, %v : memref<?x8xf32> to memref<?x8xf32, strided<[16, 1], offset: 4>>
  memref.dealloc %a : memref<?x8xf32>
  memref.dealloc %b : memref<?x16xf32>
  return
}

// -----

// A parallel loop with a reduction has no GPU form yet: an error naming it.
func.func @reduction(%a: memref<64xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'scf.parallel' with reductions is not supported on the GPU}}
  %r = scf.parallel (%i) = (%c0) to (%c64) step (%c1) init (%zero) -> f32 {
    %x = memref.load %a[%i] : memref<64xf32>
    scf.reduce(%x : f32) {
    ^bb0(%l: f32, %r: f32):
      %s = arith.addf %l, %r : f32
      scf.reduce.return %s : f32
    }
  }
  return %r : f32
}

// -----

// Enough output points: one thread per four points, no split, each sum
// added with a plain load and store.
// CHECK-LABEL: func.func @big_matmul(
// CHECK:         gpu.launch
// CHECK:           scf.for {{.*}} iter_args
// CHECK-NOT:       memref.atomic_rmw
// CHECK-COUNT-4:   memref.store
func.func @big_matmul(%a: memref<1024x64xf32>, %b: memref<64x1024xf32>, %c: memref<1024x1024xf32>) {
  linalg.matmul ins(%a, %b : memref<1024x64xf32>, memref<64x1024xf32>) outs(%c : memref<1024x1024xf32>)
  return
}

// -----

// Six rows, not a multiple of four: the second tile's missing rows read
// the last row and are not stored.
// CHECK-LABEL: func.func @partial_tile(
// CHECK-DAG:     %[[C5:.*]] = arith.constant 5 : index
// CHECK-DAG:     %[[C6:.*]] = arith.constant 6 : index
// CHECK:         gpu.launch
// CHECK:           %[[R1:.*]] = arith.addi %{{.*}}, %c1 : index
// CHECK:           %[[IN1:.*]] = arith.cmpi slt, %[[R1]], %[[C6]] : index
// CHECK:           %[[C1ROW:.*]] = arith.minsi %[[R1]], %[[C5]] : index
// CHECK:           scf.for
// CHECK:             memref.load %{{.*}}[%[[C1ROW]], %{{.*}}] : memref<6x64xf32>
// CHECK:           scf.if %[[IN1]] {
// CHECK:             memref.atomic_rmw addf %{{.*}}, %{{.*}}[%[[C1ROW]], %{{.*}}]
func.func @partial_tile(%a: memref<6x64xf32>, %b: memref<64x48xf32>, %c: memref<6x48xf32>) {
  linalg.matmul ins(%a, %b : memref<6x64xf32>, memref<64x48xf32>) outs(%c : memref<6x48xf32>)
  return
}

// -----

// A dynamic number of rows is not tiled: a batch of one row would compute
// three copies of it.
// CHECK-LABEL: func.func @dynamic_rows(
// CHECK:         gpu.launch
// CHECK:           scf.for {{.*}} -> (f32) {
// CHECK:             arith.mulf
// CHECK-NOT:         arith.mulf
// CHECK:             scf.yield
func.func @dynamic_rows(%a: memref<?x64xf32>, %b: memref<64x48xf32>, %c: memref<?x48xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x48xf32>) outs(%c : memref<?x48xf32>)
  return
}

// -----

// A dynamic reduction (the activation gather's active neurons): the split
// is computed at run time, and the sum is atomic.
// CHECK-LABEL: func.func @gather(
// CHECK:         %[[N:.*]] = memref.dim %{{.*}}, %c0
// CHECK:         arith.ceildivsi %[[N]]
// CHECK:         gpu.launch
// CHECK:           memref.load %{{.*}}[%{{.*}}] : memref<?xindex>
// CHECK:           memref.atomic_rmw addf
#gather_idx = affine_map<(m, n, t) -> (t)>
#gather_out = affine_map<(m, n, t) -> (m, n)>
func.func @gather(%h: memref<1x256xf32>, %w: memref<256x64xf32>, %idx: memref<?xindex>, %y: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [#gather_idx, #gather_out], iterator_types = ["parallel", "parallel", "reduction"]} ins(%idx : memref<?xindex>) outs(%y : memref<1x64xf32>) {
  ^bb0(%k: index, %acc: f32):
    %m = linalg.index 0 : index
    %n = linalg.index 1 : index
    %x = memref.load %h[%m, %k] : memref<1x256xf32>
    %v = memref.load %w[%k, %n] : memref<256x64xf32>
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A sum over every element (no parallel dimension) is split too: 128
// threads each sum 32 products and add them atomically.
// CHECK-LABEL: func.func @dot(
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads({{.*}}) in (%{{.*}} = %[[C128]],
// CHECK:           %[[FIRST:.*]] = arith.muli %{{.*}}, %[[C32]]
// CHECK:           scf.for %{{.*}} = %[[FIRST]] to
// CHECK:           memref.atomic_rmw addf %{{.*}}, %{{.*}}[] : (f32, memref<f32>) -> f32
func.func @dot(%a: memref<4096xf32>, %b: memref<4096xf32>, %c: memref<f32>) {
  linalg.dot ins(%a, %b : memref<4096xf32>, memref<4096xf32>) outs(%c : memref<f32>)
  return
}

// -----

// A contraction marked sieve.skip_zeros = 0 (sieve-gather-matmul-to-linalg
// on the GPU) sums over a list of the activation's non-zeros. A launch
// zeroes the list's length; a launch of one thread per 32 neurons counts
// their non-zeros, reserves that many entries with one atomic add (its
// result is where they go) and writes their positions; the sum's threads
// split the list into chunks of at least 32 entries (splits past its end
// add nothing), read each listed neuron's activation and weight with no
// test (steps of eight entries: their positions, then all their loads,
// then the terms; the rest one at a time), and add their sum atomically. The list is freed after the sum.
// The groups' loops have a constant trip count (unrolled, their loads in
// flight together).
// CHECK-LABEL: func.func @skip_zeros(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[SPLITS:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[ZERO32:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         %[[H:.*]] = memref.alloc() : memref<1x256xf32>
// CHECK:         %[[LIST:.*]] = memref.alloc() : memref<1x256xi32>
// CHECK:         %[[COUNT:.*]] = memref.alloc() : memref<1xi32>
// CHECK:         gpu.launch
// CHECK:           memref.store %[[ZERO32]], %[[COUNT]][%{{.*}}] : memref<1xi32>
// CHECK:         gpu.launch
// CHECK:           %[[G:.*]] = arith.remsi %{{.*}}, %[[SPLITS]] : index
// CHECK:           %[[ROW:.*]] = arith.divsi %{{.*}}, %[[SPLITS]] : index
// CHECK:           %[[LO:.*]] = arith.muli %[[G]], %[[C32]] : index
// CHECK:           %[[N:.*]] = scf.for %[[I:.*]] = %[[C0]] to %[[C32]] step %{{.*}} iter_args(%{{.*}} = %[[ZERO32]]) -> (i32) {
// CHECK:             %[[AT0:.*]] = arith.addi %[[LO]], %[[I]] : index
// CHECK:             memref.load %[[H]][%[[ROW]], %[[AT0]]] : memref<1x256xf32>
// CHECK:             arith.cmpf une
// CHECK:           %[[ANY:.*]] = arith.cmpi ne, %[[N]], %[[ZERO32]] : i32
// CHECK:           scf.if %[[ANY]] {
// CHECK:             %[[BASE:.*]] = memref.atomic_rmw addi %[[N]], %[[COUNT]][%[[ROW]]] : (i32, memref<1xi32>) -> i32
// CHECK:             scf.for %[[I2:.*]] = %[[C0]] to %[[C32]] step %{{.*}} iter_args(%[[AT:.*]] = %[[BASE]]) -> (i32) {
// CHECK:               %[[R:.*]] = arith.addi %[[LO]], %[[I2]] : index
// CHECK:               %[[NZ:.*]] = arith.cmpf une
// CHECK:               scf.if %[[NZ]] {
// CHECK:                 %[[SLOT:.*]] = arith.index_cast %[[AT]] : i32 to index
// CHECK:                 %[[POS:.*]] = arith.index_cast %[[R]] : index to i32
// CHECK:                 memref.store %[[POS]], %[[LIST]][%[[ROW]], %[[SLOT]]] : memref<1x256xi32>
// CHECK:         gpu.launch
// CHECK:           %[[SPLIT:.*]] = arith.divsi
// CHECK:           %[[LEN32:.*]] = memref.load %[[COUNT]][%{{.*}}] : memref<1xi32>
// CHECK:           %[[LEN:.*]] = arith.index_cast %[[LEN32]] : i32 to index
// CHECK:           arith.ceildivsi %[[LEN]], %[[C32]] : index
// CHECK:           %[[USED:.*]] = arith.minsi %{{.*}}, %[[SPLITS]] : index
// CHECK:           %[[CHUNK:.*]] = arith.ceildivsi %[[LEN]], %[[USED]] : index
// CHECK:           %[[FIRST:.*]] = arith.muli %[[SPLIT]], %[[CHUNK]] : index
// CHECK:           %[[LAST:.*]] = arith.minsi %{{.*}}, %[[LEN]] : index
// CHECK:           %[[MAIN:.*]] = scf.for %[[J:.*]] = %[[FIRST]] to %[[END:.*]] step %[[SPLITS]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32) {
// CHECK:             %[[K0:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK-COUNT-7:     memref.load %[[LIST]][%{{.*}}, %{{.*}}] : memref<1x256xi32>
// CHECK:             %[[X0:.*]] = memref.load %[[H]][%{{.*}}, %[[K0]]] : memref<1x256xf32>
// CHECK-NEXT:        %[[V0:.*]] = memref.load %{{.*}}[%[[K0]], %{{.*}}] : memref<256x64xf32>
// CHECK-COUNT-14:    memref.load
// CHECK-NEXT:        %[[P0:.*]] = arith.mulf %[[X0]], %[[V0]] fastmath<contract> : f32
// CHECK-NEXT:        arith.addf %[[ACC]], %[[P0]] fastmath<contract> : f32
// CHECK:           %[[SUM:.*]] = scf.for %[[R:.*]] = %[[END]] to %[[LAST]] step %{{.*}} iter_args(%[[ACC1:.*]] = %[[MAIN]]) -> (f32) {
// CHECK:             %[[K32:.*]] = memref.load %[[LIST]][%{{.*}}, %[[R]]] : memref<1x256xi32>
// CHECK:             %[[K:.*]] = arith.index_cast %[[K32]] : i32 to index
// CHECK:             %[[X:.*]] = memref.load %[[H]][%{{.*}}, %[[K]]] : memref<1x256xf32>
// CHECK:             %[[V:.*]] = memref.load %{{.*}}[%[[K]], %{{.*}}] : memref<256x64xf32>
// CHECK:             %[[P:.*]] = arith.mulf %[[X]], %[[V]] fastmath<contract> : f32
// CHECK:             arith.addf %[[ACC1]], %[[P]] fastmath<contract> : f32
// CHECK:           %[[NONEMPTY:.*]] = arith.cmpi slt, %[[FIRST]], %[[LAST]] : index
// CHECK:           scf.if %[[NONEMPTY]] {
// CHECK:             memref.atomic_rmw addf %[[SUM]]
// CHECK:         memref.dealloc %[[LIST]] : memref<1x256xi32>
// CHECK:         memref.dealloc %[[COUNT]] : memref<1xi32>

// Without compact-skipped, every thread tests every activation of its
// chunk. Steps of four neurons load their activations together, then the
// weights of the non-zero ones (zero elsewhere), then add the four terms:
// the loads of a step are in flight together. An epilogue loop takes the
// rest of the chunk one neuron at a time.
// TESTED-LABEL: func.func @skip_zeros(
// TESTED-NOT:     memref.atomic_rmw addi
// TESTED-DAG:     %[[C4:.*]] = arith.constant 4 : index
// TESTED-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// TESTED:         gpu.launch
// TESTED:           %[[MAIN:.*]] = scf.for %[[K:.*]] = %[[FIRST:.*]] to %[[END:.*]] step %[[C4]] iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32) {
// TESTED:             %[[X0:.*]] = memref.load %[[H:.*]][%{{.*}}, %[[K]]] : memref<1x256xf32>
// TESTED:             %[[X1:.*]] = memref.load %[[H]]
// TESTED:             %[[X2:.*]] = memref.load %[[H]]
// TESTED:             %[[X3:.*]] = memref.load %[[H]]
// TESTED:             %[[NZ:.*]] = arith.cmpf une, %[[X0]], %[[ZERO]] : f32
// TESTED:             %[[V0:.*]] = scf.if %[[NZ]] -> (f32) {
// TESTED:               %[[V:.*]] = memref.load %{{.*}}[%[[K]], %{{.*}}] : memref<256x64xf32>
// TESTED:               scf.yield %[[V]]
// TESTED:             } else {
// TESTED:               scf.yield %[[ZERO]]
// TESTED:             }
// TESTED:             %[[V1:.*]] = scf.if
// TESTED:             %[[V2:.*]] = scf.if
// TESTED:             %[[V3:.*]] = scf.if
// TESTED:             %[[P0:.*]] = arith.mulf %[[X0]], %[[V0]]
// TESTED:             %[[S0:.*]] = arith.addf %[[ACC]], %[[P0]]
// TESTED:             arith.mulf %[[X1]], %[[V1]]
// TESTED:             arith.mulf %[[X2]], %[[V2]]
// TESTED:             arith.mulf %[[X3]], %[[V3]]
// TESTED:           scf.for %[[R:.*]] = %[[END]] to %{{.*}} step %{{.*}} iter_args(%{{.*}} = %[[MAIN]]) -> (f32) {
// TESTED:             %[[X:.*]] = memref.load %[[H]][%{{.*}}, %[[R]]]
// TESTED:             arith.cmpf une, %[[X]]
// TESTED:             scf.if
// TESTED:           memref.atomic_rmw addf
func.func @skip_zeros(%h: memref<1x256xf32>, %w: memref<256x64xf32>, %y: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<1x256xf32>, memref<256x64xf32>) outs(%y : memref<1x64xf32>) attrs = {sieve.skip_zeros = 0 : i64} {
  ^bb0(%x: f32, %v: f32, %acc: f32):
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A batch of rows (dynamic) gets one list per row: positions [rows, K] and
// lengths [rows]; each output point reads its own row's list.
// CHECK-LABEL: func.func @skip_zeros_rows(
// CHECK:         %[[ROWS:.*]] = memref.dim %{{.*}}, %c0 : memref<?x256xf32>
// CHECK:         %[[LIST:.*]] = memref.alloc(%[[ROWS]]) : memref<?x256xi32>
// CHECK:         %[[COUNT:.*]] = memref.alloc(%[[ROWS]]) : memref<?xi32>
// CHECK:         gpu.launch
// CHECK:         gpu.launch
// CHECK:           memref.atomic_rmw addi %{{.*}}, %[[COUNT]][%[[ROW:.*]]] : (i32, memref<?xi32>) -> i32
// CHECK:           memref.store %{{.*}}, %[[LIST]][%[[ROW]], %{{.*}}] : memref<?x256xi32>
// CHECK:         gpu.launch
// CHECK:           arith.remsi %{{.*}}, %c64 : index
// CHECK:           %[[M:.*]] = arith.remsi
// CHECK:           memref.load %[[COUNT]][%[[M]]] : memref<?xi32>
// CHECK:           memref.load %[[LIST]][%[[M]], %{{.*}}] : memref<?x256xi32>
func.func @skip_zeros_rows(%h: memref<?x256xf32>, %w: memref<256x64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<?x256xf32>, memref<256x64xf32>) outs(%y : memref<?x64xf32>) attrs = {sieve.skip_zeros = 0 : i64} {
  ^bb0(%x: f32, %v: f32, %acc: f32):
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// 250 neurons: the last group of 32 is partial; its steps past the end
// read the last neuron and count as zeros.
// CHECK-LABEL: func.func @skip_zeros_partial_group(
// CHECK-DAG:     %[[LAST:.*]] = arith.constant 249 : index
// CHECK-DAG:     %[[K:.*]] = arith.constant 250 : index
// CHECK:         gpu.launch
// CHECK:         gpu.launch
// CHECK:           scf.for
// CHECK:             %[[R:.*]] = arith.addi
// CHECK:             %[[READ:.*]] = arith.minsi %[[R]], %[[LAST]] : index
// CHECK:             %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[READ]]] : memref<1x250xf32>
// CHECK:             %[[NZ:.*]] = arith.cmpf une, %[[X]]
// CHECK:             %[[IN:.*]] = arith.cmpi slt, %[[R]], %[[K]] : index
// CHECK:             arith.andi %[[NZ]], %[[IN]] : i1
func.func @skip_zeros_partial_group(%h: memref<1x250xf32>, %w: memref<250x64xf32>, %y: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<1x250xf32>, memref<250x64xf32>) outs(%y : memref<1x64xf32>) attrs = {sieve.skip_zeros = 0 : i64} {
  ^bb0(%x: f32, %v: f32, %acc: f32):
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A contraction marked sieve.skip_zero_points = 0 (a gated up projection on
// the GPU): each point reads its gate (input 0, indexed by the point) and
// sums an empty range where the gate is zero.
// CHECK-LABEL: func.func @skip_zero_points(
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK:         gpu.launch
// CHECK:           %[[FIRST:.*]] = arith.muli %{{.*}}, %c32 : index
// CHECK:           %[[LAST:.*]] = arith.minsi
// CHECK:           %[[GV:.*]] = memref.load %{{.*}} : memref<2x256xf32>
// CHECK:           %[[NZ:.*]] = arith.cmpf une, %[[GV]], %[[ZERO]] : f32
// CHECK:           %[[END:.*]] = arith.select %[[NZ]], %[[LAST]], %[[FIRST]] : index
// CHECK:           scf.for %{{.*}} = %[[FIRST]] to %[[END]] step
// CHECK:             memref.load %{{.*}} : memref<2x64xf32>
// CHECK:             memref.load %{{.*}} : memref<256x64xf32>
// CHECK:           scf.if %[[NZ]] {
// CHECK-NEXT:        memref.atomic_rmw addf
func.func @skip_zero_points(%g: memref<2x256xf32>, %x: memref<2x64xf32>, %w: memref<256x64xf32>, %y: memref<2x256xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, n)>, affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%g, %x, %w : memref<2x256xf32>, memref<2x64xf32>, memref<256x64xf32>) outs(%y : memref<2x256xf32>) attrs = {sieve.skip_zero_points = 0 : i64} {
  ^bb0(%gv: f32, %xv: f32, %v: f32, %acc: f32):
    %p = arith.mulf %xv, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The same with a longer reduction (at least 32 lanes x 4 steps) over an
// N x K weight (each point's row contiguous, the predicted up projection of
// --sparsity=approx): 32 threads per point, neighbours (the lane is the
// fastest index), each taking every 32nd step, so a warp reads a row
// coalesced; four steps' loads at a time; the gate (here per neuron only)
// empties the range and skips the atomic add where it is zero.
// CHECK-LABEL: func.func @skip_zero_points_lanes(
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG:     %[[K:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[N:.*]] = arith.constant 512 : index
// CHECK-DAG:     %[[THREADS:.*]] = arith.constant 32768 : index
// CHECK:         gpu.launch
// CHECK:           %[[ID:.*]] = arith.addi
// CHECK:           arith.cmpi slt, %[[ID]], %[[THREADS]] : index
// CHECK:           %[[LANE:.*]] = arith.remsi %[[ID]], %[[C32]] : index
// CHECK:           %[[POINT:.*]] = arith.divsi %[[ID]], %[[C32]] : index
// CHECK:           %[[NEURON:.*]] = arith.remsi %[[POINT]], %[[N]] : index
// CHECK:           %[[ROW:.*]] = arith.divsi %[[POINT]], %[[N]] : index
// CHECK:           %[[GV:.*]] = memref.load %{{.*}}[%[[NEURON]]] : memref<512xf32>
// CHECK:           %[[NZ:.*]] = arith.cmpf une, %[[GV]], %[[ZERO]] : f32
// CHECK:           %[[END:.*]] = arith.select %[[NZ]], %[[K]], %[[LANE]] : index
// CHECK:           %[[WHOLE:.*]] = scf.for %[[R:.*]] = %[[LANE]] to %[[START:.*]] step %[[C128]]
// CHECK-COUNT-4:     memref.load %{{.*}}[%[[NEURON]], %{{.*}}] : memref<512x256xf32>
// CHECK:           scf.for %{{.*}} = %[[START]] to %[[END]] step %[[C32]] iter_args(%{{.*}} = %[[WHOLE]])
// CHECK:             memref.load %{{.*}}[%[[ROW]], %{{.*}}] : memref<2x256xf32>
// CHECK:             memref.load %{{.*}}[%[[NEURON]], %{{.*}}] : memref<512x256xf32>
// CHECK:           scf.if %[[NZ]] {
// CHECK-NEXT:        memref.atomic_rmw addf %{{.*}}, %{{.*}}[%[[ROW]], %[[NEURON]]]
func.func @skip_zero_points_lanes(%g: memref<512xf32>, %x: memref<2x256xf32>, %w: memref<512x256xf32>, %y: memref<2x512xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (n)>, affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%g, %x, %w : memref<512xf32>, memref<2x256xf32>, memref<512x256xf32>) outs(%y : memref<2x512xf32>) attrs = {sieve.skip_zero_points = 0 : i64} {
  ^bb0(%gv: f32, %xv: f32, %v: f32, %acc: f32):
    %p = arith.mulf %xv, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Without the mark the same contraction reads every weight row.
// CHECK-LABEL: func.func @no_skip(
// CHECK:         scf.for
// CHECK-NOT:       scf.if
// CHECK:           memref.atomic_rmw addf
func.func @no_skip(%h: memref<1x256xf32>, %w: memref<256x64xf32>, %y: memref<1x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<1x256xf32>, memref<256x64xf32>) outs(%y : memref<1x64xf32>) {
  ^bb0(%x: f32, %v: f32, %acc: f32):
    %p = arith.mulf %x, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// The NVVM lowering has no math.absi: in a kernel it becomes max(x, 0 - x).
// CHECK-LABEL: func.func @abs_int(
// CHECK:         gpu.launch
// CHECK:           %[[X:.*]] = memref.load
// CHECK:           %[[NEG:.*]] = arith.subi %{{.*}}, %[[X]] : i64
// CHECK:           %[[ABS:.*]] = arith.maxsi %[[X]], %[[NEG]] : i64
// CHECK:           memref.store %[[ABS]]
// CHECK-NOT:     math.absi
func.func @abs_int(%x: memref<8xi64>, %y: memref<8xi64>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<8xi64>) outs(%y : memref<8xi64>) {
  ^bb0(%a: i64, %b: i64):
    %r = math.absi %a : i64
    linalg.yield %r : i64
  }
  return
}

// -----

// A convolution (reductions over channels and the window) sums in
// registers, four output channels per thread (the input, which does not
// depend on the channel, loaded once for the four): 64 threads per chunk of
// channels are few, so its 8 input channels are split in two chunks of 4 (at
// least ceil(32 / 9) channels each), each channel running the 3 x 3 window
// whole, and the chunks' sums are added atomically. No store in the loops.
// CHECK-LABEL: func.func @conv(
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C128:.*]] = arith.constant 128 : index
// CHECK:         gpu.launch
// CHECK:           arith.cmpi slt, %{{.*}}, %[[C128]] : index
// CHECK:           %[[F0:.*]] = arith.muli %{{.*}}, %[[C4]] : index
// CHECK:           %[[F1:.*]] = arith.addi %[[F0]], %[[C1]] : index
// CHECK:           %[[FIRST:.*]] = arith.muli %{{.*}}, %[[C4]] : index
// CHECK:           %[[END:.*]] = arith.addi %[[FIRST]], %[[C4]] : index
// CHECK:           %[[LAST:.*]] = arith.minsi %[[END]], %[[C8]] : index
// CHECK:           %[[SUM:.*]]:4 = scf.for %[[CH:.*]] = %[[FIRST]] to %[[LAST]] step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32) {
// CHECK:             scf.for %[[KH:.*]] = %{{.*}} to %[[C3]] step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32) {
// CHECK:               scf.for %[[KW:.*]] = %{{.*}} to %[[C3]] step %{{.*}} iter_args(%[[ACC0:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32, f32, f32) {
// CHECK:                 %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[CH]], %{{.*}}, %{{.*}}] : memref<1x8x6x6xf32>
// CHECK:                 %[[W0:.*]] = memref.load %{{.*}}[%[[F0]], %[[CH]], %[[KH]], %[[KW]]] : memref<16x8x3x3xf32>
// CHECK:                 %[[P0:.*]] = arith.mulf %[[X]], %[[W0]] fastmath<contract> : f32
// CHECK:                 arith.addf %[[ACC0]], %[[P0]] fastmath<contract> : f32
// CHECK:                 %[[W1:.*]] = memref.load %{{.*}}[%[[F1]], %[[CH]], %[[KH]], %[[KW]]] : memref<16x8x3x3xf32>
// CHECK:                 arith.mulf %[[X]], %[[W1]] fastmath<contract> : f32
// CHECK-NOT:             memref.store
// CHECK-COUNT-4:   memref.atomic_rmw addf
func.func @conv(%x: memref<1x8x6x6xf32>, %w: memref<16x8x3x3xf32>, %y: memref<1x16x4x4xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x6x6xf32>, memref<16x8x3x3xf32>) outs(%y : memref<1x16x4x4xf32>)
  return
}
