//===- ActivationSites.cpp - ReLU-like values -------------------*- C++ -*-===//

#include "sieve/Analysis/ActivationSites.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::sieve;

std::string mlir::sieve::onnxNodeName(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (auto name = dyn_cast<NameLoc>(inner))
        return name.getName().str();
  return "";
}

std::string mlir::sieve::describeNode(Operation *op, llvm::StringRef fallback) {
  std::string name = op ? onnxNodeName(op->getLoc()) : "";
  return name.empty() ? fallback.str() : "node '" + name + "'";
}

std::string mlir::sieve::shapeText(ShapedType type) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(type.getShape()))
    s += (i ? "x" : "") + (ShapedType::isDynamic(d) ? "?" : std::to_string(d));
  return s;
}

std::string mlir::sieve::formatPercent(double fraction, int decimals) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::format("%.*f%%", decimals, 100 * fraction);
  return text;
}

bool mlir::sieve::isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// maximumf(x, 0) in either operand order.
static bool isReluOfScalar(Value v) {
  auto max = v.getDefiningOp<arith::MaximumFOp>();
  return max && (matchPattern(max.getRhs(), m_AnyZeroFloat()) ||
                 matchPattern(max.getLhs(), m_AnyZeroFloat()));
}

/// A tensor of 2.0: a splat constant, a fill, or a broadcast of either.
static bool isConstantTwo(Value v) {
  if (auto broadcast = v.getDefiningOp<linalg::BroadcastOp>())
    v = broadcast.getInput();
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    v = fill.getInputs()[0];
  FloatAttr scalar;
  SplatElementsAttr splat;
  if (matchPattern(v, m_Constant(&splat)))
    return isa<FloatType>(splat.getElementType()) &&
           splat.getSplatValue<APFloat>().convertToDouble() == 2.0;
  if (matchPattern(v, m_Constant(&scalar)))
    return scalar.getValueAsDouble() == 2.0;
  return false;
}

std::optional<ActivationKind> mlir::sieve::reluLikeKind(Value value) {
  Operation *op = value.getDefiningOp();
  if (auto max = dyn_cast_or_null<linalg::MaxOp>(op))
    if (isZeroFill(max.getInputs()[0]) || isZeroFill(max.getInputs()[1]))
      return ActivationKind::Relu;
  // Squared ReLU as imported: Mul(r, r) of a ReLU output r.
  if (auto mul = dyn_cast_or_null<linalg::MulOp>(op))
    if (mul.getInputs()[0] == mul.getInputs()[1] &&
        reluLikeKind(mul.getInputs()[0]))
      return ActivationKind::SquaredRelu;
  // Squared ReLU as Pow(r, 2) imports: powf of a ReLU output by a
  // broadcast (or filled) constant 2.
  if (auto pow = dyn_cast_or_null<linalg::PowFOp>(op);
      pow && isConstantTwo(pow.getInputs()[1]) &&
      reluLikeKind(pow.getInputs()[0]))
    return ActivationKind::SquaredRelu;
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumResults() != 1)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  Value v = yield.getValues()[0];
  if (auto mul = v.getDefiningOp<arith::MulFOp>())
    if (mul.getLhs() == mul.getRhs() && isReluOfScalar(mul.getLhs()))
      return ActivationKind::SquaredRelu;
  if (auto min = v.getDefiningOp<arith::MinimumFOp>())
    return isReluOfScalar(min.getLhs()) ? std::optional(ActivationKind::Clip)
                                        : std::nullopt;
  return isReluOfScalar(v) ? std::optional(ActivationKind::Relu) : std::nullopt;
}

bool mlir::sieve::reachesContraction(Value value) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp,
            linalg::ConvolutionOpInterface>(user) &&
        cast<linalg::LinalgOp>(user).isDpsInput(&use))
      return true;
    // A product keeps the zeros of either factor (the gate of a gated FFN).
    bool keepsZeros =
        isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, linalg::TransposeOp,
            linalg::PoolingNchwMaxOp, linalg::MulOp>(user) ||
        (isa<tensor::PadOp>(user) &&
         matchPattern(cast<tensor::PadOp>(user).getConstantPaddingValue(),
                      m_AnyZeroFloat()));
    if (keepsZeros && user->getNumResults() == 1 &&
        reachesContraction(user->getResult(0)))
      return true;
  }
  return false;
}

/// A static f32 constant (dense or dense_resource data).
static bool isStaticF32Constant(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return cst && type && type.hasStaticShape() &&
         type.getElementType().isF32() && isa<ElementsAttr>(cst.getValue());
}

/// The 1-D value broadcast along the rows into `init` (a Gemm bias), a null
/// value for a zero fill, or failure for any other accumulator.
static FailureOr<Value> accumulatorBias(Value init) {
  if (isZeroFill(init))
    return Value();
  auto broadcast = init.getDefiningOp<linalg::BroadcastOp>();
  if (broadcast && broadcast.getInput().getType().getRank() == 1 &&
      broadcast.getDimensions() == ArrayRef<int64_t>{0})
    return broadcast.getInput();
  return failure();
}

