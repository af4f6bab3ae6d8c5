// RUN: sieve-opt %s --sieve-flatten-constant-globals | FileCheck %s

// A nested array constant becomes a flat one with the same elements in
// row-major order; its alignment and the reads through its address stay.
// CHECK:      llvm.mlir.global private constant @weight(dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 5.000000e+00, 6.000000e+00]> : tensor<6xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<6 x f32>
llvm.mlir.global private constant @weight(dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>) {addr_space = 0 : i32, alignment = 64 : i64} : !llvm.array<2 x array<3 x f32>>

// A splat and a resource blob (a weight transposed at compile time).
// CHECK:      llvm.mlir.global private constant @splat(dense<2.000000e-02> : tensor<24xf32>) {addr_space = 0 : i32} : !llvm.array<24 x f32>
llvm.mlir.global private constant @splat(dense<2.0e-2> : tensor<2x3x2x2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x array<3 x array<2 x array<2 x f32>>>>
// CHECK:      llvm.mlir.global private constant @blob(dense_resource<blob> : tensor<4xf32>) {addr_space = 0 : i32} : !llvm.array<4 x f32>
llvm.mlir.global private constant @blob(dense_resource<blob> : tensor<2x2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x array<2 x f32>>

// Flat arrays, globals without a value and scalars stay as they are.
// CHECK:      llvm.mlir.global private constant @flat(dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
// CHECK:      llvm.mlir.global external @buffer() {addr_space = 0 : i32} : !llvm.array<2 x array<2 x f32>>
// CHECK:      llvm.mlir.global private constant @scalar(1.000000e+00 : f32) {addr_space = 0 : i32} : f32
llvm.mlir.global private constant @flat(dense<[1.0, 2.0]> : tensor<2xf32>) {addr_space = 0 : i32} : !llvm.array<2 x f32>
llvm.mlir.global external @buffer() {addr_space = 0 : i32} : !llvm.array<2 x array<2 x f32>>
llvm.mlir.global private constant @scalar(1.0 : f32) {addr_space = 0 : i32} : f32

// CHECK-LABEL: llvm.func @read
// CHECK:       %[[A:.*]] = llvm.mlir.addressof @weight : !llvm.ptr
// CHECK:       llvm.getelementptr %[[A]][0, 0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x array<3 x f32>>
llvm.func @read() -> !llvm.ptr {
  %a = llvm.mlir.addressof @weight : !llvm.ptr
  %p = llvm.getelementptr %a[0, 0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<2 x array<3 x f32>>
  llvm.return %p : !llvm.ptr
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x04000000000080BF0000803F0000004000004040"
    }
  }
#-}
