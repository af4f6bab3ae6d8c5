// RUN: sieve-opt %s --sieve-gpu-pipeline="chip=sm_90" --mlir-print-ir-after=sieve-map-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM90
// RUN: sieve-opt %s --sieve-gpu-pipeline="chip=sm_80" --mlir-print-ir-after=sieve-map-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=SM80

// A batch-1 GEMV has too few outputs (4096) to fill a GPU, so its sum over
// 11008 is split across threads: twice the threads the chip keeps resident
// (sm_90: 132 multiprocessors x 2048, sm_80: 108 x 2048), so 132 chunks of
// 84 steps on sm_90 and 108 chunks of 102 on sm_80 (the IR right after
// sieve-map-to-gpu, before its constants fold).
// SM90-LABEL: func.func @gemv(
// SM90:         gpu.launch
// SM90-DAG:       arith.constant 540672 : index
// SM90-DAG:       arith.constant 132 : index
// SM90-DAG:       arith.constant 84 : index
// SM90:           memref.atomic_rmw addf
// SM80-LABEL: func.func @gemv(
// SM80:         gpu.launch
// SM80-DAG:       arith.constant 442368 : index
// SM80-DAG:       arith.constant 108 : index
// SM80-DAG:       arith.constant 102 : index
// SM80:           memref.atomic_rmw addf
func.func @gemv(%x: tensor<1x11008xf32>, %w: tensor<11008x4096xf32>) -> tensor<1x4096xf32> {
  %zero = arith.constant 0.000000e+00 : f32
  %e = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x11008xf32>, tensor<11008x4096xf32>)
                     outs(%init : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  return %y : tensor<1x4096xf32>
}
