//===- UnmaskReductions.cpp - Masked reductions as selects --------*- C++
//-*-===//
//
// A masked `vector.reduction` (a row of dynamic length vectorized in masked
// chunks) lowers to LLVM's vector-predicated reduction, which x86 and AArch64
// compute as a strictly ordered chain of scalar adds: one add per lane, each
// waiting for the one before. Selecting the reduction's identity into the
// masked-off lanes first gives an unmasked reduction, which the vector-to-LLVM
// conversion lowers as a tree (reassociateFPReductions).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEUNMASKREDUCTIONS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The value that leaves a reduction of `kind` over `type`'s elements
/// unchanged, or nothing (kinds without one are left masked).
std::optional<TypedAttr> identityOf(vector::CombiningKind kind, Type type) {
  using vector::CombiningKind;
  if (auto ft = dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &sem = ft.getFloatSemantics();
    switch (kind) {
    case CombiningKind::ADD:
      // -0.0: adding it changes no sum, not even one of negative zeros.
      return FloatAttr::get(ft, APFloat::getZero(sem, /*Negative=*/true));
    case CombiningKind::MUL:
      return FloatAttr::get(ft, APFloat::getOne(sem));
    case CombiningKind::MAXNUMF:
    case CombiningKind::MAXIMUMF:
      return FloatAttr::get(ft, APFloat::getInf(sem, /*Negative=*/true));
    case CombiningKind::MINNUMF:
    case CombiningKind::MINIMUMF:
      return FloatAttr::get(ft, APFloat::getInf(sem));
    default:
      return std::nullopt;
    }
  }
  auto it = dyn_cast<IntegerType>(type);
  if (!it)
    return std::nullopt;
  unsigned bits = it.getWidth();
  switch (kind) {
  case CombiningKind::ADD:
  case CombiningKind::OR:
  case CombiningKind::XOR:
  case CombiningKind::MAXUI:
    return IntegerAttr::get(it, APInt::getZero(bits));
  case CombiningKind::MUL:
    return IntegerAttr::get(it, APInt(bits, 1));
  case CombiningKind::AND:
  case CombiningKind::MINUI:
    return IntegerAttr::get(it, APInt::getAllOnes(bits));
  case CombiningKind::MAXSI:
    return IntegerAttr::get(it, APInt::getSignedMinValue(bits));
  case CombiningKind::MINSI:
    return IntegerAttr::get(it, APInt::getSignedMaxValue(bits));
  default:
    return std::nullopt;
  }
}

/// vector.mask %m { vector.reduction <kind>, %v[, %acc] }
///   -> vector.reduction <kind>, select(%m, %v, identity)[, %acc]
struct UnmaskReduction : OpRewritePattern<vector::MaskOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MaskOp mask,
                                PatternRewriter &rewriter) const override {
    auto reduction =
        dyn_cast_or_null<vector::ReductionOp>(mask.getMaskableOp());
    if (!reduction || mask.hasPassthru())
      return failure();
    VectorType type = reduction.getSourceVectorType();
    std::optional<TypedAttr> identity =
        identityOf(reduction.getKind(), type.getElementType());
    if (!identity || mask.getMask().getType() !=
                         VectorType::get(type.getShape(), rewriter.getI1Type(),
                                         type.getScalableDims()))
      return failure();
    Location loc = reduction.getLoc();
    Value splat = arith::ConstantOp::create(
        rewriter, loc, type, DenseElementsAttr::get(type, *identity));
    Value kept = arith::SelectOp::create(rewriter, loc, mask.getMask(),
                                         reduction.getVector(), splat);
    auto unmasked = vector::ReductionOp::create(
        rewriter, loc, reduction.getKind(), kept, reduction.getAcc(),
        reduction.getFastmath());
    rewriter.replaceOp(mask, unmasked.getResult());
    return success();
  }
};

struct SieveUnmaskReductionsPass
    : sieve::impl::SieveUnmaskReductionsBase<SieveUnmaskReductionsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<UnmaskReduction>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
