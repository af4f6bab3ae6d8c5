//===- PrepareLinalg.cpp - Decompose and fuse linalg ------------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEPREPARELINALG
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// Ops that later passes schedule as whole ops: they stay named.
bool keepsNamedForm(Operation *op) {
  return isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::GenericOp,
             linalg::ConvolutionOpInterface>(op) ||
         isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp>(op);
}

struct DecomposeAggregate
    : OpInterfaceRewritePattern<linalg::AggregatedOpInterface> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::AggregatedOpInterface op,
                                PatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Value>> values = op.decomposeOperation(rewriter);
    if (failed(values))
      return failure();
    rewriter.replaceOp(op, *values);
    return success();
  }
};

struct GeneralizeElementwise : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;
  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (keepsNamedForm(op))
      return failure();
    if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation())) {
      // A fill that initializes a contraction's accumulator stays a fill.
      for (Operation *user : fill->getUsers())
        if (!isa<linalg::GenericOp>(user) ||
            llvm::any_of(user->getOpOperands(), [&](OpOperand &use) {
              return use.get() == fill.getResult(0) &&
                     cast<linalg::GenericOp>(user).isDpsInit(&use);
            }))
          return failure();
    }
    if (!op.hasPureTensorSemantics())
      return failure();
    return linalg::generalizeNamedOp(rewriter, op);
  }
};

/// A generic that writes one value everywhere and initializes the
/// accumulator of a named op (a convolution's zero bias: the broadcast of
/// a splat constant, generalized, whose input the fusion patterns folded
/// into the body) as the linalg.fill that the convolution and matmul
/// kernels fuse into their tiles; as a generic it was a pass over the
/// whole output before the kernel, and the kernel's Relu another after
/// it (SqueezeNet's TorchScript export: its 3x3 expand layers 1.3x slower
/// than with their bias left out).
struct GenericToFill : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(linalg::GenericOp generic,
                                PatternRewriter &rewriter) const override {
    if (generic.getNumDpsInputs() != 0 || generic.getNumDpsInits() != 1 ||
        generic.getNumReductionLoops() != 0 ||
        !generic.getIndexingMapsArray()[0].isIdentity() ||
        !generic.hasPureTensorSemantics())
      return failure();
    Block &body = generic.getRegion().front();
    if (body.getOperations().size() != 1)
      return failure();
    Value value = cast<linalg::YieldOp>(body.getTerminator()).getOperand(0);
    if (generic.getRegion().isAncestor(value.getParentRegion()))
      return failure();
    // Only an accumulator: a fill that elementwise generics read is
    // generalized again (GeneralizeElementwise) and fused into them.
    if (llvm::none_of(generic->getResult(0).getUses(), [](OpOperand &use) {
          auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
          return dps && !isa<linalg::GenericOp>(use.getOwner()) &&
                 dps.isDpsInit(&use);
        }))
      return failure();
    rewriter.replaceOpWithNewOp<linalg::FillOp>(generic, value,
                                                generic.getDpsInits()[0]);
    return success();
  }
};

/// The most ops a fused elementwise body may hold. Fusing a chain clones
/// the growing body at every step, so unbounded fusion of an n-op chain
/// costs O(n^2) (a 10,000-node Add chain took minutes); beyond a few dozen
/// ops a longer body gains nothing, since each element is already read and
/// written once per kernel.
constexpr int64_t kMaxFusedBodyOps = 64;

int64_t bodyOps(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic ? static_cast<int64_t>(
                       generic.getRegion().front().getOperations().size())
                 : 1;
}

/// Whether `op` only spreads scalars: a generic whose inputs are all of
/// rank 0 (a broadcast constant, a splat fill). Fused into each of its
/// consumers it is a scalar in their bodies (a constant that later
/// patterns fold: the exponent of powf); kept apart because it has several
/// consumers (CSE merges the same broadcast of two layers), it would write
/// and read a whole tensor of one value.
bool spreadsScalars(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  return generic && generic.getNumReductionLoops() == 0 &&
         llvm::all_of(generic.getDpsInputs(), [](Value input) {
           auto type = dyn_cast<RankedTensorType>(input.getType());
           return type && type.getRank() == 0;
         });
}

struct SievePrepareLinalgPass
    : sieve::impl::SievePrepareLinalgBase<SievePrepareLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<DecomposeAggregate, GeneralizeElementwise, GenericToFill>(ctx);
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [](OpOperand *fused) {
          Operation *producer = fused->get().getDefiningOp();
          return producer &&
                 (producer->hasOneUse() || spreadsScalars(producer)) &&
                 bodyOps(producer) + bodyOps(fused->getOwner()) <=
                     kMaxFusedBodyOps;
        });
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::EmptyOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
