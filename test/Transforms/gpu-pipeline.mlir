// RUN: sieve-opt %s --sieve-gpu-pipeline | FileCheck %s
// RUN: sieve-opt %s --sieve-gpu-pipeline="chip=sm_80 block-size=128" | FileCheck %s --check-prefix=SM80
// RUN: sieve-opt %s --sieve-gpu-pipeline="async-launches=false" | FileCheck %s --check-prefix=SYNC
// RUN: not sieve-opt %s --sieve-gpu-pipeline="chip=sm_70" 2>&1 | FileCheck %s --check-prefix=BADCHIP

// A Gemm + ReLU + Gemm + softmax on tensors becomes one gpu.binary of PTX
// kernels (one module, every kernel in it) and a host function in the LLVM
// dialect that launches them, queued on one stream; buffers come from the
// runtime's allocator and the weights from its device copies
// (sieveGpuConstant). A kernel's multiply-adds are FMAs (contractable, as
// with nvcc's default).
// CHECK-DAG:   llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-DAG:   llvm.mlir.global private constant @__constant_64x32xf32
// CHECK-LABEL: llvm.func @mlp(
// CHECK:       %[[W1:.*]] = llvm.mlir.addressof @__constant_64x32xf32
// CHECK:       llvm.call @sieveGpuConstant(%[[W1]], %{{.*}}) : (!llvm.ptr, i64) -> !llvm.ptr
// CHECK:       llvm.call @_mlir_memref_to_llvm_alloc
// CHECK:       gpu.launch_func <%{{.*}} : !llvm.ptr> @sieve_kernels::@mlp_kernel blocks in
// CHECK-SAME:  threads in (%{{.*}}, %{{.*}}, %{{.*}}) : i64
// CHECK:       gpu.launch_func <%{{.*}} : !llvm.ptr> @sieve_kernels::@mlp_kernel_0
// CHECK:       llvm.call @_mlir_memref_to_llvm_free
// CHECK-LABEL: llvm.func @_mlir_ciface_mlp(
// CHECK:       gpu.binary @sieve_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_90"
// CHECK-SAME:  .target sm_90
// CHECK-SAME:  .visible .entry mlp_kernel(
// CHECK-SAME:  .visible .entry mlp_kernel_0(
// CHECK-SAME:  fma.rn.f32
// CHECK:       llvm.func @sieveGpuConstant(!llvm.ptr, i64) -> !llvm.ptr
// CHECK-NOT:   gpu.binary

// SM80-LABEL: llvm.func @mlp(
// SM80:        %[[BLOCK:.*]] = llvm.mlir.constant(128 : index) : i64
// SM80:        gpu.launch_func <%{{.*}} : !llvm.ptr> @sieve_kernels::@mlp_kernel blocks in ({{.*}}) threads in (%[[BLOCK]],
// SM80:        gpu.binary @sieve_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80"
// SM80-SAME:   .target sm_80

// BADCHIP: sieve-gpu-pipeline: --gpu-arch=sm_70 is not supported (use sm_80 or sm_90)
func.func @mlp(%x: tensor<1x64xf32>) -> tensor<1x10xf32> attributes {llvm.emit_c_interface} {
  %w1 = arith.constant dense<0.5> : tensor<64x32xf32>
  %w2 = arith.constant dense<0.25> : tensor<32x10xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<1x32xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x32xf32>) -> tensor<1x32xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<1x64xf32>, tensor<64x32xf32>) outs(%f1 : tensor<1x32xf32>) -> tensor<1x32xf32>
  %r = linalg.max ins(%h, %f1 : tensor<1x32xf32>, tensor<1x32xf32>) outs(%e1 : tensor<1x32xf32>) -> tensor<1x32xf32>
  %e2 = tensor.empty() : tensor<1x10xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x10xf32>) -> tensor<1x10xf32>
  %y = linalg.matmul ins(%r, %w2 : tensor<1x32xf32>, tensor<32x10xf32>) outs(%f2 : tensor<1x10xf32>) -> tensor<1x10xf32>
  %s = linalg.softmax dimension(1) ins(%y : tensor<1x10xf32>) outs(%e2 : tensor<1x10xf32>) -> tensor<1x10xf32>
  return %s : tensor<1x10xf32>
}

// With async-launches=false every launch is synchronous (no stream operand:
// the translation to LLVM IR waits for each).
// SYNC-LABEL: llvm.func @mlp(
// SYNC-NOT:   gpu.launch_func <
// SYNC:       gpu.launch_func  @sieve_kernels::@mlp_kernel blocks in
