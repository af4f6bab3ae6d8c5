//===- GatherMatmulToLinalg.cpp - The gather as a linalg.generic -*- C++ -*-=//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
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

/// Ends a contraction's body: yields `acc + x * w`.
void yieldProductSum(OpBuilder &b, Location loc, Value x, Value w, Value acc) {
  Value product = arith::MulFOp::create(b, loc, x, w);
  linalg::YieldOp::create(
      b, loc, ValueRange{arith::AddFOp::create(b, loc, acc, product)});
}

/// A tensor of `sizes` filled with zeros.
Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type element) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  return linalg::FillOp::create(
             b, loc, zero,
             tensor::EmptyOp::create(b, loc, sizes, element).getResult())
      .getResult(0);
}

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
        yieldProductSum(nb, nl, x, w, acc);
      });
  return generic.getResult(0);
}

/// Whether `indices` are exactly the non-zero neurons of `of`
/// (`sieve.active_set` of it, threshold 0).
bool nonZerosOf(Value indices, Value of) {
  auto set = indices.getDefiningOp<sieve::ActiveSetOp>();
  return set && set.getInput() == of && set.getThreshold().isZero();
}

/// Whether `body` (an elementwise linalg.generic's) yields zero when every
/// block argument it reads is zero: its ops folded on constant operands
/// (`max(r, 0)`, `min(., 6)`, `r * r` of a zero are zero).
bool mapsZeroToZero(Block &body) {
  llvm::DenseMap<Value, Attribute> known;
  for (BlockArgument arg : body.getArguments())
    if (auto type = dyn_cast<FloatType>(arg.getType()))
      known[arg] = FloatAttr::get(type, 0.0);
  for (Operation &op : body.without_terminator()) {
    SmallVector<Attribute> operands;
    for (Value operand : op.getOperands()) {
      Attribute value = known.lookup(operand);
      if (!value)
        matchPattern(operand, m_Constant(&value));
      operands.push_back(value);
    }
    SmallVector<OpFoldResult> results;
    if (op.getNumResults() != 1 || failed(op.fold(operands, results)) ||
        results.size() != 1)
      return false;
    Attribute folded = dyn_cast<Attribute>(results[0]);
    if (!folded)
      folded = known.lookup(cast<Value>(results[0]));
    if (!folded)
      return false;
    known[op.getResult(0)] = folded;
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getNumOperands() != 1)
    return false;
  auto zero = dyn_cast_or_null<FloatAttr>(known.lookup(yield.getOperand(0)));
  return zero && zero.getValue().isZero();
}

/// Whether `value` is zero at every neuron outside `indices` by
/// construction: the result of a column gather or a gated gather over
/// `indices`, or of an elementwise linalg.generic (identity maps) of such
/// values alone that maps zero to zero (the ReLU6 or the square that
/// sieve-sparsify-activations applies to a predicted column gather).
bool zeroOutside(Value value, Value indices) {
  if (auto column = value.getDefiningOp<sieve::ColumnGatherMatmulOp>())
    return column.getIndices() == indices;
  if (auto gated = value.getDefiningOp<sieve::GatedGatherMatmulOp>())
    return gated.getIndices() == indices;
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumResults() != 1 ||
      generic.getNumReductionLoops() != 0 ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return false;
  Block &body = *generic.getBlock();
  for (OpOperand &operand : generic->getOpOperands()) {
    bool read = !body.getArgument(operand.getOperandNumber()).use_empty();
    if (read && !zeroOutside(operand.get(), indices))
      return false;
  }
  return mapsZeroToZero(body);
}

/// Whether the non-zeros of `of` are all among `indices`: `indices` are
/// its non-zero neurons, or it is zero outside them by construction.
bool nonZerosWithin(Value indices, Value of) {
  return nonZerosOf(indices, of) || zeroOutside(of, indices);
}

/// Whether the non-zeros of the input of `op` are all among its indices
/// (its indices are the input's non-zero neurons; or the input is a
/// gated up projection or a predicted column gather over the same
/// indices): then skipping the input's zeros in a dense contraction is the
/// same gather.
bool gathersNonZerosOfInput(sieve::GatherMatmulOp op) {
  return nonZerosWithin(op.getIndices(), op.getInput());
}

