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

std::string mlir::sieve::formatBytes(int64_t bytes) {
  return bytes < 1024 ? std::to_string(bytes) + " B"
                      : std::to_string(bytes / 1024) + " KiB";
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

/// True when `reshape` (a tensor.reshape of a 2-D `R x N` value) only splits
/// its rows: it keeps the last dimension N, so `collapse` (grouping every
/// leading dimension into rows) gives the rows back in order.
static bool splitsRowsOnly(tensor::ReshapeOp reshape,
                           tensor::CollapseShapeOp collapse) {
  auto src = cast<RankedTensorType>(reshape.getSource().getType());
  auto dst = cast<RankedTensorType>(reshape.getResult().getType());
  if (src.getRank() != 2 || src.isDynamicDim(1) || dst.getRank() < 2 ||
      dst.getShape().back() != src.getDimSize(1))
    return false;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  return collapse.getSrcType().getRank() == dst.getRank() &&
         groups.size() == 2 &&
         groups.back() == ReassociationIndices{dst.getRank() - 1};
}

/// True when `expand` (of the `R x N` projection) gives the shape that
/// `collapse` turns back into rows of N: both keep the row-major order, so
/// with the same types on both sides collapse(expand(x)) is x, whichever
/// way each groups a unit dimension (a decode step's [B, 1, N] may be
/// expanded as [[0], [1, 2]] and collapsed as [[0, 1], [2]]).
static bool undoesCollapse(tensor::ExpandShapeOp expand,
                           tensor::CollapseShapeOp collapse) {
  RankedTensorType rows = expand.getSrcType();
  return expand.getResultType() == collapse.getSrcType() &&
         rows.getRank() == 2 && collapse.getResultType().getRank() == 2 &&
         !rows.isDynamicDim(1) &&
         rows.getDimSize(1) == collapse.getResultType().getDimSize(1);
}

bool mlir::sieve::hasOneUseBesidesDims(Operation *op) {
  if (op->getNumResults() != 1)
    return false;
  int64_t others = 0;
  for (Operation *user : op->getResult(0).getUsers())
    if (!isa<tensor::DimOp>(user))
      ++others;
  return others == 1;
}

FailureOr<Projection>
mlir::sieve::matchProjection(Value value, tensor::CollapseShapeOp collapse,
                             std::string &why, llvm::StringRef role) {
  Projection proj;
  // A bias added to the projection (MatMul + Add): a 1-D value broadcast
  // over every dimension but the neurons.
  if (auto add = value.getDefiningOp<linalg::AddOp>();
      add && add.hasPureTensorSemantics()) {
    int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
    auto leading = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
    for (int i = 0; i < 2; ++i) {
      auto broadcast = add.getInputs()[i].getDefiningOp<linalg::BroadcastOp>();
      if (broadcast && broadcast.getInput().getType().getRank() == 1 &&
          broadcast.getDimensions() == ArrayRef<int64_t>(leading) &&
          add.getInputs()[1 - i].getType() == value.getType()) {
        proj.biasAdd = add;
        proj.bias = broadcast.getInput();
        value = add.getInputs()[1 - i];
        break;
      }
    }
  }
  if (collapse) {
    if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>();
        expand && undoesCollapse(expand, collapse)) {
      proj.expand = expand;
      value = expand.getSrc();
    } else if (auto reshape = value.getDefiningOp<tensor::ReshapeOp>();
               reshape && splitsRowsOnly(reshape, collapse)) {
      proj.expand = reshape;
      value = reshape.getSource();
    } else {
      why = "the projection is not reshaped like the activation";
      return failure();
    }
  }
  proj.matmul = value.getDefiningOp<linalg::MatmulOp>();
  if (!proj.matmul || !proj.matmul.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(proj.matmul.getIndexingMaps())) {
    why = ("the " + role + " projection is not a matmul").str();
    return failure();
  }
  proj.input = proj.matmul.getInputs()[0];
  proj.weight = proj.matmul.getInputs()[1];
  if (auto transpose = proj.weight.getDefiningOp<linalg::TransposeOp>();
      transpose && transpose.hasPureTensorSemantics() &&
      transpose.getPermutation() == ArrayRef<int64_t>{1, 0} &&
      isStaticF32Constant(transpose.getInput()))
    proj.weightTransposed = transpose.getInput();
  else if (!isStaticF32Constant(proj.weight)) {
    why = ("the " + role + " weight is not a static f32 constant").str();
    return failure();
  }
  FailureOr<Value> bias = accumulatorBias(proj.matmul.getOutputs()[0]);
  if (failed(bias) || (*bias && proj.bias)) {
    why =
        ("the " + role + " projection's accumulator is neither zero nor a bias")
            .str();
    return failure();
  }
  if (*bias)
    proj.bias = *bias;
  // Shape queries (tensor.dim, of a symbolic batch) are not uses: they
  // fold into the input's dimensions once the projection is rewritten.
  if (!hasOneUseBesidesDims(proj.matmul) ||
      (proj.biasAdd && !hasOneUseBesidesDims(proj.biasAdd)) ||
      (proj.expand && !hasOneUseBesidesDims(proj.expand))) {
    why = ("the " + role + " projection has other uses").str();
    return failure();
  }
  return proj;
}

