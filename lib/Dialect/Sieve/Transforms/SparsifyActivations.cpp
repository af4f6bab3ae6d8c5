//===- SparsifyActivations.cpp - Exact activation gather --------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVESPARSIFYACTIVATIONS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// The cost model's gather limit for a matmul of `rows` activation rows
/// (dynamic: unknown) by `weight`.
double costModelLimit(int64_t rows, Value weight, int64_t cacheBytes) {
  auto wt = cast<RankedTensorType>(weight.getType());
  int64_t bytes = wt.hasStaticShape()
                      ? wt.getNumElements() * (wt.getElementTypeBitWidth() / 8)
                      : -1;
  return activationGatherLimit(rows, bytes, cacheBytes);
}
double costModelLimit(RankedTensorType activations, Value weight,
                      int64_t cacheBytes) {
  return costModelLimit(activations.getDimSize(0), weight, cacheBytes);
}

struct GatherActiveRows : OpRewritePattern<linalg::MatmulOp> {
  GatherActiveRows(MLIRContext *ctx, double limit, bool report,
                   int64_t cacheBytes)
      : OpRewritePattern(ctx), limit(limit), report(report),
        cacheBytes(cacheBytes) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (op->getParentOfType<BranchOp>() || !op.hasPureTensorSemantics() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
      return failure();
    Value h = op.getInputs()[0], w = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    // The ReLU itself, or the ReLU of higher rank whose leading dimensions
    // the importer collapsed into the matmul's rows (a [batch, seq, d_ff]
    // FFN): collapsing keeps zeros zero, and the gather works on `h`.
    Value relu = h;
    if (auto collapse = h.getDefiningOp<tensor::CollapseShapeOp>())
      relu = collapse.getSrc();
    Operation *reluOp = relu.getDefiningOp();
    std::optional<ActivationKind> kind = reluLikeKind(relu);
    // A site whose density a profile measured (or a user assumed) above the
    // limit is left dense: the branch would always take the dense path.
    if (auto site = reluOp ? reluOp->getAttrOfType<ActivationSiteAttr>(
                                 "sieve.activation_site")
                           : ActivationSiteAttr();
        site && site.getSource() != DensitySource::Unknown) {
      auto ht = cast<RankedTensorType>(h.getType());
      double chosen = limit >= 0 ? limit : costModelLimit(ht, w, cacheBytes);
      if (site.getDensityValue() > chosen) {
        if (report)
          op->emitRemark() << describeNode(op, "matmul") << " after ReLU "
                           << describeNode(reluOp, "output") << ": density "
                           << formatPercent(site.getDensityValue(), 1)
                           << " (profile) above the gather limit "
                           << formatPercent(chosen, 0) << ": kept dense";
        return rewriter.notifyMatchFailure(op, "measured density too high");
      }
    }
    if (!kind)
      return rewriter.notifyMatchFailure(op, "lhs is not a ReLU output");
    auto ht = cast<RankedTensorType>(h.getType());
    if (!isa<FloatType>(ht.getElementType()) || ht.isDynamicDim(1)) {
      if (report)
        op->emitRemark() << describeNode(op, "matmul") << " after ReLU "
                         << describeNode(reluOp, "output")
                         << ": kept dense (the gather needs a static number "
                            "of neurons and a float type, got "
                         << ht << ")";
      return rewriter.notifyMatchFailure(op, "dynamic neurons or not float");
    }
    Location loc = op.getLoc();
    Type resultType = op.getResult(0).getType();

    auto indexType =
        RankedTensorType::get({ShapedType::kDynamic}, rewriter.getIndexType());
    auto activeSet = ActiveSetOp::create(rewriter, loc, indexType, h,
                                         rewriter.getF32FloatAttr(0.0f));
    activeSet->setAttr("sieve.site",
                       ActivationSiteAttr::get(getContext(), *kind));
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value active = tensor::DimOp::create(rewriter, loc, activeSet, zero);
    Value activeF = arith::UIToFPOp::create(
        rewriter, loc, rewriter.getF32Type(),
        arith::IndexCastUIOp::create(rewriter, loc, rewriter.getI64Type(),
                                     active));
    Value neurons = arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(ht.getDimSize(1)));
    Value density = arith::DivFOp::create(rewriter, loc, activeF, neurons);
    double chosen = limit >= 0 ? limit : costModelLimit(ht, w, cacheBytes);
    Value limitValue = arith::ConstantOp::create(
        rewriter, loc, rewriter.getF32FloatAttr(static_cast<float>(chosen)));
    // A dynamic batch (most exported models) picks the limit at run time:
    // one row has its own break-even (a weight in cache runs densely at full
    // speed), several rows share each gathered weight row.
    double oneRowLimit = chosen;
    if (limit < 0 && ht.isDynamicDim(0)) {
      oneRowLimit = costModelLimit(1, w, cacheBytes);
      if (oneRowLimit != chosen) {
        Value rows = tensor::DimOp::create(rewriter, loc, h, 0);
        Value isOne = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, rows,
            arith::ConstantIndexOp::create(rewriter, loc, 1));
        Value oneRowValue = arith::ConstantOp::create(
            rewriter, loc,
            rewriter.getF32FloatAttr(static_cast<float>(oneRowLimit)));
        limitValue = arith::SelectOp::create(rewriter, loc, isOne, oneRowValue,
                                             limitValue);
      }
    }

    auto branch = BranchOp::create(rewriter, loc, TypeRange{resultType},
                                   density, limitValue);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      Block *sparse = rewriter.createBlock(&branch.getSparse());
      (void)sparse;
      Value product = GatherMatmulOp::create(rewriter, loc, resultType, h, w,
                                             activeSet.getResult());
      if (!isZeroFill(init)) {
        Value empty = tensor::EmptyOp::create(
            rewriter, loc, tensor::getMixedSizes(rewriter, loc, init),
            cast<RankedTensorType>(resultType).getElementType());
        product =
            linalg::AddOp::create(rewriter, loc, TypeRange{resultType},
                                  ValueRange{product, init}, ValueRange{empty})
                .getResult(0);
      }
      YieldOp::create(rewriter, loc, product);

      rewriter.createBlock(&branch.getDense());
      Operation *dense = rewriter.clone(*op);
      YieldOp::create(rewriter, loc, dense->getResult(0));
    }
    if (report)
      op->emitRemark() << describeNode(op, "matmul") << " after ReLU "
                       << describeNode(reluOp, "output")
                       << ": gathers the weight rows of active neurons, "
                          "dense path above "
                       << (oneRowLimit != chosen
                               ? formatPercent(oneRowLimit, 0) +
                                     " active for one row, " +
                                     formatPercent(chosen, 0) + " for more"
                               : formatPercent(chosen, 0) + " active")
                       << " (checked at run time)";
    rewriter.replaceOp(op, branch.getResults());
    return success();
  }

  double limit;
  bool report;
  int64_t cacheBytes;
};

struct SieveSparsifyActivationsPass
    : sieve::impl::SieveSparsifyActivationsBase<SieveSparsifyActivationsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GatherActiveRows>(&getContext(), densityLimit, report,
                                   cacheBytes);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
