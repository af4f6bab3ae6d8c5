//===- ActivationSites.cpp - ReLU-like values -------------------*- C++ -*-===//

#include "sieve/Analysis/ActivationSites.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
    bool keepsZeros =
        isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, linalg::TransposeOp,
            linalg::PoolingNchwMaxOp>(user) ||
        (isa<tensor::PadOp>(user) &&
         matchPattern(cast<tensor::PadOp>(user).getConstantPaddingValue(),
                      m_AnyZeroFloat()));
    if (keepsZeros && user->getNumResults() == 1 &&
        reachesContraction(user->getResult(0)))
      return true;
  }
  return false;
}