/// The contraction `lhs @ rhs` (`lhs` M x K or K, `rhs` K x N) added to
/// `init`, as a linalg.generic.
linalg::GenericOp contractionInto(OpBuilder &b, Location loc, Value lhs,
                                  Value rhs, Value init) {
  int64_t rank = cast<RankedTensorType>(lhs.getType()).getRank();
  ContractionLoops c(rank, b.getContext());
  AffineMap rhsMap = AffineMap::get(c.loops, 0, {c.k, c.n}, b.getContext());
  return linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init},
      ArrayRef<AffineMap>{c.input, rhsMap, c.point}, c.iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldProductSum(nb, nl, args[0], args[1], args[2]);
      });
}

/// The contraction `lhs @ rhs` into zeros.
Value contraction(OpBuilder &b, Location loc, Value lhs, Value rhs) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  SmallVector<OpFoldResult> sizes;
  if (lhsType.getRank() == 2)
    sizes.push_back(tensor::getMixedSize(b, loc, lhs, 0));
  sizes.push_back(tensor::getMixedSize(b, loc, rhs, 1));
  return contractionInto(b, loc, lhs, rhs,
                         zeros(b, loc, sizes, lhsType.getElementType()))
      .getResult(0);
}

/// The neurons `op` predicts active as a float mask over them instead of an
/// index list: `mask[n]` counts the rows whose score `((x @ u) @ v)[m, n]`
/// is above `thresholds[n]` (non-zero: predicted active for some row, the
/// union that `sieve.predict` returns), two contractions and a sum over the
/// rows, all GPU kernels.
Value predictedMask(OpBuilder &b, sieve::PredictOp op) {
  Location loc = op.getLoc();
  Value scores = contraction(
      b, loc, contraction(b, loc, op.getInput(), op.getU()), op.getV());
  auto scoreType = cast<RankedTensorType>(scores.getType());
  int64_t rank = scoreType.getRank();
  Type element = scoreType.getElementType();
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> size{
      tensor::getMixedSize(b, loc, scores, rank - 1)};
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(element, 1.0));
  Value init = zeros(b, loc, size, element);
  // Loops (n, m): the rows are the reduction.
  AffineExpr n = getAffineDimExpr(0, context);
  SmallVector<AffineExpr> scoreExprs{n};
  SmallVector<utils::IteratorType> iterators{utils::IteratorType::parallel};
  if (rank == 2) {
    scoreExprs.insert(scoreExprs.begin(), getAffineDimExpr(1, context));
    iterators.push_back(utils::IteratorType::reduction);
  }
  unsigned loops = rank;
  AffineMap perNeuron = AffineMap::get(loops, 0, n);
  SmallVector<AffineMap> maps{AffineMap::get(loops, 0, scoreExprs, context),
                              perNeuron, perNeuron};
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{scores, op.getThresholds()},
             ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value above = arith::CmpFOp::create(
                   nb, nl, arith::CmpFPredicate::OGT, args[0], args[1]);
               Value count = arith::SelectOp::create(nb, nl, above, one, zero);
               linalg::YieldOp::create(
                   nb, nl,
                   ValueRange{arith::AddFOp::create(nb, nl, args[2], count)});
             })
      .getResult(0);
}

/// An elementwise linalg.generic over the points of `sum` (of
/// `resultType`, `sizes`) yielding `combine(selector, sum + bias)`:
/// `selector` read with `selectorMap`, the optional `bias` per neuron (the
/// last dimension).
Value combineWithBias(
    OpBuilder &b, Location loc, RankedTensorType resultType,
    ArrayRef<OpFoldResult> sizes, Value selector, AffineMap selectorMap,
    Value sum, Value bias,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  int64_t rank = resultType.getRank();
  MLIRContext *context = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  SmallVector<Value> ins{selector, sum};
  SmallVector<AffineMap> maps{selectorMap, identity};
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
               linalg::YieldOp::create(nb, nl,
                                       ValueRange{combine(nb, nl, args[0], v)});
             })
      .getResult(0);
}

