// RUN: sieve-opt %s | sieve-opt | FileCheck %s
// RUN: sieve-opt %s --mlir-print-op-generic | sieve-opt | FileCheck %s
// Every sieve op round-trips, in custom and in generic form.

// CHECK-LABEL: func.func @active_set
func.func @active_set(%row: tensor<4096xf32>, %batch: tensor<?x4096xf16>)
    -> (tensor<?xindex>, tensor<?xindex>, tensor<16xindex>) {
  // CHECK: sieve.active_set %{{.*}} : tensor<4096xf32> -> tensor<?xindex>
  %0 = sieve.active_set %row : tensor<4096xf32> -> tensor<?xindex>
  // CHECK: sieve.active_set %{{.*}} threshold 0.00999999977 : tensor<?x4096xf16> -> tensor<?xindex>
  %1 = sieve.active_set %batch threshold 0.01 : tensor<?x4096xf16> -> tensor<?xindex>
  // A statically sized set is allowed (for example after shape refinement).
  // CHECK: sieve.active_set %{{.*}} : tensor<4096xf32> -> tensor<16xindex>
  %2 = sieve.active_set %row : tensor<4096xf32> -> tensor<16xindex>
  return %0, %1, %2 : tensor<?xindex>, tensor<?xindex>, tensor<16xindex>
}

// CHECK-LABEL: func.func @gather_matmul
func.func @gather_matmul(%h: tensor<8x256xf32>, %w: tensor<256x64xf32>,
                         %row: tensor<256xf32>, %dyn: tensor<?x?xf32>,
                         %idx: tensor<?xindex>)
    -> (tensor<8x64xf32>, tensor<64xf32>, tensor<?x64xf32>) {
  // CHECK: sieve.gather_matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<8x64xf32>
  %0 = sieve.gather_matmul %h, %w, %idx
      : tensor<8x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<8x64xf32>
  // CHECK: sieve.gather_matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<64xf32>
  %1 = sieve.gather_matmul %row, %w, %idx
      : tensor<256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<64xf32>
  // CHECK: sieve.gather_matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x?xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<?x64xf32>
  %2 = sieve.gather_matmul %dyn, %w, %idx
      : tensor<?x?xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<?x64xf32>
  return %0, %1, %2 : tensor<8x64xf32>, tensor<64xf32>, tensor<?x64xf32>
}

// CHECK-LABEL: func.func @gated_gather_matmul
func.func @gated_gather_matmul(%g: tensor<4x256xf32>, %x: tensor<4x64xf32>,
                               %wt: tensor<256x64xf32>, %b: tensor<256xf32>,
                               %grow: tensor<256xf32>, %xrow: tensor<64xf32>,
                               %gd: tensor<?x256xf32>, %xd: tensor<?x64xf32>,
                               %idx: tensor<?xindex>)
    -> (tensor<4x256xf32>, tensor<256xf32>, tensor<?x256xf32>) {
  // CHECK: sieve.gated_gather_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x256xf32>, tensor<4x64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<4x256xf32>
  %0 = sieve.gated_gather_matmul %g, %x, %wt, %idx
      : tensor<4x256xf32>, tensor<4x64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<4x256xf32>
  // CHECK: sieve.gated_gather_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} : tensor<256xf32>, tensor<64xf32>, tensor<256x64xf32>, tensor<?xindex>, tensor<256xf32> -> tensor<256xf32>
  %1 = sieve.gated_gather_matmul %grow, %xrow, %wt, %idx bias %b
      : tensor<256xf32>, tensor<64xf32>, tensor<256x64xf32>, tensor<?xindex>, tensor<256xf32> -> tensor<256xf32>
  // CHECK: sieve.gated_gather_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x256xf32>, tensor<?x64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<?x256xf32>
  %2 = sieve.gated_gather_matmul %gd, %xd, %wt, %idx
      : tensor<?x256xf32>, tensor<?x64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<?x256xf32>
  return %0, %1, %2 : tensor<4x256xf32>, tensor<256xf32>, tensor<?x256xf32>
}

// CHECK-LABEL: func.func @sparse_matmul
func.func @sparse_matmul(%x: tensor<8x4xf32>, %init: tensor<8x2xf32>,
                         %xd: tensor<?x4xf32>, %initd: tensor<?x2xf32>,
                         %v: tensor<?xf32>, %r: tensor<?xi16>, %o: tensor<3xi64>)
    -> (tensor<8x2xf32>, tensor<?x2xf32>) {
  %values = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %rows = arith.constant dense<[1, 3]> : tensor<2xi32>
  %offsets = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
  // The default group (1) is not printed.
  // CHECK: sieve.sparse_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<8x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<8x2xf32>
  %0 = sieve.sparse_matmul %x, %values, %rows, %offsets, %init
      : tensor<8x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<8x2xf32>
  // Dynamic batch and entry count, other index widths, a group.
  // CHECK: sieve.sparse_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} group 16 : tensor<?x4xf32>, tensor<?xf32>, tensor<?xi16>, tensor<3xi64> -> tensor<?x2xf32>
  %1 = sieve.sparse_matmul %xd, %v, %r, %o, %initd group 16
      : tensor<?x4xf32>, tensor<?xf32>, tensor<?xi16>, tensor<3xi64> -> tensor<?x2xf32>
  // Offsets are unsigned: 128 and 144 fit an i8 offset.
  // CHECK: sieve.sparse_matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} group 16 : tensor<?x4xf32>, tensor<?xf32>, tensor<?xi16>, tensor<3xi8> -> tensor<?x2xf32>
  %o8 = arith.constant dense<[0, 128, 144]> : tensor<3xi8>
  %2 = sieve.sparse_matmul %xd, %v, %r, %o8, %initd group 16
      : tensor<?x4xf32>, tensor<?xf32>, tensor<?xi16>, tensor<3xi8> -> tensor<?x2xf32>
  return %0, %2 : tensor<8x2xf32>, tensor<?x2xf32>
}

