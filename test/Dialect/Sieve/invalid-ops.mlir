// RUN: sieve-opt %s --split-input-file --verify-diagnostics
// Every verifier error of the sieve ops.

func.func @active_set_rank(%h: tensor<2x3x4xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.active_set' op expects input of rank 1 or 2 (neurons or batch x neurons), got rank 3}}
  %0 = sieve.active_set %h : tensor<2x3x4xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @active_set_threshold(%h: tensor<4xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.active_set' op expects a finite, non-negative threshold, got -1}}
  %0 = sieve.active_set %h threshold -1.0 : tensor<4xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @active_set_infinite_threshold(%h: tensor<4xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.active_set' op expects a finite, non-negative threshold, got INF}}
  %0 = sieve.active_set %h threshold 0x7F800000 : tensor<4xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @active_set_too_many(%h: tensor<1x4xf32>) -> tensor<5xindex> {
  // expected-error @+1 {{'sieve.active_set' op has 5 indices but only 4 neurons}}
  %0 = sieve.active_set %h : tensor<1x4xf32> -> tensor<5xindex>
  return %0 : tensor<5xindex>
}

// -----

func.func @active_set_not_index(%h: tensor<1x4xf32>) -> tensor<?xi32> {
  // expected-error @+1 {{'sieve.active_set' op result #0 must be 1D tensor of index values}}
  %0 = sieve.active_set %h : tensor<1x4xf32> -> tensor<?xi32>
  return %0 : tensor<?xi32>
}

// -----

func.func @active_set_integer_input(%h: tensor<1x4xi32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.active_set' op operand #0 must be ranked tensor of floating-point values}}
  %0 = sieve.active_set %h : tensor<1x4xi32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @gather_input_rank(%h: tensor<1x1x8xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op expects input of rank 1 or 2 (neurons or batch x neurons), got rank 3}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<1x1x8xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @gather_weight_rank(%h: tensor<1x8xf32>, %w: tensor<8xf32>, %i: tensor<?xindex>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op expects a rank-2 weight (K x N), got rank 1}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<1x8xf32>, tensor<8xf32>, tensor<?xindex> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @gather_element_types(%h: tensor<1x8xf16>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op expects input, weight and result of one element type, got 'f16', 'f32' and 'f32'}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<1x8xf16>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @gather_reduction(%h: tensor<1x8xf32>, %w: tensor<6x4xf32>, %i: tensor<?xindex>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op reduction sizes differ: input has 8 neurons but weight has 6 rows}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<1x8xf32>, tensor<6x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @gather_result_rank(%h: tensor<8xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op expects a result of rank 1 (the rank of input), got rank 2}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<8xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x4xf32>
  return %0 : tensor<1x4xf32>
}

// -----

func.func @gather_result_shape(%h: tensor<2x8xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op result shape 'tensor<2x5xf32>' does not match the product shape}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<2x8xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @gather_too_many(%h: tensor<2x8xf32>, %w: tensor<8x4xf32>, %i: tensor<9xindex>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'sieve.gather_matmul' op has 9 indices but only 8 neurons}}
  %0 = sieve.gather_matmul %h, %w, %i : tensor<2x8xf32>, tensor<8x4xf32>, tensor<9xindex> -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @gated_gate_rank(%g: tensor<1x1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op expects gate of rank 1 or 2 (neurons or batch x neurons), got rank 3}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x1x8xf32>
  return %0 : tensor<1x1x8xf32>
}

// -----

func.func @gated_input_rank(%g: tensor<1x8xf32>, %x: tensor<4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op expects input of the gate's rank (2), got rank 1}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @gated_weight_rank(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<32xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op expects a rank-2 weight (N x K, the up weight transposed), got rank 1}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<1x4xf32>, tensor<32xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @gated_element_type(%g: tensor<1x8xf16>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x8xf16> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op expects gate, input, weight and result of one element type}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf16>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x8xf16>
  return %0 : tensor<1x8xf16>
}

// -----

func.func @gated_rows(%g: tensor<2x8xf32>, %x: tensor<3x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op gate has 2 rows but input has 3}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<2x8xf32>, tensor<3x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @gated_neurons(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<6x4xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op gate has 8 neurons but weight has 6 rows}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<1x4xf32>, tensor<6x4xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @gated_reduction(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<8x5xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op reduction sizes differ: input has 4 features but weight has 5 columns}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x5xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @gated_bias(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>, %b: tensor<4xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op expects one bias per neuron (8), got 4}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i bias %b : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex>, tensor<4xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @gated_result_shape(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x9xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op result shape 'tensor<1x9xf32>' does not match the gate shape 'tensor<1x8xf32>'}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x9xf32>
  return %0 : tensor<1x9xf32>
}

// -----

