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

/// A size as the sparsity remarks print it: "512 B", "13335 KiB".
std::string formatBytes(int64_t bytes);

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

/// True when the single result of `op` has exactly one use besides
/// `tensor.dim` ops (which the importer leaves on the values whose shape it
/// computes with; a rewrite redirects them, see redirectRowDims).
bool hasOneUseBesidesDims(Operation *op);

/// A projection `x @ W (+ b)` with a constant weight, as the ONNX importer
/// emits a MatMul (+ Add) or a Gemm: a 2-D matmul, possibly reshaped to its
/// consumer's rank (a `[batch, seq, d]` model) before the bias is added.
struct Projection {
  linalg::MatmulOp matmul;
  /// The input `x` (2-D, one row per row of the consumer).
  Value input;
  /// The constant weight as the matmul reads it (`K x N`), and, when it is
  /// the transpose of a constant (`linalg.transpose` of an `N x K`
  /// constant), that constant; otherwise null.
  Value weight, weightTransposed;
  /// The 1-D bias: broadcast into the matmul's accumulator (a Gemm bias) or
  /// added to its result by `biasAdd` (MatMul + Add); null when there is
  /// none.
  Value bias;
  linalg::AddOp biasAdd;
  /// The reshape of the matmul's result to the consumer's rank (a
  /// `tensor.expand_shape`, or a `tensor.reshape` that keeps the last
  /// dimension, as the importer writes several dynamic dimensions), or
  /// null.
  Operation *expand = nullptr;
};

/// The projection that produces `value`, whose consumer's result is
/// collapsed back into 2-D rows by `collapse` (null: the consumer is 2-D).
/// Fails with a reason in `why` when `value` is no projection with a static
/// f32 constant weight whose reshape `collapse` undoes, or when the
/// projection's ops have other uses (besides `tensor.dim` reads); `role`
/// names the projection in the reason ("up", "gate").
FailureOr<Projection> matchProjection(Value value,
                                      tensor::CollapseShapeOp collapse,
                                      std::string &why,
                                      llvm::StringRef role = "up");

/// The down projection of a gated ReLU FFN, `y = (gate * up) @ Wd` with
/// `gate` a ReLU-like value and `up = x @ Wu (+ bias)` a projection with a
/// constant weight (for a `[batch, seq, d]` model, `up` is reshaped to the
/// gate's rank and the product collapsed back into the down projection's
/// rows).
struct GatedFFN {
  linalg::MatmulOp down;
  /// The elementwise product `gate * up` (either operand order).
  linalg::MulOp mul;
  /// The ReLU-like operand of the product, of the product's rank.
  Value gate;
  ActivationKind kind = ActivationKind::Relu;
  Projection up;
  /// For a product of rank > 2: its reshape to `down`'s rows.
  tensor::CollapseShapeOp collapse;
};

/// The gated FFN whose down projection is `down`, or nullopt. When `down`'s
/// input is a product with a ReLU-like value that is not a gated FFN Sieve
/// can rewrite (the other operand is no matmul with a constant weight, or
/// the values have other uses), `why` (if given) says what is missing;
/// otherwise it is left empty.
std::optional<GatedFFN> matchGatedFFN(linalg::MatmulOp down,
                                      std::string *why = nullptr);

/// The projection whose ReLU is the gate of `ffn` (`gate = relu(x @ Wg +
/// bg)`, the gate used only by the product), which a predictor of the gate
/// needs; fails with a reason in `why` (empty when the gate is no ReLU of
/// anything or has other uses).
FailureOr<Projection> matchGateProjection(const GatedFFN &ffn,
                                          std::string &why);

/// The input of a ReLU (`linalg.max` with a zero fill, or a one-input
/// `linalg.generic` yielding `maximumf(x, 0)`), or null for any other op
/// (ReLU6, Clip and squared ReLU included).
Value reluInput(Value relu);

/// The elementwise ops that compute a ReLU-like value from its
/// pre-activation, first to last: a ReLU (`reluInput`); a ReLU-like value
/// squared by `linalg.mul(r, r)` or `linalg.powf(r, 2)`; or one
/// single-input `linalg.generic` of identity maps whose body computes a
/// ReLU, a Clip from 0 to a constant >= 0 (ReLU6) or a squared ReLU from
/// its input and constants alone. The value is zero exactly where the
/// pre-activation is <= 0, which is what a predictor of `input > 0`
/// guesses. Null `input` when `activated` is none of these.
struct ActivationChain {
  Value input;
  SmallVector<Operation *> ops;
  ActivationKind kind = ActivationKind::Relu;
  /// Whether the chain is one plain ReLU op (which the column gathers
  /// apply themselves).
  bool isPlainRelu() const {
    return ops.size() == 1 && kind == ActivationKind::Relu;
  }
};
ActivationChain activationChain(Value activated);

/// A plain ReLU FFN, `y = relu(x @ W1 (+ b1)) @ W2`, seen from its down
/// projection: the ReLU (of any rank, collapsed into `down`'s rows) and the
/// up projection it reads.
struct ReluFFN {
  linalg::MatmulOp down;
  /// The ReLU's result and, for rank > 2, its collapse into `down`'s rows.
  Value relu;
  tensor::CollapseShapeOp collapse;
  Projection up;
  /// The ops from the up projection's result to `relu` (a ReLU, ReLU6 or
  /// squared ReLU).
  ActivationChain activation;
};

/// The plain ReLU FFN whose down projection is `down`, or nullopt. When
/// `down` reads a ReLU-like value whose FFN Sieve cannot predict (another
/// activation, no projection with a constant weight before it, other uses),
/// `why` (if given) says what is missing; otherwise it is left empty.
std::optional<ReluFFN> matchReluFFN(linalg::MatmulOp down,
                                    std::string *why = nullptr);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_ACTIVATIONSITES_H
