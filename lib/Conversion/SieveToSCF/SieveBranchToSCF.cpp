//===- SieveBranchToSCF.cpp - Lower sieve.branch to scf.if ------*- C++ -*-===//

#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_CONVERTSIEVEBRANCHTOSCF
#include "sieve/Conversion/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// Moves the single block of `from` into `to` and turns its sieve.yield into
/// an scf.yield.
void moveRegionWithSCFYield(PatternRewriter &rewriter, Region &from,
                            Region &to) {
  rewriter.inlineRegionBefore(from, to, to.end());
  auto yield = cast<YieldOp>(to.front().getTerminator());
  rewriter.setInsertionPoint(yield);
  rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, yield.getValues());
}

struct BranchToIf : OpRewritePattern<BranchOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(BranchOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value takeSparse =
        arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OLE,
                              op.getDensity(), op.getLimit());
    auto ifOp = scf::IfOp::create(rewriter, loc, op.getResultTypes(),
                                  takeSparse, /*addThenBlock=*/false,
                                  /*addElseBlock=*/false);
    moveRegionWithSCFYield(rewriter, op.getSparse(), ifOp.getThenRegion());
    moveRegionWithSCFYield(rewriter, op.getDense(), ifOp.getElseRegion());
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

struct ConvertSieveBranchToSCFPass
    : sieve::impl::ConvertSieveBranchToSCFBase<ConvertSieveBranchToSCFPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateSieveBranchToSCFPatterns(patterns);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace

void mlir::sieve::populateSieveBranchToSCFPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BranchToIf>(patterns.getContext());
}