/// Completes `ffn` (whose down projection and product are set) with the
/// ReLU-like factor `gate` and the other factor `other`; fails with a
/// reason when `other` is not the up projection.
static LogicalResult matchUpProjection(GatedFFN &ffn, Value gate, Value other,
                                       std::string &why) {
  ffn.gate = gate;
  ffn.kind = *reluLikeKind(gate);
  // A bias added to the up projection (MatMul + Add): a 1-D value
  // broadcast over every dimension but the neurons.
  if (auto add = other.getDefiningOp<linalg::AddOp>();
      add && add.hasPureTensorSemantics()) {
    int64_t rank = cast<RankedTensorType>(other.getType()).getRank();
    auto leading = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
    for (int i = 0; i < 2; ++i) {
      auto broadcast = add.getInputs()[i].getDefiningOp<linalg::BroadcastOp>();
      if (broadcast && broadcast.getInput().getType().getRank() == 1 &&
          broadcast.getDimensions() == ArrayRef<int64_t>(leading) &&
          add.getInputs()[1 - i].getType() == other.getType()) {
        ffn.upBiasAdd = add;
        ffn.upBias = broadcast.getInput();
        other = add.getInputs()[1 - i];
        break;
      }
    }
  }
  if (ffn.collapse) {
    ffn.expand = other.getDefiningOp<tensor::ExpandShapeOp>();
    if (!ffn.expand || ffn.expand.getReassociationIndices() !=
                           ffn.collapse.getReassociationIndices()) {
      why = "the other factor of the product is not a matmul reshaped like "
            "the product";
      return failure();
    }
    other = ffn.expand.getSrc();
  }
  ffn.up = other.getDefiningOp<linalg::MatmulOp>();
  if (!ffn.up || !ffn.up.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(ffn.up.getIndexingMaps())) {
    why = "the other factor of the product is not a matmul (the up "
          "projection)";
    return failure();
  }
  ffn.upInput = ffn.up.getInputs()[0];
  ffn.upWeight = ffn.up.getInputs()[1];
  if (auto transpose = ffn.upWeight.getDefiningOp<linalg::TransposeOp>();
      transpose && transpose.hasPureTensorSemantics() &&
      transpose.getPermutation() == ArrayRef<int64_t>{1, 0} &&
      isStaticF32Constant(transpose.getInput()))
    ffn.upWeightTransposed = transpose.getInput();
  else if (!isStaticF32Constant(ffn.upWeight)) {
    why = "the up weight is not a static f32 constant";
    return failure();
  }
  FailureOr<Value> bias = accumulatorBias(ffn.up.getOutputs()[0]);
  if (failed(bias) || (*bias && ffn.upBias)) {
    why = "the up projection's accumulator is neither zero nor a bias";
    return failure();
  }
  if (*bias)
    ffn.upBias = *bias;
  bool singleUses = ffn.up->hasOneUse() && ffn.mul->hasOneUse() &&
                    (!ffn.upBiasAdd || ffn.upBiasAdd->hasOneUse()) &&
                    (!ffn.expand || ffn.expand->hasOneUse()) &&
                    (!ffn.collapse || ffn.collapse->hasOneUse());
  if (!singleUses) {
    why = "the up projection or the product has other uses";
    return failure();
  }
  return success();
}

std::optional<GatedFFN> mlir::sieve::matchGatedFFN(linalg::MatmulOp down,
                                                   std::string *why) {
  if (why)
    why->clear();
  if (!down.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(down.getIndexingMaps()))
    return std::nullopt;
  GatedFFN ffn;
  ffn.down = down;
  Value hidden = down.getInputs()[0];
  if ((ffn.collapse = hidden.getDefiningOp<tensor::CollapseShapeOp>())) {
    // Leading dimensions into rows; the neurons stay the last dimension.
    SmallVector<ReassociationIndices> groups =
        ffn.collapse.getReassociationIndices();
    int64_t rank = ffn.collapse.getSrcType().getRank();
    if (groups.size() != 2 || groups.back() != ReassociationIndices{rank - 1})
      return std::nullopt;
    hidden = ffn.collapse.getSrc();
  }
  ffn.mul = hidden.getDefiningOp<linalg::MulOp>();
  if (!ffn.mul || !ffn.mul.hasPureTensorSemantics())
    return std::nullopt;
  Value lhs = ffn.mul.getInputs()[0], rhs = ffn.mul.getInputs()[1];
  // Mul(r, r) is a squared ReLU: a plain activation site.
  if (lhs == rhs)
    return std::nullopt;
  std::string reason;
  for (auto [gate, other] : {std::pair{lhs, rhs}, std::pair{rhs, lhs}}) {
    if (!reluLikeKind(gate))
      continue;
    if (gate.getType() != hidden.getType() ||
        other.getType() != hidden.getType()) {
      reason = "the factors of the product differ in shape";
      continue;
    }
    GatedFFN candidate = ffn;
    if (succeeded(matchUpProjection(candidate, gate, other, reason)))
      return candidate;
  }
  if (why)
    *why = reason;
  return std::nullopt;
}
