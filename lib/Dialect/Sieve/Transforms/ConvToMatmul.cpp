//===- ConvToMatmul.cpp - Convolutions as matrix products -------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVECONVTOMATMUL
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

Value collapse(PatternRewriter &rewriter, Location loc, Value value,
               ArrayRef<int64_t> shape, ArrayRef<ReassociationIndices> groups) {
  auto type = cast<RankedTensorType>(value.getType());
  return tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get(shape, type.getElementType()), value,
      groups);
}

struct ConvToMatmul : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    auto xt = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
    auto wt = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
    auto ot = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
    if (!xt || !wt || !ot || !xt.hasStaticShape() || !wt.hasStaticShape() ||
        !ot.hasStaticShape() || xt.getDimSize(0) != 1)
      return rewriter.notifyMatchFailure(op, "needs static shapes, batch 1");
    SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
    int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), w = xt.getDimSize(3);
    int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
    int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
    Type et = ot.getElementType();
    Location loc = op.getLoc();

    // Columns: [C*KH*KW, OH*OW].
    Value columns;
    bool pointwise = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                     oh == h && ow == w;
    if (pointwise) {
      columns = collapse(rewriter, loc, op.getInputs()[0], {c, h * w},
                         {{0, 1}, {2, 3}});
    } else {
      // col[c, i, j, y, x] = X[0, c, y*sh + i*dh, x*sw + j*dw]
      MLIRContext *ctx = rewriter.getContext();
      AffineExpr dc = getAffineDimExpr(0, ctx), di = getAffineDimExpr(1, ctx),
                 dj = getAffineDimExpr(2, ctx), dy = getAffineDimExpr(3, ctx),
                 dx = getAffineDimExpr(4, ctx);
      AffineMap inMap = AffineMap::get(5, 0,
                                       {getAffineConstantExpr(0, ctx), dc,
                                        dy * strides[0] + di * dilations[0],
                                        dx * strides[1] + dj * dilations[1]},
                                       ctx);
      AffineMap outMap = AffineMap::getMultiDimIdentityMap(5, ctx);
      auto colType = RankedTensorType::get({c, kh, kw, oh, ow}, et);
      Value empty =
          tensor::EmptyOp::create(rewriter, loc, colType.getShape(), et);
      SmallVector<utils::IteratorType> iterators(5,
                                                 utils::IteratorType::parallel);
      Value gathered =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{colType}, ValueRange{op.getInputs()[0]},
              ValueRange{empty}, ArrayRef<AffineMap>{inMap, outMap}, iterators,
              [](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(b, l, args[0]);
              })
              .getResult(0);
      columns = collapse(rewriter, loc, gathered, {c * kh * kw, oh * ow},
                         {{0, 1, 2}, {3, 4}});
    }
    Value weights = collapse(rewriter, loc, op.getInputs()[1], {f, c * kh * kw},
                             {{0}, {1, 2, 3}});
    Value init = collapse(rewriter, loc, op.getOutputs()[0], {f, oh * ow},
                          {{0, 1}, {2, 3}});
    Value product =
        linalg::MatmulOp::create(rewriter, loc, TypeRange{init.getType()},
                                 ValueRange{weights, columns}, ValueRange{init})
            .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, ot, product, ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    return success();
  }
};

struct SieveConvToMatmulPass
    : sieve::impl::SieveConvToMatmulBase<SieveConvToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToMatmul>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
