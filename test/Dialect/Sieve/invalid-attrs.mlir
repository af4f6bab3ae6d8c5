// RUN: sieve-opt %s --split-input-file --verify-diagnostics
// Every parser and verifier error of the Sieve attributes.

// expected-error @+1 {{unknown weight pattern kind 'sparse'; expected one of dense, unstructured, n_m, block, rows, columns, channels}}
func.func private @f() attributes {p = #sieve.weight_pattern<sparse, density = 0.5>}

// -----

// expected-error @+1 {{density must be in [0, 1], got 1.5}}
func.func private @f() attributes {p = #sieve.weight_pattern<unstructured, density = 1.5>}

// -----

// expected-error @+1 {{density must be in [0, 1], got -0.25}}
func.func private @f() attributes {p = #sieve.weight_pattern<rows, density = -0.25>}

// -----

// expected-error @+1 {{n_m pattern needs 0 < N < M, got 4:4}}
func.func private @f() attributes {p = #sieve.weight_pattern<n_m<4, 4>, density = 0.5>}

// -----

// expected-error @+1 {{n_m pattern needs 0 < N < M, got 0:4}}
func.func private @f() attributes {p = #sieve.weight_pattern<n_m<0, 4>, density = 0.0>}

// -----

// expected-error @+1 {{density 0.75 exceeds the 2:4 bound of 0.5}}
func.func private @f() attributes {p = #sieve.weight_pattern<n_m<2, 4>, density = 0.75>}

// -----

// expected-error @+1 {{block pattern needs a 2-D block shape, got 3 dimensions}}
func.func private @f() attributes {p = #sieve.weight_pattern<block<2x2x2>, density = 0.5>}

// -----

// expected-error @+1 {{block dimensions must be positive}}
func.func private @f() attributes {p = #sieve.weight_pattern<block<0x4>, density = 0.5>}

// -----

// expected-error @+1 {{a 1x1 block is the unstructured pattern; use 'unstructured'}}
func.func private @f() attributes {p = #sieve.weight_pattern<block<1x1>, density = 0.5>}

// -----

// expected-error @+1 {{expected 'density'}}
func.func private @f() attributes {p = #sieve.weight_pattern<dense, 0.5>}

// -----

// expected-error @+1 {{unknown activation 'gelu'; expected one of relu, relu6, clip, squared_relu}}
func.func private @f() attributes {s = #sieve.activation_site<gelu>}

// -----

// expected-error @+1 {{expected 'measured' or 'assumed', got 'unknown'}}
func.func private @f() attributes {s = #sieve.activation_site<relu, unknown = 0.5>}

// -----

// expected-error @+1 {{expected 'measured' or 'assumed', got 'guessed'}}
func.func private @f() attributes {s = #sieve.activation_site<relu, guessed = 0.5>}

// -----

// expected-error @+1 {{density must be in [0, 1], got 2.0}}
func.func private @f() attributes {s = #sieve.activation_site<relu, measured = 2.0>}

// -----

// expected-error @+1 {{rank mismatch between factors: u has 1 columns but v has 2 rows}}
func.func private @f() attributes {p = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<2x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 1.0, density = 0.5>}

// -----

// expected-error @+1 {{expects one threshold per neuron (3), got 2}}
func.func private @f() attributes {p = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<2xf32>, recall = 1.0, density = 0.5>}

// -----

// expected-error @+1 {{expects factors u (D x R) and v (R x N) and N thresholds}}
func.func private @f() attributes {p = #sieve.predictor<u = dense<1.0> : tensor<2xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 1.0, density = 0.5>}

// -----

// expected-error @+1 {{expects u, v and thresholds of one float type}}
func.func private @f() attributes {p = #sieve.predictor<u = dense<1.0> : tensor<2x1xf16>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 1.0, density = 0.5>}

// -----

// expected-error @+1 {{recall must be in [0, 1], got 1.5}}
func.func private @f() attributes {p = #sieve.predictor<u = dense<1.0> : tensor<2x1xf32>, v = dense<1.0> : tensor<1x3xf32>, thresholds = dense<0.0> : tensor<3xf32>, recall = 1.5, density = 0.5>}
