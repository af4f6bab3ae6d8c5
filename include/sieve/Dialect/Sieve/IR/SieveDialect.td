//===- SieveDialect.td - The Sieve dialect -----------------*- tablegen -*-===//
//
// The `sieve` dialect models sparsity that upstream MLIR has no op for:
// activation sparsity after ReLU-like ops, run-time predictor branches, and
// the analysis results (weight patterns, activation sites) that the
// sparsifying passes consume.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_TD
#define SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_TD

include "mlir/IR/OpBase.td"

def Sieve_Dialect : Dialect {
  let name = "sieve";
  let cppNamespace = "::mlir::sieve";
  let summary = "Activation and weight sparsity for neural network compilation";
  let description = [{
    The `sieve` dialect carries what Sieve knows about the zeros of a neural
    network and the ops that skip them.

    * Attributes record analysis results: `#sieve.weight_pattern` describes
      the zeros of a constant weight (unstructured, N:M, blocks, whole rows,
      columns or channels) and `#sieve.activation_site` marks a value produced
      by a ReLU-like op that feeds a contraction.
    * Ops express activation sparsity, which upstream `sparse_tensor` does not
      model: `sieve.active_set` finds the active neurons of a batch,
      `sieve.gather_matmul` multiplies only their weight rows, `sieve.predict`
      estimates the active neurons with a low-rank predictor, and
      `sieve.branch` chooses at run time between a sparse and a dense path.

    * `sieve.sparse_matmul` multiplies by a constant weight packed column by
      column (Sieve's format for pruned weights): on the benchmarks the
      upstream sparsifier's CSR/CSC/BSR code was slower (it re-reads the
      weight for every batch row), so weight sparsity uses this op; the
      comparison stays in `benchmarks/` (docs/sparsity.md).
  }];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Registers the attributes of SieveAttrs.td (defined in SieveAttrs.cpp).
    void registerAttributes();
  }];
}

class Sieve_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sieve_Dialect, mnemonic, traits>;

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_TD
