//===- ActivationSites.h - ReLU-like values ---------------------*- C++ -*-===//

#ifndef SIEVE_ANALYSIS_ACTIVATIONSITES_H
#define SIEVE_ANALYSIS_ACTIVATIONSITES_H

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/IR/Value.h"

#include <optional>

namespace mlir::sieve {

/// The kind of ReLU-like op that produces `value`: linalg.max with a zero
/// fill (relu); a linalg.generic yielding maximumf(x, 0) (relu), clamped
/// above by minimumf (clip), or the square of such a value (squared_relu).
std::optional<ActivationKind> reluLikeKind(Value value);

/// True when `value` reaches an operand of a contraction (matmul, batch
/// matmul, convolution) through ops that keep zeros zero.
bool reachesContraction(Value value);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_ACTIVATIONSITES_H
