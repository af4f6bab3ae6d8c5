//===- SieveOps.td - Sieve operations ----------------------*- tablegen -*-===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_TD
#define SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_TD

include "sieve/Dialect/Sieve/IR/SieveAttrs.td"
include "mlir/Interfaces/ControlFlowInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

/// A 1-D tensor of neuron indices, as produced by `sieve.active_set` and
/// `sieve.predict`.
def Sieve_IndexVector : 1DTensorOf<[Index]>;

//===----------------------------------------------------------------------===//
// ActiveSetOp
//===----------------------------------------------------------------------===//

def Sieve_ActiveSetOp : Sieve_Op<"active_set", [Pure]> {
  let summary = "Indices of the active neurons of a batch of activations";
  let description = [{
    Returns, in ascending order, the indices `j` of the neurons (the last
    dimension of `input`) that are active in at least one row of the batch:
    `|input[i, j]| > threshold` for some `i`. Taking the union over the batch
    makes batch sizes above 1 work (chunk-level sparsity). The result has one
    element per active neuron, so its length is usually dynamic.

    `input` is a rank-1 (one row) or rank-2 (batch x neurons) tensor of
    floats. `threshold` is a non-negative float; with the default 0.0 exactly
    the non-zero neurons are active, which keeps a rewrite that uses the set
    exact.

    Example:

    ```mlir
    %idx = sieve.active_set %h : tensor<1x4096xf32> -> tensor<?xindex>
    %big = sieve.active_set %h threshold 0.01 : tensor<8x4096xf32> -> tensor<?xindex>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    DefaultValuedAttr<F32Attr, "0.0">:$threshold
  );
  let results = (outs Sieve_IndexVector:$indices);
  let assemblyFormat = [{
    $input (`threshold` $threshold^)? attr-dict `:` type($input) `->`
    type($indices)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GatherMatmulOp
//===----------------------------------------------------------------------===//

def Sieve_GatherMatmulOp : Sieve_Op<"gather_matmul", [Pure]> {
  let summary = "Matrix product over a subset of the reduction dimension";
  let description = [{
    Computes `input[:, indices] @ weight[indices, :]`: the product of the
    activations with the weight rows of the selected neurons only. When
    `indices` holds every neuron that is non-zero in `input` (as
    `sieve.active_set` with threshold 0 gives), the result equals
    `input @ weight` exactly while reading only the active rows of `weight`.

    `input` is `M x K` (or `K` for a single row, giving an `N` result),
    `weight` is `K x N`, `indices` is a 1-D `index` tensor with values in
    `[0, K)`, and the result is `M x N` of the same element type.

    Example:

    ```mlir
    %idx = sieve.active_set %h : tensor<1x11008xf32> -> tensor<?xindex>
    %y = sieve.gather_matmul %h, %w, %idx
        : tensor<1x11008xf32>, tensor<11008x4096xf32>, tensor<?xindex>
          -> tensor<1x4096xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    RankedTensorOf<[AnyFloat]>:$weight,
    Sieve_IndexVector:$indices
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $indices attr-dict `:` type($input) `,`
    type($weight) `,` type($indices) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GatedGatherMatmulOp
//===----------------------------------------------------------------------===//

def Sieve_GatedGatherMatmulOp : Sieve_Op<"gated_gather_matmul", [Pure]> {
  let summary = "Selected columns of a matrix product, multiplied by a gate";
  let description = [{
    The up projection of a gated FFN (`h = relu(x @ Wg) * (x @ Wu)`) over
    the active neurons only. For every index `n` in `indices` and every row
    `m`:

    ```
    result[m, n] = gate[m, n] * (sum_k input[m, k] * weight[n, k] + bias[n])
    ```

    and `result[m, n] = 0` for the neurons `n` not in `indices`. `weight`
    is the up weight stored transposed (`N x K`: the weights of neuron `n`
    are the contiguous row `n`), so the product reads only the rows of the
    selected neurons, each in one sequential pass. When `indices` holds
    every neuron that is non-zero in `gate` (as `sieve.active_set` with
    threshold 0 gives), the result equals `gate * (input @ transpose(weight)
    + bias)` exactly for finite values: a neuron left out has a zero gate.

    `gate` is `M x N` (or `N` for one row), `input` is `M x K` (or `K`),
    `weight` is `N x K`, the optional `bias` has `N` elements, `indices` is
    a 1-D `index` tensor with values in `[0, N)`, and the result has the
    type of `gate`; all floats of one element type.

    Example (the up projection of a gated FFN with `d = 4096`, `d_ff =
    11008`; its result feeds `sieve.gather_matmul` with the down weight and
    the same indices):

    ```mlir
    %idx = sieve.active_set %g : tensor<1x11008xf32> -> tensor<?xindex>
    %h = sieve.gated_gather_matmul %g, %x, %wu_t, %idx
        : tensor<1x11008xf32>, tensor<1x4096xf32>, tensor<11008x4096xf32>,
          tensor<?xindex> -> tensor<1x11008xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$gate,
    RankedTensorOf<[AnyFloat]>:$input,
    RankedTensorOf<[AnyFloat]>:$weight,
    Sieve_IndexVector:$indices,
    Optional<1DTensorOf<[AnyFloat]>>:$bias
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $gate `,` $input `,` $weight `,` $indices (`bias` $bias^)? attr-dict `:`
    type($gate) `,` type($input) `,` type($weight) `,` type($indices)
    (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ColumnGatherMatmulOp
//===----------------------------------------------------------------------===//

def Sieve_ColumnGatherMatmulOp : Sieve_Op<"column_gather_matmul", [Pure]> {
  let summary = "Selected columns of a matrix product, through a ReLU";
  let description = [{
    The up projection of a ReLU FFN (`h = relu(x @ W1 + b1)`), or the gate
    of a gated one, over the selected neurons only. For every index `n` in
    `indices` and every row `m`:

    ```
    result[m, n] = relu(sum_k input[m, k] * weight[n, k] + bias[n])
    ```

    (without `relu` when the attribute is absent), and `result[m, n] = 0`
    for the neurons `n` not in `indices`. `weight` is the up weight stored
    transposed (`N x K`: the weights of neuron `n` are the contiguous row
    `n`), so the product reads only the rows of the selected neurons, each
    in one sequential pass. With `relu`, the result equals
    `relu(input @ transpose(weight) + bias)` exactly when `indices` holds
    every neuron that is active there; with the indices of a predictor
    (`sieve.predict`) the neurons it misses read as zero.

    `input` is `M x K` (or `K` for one row), `weight` is `N x K`, the
    optional `bias` has `N` elements, `indices` is a 1-D `index` tensor with
    values in `[0, N)`, and the result is `M x N` (or `N`); all floats of
    one element type.

    Example (the up projection of a ReLU FFN with `d = 4096`, `d_ff =
    11008`, over the neurons a predictor selected; the result feeds
    `sieve.gather_matmul` with the down weight and the same indices):

    ```mlir
    %h = sieve.column_gather_matmul %x, %w1_t, %idx bias %b1 relu
        : tensor<1x4096xf32>, tensor<11008x4096xf32>, tensor<?xindex>,
          tensor<11008xf32> -> tensor<1x11008xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    RankedTensorOf<[AnyFloat]>:$weight,
    Sieve_IndexVector:$indices,
    Optional<1DTensorOf<[AnyFloat]>>:$bias,
    UnitAttr:$relu
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $indices (`bias` $bias^)? (`relu` $relu^)?
    attr-dict `:` type($input) `,` type($weight) `,` type($indices)
    (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// SparseMatmulOp
//===----------------------------------------------------------------------===//

def Sieve_SparseMatmulOp : Sieve_Op<"sparse_matmul", [Pure,
    AllTypesMatch<["init", "result"]>]> {
  let summary = "Matrix product with a weight in Sieve's packed column format";
  let description = [{
    Computes `init + input @ W` for a `K x N` weight `W` given by its
    non-zeros, packed column by column: the entries of output column `n` are
    `values[j]` at reduction row `rows[j]` for `j` in
    `[offsets[n], offsets[n + 1])`. `input` is `M x K`, `init` and the result
    are `M x N`.

    Every column holds a multiple of `group` (1 to 64) entries: the packing
    pads a column with zero values (whose row is any valid row) so that the
    lowering can consume a column `group` entries at a time without a
    remainder loop. Rows must lie in `[0, K)` (and below 2^31); the verifier
    checks the offsets and rows when they are constants, and the behaviour
    is undefined otherwise if they break these rules. Only non-zero products
    are computed, in another order than a dense matmul: results equal
    `init + input @ W` up to float rounding (and, with infinite or NaN
    inputs, the zeros of `W` do not propagate them). `sieve-sparsify-weights` produces this op from a matmul
    with a sparse constant weight; `convert-sieve-weight-ops-to-scf` lowers
    it (a gather kernel over 16 output-column entries for one row, a
    broadcast kernel over the batch for more rows).

    `values` is a 1-D tensor of the element type of `input` (f16, bf16, f32
    or f64); `rows`
    and `offsets` are 1-D signless integer tensors of any width, read as
    unsigned (16-bit rows address up to 65536 reduction rows); `offsets`
    has `N + 1` elements, starts at 0, never decreases, and ends at the
    number of entries.

    Example (a `4 x 2` weight with entries `W[1, 0] = 2.0` and
    `W[3, 1] = -1.0`, one entry per column):

    ```mlir
    %values = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
    %rows = arith.constant dense<[1, 3]> : tensor<2xi32>
    %offsets = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
    %y = sieve.sparse_matmul %x, %values, %rows, %offsets, %init group 1
        : tensor<8x4xf32>, tensor<2xf32>, tensor<2xi32>, tensor<3xi32>
          -> tensor<8x2xf32>
    ```
  }];
  let arguments = (ins
    2DTensorOf<[F16, BF16, F32, F64]>:$input,
    1DTensorOf<[F16, BF16, F32, F64]>:$values,
    1DTensorOf<[AnySignlessInteger]>:$rows,
    1DTensorOf<[AnySignlessInteger]>:$offsets,
    2DTensorOf<[F16, BF16, F32, F64]>:$init,
    DefaultValuedAttr<ConfinedAttr<I64Attr, [IntPositive, IntMaxValue<64>]>,
                      "1">:$group
  );
  let results = (outs 2DTensorOf<[F16, BF16, F32, F64]>:$result);
  let assemblyFormat = [{
    $input `,` $values `,` $rows `,` $offsets `,` $init (`group` $group^)?
    attr-dict `:` type($input) `,` type($values) `,` type($rows) `,`
    type($offsets) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// PredictOp
//===----------------------------------------------------------------------===//

def Sieve_PredictOp : Sieve_Op<"predict", [Pure]> {
  let summary = "Low-rank prediction of the neurons a ReLU will leave active";
  let description = [{
    Estimates which neurons of `relu(input @ W + b)` are active without
    computing `input @ W`: with a low-rank factorization `W ~ u @ v` (a
    truncated SVD computed at compile time, or a user's trained predictor),
    the score `(input @ u) @ v` is cheap, and neuron `j` is predicted active
    when `score[i, j] > thresholds[j]` for some row `i`. Returns the
    predicted-active indices in ascending order (the union over the rows,
    as `sieve.active_set`).

    The thresholds fold in the bias `b` and are chosen from calibration data
    for a target recall by the compile API (`--sparsity=approx`,
    docs/predictors.md): a
    lower threshold predicts more neurons active, with fewer misses and less
    saving. A prediction may miss active neurons, so rewrites that use it
    are approximate and opt-in (`--sparsity=approx`).

    `input` is `M x D` (or `D`), `u` is `D x R`, `v` is `R x N`,
    `thresholds` has `N` elements, all of one float element type.

    Example:

    ```mlir
    %idx = sieve.predict %x, %u, %v, %t
        : tensor<1x4096xf32>, tensor<4096x128xf32>, tensor<128x11008xf32>,
          tensor<11008xf32> -> tensor<?xindex>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    RankedTensorOf<[AnyFloat]>:$u,
    RankedTensorOf<[AnyFloat]>:$v,
    1DTensorOf<[AnyFloat]>:$thresholds
  );
  let results = (outs Sieve_IndexVector:$indices);
  let assemblyFormat = [{
    $input `,` $u `,` $v `,` $thresholds attr-dict `:` type($input) `,`
    type($u) `,` type($v) `,` type($thresholds) `->` type($indices)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// DotBytesOp
//===----------------------------------------------------------------------===//

def Sieve_DotBytesOp : Sieve_Op<"dot_bytes", [Pure,
    AllTypesMatch<["acc", "result"]>, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "Per-lane dot products of four unsigned by four signed bytes";
  let description = [{
    `result[i] = acc[i] + sum_{j < 4} zext(lhs[4 i + j]) * sext(rhs[4 i + j])`
    in 32-bit integers (wrapping): each 32-bit lane accumulates the dot
    product of its four bytes of `lhs`, read as unsigned, and of `rhs`,
    read as signed. This is x86's VNNI instruction `vpdpbusd`, which
    sieve-int8-matmuls builds its kernels of; `sieve-lower-dot-bytes`
    lowers it to that instruction's LLVM intrinsic or to portable vector
    arithmetic. The op stands for the intrinsic until then, since the
    bufferization passes reject `llvm.call_intrinsic` (its memory effects
    are unknown).

    `acc` is `vector<N x i32>`, `lhs` and `rhs` `vector<4N x i8>`.

    Example:

    ```mlir
    %r = sieve.dot_bytes %acc, %a, %b : vector<16xi32>, vector<64xi8>
    ```
  }];
  let arguments = (ins VectorOfRankAndType<[1], [I32]>:$acc,
                       VectorOfRankAndType<[1], [I8]>:$lhs,
                       VectorOfRankAndType<[1], [I8]>:$rhs);
  let results = (outs VectorOfRankAndType<[1], [I32]>:$result);
  let assemblyFormat = [{
    $acc `,` $lhs `,` $rhs attr-dict `:` type($acc) `,` type($lhs)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// BranchOp
//===----------------------------------------------------------------------===//

def Sieve_BranchOp : Sieve_Op<"branch", [
    DeclareOpInterfaceMethods<RegionBranchOpInterface>,
    RecursiveMemoryEffects, NoRegionArguments,
    AllTypesMatch<["density", "limit"]>]> {
  let summary = "Run-time choice between a sparse and a dense computation";
  let description = [{
    Runs the `sparse` region when `density <= limit` and the `dense` region
    otherwise, and returns the values the chosen region yields. `density` is
    measured at run time (for example the fraction of active neurons given by
    `sieve.active_set`, or predicted by `sieve.predict`) and `limit` comes
    from the cost model: above it the sparse path would be slower, so nothing
    gets slower when sparsity is low. A NaN density takes the dense path.

    Both regions hold one block, end in `sieve.yield`, and yield values of the
    result types. `density` and `limit` are floats of the same type.

    Example:

    ```mlir
    %y = sieve.branch %density, %limit : f32 -> tensor<1x4096xf32> {
      %s = sieve.gather_matmul %h, %w, %idx
          : tensor<1x11008xf32>, tensor<11008x4096xf32>, tensor<?xindex>
            -> tensor<1x4096xf32>
      sieve.yield %s : tensor<1x4096xf32>
    } else {
      %d = linalg.matmul ins(%h, %w : tensor<1x11008xf32>, tensor<11008x4096xf32>)
                         outs(%init : tensor<1x4096xf32>) -> tensor<1x4096xf32>
      sieve.yield %d : tensor<1x4096xf32>
    }
    ```
  }];
  let arguments = (ins AnyFloat:$density, AnyFloat:$limit);
  let results = (outs Variadic<AnyType>:$results);
  let regions = (region SizedRegion<1>:$sparse, SizedRegion<1>:$dense);
  let assemblyFormat = [{
    $density `,` $limit `:` type($density) (`->` type($results)^)?
    $sparse `else` $dense attr-dict
  }];
  let hasVerifier = 1;
}

def Sieve_YieldOp : Sieve_Op<"yield", [
    Pure, ReturnLike, Terminator, HasParent<"BranchOp">]> {
  let summary = "Yields the results of a `sieve.branch` region";
  let description = [{
    Terminates a region of `sieve.branch`; its operands become the results
    of the branch.

    Example:

    ```mlir
    sieve.yield %y : tensor<1x4096xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$values);
  let assemblyFormat = "($values^ `:` type($values))? attr-dict";
}

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_TD