/// The input of a down projection (a matmul with default maps on tensors)
/// before the collapse of its leading dimensions into rows (keeping the
/// neurons last), and that collapse (null when there is none); failure for
/// any other matmul or collapse.
static FailureOr<std::pair<Value, tensor::CollapseShapeOp>>
downInput(linalg::MatmulOp down) {
  if (!down.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(down.getIndexingMaps()))
    return failure();
  Value hidden = down.getInputs()[0];
  auto collapse = hidden.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return std::pair{hidden, collapse};
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  int64_t rank = collapse.getSrcType().getRank();
  if (groups.size() != 2 || groups.back() != ReassociationIndices{rank - 1})
    return failure();
  return std::pair{Value(collapse.getSrc()), collapse};
}

std::optional<GatedFFN> mlir::sieve::matchGatedFFN(linalg::MatmulOp down,
                                                   std::string *why) {
  if (why)
    why->clear();
  auto input = downInput(down);
  if (failed(input))
    return std::nullopt;
  GatedFFN ffn;
  ffn.down = down;
  auto [hidden, collapse] = *input;
  ffn.collapse = collapse;
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
    FailureOr<Projection> up = matchProjection(other, ffn.collapse, reason);
    if (failed(up))
      continue;
    if (!ffn.mul->hasOneUse() ||
        (ffn.collapse && !hasOneUseBesidesDims(ffn.collapse))) {
      reason = "the product has other uses";
      continue;
    }
    ffn.gate = gate;
    ffn.kind = *reluLikeKind(gate);
    ffn.up = *up;
    return ffn;
  }
  if (why)
    *why = reason;
  return std::nullopt;
}

Value mlir::sieve::reluInput(Value relu) {
  Operation *op = relu.getDefiningOp();
  if (auto max = dyn_cast_or_null<linalg::MaxOp>(op)) {
    if (isZeroFill(max.getInputs()[1]))
      return max.getInputs()[0];
    if (isZeroFill(max.getInputs()[0]))
      return max.getInputs()[1];
    return nullptr;
  }
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumResults() != 1 ||
      generic.getNumDpsInputs() != 1 ||
      reluLikeKind(relu) != ActivationKind::Relu)
    return nullptr;
  // The body must be maximumf(in, 0) of the block argument itself.
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  auto max = yield.getValues()[0].getDefiningOp<arith::MaximumFOp>();
  Value arg = generic.getBody()->getArgument(0);
  if (!max || (max.getLhs() != arg && max.getRhs() != arg))
    return nullptr;
  return generic.getDpsInputs()[0];
}

/// Whether `value`, used in the body of `generic`, is computed in it or is
/// a constant.
static bool isLocalOrConstant(Value value, linalg::GenericOp generic) {
  return value.getParentRegion() == &generic.getRegion() ||
         matchPattern(value, m_Constant());
}