/// The column gather `op` over the neurons that `mask` (predictedMask of its
/// indices) marks: a contraction over every neuron marked
/// `sieve.skip_zero_points = 0` (the mask, read at the neuron: sieve-map-to-gpu
/// sums nothing for an unmarked one and reads each marked neuron's row of
/// the N x K weight in lanes), then `mask ? relu(sum + bias) : 0`
/// elementwise (the ReLU with `relu`).
Value columnGatherAsGenerics(OpBuilder &b, sieve::ColumnGatherMatmulOp op,
                             Value mask) {
  Location loc = op.getLoc();
  Value input = op.getInput(), weight = op.getWeight(), bias = op.getBias();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  Type element = resultType.getElementType();
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> sizes;
  if (rank == 2)
    sizes.push_back(tensor::getMixedSize(b, loc, input, 0));
  sizes.push_back(tensor::getMixedSize(b, loc, weight, 0));
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value init = zeros(b, loc, sizes, element);
  ContractionLoops c(rank, context);
  AffineMap maskMap = AffineMap::get(c.loops, 0, c.n);
  AffineMap weightMap = AffineMap::get(c.loops, 0, {c.n, c.k}, context);
  auto sum = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{mask, input, weight}, ValueRange{init},
      ArrayRef<AffineMap>{maskMap, c.input, weightMap, c.point}, c.iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldProductSum(nb, nl, args[1], args[2], args[3]);
      });
  sum->setAttr(kSkipZeroPointsAttr, b.getI64IntegerAttr(0));
  // mask ? relu(sum + bias) : 0.
  bool relu = op.getRelu();
  return combineWithBias(
      b, loc, resultType, sizes, mask,
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context)),
      sum.getResult(0), bias,
      [&](OpBuilder &nb, Location nl, Value marked, Value v) -> Value {
        if (relu)
          v = arith::MaximumFOp::create(nb, nl, v, zero);
        Value nonZero = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::UNE,
                                              marked, zero);
        return arith::SelectOp::create(nb, nl, nonZero, v, zero);
      });
}

/// The gated up projection `op` (over indices that hold every non-zero of
/// its gate: the gate's non-zeros, or a predictor's neurons whose column
/// gather is the gate) as a contraction over every neuron,
/// `up[m, n] = sum_k x[m, k] * w[n, k]`, marked `sieve.skip_zero_points = 0`:
/// sieve-map-to-gpu skips the whole sum of a point whose gate (input 0,
/// read at the point only) is zero and reads the N x K weight's rows of the
/// others in lanes; then `gate * (up + bias)` elementwise, zero where the
/// gate is. Null when the indices may miss a non-zero of the gate.
Value gatedAsGenerics(OpBuilder &b, sieve::GatedGatherMatmulOp op) {
  Value gate = op.getGate(), input = op.getInput(), weight = op.getWeight(),
        bias = op.getBias();
  if (!nonZerosWithin(op.getIndices(), gate))
    return nullptr;
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  MLIRContext *context = b.getContext();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, gate);
  Value init = zeros(b, loc, sizes, resultType.getElementType());
  ContractionLoops c(rank, context);
  AffineMap weightMap = AffineMap::get(c.loops, 0, {c.n, c.k}, context);
  auto up = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{gate, input, weight}, ValueRange{init},
      ArrayRef<AffineMap>{c.point, c.input, weightMap, c.point}, c.iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        yieldProductSum(nb, nl, args[1], args[2], args[3]);
      });
  up->setAttr(kSkipZeroPointsAttr, b.getI64IntegerAttr(0));
  // gate * (up + bias).
  return combineWithBias(
      b, loc, resultType, sizes, gate,
      AffineMap::getMultiDimIdentityMap(rank, context), up.getResult(0), bias,
      [](OpBuilder &nb, Location nl, Value g, Value v) -> Value {
        return arith::MulFOp::create(nb, nl, g, v);
      });
}