func.func @gated_indices(%g: tensor<1x8xf32>, %x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<9xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.gated_gather_matmul' op has 9 indices but only 8 neurons}}
  %0 = sieve.gated_gather_matmul %g, %x, %w, %i : tensor<1x8xf32>, tensor<1x4xf32>, tensor<8x4xf32>, tensor<9xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @predict_input_rank(%x: tensor<1x1x8xf32>, %u: tensor<8x2xf32>, %v: tensor<2x16xf32>, %t: tensor<16xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op expects input of rank 1 or 2 (neurons or batch x neurons), got rank 3}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x1x8xf32>, tensor<8x2xf32>, tensor<2x16xf32>, tensor<16xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_factor_rank(%x: tensor<1x8xf32>, %u: tensor<8x2xf32>, %v: tensor<32xf32>, %t: tensor<16xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op expects rank-2 factors u (D x R) and v (R x N)}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<8x2xf32>, tensor<32xf32>, tensor<16xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_element_types(%x: tensor<1x8xf32>, %u: tensor<8x2xf16>, %v: tensor<2x16xf32>, %t: tensor<16xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op expects input, u, v and thresholds of one element type}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<8x2xf16>, tensor<2x16xf32>, tensor<16xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_features(%x: tensor<1x8xf32>, %u: tensor<7x2xf32>, %v: tensor<2x16xf32>, %t: tensor<16xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op input has 8 features but u has 7 rows}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<7x2xf32>, tensor<2x16xf32>, tensor<16xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_rank_mismatch(%x: tensor<1x8xf32>, %u: tensor<8x2xf32>, %v: tensor<3x16xf32>, %t: tensor<16xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op rank mismatch between factors: u has 2 columns but v has 3 rows}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<8x2xf32>, tensor<3x16xf32>, tensor<16xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_thresholds(%x: tensor<1x8xf32>, %u: tensor<8x2xf32>, %v: tensor<2x16xf32>, %t: tensor<15xf32>) -> tensor<?xindex> {
  // expected-error @+1 {{'sieve.predict' op expects one threshold per neuron (16), got 15}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<8x2xf32>, tensor<2x16xf32>, tensor<15xf32> -> tensor<?xindex>
  return %0 : tensor<?xindex>
}

// -----

func.func @predict_too_many(%x: tensor<1x8xf32>, %u: tensor<8x2xf32>, %v: tensor<2x16xf32>, %t: tensor<16xf32>) -> tensor<17xindex> {
  // expected-error @+1 {{'sieve.predict' op has 17 indices but only 16 neurons}}
  %0 = sieve.predict %x, %u, %v, %t : tensor<1x8xf32>, tensor<8x2xf32>, tensor<2x16xf32>, tensor<16xf32> -> tensor<17xindex>
  return %0 : tensor<17xindex>
}

// -----

func.func @column_weight_rank(%x: tensor<1x4xf32>, %w: tensor<32xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op expects a rank-2 weight (N x K, the up weight transposed), got rank 1}}
  %0 = sieve.column_gather_matmul %x, %w, %i : tensor<1x4xf32>, tensor<32xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @column_element_types(%x: tensor<1x4xf32>, %w: tensor<8x4xf16>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op expects input, weight and result of one element type}}
  %0 = sieve.column_gather_matmul %x, %w, %i : tensor<1x4xf32>, tensor<8x4xf16>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @column_reduction(%x: tensor<1x5xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op reduction sizes differ: input has 5 features but weight has 4 columns}}
  %0 = sieve.column_gather_matmul %x, %w, %i : tensor<1x5xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @column_bias(%x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>, %b: tensor<7xf32>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op expects one bias per neuron (8), got 7}}
  %0 = sieve.column_gather_matmul %x, %w, %i bias %b : tensor<1x4xf32>, tensor<8x4xf32>, tensor<?xindex>, tensor<7xf32> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @column_result(%x: tensor<2x4xf32>, %w: tensor<8x4xf32>, %i: tensor<?xindex>) -> tensor<3x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op result shape 'tensor<3x8xf32>' does not match the input's rows and the 8 neurons of the weight}}
  %0 = sieve.column_gather_matmul %x, %w, %i : tensor<2x4xf32>, tensor<8x4xf32>, tensor<?xindex> -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

func.func @column_indices(%x: tensor<1x4xf32>, %w: tensor<8x4xf32>, %i: tensor<9xindex>) -> tensor<1x8xf32> {
  // expected-error @+1 {{'sieve.column_gather_matmul' op has 9 indices but only 8 neurons}}
  %0 = sieve.column_gather_matmul %x, %w, %i relu : tensor<1x4xf32>, tensor<8x4xf32>, tensor<9xindex> -> tensor<1x8xf32>
  return %0 : tensor<1x8xf32>
}

// -----

func.func @branch_yield_types(%d: f32, %l: f32, %a: f32, %b: f64) -> f32 {
  // expected-error @+1 {{'sieve.branch' op yields ('f64') from its dense region, but its results are ('f32')}}
  %r = sieve.branch %d, %l : f32 -> f32 {
    sieve.yield %a : f32
  } else {
    sieve.yield %b : f64
  }
  return %r : f32
}

// -----