// CHECK-LABEL: func.func @predict
func.func @predict(%x: tensor<1x512xf32>, %u: tensor<512x32xf32>,
                   %v: tensor<32x2048xf32>, %t: tensor<2048xf32>,
                   %xs: tensor<?x512xf32>) -> (tensor<?xindex>, tensor<?xindex>) {
  // CHECK: sieve.predict %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x512xf32>, tensor<512x32xf32>, tensor<32x2048xf32>, tensor<2048xf32> -> tensor<?xindex>
  %0 = sieve.predict %x, %u, %v, %t
      : tensor<1x512xf32>, tensor<512x32xf32>, tensor<32x2048xf32>, tensor<2048xf32> -> tensor<?xindex>
  // CHECK: sieve.predict %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x512xf32>,
  %1 = sieve.predict %xs, %u, %v, %t
      : tensor<?x512xf32>, tensor<512x32xf32>, tensor<32x2048xf32>, tensor<2048xf32> -> tensor<?xindex>
  return %0, %1 : tensor<?xindex>, tensor<?xindex>
}

// CHECK-LABEL: func.func @column_gather_matmul
func.func @column_gather_matmul(%x: tensor<?x64xf32>, %w: tensor<256x64xf32>,
                                %idx: tensor<?xindex>, %b: tensor<256xf32>,
                                %x1: tensor<64xf32>)
    -> (tensor<?x256xf32>, tensor<256xf32>) {
  // CHECK: sieve.column_gather_matmul %{{.*}}, %{{.*}}, %{{.*}} bias %{{.*}} relu : tensor<?x64xf32>, tensor<256x64xf32>, tensor<?xindex>, tensor<256xf32> -> tensor<?x256xf32>
  %0 = sieve.column_gather_matmul %x, %w, %idx bias %b relu
      : tensor<?x64xf32>, tensor<256x64xf32>, tensor<?xindex>, tensor<256xf32> -> tensor<?x256xf32>
  // CHECK: sieve.column_gather_matmul %{{.*}}, %{{.*}}, %{{.*}} : tensor<64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<256xf32>
  %1 = sieve.column_gather_matmul %x1, %w, %idx
      : tensor<64xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<256xf32>
  return %0, %1 : tensor<?x256xf32>, tensor<256xf32>
}

// CHECK-LABEL: func.func @branch
func.func @branch(%h: tensor<1x256xf32>, %w: tensor<256x64xf32>,
                  %idx: tensor<?xindex>, %density: f32, %limit: f32,
                  %init: tensor<1x64xf32>) -> tensor<1x64xf32> {
  // CHECK: %[[R:.*]] = sieve.branch %{{.*}}, %{{.*}} : f32 -> tensor<1x64xf32> {
  // CHECK:   %[[S:.*]] = sieve.gather_matmul
  // CHECK:   sieve.yield %[[S]] : tensor<1x64xf32>
  // CHECK: } else {
  // CHECK:   %[[D:.*]] = linalg.matmul
  // CHECK:   sieve.yield %[[D]] : tensor<1x64xf32>
  // CHECK: }
  // CHECK: return %[[R]]
  %r = sieve.branch %density, %limit : f32 -> tensor<1x64xf32> {
    %s = sieve.gather_matmul %h, %w, %idx
        : tensor<1x256xf32>, tensor<256x64xf32>, tensor<?xindex> -> tensor<1x64xf32>
    sieve.yield %s : tensor<1x64xf32>
  } else {
    %d = linalg.matmul ins(%h, %w : tensor<1x256xf32>, tensor<256x64xf32>)
                       outs(%init : tensor<1x64xf32>) -> tensor<1x64xf32>
    sieve.yield %d : tensor<1x64xf32>
  }
  return %r : tensor<1x64xf32>
}

// A branch may yield several values, or none (for side effects on memrefs).
// CHECK-LABEL: func.func @branch_results
func.func @branch_results(%d: f64, %l: f64, %a: i32, %b: index,
                          %m: memref<4xf32>, %x: f32) -> (i32, index) {
  // CHECK: sieve.branch %{{.*}}, %{{.*}} : f64 -> i32, index {
  // CHECK:   sieve.yield %{{.*}}, %{{.*}} : i32, index
  %r:2 = sieve.branch %d, %l : f64 -> i32, index {
    sieve.yield %a, %b : i32, index
  } else {
    sieve.yield %a, %b : i32, index
  }
  // CHECK: sieve.branch %{{.*}}, %{{.*}} : f64 {
  // CHECK:   memref.store
  // CHECK:   sieve.yield{{$}}
  // CHECK: } else {
  // CHECK:   sieve.yield{{$}}
  sieve.branch %d, %l : f64 {
    %c0 = arith.constant 0 : index
    memref.store %x, %m[%c0] : memref<4xf32>
    sieve.yield
  } else {
    sieve.yield
  }
  return %r#0, %r#1 : i32, index
}

// CHECK-LABEL: func.func @dot_bytes
// CHECK:   sieve.dot_bytes %{{.*}}, %{{.*}}, %{{.*}} : vector<16xi32>, vector<64xi8>
func.func @dot_bytes(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>) -> vector<16xi32> {
  %r = sieve.dot_bytes %acc, %a, %b : vector<16xi32>, vector<64xi8>
  return %r : vector<16xi32>
}
