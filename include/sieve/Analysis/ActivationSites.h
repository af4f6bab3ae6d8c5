//===- ActivationSites.h - ReLU-like values ---------------------*- C++ -*-===//

#ifndef SIEVE_ANALYSIS_ACTIVATIONSITES_H
#define SIEVE_ANALYSIS_ACTIVATIONSITES_H

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
/// matmul, convolution) through ops that keep zeros zero (reshapes,
/// transposes, zero padding, max pooling, and a product with another value,
/// as the gate of a gated FFN).
bool reachesContraction(Value value);

/// The down projection of a gated ReLU FFN, `y = (gate * up) @ Wd` with
/// `gate` a ReLU-like value and `up = x @ Wu (+ bias)` a matmul with a
/// constant weight (and possibly a bias), as the ONNX importer emits it (for a
/// `[batch, seq, d]` model, `up` is expanded to the gate's rank and the product
/// collapsed back into the down projection's rows).
struct GatedFFN {
  linalg::MatmulOp down;
  /// The elementwise product `gate * up` (either operand order).
  linalg::MulOp mul;
  /// The ReLU-like operand of the product, of the product's rank.
  Value gate;
  ActivationKind kind = ActivationKind::Relu;
  linalg::MatmulOp up;
  /// The up projection's input (`x`, 2-D, one row per row of `down`).
  Value upInput;
  /// The constant up weight as `up` reads it (`K x N`), and, when it is the
  /// transpose of a constant (`linalg.transpose` of an `N x K` constant),
  /// that constant; otherwise null.
  Value upWeight, upWeightTransposed;
  /// The 1-D bias of the up projection: broadcast into its accumulator (a
  /// Gemm bias) or added to its result by `upBiasAdd` (MatMul + Add); null
  /// when there is none.
  Value upBias;
  linalg::AddOp upBiasAdd;
  /// For a product of rank > 2: the reshape of `up` to the product's shape
  /// and the one of the product to `down`'s rows (inverse reshapes).
  tensor::ExpandShapeOp expand;
  tensor::CollapseShapeOp collapse;
};

/// The gated FFN whose down projection is `down`, or nullopt. When `down`'s
/// input is a product with a ReLU-like value that is not a gated FFN Sieve
/// can rewrite (the other operand is no matmul with a constant weight, or
/// the values have other uses), `why` (if given) says what is missing;
/// otherwise it is left empty.
std::optional<GatedFFN> matchGatedFFN(linalg::MatmulOp down,
                                      std::string *why = nullptr);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_ACTIVATIONSITES_H
