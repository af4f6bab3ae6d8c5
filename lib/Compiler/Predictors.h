//===- Predictors.h - The predictors of --sparsity=approx -------*- C++ -*-===//
//
// Private to lib/Compiler.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_COMPILER_PREDICTORS_H
#define SIEVE_LIB_COMPILER_PREDICTORS_H

#include "sieve/Compiler/Compiler.h"

namespace mlir::sieve {

/// Fits a predictor for every ReLU FFN of the imported `module` (a plain
/// ReLU FFN's up projection, a gated FFN's ReLU gate) on the calibration
/// inputs of `options`, and attaches it to the ReLU as #sieve.predictor;
/// reports each fit (rank, held-out recall and density) as a note. Returns
/// false after reporting an error (no calibration inputs, a failed run).
bool fitPredictors(ModuleOp module, const ModelSignature &signature,
                   const CompileOptions &options,
                   const MessageHandler &onMessage);

} // namespace mlir::sieve

#endif // SIEVE_LIB_COMPILER_PREDICTORS_H
