//===- GatherMatmulToLinalg.cpp - The gather as a linalg.generic -*- C++ -*-=//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGATHERMATMULTOLINALG
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kSkipZerosAttr = "sieve.skip_zeros";
constexpr llvm::StringLiteral kSkipZeroPointsAttr = "sieve.skip_zero_points";

/// A zero tensor of `op`'s result type (rows sized as the input's, columns
/// as the weight's), the accumulator of its generic.
Value zeroResult(OpBuilder &b, sieve::GatherMatmulOp op) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d)) {
      // Rows come from the input, columns from the weight.
      Value source = d + 1 < rank ? op.getInput() : op.getWeight();
      int64_t sourceDim = d + 1 < rank ? d : 1;
      sizes.push_back(tensor::DimOp::create(b, loc, source, sourceDim));
    }
  Value empty = tensor::EmptyOp::create(b, loc, resultType, sizes);
  Value zero = arith::ConstantOp::create(
      b, loc, b.getZeroAttr(resultType.getElementType()));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// The loops (m,) n, k of a contraction over every neuron with a result of
/// `rank` (1 or 2): the neuron and reduction dimensions, and the maps of
/// the input (m, k) and of the result's points (m, n).
struct ContractionLoops {
  ContractionLoops(int64_t rank, MLIRContext *context)
      : loops(rank + 1), n(getAffineDimExpr(rank - 1, context)),
        k(getAffineDimExpr(rank, context)) {
    SmallVector<AffineExpr> inputExprs;
    if (rank == 2)
      inputExprs.push_back(getAffineDimExpr(0, context));
    inputExprs.push_back(k);
    input = AffineMap::get(loops, 0, inputExprs, context);
    point =
        AffineMap::getMultiDimIdentityMap(loops, context).getMajorSubMap(rank);
    iterators.assign(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
  }

  unsigned loops;
  AffineExpr n, k;
  AffineMap input, point;
  SmallVector<utils::IteratorType> iterators;
};

/// `op` as a linalg.generic over the result (rank 1 or 2) and, as its
/// reduction, the positions of its indices.
Value gatherAsGeneric(OpBuilder &b, sieve::GatherMatmulOp op) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  Value init = zeroResult(b, op);
  MLIRContext *context = b.getContext();
  unsigned loops = rank + 1;
  AffineMap indexMap =
      AffineMap::get(loops, 0, getAffineDimExpr(rank, context));
  AffineMap outMap =
      AffineMap::getMultiDimIdentityMap(loops, context).getMajorSubMap(rank);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value input = op.getInput(), weight = op.getWeight();
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{op.getIndices()}, ValueRange{init},
      ArrayRef<AffineMap>{indexMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value k = args[0], acc = args[1];
        Value n = linalg::IndexOp::create(nb, nl, rank - 1);
        SmallVector<Value> inputIndices;
        if (rank == 2)
          inputIndices.push_back(linalg::IndexOp::create(nb, nl, 0));
        inputIndices.push_back(k);
        Value x = tensor::ExtractOp::create(nb, nl, input, inputIndices);
        Value w = tensor::ExtractOp::create(nb, nl, weight, ValueRange{k, n});
        Value product = arith::MulFOp::create(nb, nl, x, w);
        Value sum = arith::AddFOp::create(nb, nl, acc, product);
        linalg::YieldOp::create(nb, nl, sum);
      });
  return generic.getResult(0);
}

/// Whether `indices` are exactly the non-zero neurons of `of`
/// (`sieve.active_set` of it, threshold 0).
bool nonZerosOf(Value indices, Value of) {
  auto set = indices.getDefiningOp<sieve::ActiveSetOp>();
  return set && set.getInput() == of && set.getThreshold().isZero();
}

/// Whether the indices of `op` are exactly the non-zero neurons of its own
/// input, or of the gate of the gated up projection that computes its input
/// over the same indices (that input is zero wherever the gate is): then
/// skipping the input's zeros in a dense contraction is the same gather.
bool gathersNonZerosOfInput(sieve::GatherMatmulOp op) {
  Value indices = op.getIndices();
  if (nonZerosOf(indices, op.getInput()))
    return true;
  auto up = op.getInput().getDefiningOp<sieve::GatedGatherMatmulOp>();
  return up && up.getIndices() == indices && nonZerosOf(indices, up.getGate());
}