func.func @branch_yield_count(%d: f32, %l: f32, %a: f32) -> f32 {
  // expected-error @+1 {{'sieve.branch' op yields () from its sparse region, but its results are ('f32')}}
  %r = sieve.branch %d, %l : f32 -> f32 {
    sieve.yield
  } else {
    sieve.yield %a : f32
  }
  return %r : f32
}

// -----

func.func @branch_terminator(%d: f32, %l: f32) {
  // expected-error @+1 {{'sieve.branch' op expects its regions to end in 'sieve.yield', found 'llvm.unreachable'}}
  sieve.branch %d, %l : f32 {
    llvm.unreachable
  } else {
    sieve.yield
  }
  return
}

// -----

// expected-note @+1 {{prior use here}}
func.func @branch_density_types(%d: f32, %l: f64) {
  // expected-error @+1 {{use of value '%l' expects different type than prior uses: 'f32' vs 'f64'}}
  sieve.branch %d, %l : f32 {
    sieve.yield
  } else {
    sieve.yield
  }
  return
}

// -----

func.func @branch_integer_density(%d: i32, %l: i32) {
  // expected-error @+1 {{'sieve.branch' op operand #0 must be floating-point}}
  "sieve.branch"(%d, %l) ({
    sieve.yield
  }, {
    sieve.yield
  }) : (i32, i32) -> ()
  return
}

// -----

func.func @branch_generic_density_types(%d: f32, %l: f64) {
  // expected-error @+1 {{'sieve.branch' op failed to verify that all of {density, limit} have same type}}
  "sieve.branch"(%d, %l) ({
    sieve.yield
  }, {
    sieve.yield
  }) : (f32, f64) -> ()
  return
}

// -----

func.func @yield_outside_branch() {
  // expected-error @+1 {{'sieve.yield' op expects parent op 'sieve.branch'}}
  sieve.yield
}

// -----

func.func @sparse_element_types(%x: tensor<2x4xf16>, %v: tensor<2xf32>, %r: tensor<2xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op expects input, values, init and result of one element type, got 'f16', 'f32', 'f32' and 'f32'}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf16>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_batch(%x: tensor<3x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op input has 3 rows but the result has 2}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<3x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_rows_count(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<3xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op expects one row index per value, got 2 values and 3 rows}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<3xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_offsets_count(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %o: tensor<2xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op expects 3 offsets (result columns + 1), got 2}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<2xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_rows_type(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xf32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op operand #2 must be 1D tensor of signless integer values}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_group(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op attribute 'group' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i group 0 : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_offsets_start(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %o = arith.constant dense<[1, 1, 2]> : tensor<3xi32>
  // expected-error @+1 {{'sieve.sparse_matmul' op expects offsets to start at 0, got 1}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_offsets_order(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %o = arith.constant dense<[0, 2, 1]> : tensor<3xi32>
  // expected-error @+1 {{'sieve.sparse_matmul' op expects non-decreasing offsets, got 1 after 2 at column 1}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_offsets_group(%x: tensor<2x4xf32>, %v: tensor<4xf32>, %r: tensor<4xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %o = arith.constant dense<[0, 1, 4]> : tensor<3xi32>
  // expected-error @+1 {{'sieve.sparse_matmul' op column 0 holds 1 entries, not a multiple of the group 2}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i group 2 : tensor<2x4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_offsets_end(%x: tensor<2x4xf32>, %v: tensor<4xf32>, %r: tensor<4xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %o = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
  // expected-error @+1 {{'sieve.sparse_matmul' op expects the last offset to equal the number of entries (4), got 2}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<4xf32>, tensor<4xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_row_range(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %r = arith.constant dense<[1, 4]> : tensor<2xi32>
  // expected-error @+1 {{'sieve.sparse_matmul' op row 4 of entry 1 is outside the 4 reduction rows of the input}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_group_too_large(%x: tensor<2x4xf32>, %v: tensor<2xf32>, %r: tensor<2xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{'sieve.sparse_matmul' op attribute 'group' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive whose maximum value is 64}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i group 128 : tensor<2x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @sparse_float8(%x: tensor<2x4xf8E4M3FN>, %v: tensor<2xf8E4M3FN>, %r: tensor<2xi32>, %o: tensor<3xi32>, %i: tensor<2x2xf8E4M3FN>) -> tensor<2x2xf8E4M3FN> {
  // expected-error @+1 {{'sieve.sparse_matmul' op operand #0 must be 2D tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = sieve.sparse_matmul %x, %v, %r, %o, %i : tensor<2x4xf8E4M3FN>, tensor<2xf8E4M3FN>, tensor<2xi32>, tensor<3xi32> -> tensor<2x2xf8E4M3FN>
  return %0 : tensor<2x2xf8E4M3FN>
}

// -----

func.func @dot_bytes_lanes(%acc: vector<16xi32>, %a: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{'sieve.dot_bytes' op expects 4 bytes of each operand per 32-bit lane: 'vector<16xi32>' takes vector<64xi8>, got 'vector<32xi8>'}}
  %r = sieve.dot_bytes %acc, %a, %a : vector<16xi32>, vector<32xi8>
  return %r : vector<16xi32>
}
