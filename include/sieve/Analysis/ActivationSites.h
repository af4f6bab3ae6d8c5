//===- ActivationSites.h - ReLU-like values ---------------------*- C++ -*-===//

#ifndef SIEVE_ANALYSIS_ACTIVATIONSITES_H
#define SIEVE_ANALYSIS_ACTIVATIONSITES_H

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>

namespace mlir::sieve {

/// The ONNX node name that a location carries (the importer's NameLoc,
/// possibly inside a FusedLoc), or an empty string.
std::string onnxNodeName(Location loc);

/// "node 'NAME'" when `op` carries an ONNX node name, else `fallback`; for
/// remarks that name what a pass did.
std::string describeNode(Operation *op, llvm::StringRef fallback);

/// A shape as the sparsity report prints it ("1x128", "?x64").
std::string shapeText(ShapedType type);

/// `fraction` as a percentage with `decimals` decimals ("12.5%").
std::string formatPercent(double fraction, int decimals);

/// True when `value` is a linalg.fill of floating-point zero.
bool isZeroFill(Value value);

/// The kind of ReLU-like op that produces `value`: linalg.max with a zero
/// fill (relu); a linalg.generic yielding maximumf(x, 0) (relu), clamped
/// above by minimumf (clip), or the square of such a value (squared_relu).
std::optional<ActivationKind> reluLikeKind(Value value);

/// True when `value` reaches an operand of a contraction (matmul, batch
/// matmul, convolution) through ops that keep zeros zero.
bool reachesContraction(Value value);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_ACTIVATIONSITES_H