/// The gated up projection `op` (over the non-zeros of its gate) as a
/// contraction over every neuron, `up[m, n] = sum_k x[m, k] * w[n, k]`
/// (a constant `w` laid out K x N),
/// marked `sieve.skip_zero_points = 0`: sieve-map-to-gpu skips the whole
/// sum of a point whose gate (input 0, read at the point only) is zero;
/// then `gate * (up + bias)` elementwise, zero where the gate is. Null when
/// the indices are not the gate's non-zeros.
Value gatedAsGenerics(OpBuilder &b, sieve::GatedGatherMatmulOp op) {
  Value gate = op.getGate(), input = op.getInput(), weight = op.getWeight(),
        bias = op.getBias();
  if (!nonZerosOf(op.getIndices(), gate))
    return nullptr;
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, gate);
  Value zero = arith::ConstantOp::create(
      b, loc, b.getZeroAttr(resultType.getElementType()));
  Value empty =
      tensor::EmptyOp::create(b, loc, sizes, resultType.getElementType());
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  ContractionLoops c(rank, context);
  // A constant weight transposed back to K x N at compile time: the GPU's
  // threads of neighbouring neurons then read neighbouring addresses
  // (coalesced), where rows of N x K (the CPU's layout: each neuron's
  // weights contiguous) put them a row apart.
  AffineMap weightMap = AffineMap::get(c.loops, 0, {c.n, c.k}, context);
  if (Value transposed = sieve::createTransposedConstant(b, loc, weight)) {
    weight = transposed;
    weightMap = AffineMap::get(c.loops, 0, {c.k, c.n}, context);
  }
  auto up = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{gate, input, weight}, ValueRange{init},
      ArrayRef<AffineMap>{c.point, c.input, weightMap, c.point}, c.iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = arith::MulFOp::create(nb, nl, args[1], args[2]);
        Value sum = arith::AddFOp::create(nb, nl, args[3], product);
        linalg::YieldOp::create(nb, nl, sum);
      });
  up->setAttr(kSkipZeroPointsAttr, b.getI64IntegerAttr(0));
  // gate * (up + bias).
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  SmallVector<Value> ins{gate, up.getResult(0)};
  SmallVector<AffineMap> maps{identity, identity};
  if (bias) {
    ins.push_back(bias);
    maps.push_back(
        AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context)));
  }
  maps.push_back(identity);
  Value out =
      tensor::EmptyOp::create(b, loc, sizes, resultType.getElementType());
  return linalg::GenericOp::create(
             b, loc, resultType, ins, ValueRange{out}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value v = args[1];
               if (bias)
                 v = arith::AddFOp::create(nb, nl, v, args[2]);
               linalg::YieldOp::create(
                   nb, nl,
                   ValueRange{arith::MulFOp::create(nb, nl, args[0], v)});
             })
      .getResult(0);
}

/// `op` as a contraction over every neuron (a matmul as a linalg.generic)
/// marked `sieve.skip_zeros = 0`: sieve-map-to-gpu reads a weight row only
/// where the input is non-zero.
Value skipZerosAsGeneric(OpBuilder &b, sieve::GatherMatmulOp op) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  Value init = zeroResult(b, op);
  ContractionLoops c(rank, b.getContext());
  AffineMap weightMap = AffineMap::get(c.loops, 0, {c.k, c.n}, b.getContext());
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{op.getInput(), op.getWeight()},
      ValueRange{init}, ArrayRef<AffineMap>{c.input, weightMap, c.point},
      c.iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value product = arith::MulFOp::create(nb, nl, args[0], args[1]);
        Value sum = arith::AddFOp::create(nb, nl, args[2], product);
        linalg::YieldOp::create(nb, nl, sum);
      });
  generic->setAttr(kSkipZerosAttr, b.getI64IntegerAttr(0));
  return generic.getResult(0);
}

/// Takes the sparse region of `branch` unconditionally when it skips zeros
/// itself and needs no active set: the zero-skipping contraction reads
/// what the dense one reads at density 1 (plus the input), so the active
/// set (host code over the activation) is not worth computing.
bool inlineSparseRegion(RewriterBase &rewriter, sieve::BranchOp branch) {
  Block &sparse = branch.getSparse().front();
  bool skips = false, needsSet = false;
  sparse.walk([&](Operation *op) {
    skips |= op->hasAttr(kSkipZerosAttr) || op->hasAttr(kSkipZeroPointsAttr);
    for (Value operand : op->getOperands())
      needsSet |= isa_and_nonnull<sieve::ActiveSetOp>(operand.getDefiningOp());
  });
  if (!skips || needsSet)
    return false;
  auto yield = cast<sieve::YieldOp>(sparse.getTerminator());
  SmallVector<Value> results(yield.getOperands());
  rewriter.inlineBlockBefore(&sparse, branch);
  rewriter.replaceOp(branch, results);
  rewriter.eraseOp(yield);
  return true;
}

struct GatherMatmulToLinalg
    : sieve::impl::SieveGatherMatmulToLinalgBase<GatherMatmulToLinalg> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<sieve::GatherMatmulOp> gathers;
    getOperation().walk(
        [&](sieve::GatherMatmulOp op) { gathers.push_back(op); });
    IRRewriter rewriter(&getContext());
    // Gated up projections over their gate's non-zeros first (the gathers
    // below look at them), as zero-skipping contractions.
    SmallVector<sieve::GatedGatherMatmulOp> gated;
    if (skipZeros)
      getOperation().walk(
          [&](sieve::GatedGatherMatmulOp op) { gated.push_back(op); });
    llvm::DenseMap<Value, Value> gatedResults;
    for (sieve::GatedGatherMatmulOp op : gated) {
      rewriter.setInsertionPoint(op);
      if (Value replacement = gatedAsGenerics(rewriter, op))
        gatedResults[op.getResult()] = replacement;
    }
    for (sieve::GatherMatmulOp op : gathers) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOp(op, skipZeros && gathersNonZerosOfInput(op)
                                 ? skipZerosAsGeneric(rewriter, op)
                                 : gatherAsGeneric(rewriter, op));
    }
    for (sieve::GatedGatherMatmulOp op : gated)
      if (Value replacement = gatedResults.lookup(op.getResult()))
        rewriter.replaceOp(op, replacement);
    if (!skipZeros)
      return;
    SmallVector<sieve::BranchOp> branches;
    getOperation().walk([&](sieve::BranchOp op) { branches.push_back(op); });
    bool changed = !gatedResults.empty();
    for (sieve::BranchOp branch : branches)
      changed |= inlineSparseRegion(rewriter, branch);
    // The active sets and densities nothing reads any more.
    if (changed)
      (void)applyPatternsGreedily(getOperation(),
                                  RewritePatternSet(&getContext()));
  }
};

} // namespace
