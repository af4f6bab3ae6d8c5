//===- Passes.td - Sieve conversion passes -----------------*- tablegen -*-===//
//
// Lowerings of the sieve dialect, one folder each under lib/Conversion.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_CONVERSION_PASSES_TD
#define SIEVE_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSieveBranchToSCF : Pass<"convert-sieve-branch-to-scf"> {
  let summary = "Lower sieve.branch to scf.if";
  let description = [{
    Replaces every `sieve.branch %density, %limit` by an `scf.if` on
    `density <= limit` (an ordered comparison, so a NaN density takes the
    dense path) whose then-region is the sparse region and whose else-region
    is the dense region; `sieve.yield` becomes `scf.yield`.

    Example:

    ```mlir
    %r = sieve.branch %d, %l : f32 -> f32 { sieve.yield %a : f32 }
                                          else { sieve.yield %b : f32 }
    ```

    becomes

    ```mlir
    %c = arith.cmpf ole, %d, %l : f32
    %r = scf.if %c -> (f32) { scf.yield %a : f32 } else { scf.yield %b : f32 }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def ConvertSieveActivationOpsToSCF
    : Pass<"convert-sieve-activation-ops-to-scf", "::mlir::func::FuncOp"> {
  let summary = "Lower sieve.active_set and sieve.gather_matmul to loops and "
                "vectors on tensors";
  let description = [{
    * `sieve.active_set` becomes a compaction loop: for each neuron, an
      inner loop over the batch rows tests `|h| > threshold`, and active
      indices are written to a buffer of the neuron count, of which the
      filled prefix is returned.
    * `sieve.gather_matmul` becomes, for each selected neuron `k` and each
      row `m`, an AXPY of the contiguous weight row `w[k, :]` scaled by
      `h[m, k]` into the output row, in `vector-width`-element vectors (a
      scalar loop handles the remainder of the row). Only the rows of the
      active neurons are read, each once per batch row, in order.

    Both stay on tensors (`tensor.extract`, `vector.transfer_read` /
    `transfer_write` on loop-carried tensors), so that bufferization places
    them in the surrounding buffers.
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"64",
           "Elements per vector in the gather-matmul row update">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::math::MathDialect"];
}

#endif // SIEVE_CONVERSION_PASSES_TD
