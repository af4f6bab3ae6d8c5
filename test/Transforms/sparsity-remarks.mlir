// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights{report=true},sieve-sparsify-activations{report=true}))" -o /dev/null 2>&1 | FileCheck %s
// RUN: sieve-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sieve-sparsify-weights,sieve-sparsify-activations))" 2>&1 | FileCheck %s --check-prefix=QUIET

// With report=true each sparsity decision is a remark naming the ONNX node
// (sievec and sieve-run turn it on); without it the passes are silent.
// QUIET-NOT: remark

func.func @packed_weight(%x: tensor<1x128xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant sparse<[[5, 0], [40, 0]], [3.0, 4.0]> : tensor<128x2xf32>
  // CHECK: remark: {{.*}}node 'fc': 128x2 weight 0.8% non-zero (6.2% packed, limit 12%): packed into sieve.sparse_matmul (128 B, dense 1 KiB)
  %0 = linalg.matmul ins(%x, %w : tensor<1x128xf32>, tensor<128x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32> loc("fc"("Gemm"))
  return %0 : tensor<1x2xf32>
}

// -----

func.func @dense_weight(%x: tensor<1x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = arith.constant dense<[[0.0, 1.0], [2.0, 3.0]]> : tensor<2x2xf32>
  // CHECK: remark: {{.*}}node 'proj': 2x2 weight 75.0% non-zero (800.0% packed), above the packing limit 12% for this batch: kept dense
  %0 = linalg.matmul ins(%x, %w : tensor<1x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32> loc("proj"("MatMul"))
  return %0 : tensor<1x2xf32>
}

// -----

// A ReLU feeding a matmul with a weight argument: the gather rewrite.
func.func @relu_gather(%x: tensor<1x4xf32>, %w: tensor<4x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.max ins(%x, %z : tensor<1x4xf32>, tensor<1x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32> loc("Relu_4"("Relu"))
  // CHECK: remark: {{.*}}node 'Gemm_5' after ReLU node 'Relu_4': gathers the weight rows of active neurons, dense path above 15% active (checked at run time)
  %0 = linalg.matmul ins(%h, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32> loc("Gemm_5"("Gemm"))
  return %0 : tensor<1x2xf32>
}

// -----

// A ReLU whose profiled density is above the limit stays dense.
func.func @relu_profiled_dense(%x: tensor<1x4xf32>, %w: tensor<4x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32>
  %h = linalg.max {sieve.activation_site = #sieve.activation_site<relu, measured = 0.625>}
      ins(%x, %z : tensor<1x4xf32>, tensor<1x4xf32>) outs(%e : tensor<1x4xf32>) -> tensor<1x4xf32> loc("Relu_4"("Relu"))
  // CHECK: remark: {{.*}}node 'Gemm_5' after ReLU node 'Relu_4': density 62.5% (profile) above the gather limit 15%: kept dense
  %0 = linalg.matmul ins(%h, %w : tensor<1x4xf32>, tensor<4x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32> loc("Gemm_5"("Gemm"))
  return %0 : tensor<1x2xf32>
}

// -----

// A ReLU whose neuron count is dynamic cannot be gathered: said, not silent.
func.func @relu_dynamic_neurons(%x: tensor<1x?xf32>, %w: tensor<?x2xf32>, %init: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %n = tensor.dim %x, %c1 : tensor<1x?xf32>
  %e = tensor.empty(%n) : tensor<1x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x?xf32>) -> tensor<1x?xf32>
  %h = linalg.max ins(%x, %z : tensor<1x?xf32>, tensor<1x?xf32>) outs(%e : tensor<1x?xf32>) -> tensor<1x?xf32> loc("Relu_1"("Relu"))
  // CHECK: remark: {{.*}}node 'MatMul_2' after ReLU node 'Relu_1': kept dense (the gather needs a static number of neurons and a float type, got 'tensor<1x?xf32>')
  %0 = linalg.matmul ins(%h, %w : tensor<1x?xf32>, tensor<?x2xf32>) outs(%init : tensor<1x2xf32>) -> tensor<1x2xf32> loc("MatMul_2"("MatMul"))
  return %0 : tensor<1x2xf32>
}
