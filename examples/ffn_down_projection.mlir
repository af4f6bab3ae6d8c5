// The down projection of a ReLU FFN (d_ff = 11008 -> d = 4096, batch 1), as
// Sieve's activation-sparsity rewrite shapes it: find the active neurons of
// h = relu(x @ w_up), and when few enough are active multiply only their
// rows of w_down; otherwise run the dense matmul.
func.func @ffn_down(%h: tensor<1x11008xf32>, %w_down: tensor<11008x4096xf32>)
    -> tensor<1x4096xf32> {
  %idx = sieve.active_set %h : tensor<1x11008xf32> -> tensor<?xindex>

  // density = |active| / d_ff
  %c0 = arith.constant 0 : index
  %n = tensor.dim %idx, %c0 : tensor<?xindex>
  %n_i = arith.index_cast %n : index to i64
  %n_f = arith.sitofp %n_i : i64 to f32
  %d_ff = arith.constant 11008.0 : f32
  %density = arith.divf %n_f, %d_ff : f32
  // Above this density the gather costs more than it saves.
  %limit = arith.constant 0.6 : f32

  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<1x4096xf32>
  %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<1x4096xf32>) -> tensor<1x4096xf32>

  %y = sieve.branch %density, %limit : f32 -> tensor<1x4096xf32> {
    %s = sieve.gather_matmul %h, %w_down, %idx
        : tensor<1x11008xf32>, tensor<11008x4096xf32>, tensor<?xindex> -> tensor<1x4096xf32>
    sieve.yield %s : tensor<1x4096xf32>
  } else {
    %d = linalg.matmul ins(%h, %w_down : tensor<1x11008xf32>, tensor<11008x4096xf32>)
                       outs(%init : tensor<1x4096xf32>) -> tensor<1x4096xf32>
    sieve.yield %d : tensor<1x4096xf32>
  }
  return %y : tensor<1x4096xf32>
}