/// `op` as a contraction over every neuron (a matmul as a linalg.generic)
/// marked `sieve.skip_zeros = 0`: sieve-map-to-gpu reads a weight row only
/// where the input is non-zero.
Value skipZerosAsGeneric(OpBuilder &b, sieve::GatherMatmulOp op) {
  linalg::GenericOp generic = contractionInto(
      b, op.getLoc(), op.getInput(), op.getWeight(), zeroResult(b, op));
  generic->setAttr(kSkipZerosAttr, b.getI64IntegerAttr(0));
  return generic.getResult(0);
}

/// The rows a branch's sparse region computes: the leading dimensions of
/// the first value of rank 2 or more that it reads from outside (the
/// FFN's input, activation or gate; constants, the weights, skipped), as
/// a static count or, with `b`, a value built before the branch. 1 when it
/// reads no such value (one row).
std::optional<int64_t> sparseRows(sieve::BranchOp branch, OpBuilder *b,
                                  Value *rows) {
  Region &sparse = branch.getSparse();
  Value source;
  sparse.walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (source || !type || type.getRank() < 2 ||
          !isa<FloatType>(type.getElementType()) ||
          sparse.isAncestor(operand.getParentRegion()) ||
          matchPattern(operand, m_Constant()))
        continue;
      source = operand;
    }
  });
  if (!source)
    return 1;
  auto type = cast<RankedTensorType>(source.getType());
  int64_t count = 1;
  bool isStatic = true;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d) {
    if (type.isDynamicDim(d))
      isStatic = false;
    else
      count *= type.getDimSize(d);
  }
  if (isStatic)
    return count;
  if (b) {
    Location loc = branch.getLoc();
    Value product = arith::ConstantIndexOp::create(*b, loc, 1);
    for (int64_t d = 0; d + 1 < type.getRank(); ++d)
      product = arith::MulIOp::create(
          *b, loc, product, tensor::DimOp::create(*b, loc, source, d));
    *rows = product;
  }
  return std::nullopt;
}

/// Replaces `branch` by one of its regions, inlined.
void inlineRegion(RewriterBase &rewriter, sieve::BranchOp branch,
                  Region &region) {
  Block &block = region.front();
  auto yield = cast<sieve::YieldOp>(block.getTerminator());
  SmallVector<Value> results(yield.getOperands());
  rewriter.inlineBlockBefore(&block, branch);
  rewriter.replaceOp(branch, results);
  rewriter.eraseOp(yield);
}