/// Whether the body of the ReLU-like one-input `generic` computes its
/// result from its input element and constants alone, and a Clip's upper
/// bound is a constant >= 0 (so that the result is 0 exactly where the
/// input is <= 0).
static bool isUnaryActivationBody(linalg::GenericOp generic) {
  Block *body = generic.getBody();
  if (!body->getArgument(1).use_empty())
    return false;
  for (Operation &op : body->getOperations())
    for (Value operand : op.getOperands())
      if (!isLocalOrConstant(operand, generic))
        return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (auto min = yield.getValues()[0].getDefiningOp<arith::MinimumFOp>()) {
    FloatAttr bound;
    Value other = isReluOfScalar(min.getLhs()) ? min.getRhs() : min.getLhs();
    if (!matchPattern(other, m_Constant(&bound)) ||
        !(bound.getValueAsDouble() >= 0))
      return false;
  }
  return true;
}

ActivationChain mlir::sieve::activationChain(Value activated) {
  ActivationChain chain;
  std::optional<ActivationKind> kind = reluLikeKind(activated);
  if (!kind)
    return chain;
  Operation *op = activated.getDefiningOp();
  if (Value input = reluInput(activated)) {
    chain.input = input;
    chain.ops.push_back(op);
    chain.kind = *kind;
    return chain;
  }
  // Squared: linalg.mul(r, r) or linalg.powf(r, 2) of a ReLU-like r used
  // by that op only.
  Value inner;
  if (auto mul = dyn_cast<linalg::MulOp>(op))
    inner = mul.getInputs()[0];
  else if (auto pow = dyn_cast<linalg::PowFOp>(op))
    inner = pow.getInputs()[0];
  if (inner) {
    if (!llvm::all_of(inner.getUsers(),
                      [&](Operation *user) { return user == op; }))
      return chain;
    chain = activationChain(inner);
    if (chain.input) {
      chain.ops.push_back(op);
      chain.kind = *kind;
    }
    return chain;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      !generic.hasPureTensorSemantics() ||
      generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }) ||
      !isUnaryActivationBody(generic))
    return chain;
  chain.input = generic.getDpsInputs()[0];
  chain.ops.push_back(op);
  chain.kind = *kind;
  return chain;
}

FailureOr<Projection> mlir::sieve::matchGateProjection(const GatedFFN &ffn,
                                                       std::string &why) {
  why.clear();
  Value pre = activationChain(ffn.gate).input;
  if (!pre || !ffn.gate.hasOneUse())
    return failure();
  return matchProjection(pre, ffn.collapse, why, "gate");
}

std::optional<ReluFFN> mlir::sieve::matchReluFFN(linalg::MatmulOp down,
                                                 std::string *why) {
  if (why)
    why->clear();
  auto input = downInput(down);
  if (failed(input))
    return std::nullopt;
  ReluFFN ffn;
  ffn.down = down;
  auto [hidden, collapse] = *input;
  ffn.collapse = collapse;
  std::optional<ActivationKind> kind = reluLikeKind(hidden);
  if (!kind)
    return std::nullopt;
  ffn.relu = hidden;
  auto fail = [&](const std::string &reason) -> std::optional<ReluFFN> {
    if (why)
      *why = reason;
    return std::nullopt;
  };
  ffn.activation = activationChain(hidden);
  Value pre = ffn.activation.input;
  if (!pre)
    return fail("the " + stringifyActivationKind(*kind).str() +
                " activation is not one Sieve can apply to gathered columns "
                "(a ReLU, a Clip from 0 to a constant, or a squared ReLU of "
                "the projection)");
  if (!hidden.hasOneUse() ||
      (ffn.collapse && !hasOneUseBesidesDims(ffn.collapse)))
    return fail("the activation has other uses");
  std::string reason;
  FailureOr<Projection> up = matchProjection(pre, ffn.collapse, reason);
  if (failed(up))
    return fail(reason);
  ffn.up = *up;
  return ffn;
}
