//===- ResolveShapeDims.cpp - dims through the function's arguments -------===//
//
// Rewrites every tensor.dim of an intermediate tensor into the dimension it
// is computed from, so that one-shot bufferization's subset analysis (which
// compares slice bounds with ValueBoundsConstraintSet, following each dim
// back through its producers) stays cheap on dynamic shapes.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVERESOLVESHAPEDIMS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The tensor whose dims `value` has when it is an `scf.forall` result or
/// shared output: the forall's initial shared output. Parallel inserts
/// write into that tensor in place; they never change its shape.
Value forallInit(Value value) {
  if (auto result = dyn_cast<OpResult>(value))
    if (auto forall = dyn_cast<scf::ForallOp>(result.getOwner()))
      return forall.getOutputs()[result.getResultNumber()];
  if (auto arg = dyn_cast<BlockArgument>(value))
    if (auto forall = dyn_cast<scf::ForallOp>(arg.getOwner()->getParentOp()))
      if (OpOperand *init = forall.getTiedOpOperand(arg))
        return init->get();
  return {};
}

/// tensor.dim of an scf.forall result (or of its shared output inside the
/// body) -> tensor.dim of the forall's initial shared output.
struct DimOfForall : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp op,
                                PatternRewriter &rewriter) const override {
    Value init = forallInit(op.getSource());
    if (!init)
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getSourceMutable().assign(init); });
    return success();
  }
};

struct SieveResolveShapeDimsPass
    : sieve::impl::SieveResolveShapeDimsBase<SieveResolveShapeDimsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // Dims of scf.for results and iter args whose shape the loop keeps.
    scf::populateSCFForLoopCanonicalizationPatterns(patterns);
    // Dims of ops that reify their result shapes, in terms of operands.
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    patterns.add<DimOfForall>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