/// Chooses between the regions of `branch` by its rows when the sparse one
/// skips zeros itself and needs no active set: the zero-skipping
/// contraction reads what the dense one reads at density 1 (plus the
/// input) for a few rows, so the active set (host code over the
/// activation) is not worth computing; from `denseRows` rows on (0:
/// never) the dense region's contractions, which read each weight once
/// for a tile of rows (the shared-memory tiles), win over per-row reads of
/// the selected rows. Static rows pick a region at compile time, dynamic
/// ones at run time (the branch then compares the rows, a host value, with
/// the limit: no density, no copy from the GPU). With `report`, a remark
/// says which (`predicted`: the region computes a predictor's neurons).
bool chooseRegionByRows(RewriterBase &rewriter, sieve::BranchOp branch,
                        int64_t denseRows, bool report, bool predicted) {
  Block &sparse = branch.getSparse().front();
  bool skips = false, needsSet = false;
  sparse.walk([&](Operation *op) {
    skips |= op->hasAttr(kSkipZerosAttr) || op->hasAttr(kSkipZeroPointsAttr);
    for (Value operand : op->getOperands())
      needsSet |= isa_and_nonnull<sieve::ActiveSetOp, sieve::PredictOp>(
          operand.getDefiningOp());
  });
  if (!skips || needsSet)
    return false;
  auto yield = cast<sieve::YieldOp>(sparse.getTerminator());
  // The remark at the region's result (the down projection's node).
  Operation *result =
      yield->getNumOperands() ? yield->getOperand(0).getDefiningOp() : nullptr;
  Location remarkLoc = result ? result->getLoc() : branch.getLoc();
  std::string what =
      sieve::describeNode(result, "an activation gather") + ": " +
      (predicted ? "the predicted neurons only" : "the non-zero neurons only");
  std::optional<int64_t> rows = sparseRows(branch, nullptr, nullptr);
  if (denseRows <= 0 || (rows && *rows < denseRows)) {
    if (report)
      emitRemark(remarkLoc)
          << what
          << ", at every density (on the GPU the zero-skipping kernels need "
             "no index list, and the dense path and its run-time branch are "
             "dropped)";
    inlineRegion(rewriter, branch, branch.getSparse());
    return true;
  }
  if (rows) {
    if (report)
      emitRemark(remarkLoc)
          << sieve::describeNode(result, "an activation gather")
          << ": the dense path (" << *rows
          << " rows; on the GPU the dense contractions win "
             "from "
          << denseRows << " rows)";
    inlineRegion(rewriter, branch, branch.getDense());
    return true;
  }
  rewriter.setInsertionPoint(branch);
  Value count;
  sparseRows(branch, &rewriter, &count);
  Location loc = branch.getLoc();
  Type f32 = rewriter.getF32Type();
  Value asFloat =
      arith::UIToFPOp::create(rewriter, loc, f32,
                              arith::IndexCastUIOp::create(
                                  rewriter, loc, rewriter.getI64Type(), count));
  Value limit = arith::ConstantOp::create(
      rewriter, loc, rewriter.getF32FloatAttr(float(denseRows - 1)));
  rewriter.modifyOpInPlace(branch, [&] {
    branch.getDensityMutable().assign(asFloat);
    branch.getLimitMutable().assign(limit);
  });
  if (report)
    emitRemark(remarkLoc) << what << ", at every density, below " << denseRows
                          << " rows (checked at run time; on the GPU the "
                             "zero-skipping kernels need no index list), the "
                             "dense path from "
                          << denseRows;
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
    // Predicted column gathers (the up projections and gates of
    // --sparsity=approx) over a mask of the predicted neurons, one per
    // sieve.predict, made after it.
    SmallVector<sieve::ColumnGatherMatmulOp> columns;
    if (skipZeros)
      getOperation().walk(
          [&](sieve::ColumnGatherMatmulOp op) { columns.push_back(op); });
    llvm::DenseMap<Value, Value> masks, columnResults;
    llvm::SmallPtrSet<Operation *, 4> predictedBranches;
    for (sieve::ColumnGatherMatmulOp op : columns) {
      auto predict = op.getIndices().getDefiningOp<sieve::PredictOp>();
      if (!predict)
        continue;
      Value &mask = masks[predict.getResult()];
      if (!mask) {
        // In the branch's sparse region when the gather is (the dense
        // region, taken for many rows, needs no mask), else after the
        // predictor.
        if (auto branch = op->getParentOfType<sieve::BranchOp>())
          rewriter.setInsertionPointToStart(&branch.getSparse().front());
        else
          rewriter.setInsertionPointAfter(predict);
        mask = predictedMask(rewriter, predict);
      }
      rewriter.setInsertionPoint(op);
      columnResults[op.getResult()] =
          columnGatherAsGenerics(rewriter, op, mask);
      if (auto branch = op->getParentOfType<sieve::BranchOp>())
        predictedBranches.insert(branch);
    }
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
    for (sieve::ColumnGatherMatmulOp op : columns)
      if (Value replacement = columnResults.lookup(op.getResult()))
        rewriter.replaceOp(op, replacement);
    if (!skipZeros)
      return;
    SmallVector<sieve::BranchOp> branches;
    getOperation().walk([&](sieve::BranchOp op) { branches.push_back(op); });
    bool changed = !gatedResults.empty() || !columnResults.empty();
    for (sieve::BranchOp branch : branches)
      changed |=
          chooseRegionByRows(rewriter, branch, denseRows, report,
                             predictedBranches.contains(branch.getOperation()));
    // The active sets and densities nothing reads any more.
    if (changed)
      (void)applyPatternsGreedily(getOperation(),
                                  RewritePatternSet(&getContext()));
  }
};

} // namespace
