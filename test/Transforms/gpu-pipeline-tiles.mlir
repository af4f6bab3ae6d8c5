// RUN: sieve-opt %s --sieve-gpu-pipeline | FileCheck %s
// RUN: sieve-opt %s --sieve-gpu-pipeline="shared-tiles=false" | FileCheck %s --check-prefix=REGS

// A matmul with 64 rows runs in shared-memory tiles: in the PTX, two
// shared buffers aligned to 16 bytes (sieve-merge-gpu-modules), a barrier
// around each stage, and the steps' 16-byte shared loads; the launch is
// queued like any other.
// CHECK-LABEL: llvm.func @rows(
// CHECK:       gpu.launch_func <%{{.*}} : !llvm.ptr> @sieve_kernels::@rows_kernel_0
// CHECK:       gpu.binary @sieve_kernels
// CHECK-SAME:  .shared .align 16 .b8 __wg_rows_kernel{{[_0-9]*}}_0[4352];
// CHECK-SAME:  .shared .align 16 .b8 __wg_rows_kernel{{[_0-9]*}}_1[5120];
// CHECK-SAME:  bar.sync
// CHECK-SAME:  ld.shared.v4.b32
// CHECK-SAME:  fma.rn.f32
// REGS-LABEL: llvm.func @rows(
// REGS:       gpu.binary @sieve_kernels
// REGS-NOT:   .shared
// REGS-NOT:   bar.sync
// REGS-SAME:  fma.rn.f32
func.func @rows(%x: tensor<64x96xf32>, %w: tensor<96x128xf32>) -> tensor<64x128xf32> attributes {llvm.emit_c_interface} {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %y = linalg.matmul ins(%x, %w : tensor<64x96xf32>, tensor<96x128xf32>) outs(%f : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %y : tensor<64x128xf32>
}
