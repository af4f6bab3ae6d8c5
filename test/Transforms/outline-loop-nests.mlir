// RUN: sieve-opt %s --sieve-outline-loop-nests | FileCheck %s
// RUN: sieve-opt %s --sieve-outline-loop-nests=min-nests=3 | FileCheck %s --check-prefix=KEEP

// Two loop nests (one with a result) become two noinline functions called
// in their place; the constant and the global weight are cloned into them,
// the buffers become arguments.

memref.global "private" constant @weight : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// CHECK: func.func private @main_nest0(%{{.*}}: memref<4xf32>, %{{.*}}: memref<4xf32>) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK-NEXT: memref.get_global @weight
// CHECK: scf.for
// CHECK: func.func private @main_nest1(%{{.*}}: memref<4xf32>) -> f32 attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: arith.constant 0.000000e+00 : f32
// CHECK: scf.for {{.*}} iter_args
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[A:.*]]: memref<4xf32>, %[[B:.*]]: memref<4xf32>)
// CHECK-NOT: scf.for
// CHECK: call @main_nest0(%[[A]], %[[B]]) : (memref<4xf32>, memref<4xf32>) -> ()
// CHECK-NEXT: %[[S:.*]] = call @main_nest1(%[[B]]) : (memref<4xf32>) -> f32
// CHECK-NEXT: return %[[S]]
// KEEP-NOT: call
func.func @main(%a: memref<4xf32>, %b: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %w = memref.get_global @weight : memref<4xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %a[%i] : memref<4xf32>
    %y = memref.load %w[%i] : memref<4xf32>
    %z = arith.mulf %x, %y : f32
    memref.store %z, %b[%i] : memref<4xf32>
  }
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> f32 {
    %x = memref.load %b[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    scf.yield %s : f32
  }
  return %sum : f32
}

// The attribute reaches LLVM IR as the function attribute noinline.
// RUN: sieve-opt %s --sieve-outline-loop-nests --convert-scf-to-cf --finalize-memref-to-llvm --convert-arith-to-llvm --convert-func-to-llvm --convert-cf-to-llvm --reconcile-unrealized-casts | sieve-translate --mlir-to-llvmir | FileCheck %s --check-prefix=LLVM
// LLVM: define internal void @main_nest0({{.*}}) #[[ATTR:[0-9]+]]
// LLVM: attributes #[[ATTR]] = { noinline }
