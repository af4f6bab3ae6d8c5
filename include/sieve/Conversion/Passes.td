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

#endif // SIEVE_CONVERSION_PASSES_TD
