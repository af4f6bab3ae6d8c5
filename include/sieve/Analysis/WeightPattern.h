//===- WeightPattern.h - The structure of a weight's zeros ------*- C++ -*-===//

#ifndef SIEVE_ANALYSIS_WEIGHTPATTERN_H
#define SIEVE_ANALYSIS_WEIGHTPATTERN_H

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir::sieve {

/// A weight as a row-major matrix.
struct WeightMatrix {
  int64_t rows = 0, cols = 0;
  llvm::SmallVector<float> values;
  /// True when the contraction reduces along the rows (a matmul's [K, N]
  /// weight); false when it reduces along the columns (a convolution's
  /// [F, C*KH*KW] filter). N:M groups run along the reduction.
  bool reductionAlongRows = true;
  /// Whole zero rows are output channels (convolutions).
  bool rowsAreChannels = false;
};

/// The most specific #sieve.weight_pattern that holds for `matrix` (see
/// the sieve-annotate-weight-patterns pass for the order).
WeightPatternAttr analyzeWeightPattern(MLIRContext *context,
                                       const WeightMatrix &matrix);

/// The contents of `value` in row-major order when it is an f32 tensor
/// constant (`arith.constant` with dense, sparse or dense_resource data).
std::optional<llvm::SmallVector<float>> constantFloats(Value value);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_WEIGHTPATTERN_H
