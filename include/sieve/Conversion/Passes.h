//===- Passes.h - Sieve conversion passes -----------------------*- C++ -*-===//

#ifndef SIEVE_CONVERSION_PASSES_H
#define SIEVE_CONVERSION_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::sieve {

#define GEN_PASS_DECL
#include "sieve/Conversion/Passes.h.inc"

/// Adds the pattern that lowers sieve.branch to scf.if.
void populateSieveBranchToSCFPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "sieve/Conversion/Passes.h.inc"

} // namespace mlir::sieve

#endif // SIEVE_CONVERSION_PASSES_H
