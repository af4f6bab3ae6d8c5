//===- MapToGPU.cpp - Loop nests on buffers to GPU launches -----*- C++ -*-===//
//
// sieve-gpu-copy-inputs, sieve-map-to-gpu and sieve-merge-gpu-modules: the
// GPU-specific steps of sieve-gpu-pipeline between bufferization and the
// NVVM lowering (docs/targets.md).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "GPUKernels.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <functional>
#include <limits>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGPUCOPYINPUTS
#define GEN_PASS_DEF_SIEVEMAPTOGPU
#define GEN_PASS_DEF_SIEVEMERGEGPUMODULES
#define GEN_PASS_DEF_SIEVEGPULAUNCHTOLOOPS
#define GEN_PASS_DEF_SIEVEGPUASYNCLAUNCHES
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct GPUCopyInputs : sieve::impl::SieveGPUCopyInputsBase<GPUCopyInputs> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    OpBuilder builder = OpBuilder::atBlockBegin(&func.getBody().front());
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || arg.use_empty())
        continue;
      Location loc = arg.getLoc();
      SmallVector<Value> sizes;
      llvm::SmallPtrSet<Operation *, 4> readers;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d)) {
          sizes.push_back(memref::DimOp::create(builder, loc, arg, d));
          readers.insert(sizes.back().getDefiningOp());
        }
      auto copyType = MemRefType::get(type.getShape(), type.getElementType());
      Value copy = memref::AllocOp::create(builder, loc, copyType, sizes);
      readers.insert(memref::CopyOp::create(builder, loc, arg, copy));
      Value use = copy;
      if (copyType != type)
        use = memref::CastOp::create(builder, loc, type, copy);
      arg.replaceUsesWithIf(use, [&](OpOperand &operand) {
        return !readers.contains(operand.getOwner());
      });
    }
  }
};

/// The number of iterations of `lb` to `ub` by `step` (0 when empty).
Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub, Value step) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value span = arith::SubIOp::create(b, loc, ub, lb);
  span = arith::MaxSIOp::create(b, loc, span, zero);
  return arith::CeilDivSIOp::create(b, loc, span, step);
}

/// Replaces `loop` (no reductions) by a one-dimensional launch of blocks of
/// `blockSize` threads, one thread per point of its iteration space.
void launchParallelLoop(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> counts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    counts.push_back(tripCount(b, loc, lb, ub, step));
    total = arith::MulIOp::create(b, loc, total, counts.back());
  }
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value blocks = arith::CeilDivSIOp::create(b, loc, total, block);
  blocks = arith::MaxSIOp::create(b, loc, blocks, one);
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, block, one, one);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value id = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
      launch.getThreadIds().x);
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, id, total);
  auto guard = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  // Innermost dimension fastest.
  IRMapping map;
  Value rest = id;
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value index =
        d == 0 ? rest : arith::RemSIOp::create(b, loc, rest, counts[d]);
    if (d > 0)
      rest = arith::DivSIOp::create(b, loc, rest, counts[d]);
    Value iv = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, index, loop.getStep()[d]));
    map.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
}

/// The fewest reduction steps one thread takes after the split.
constexpr int64_t kMinReductionChunk = 32;
/// Output points per thread along a tiled dimension (lowerAccumulation).
constexpr int64_t kPointTile = 4;
// Neurons per step of a zero-skipping sum (sieve.skip_zeros).
constexpr int64_t kSkipZerosUnroll = 4;
// Entries per step of a sum over an active list: eight weight loads in
// flight per thread.
constexpr int64_t kListUnroll = 8;
// Threads per point of a gated sum read in lanes (a warp's worth: one
// load instruction of a warp reads 32 neighbouring elements of a row), the
// fewest steps each takes, and the steps per unrolled step.
constexpr int64_t kLanes = 32;
constexpr int64_t kMinLaneSteps = 4;
constexpr int64_t kLanesUnroll = 4;

} // namespace

Value mlir::sieve::accumulatedTerm(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return nullptr;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  BlockArgument out = body->getArguments().back();
  if (!add || !out.hasOneUse())
    return nullptr;
  if (add.getLhs() == out && add.getRhs() != out)
    return add.getRhs();
  if (add.getRhs() == out && add.getLhs() != out)
    return add.getLhs();
  return nullptr;
}

std::optional<SmallVector<OpFoldResult>>
mlir::sieve::loopSizes(OpBuilder &b, linalg::LinalgOp op) {
  SmallVector<OpFoldResult> sizes;
  for (const Range &r : op.createLoopRanges(b, op.getLoc())) {
    if (!isConstantIntValue(r.offset, 0) || !isConstantIntValue(r.stride, 1))
      return std::nullopt;
    sizes.push_back(r.size);
  }
  return sizes;
}

SmallVector<Value> mlir::sieve::indicesAt(OpBuilder &b, Location loc,
                                          AffineMap map, ValueRange point) {
  SmallVector<Value> indices;
  for (AffineExpr expr : map.getResults())
    indices.push_back(affine::AffineApplyOp::create(
        b, loc, AffineMap::get(map.getNumDims(), 0, expr), point));
  return indices;
}

void mlir::sieve::addToElement(OpBuilder &b, Location loc, Value sum,
                               Value buffer, ValueRange indices, bool atomic) {
  if (atomic) {
    memref::AtomicRMWOp::create(b, loc, arith::AtomicRMWKind::addf, sum, buffer,
                                indices);
    return;
  }
  Value old = memref::LoadOp::create(b, loc, buffer, indices);
  memref::StoreOp::create(b, loc, arith::AddFOp::create(b, loc, old, sum),
                          buffer, indices);
}

bool mlir::sieve::isTrailingSum(linalg::LinalgOp op) {
  unsigned parallelLoops = op.getNumLoops() - op.getNumReductionLoops();
  return op.getNumReductionLoops() >= 1 &&
         llvm::all_of(
             llvm::drop_begin(op.getIteratorTypesArray(), parallelLoops),
             linalg::isReductionIterator) &&
         op.getNumDpsInits() == 1 &&
         isa<FloatType>(getElementTypeOrSelf(op.getDpsInits()[0].getType())) &&
         accumulatedTerm(op);
}

Value mlir::sieve::addAccumulatedTerm(OpBuilder &b, Location loc,
                                      linalg::LinalgOp op, IRMapping &map,
                                      Value acc) {
  Block *body = op.getBlock();
  Value sum = body->getTerminator()->getOperand(0);
  for (Operation &nested : body->without_terminator()) {
    // linalg.index is mapped by the caller; the final add is replaced.
    if (isa<linalg::IndexOp>(nested) ||
        (nested.getNumResults() == 1 && nested.getResult(0) == sum))
      continue;
    b.clone(nested, map);
  }
  return arith::AddFOp::create(b, loc, acc,
                               map.lookupOrDefault(accumulatedTerm(op)));
}

namespace {

/// The input of `op` whose zeros make its accumulated term zero, as
/// `sieve.skip_zeros` (sieve-gather-matmul-to-linalg) names it: a float
/// input that is a factor of the term. Null for other ops.
OpOperand *skipZerosOperand(linalg::LinalgOp op) {
  auto attr = op->getAttrOfType<IntegerAttr>("sieve.skip_zeros");
  Value term = accumulatedTerm(op);
  if (!attr || attr.getInt() < 0 || attr.getInt() >= op.getNumDpsInputs() ||
      !term)
    return nullptr;
  OpOperand *input = op.getDpsInputOperand(attr.getInt());
  Value arg = op.getBlock()->getArgument(input->getOperandNumber());
  auto product = term.getDefiningOp<arith::MulFOp>();
  if (!isa<FloatType>(arg.getType()) || !product ||
      (product.getLhs() != arg && product.getRhs() != arg))
    return nullptr;
  return input;
}

/// The input of `op` that `sieve.skip_zero_points`
/// (sieve-gather-matmul-to-linalg) names: a float input indexed by the
/// output point alone (not the reduction), whose zero at a point makes that
/// point's whole sum unnecessary. Null for other ops.
OpOperand *skipZeroPointsOperand(linalg::LinalgOp op) {
  auto attr = op->getAttrOfType<IntegerAttr>("sieve.skip_zero_points");
  if (!attr || attr.getInt() < 0 || attr.getInt() >= op.getNumDpsInputs())
    return nullptr;
  OpOperand *input = op.getDpsInputOperand(attr.getInt());
  unsigned reduction = op.getNumLoops() - 1;
  if (!isa<FloatType>(getElementTypeOrSelf(input->get().getType())) ||
      op.getMatchingIndexingMap(input).isFunctionOfDim(reduction))
    return nullptr;
  return input;
}

/// Whether an input of `op` other than `gate` (its sieve.skip_zero_points
/// input) is read in contiguous rows along the reduction, one row per
/// point of the innermost parallel dimension: its map's last result is the
/// reduction (the last loop) and another result the innermost point's
/// dimension (a gated up projection's N x K weight).
bool readsRowsPerPoint(linalg::LinalgOp op, OpOperand *gate) {
  unsigned loops = op.getNumLoops();
  if (op.getNumReductionLoops() != 1 || loops < 2)
    return false;
  AffineExpr reduction = getAffineDimExpr(loops - 1, op.getContext());
  AffineExpr point = getAffineDimExpr(loops - 2, op.getContext());
  return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    AffineMap map = op.getMatchingIndexingMap(input);
    return input != gate && isa<MemRefType>(input->get().getType()) &&
           map.getNumResults() >= 2 && map.getResults().back() == reduction &&
           llvm::is_contained(map.getResults().drop_back(), point);
  });
}

/// Neurons one thread of the compaction launch lists: its count of
/// non-zeros takes one atomic add, and the loads of its group are
/// contiguous.
constexpr int64_t kActiveGroup = 32;

/// The list of the non-zero positions of a zero-skipping sum's input along
/// its reduction, one list per row (the input's other dimensions): built
/// by two launches before the sum (the counts zeroed; then each thread
/// counts the non-zeros of a group of kActiveGroup neurons, reserves that
/// many entries of its row's list with one atomic add and writes their
/// positions), freed after it. The order of the groups in a list is the
/// order of their atomic adds.
struct ActiveList {
  /// [rows..., K] i32 positions; [1, K] when the input is one row.
  Value positions;
  /// [rows...] i32 lengths; [1] for one row.
  Value counts;
  /// For each dimension of the input: the loop dimension that indexes it.
  SmallVector<unsigned> inputDims;
  /// The position of the reduction among the input's dimensions.
  unsigned reductionPosition = 0;

  /// The indices of `counts` (and the leading ones of `positions`) at
  /// the loop point whose parallel induction variables are `parallel`.
  SmallVector<Value> rowIndices(OpBuilder &b, Location loc,
                                ValueRange parallel) const {
    SmallVector<Value> row;
    for (auto [q, d] : llvm::enumerate(inputDims))
      if (q != reductionPosition)
        row.push_back(parallel[d]);
    if (row.empty())
      row.push_back(arith::ConstantIndexOp::create(b, loc, 0));
    return row;
  }
};

/// Builds the active list of `skipped` (an input of `op`, indexed by loop
/// dimensions only, the reduction exactly once) before `op`; std::nullopt
/// (nothing built) when its indexing map is of another form.
std::optional<ActiveList> buildActiveList(OpBuilder &b, linalg::LinalgOp op,
                                          OpOperand *skipped) {
  auto type = dyn_cast<MemRefType>(skipped->get().getType());
  if (!type)
    return std::nullopt;
  unsigned reduction = op.getNumLoops() - 1;
  AffineMap map = op.getMatchingIndexingMap(skipped);
  ActiveList list;
  int64_t reductions = 0;
  for (auto [q, expr] : llvm::enumerate(map.getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (!dim)
      return std::nullopt;
    list.inputDims.push_back(dim.getPosition());
    if (dim.getPosition() == reduction) {
      list.reductionPosition = q;
      ++reductions;
    }
  }
  // Positions are i32.
  if (reductions != 1 || (!type.isDynamicDim(list.reductionPosition) &&
                          type.getDimSize(list.reductionPosition) >
                              std::numeric_limits<int32_t>::max()))
    return std::nullopt;

  Location loc = op.getLoc();
  Value input = skipped->get();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto sizeOf = [&](unsigned q) -> Value {
    if (type.isDynamicDim(q))
      return memref::DimOp::create(b, loc, input, q);
    return arith::ConstantIndexOp::create(b, loc, type.getDimSize(q));
  };
  SmallVector<int64_t> rowShape;
  SmallVector<Value> rowSizes, rowDynamic;
  for (unsigned q = 0; q < type.getRank(); ++q) {
    if (q == list.reductionPosition)
      continue;
    rowShape.push_back(type.getDimSize(q));
    rowSizes.push_back(sizeOf(q));
    if (type.isDynamicDim(q))
      rowDynamic.push_back(rowSizes.back());
  }
  if (rowShape.empty()) {
    rowShape.push_back(1);
    rowSizes.push_back(one);
  }
  Value k = sizeOf(list.reductionPosition);
  SmallVector<int64_t> positionsShape(rowShape);
  positionsShape.push_back(type.getDimSize(list.reductionPosition));
  SmallVector<Value> positionsDynamic(rowDynamic);
  if (type.isDynamicDim(list.reductionPosition))
    positionsDynamic.push_back(k);
  Type i32 = b.getI32Type();
  list.positions = memref::AllocOp::create(
      b, loc, MemRefType::get(positionsShape, i32), positionsDynamic);
  list.counts = memref::AllocOp::create(b, loc, MemRefType::get(rowShape, i32),
                                        rowDynamic);

  // The counts start at zero.
  Value zeroCount = arith::ConstantIntOp::create(b, loc, i32, 0);
  SmallVector<Value> rowZeros(rowSizes.size(), zero),
      rowOnes(rowSizes.size(), one);
  scf::ParallelOp::create(b, loc, rowZeros, rowSizes, rowOnes,
                          [&](OpBuilder &pb, Location pl, ValueRange row) {
                            memref::StoreOp::create(pb, pl, zeroCount,
                                                    list.counts, row);
                          });

  // One thread per group of kActiveGroup neurons of a row.
  Value group = arith::ConstantIndexOp::create(b, loc, kActiveGroup);
  SmallVector<Value> lbs(rowZeros), ubs(rowSizes), steps(rowOnes);
  lbs.push_back(zero);
  ubs.push_back(arith::CeilDivSIOp::create(b, loc, k, group));
  steps.push_back(one);
  scf::ParallelOp::create(
      b, loc, lbs, ubs, steps, [&](OpBuilder &pb, Location pl, ValueRange ivs) {
        ValueRange row = ivs.drop_back();
        Value first = arith::MulIOp::create(pb, pl, ivs.back(), group);
        Value oneCount = arith::ConstantIntOp::create(pb, pl, i32, 1);
        // Loops of a constant kActiveGroup steps (unrolled, their loads in
        // flight together); neurons past the end (a last partial group)
        // read the last one and count as zeros.
        bool whole =
            !type.isDynamicDim(list.reductionPosition) &&
            type.getDimSize(list.reductionPosition) % kActiveGroup == 0;
        Value lastNeuron = arith::SubIOp::create(pb, pl, k, one);
        // The neuron at step `i` of the group, and whether it is non-zero.
        auto neuronAt = [&](OpBuilder &lb, Location ll, Value i) {
          return arith::AddIOp::create(lb, ll, first, i).getResult();
        };
        auto nonZeroAt = [&](OpBuilder &lb, Location ll, Value r) {
          Value read =
              whole ? r : arith::MinSIOp::create(lb, ll, r, lastNeuron);
          SmallVector<Value> indices;
          unsigned next = 0;
          for (unsigned q = 0; q < type.getRank(); ++q)
            indices.push_back(q == list.reductionPosition ? read : row[next++]);
          Value x = memref::LoadOp::create(lb, ll, input, indices);
          Value zeroX = arith::ConstantOp::create(lb, ll, x.getType(),
                                                  lb.getZeroAttr(x.getType()));
          Value nonZero = arith::CmpFOp::create(
              lb, ll, arith::CmpFPredicate::UNE, x, zeroX);
          if (!whole)
            nonZero = arith::AndIOp::create(
                lb, ll, nonZero,
                arith::CmpIOp::create(lb, ll, arith::CmpIPredicate::slt, r, k));
          return nonZero;
        };
        auto plusIf = [&](OpBuilder &lb, Location ll, Value n, Value cond) {
          return arith::AddIOp::create(
                     lb, ll, n,
                     arith::SelectOp::create(lb, ll, cond, oneCount, zeroCount))
              .getResult();
        };
        auto count = scf::ForOp::create(
            pb, pl, zero, group, one, ValueRange{zeroCount},
            [&](OpBuilder &lb, Location ll, Value i, ValueRange n) {
              Value r = neuronAt(lb, ll, i);
              scf::YieldOp::create(lb, ll,
                                   plusIf(lb, ll, n[0], nonZeroAt(lb, ll, r)));
            });
        Value found = count.getResult(0);
        Value any = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::ne,
                                          found, zeroCount);
        SmallVector<Value> countIndices(row);
        if (countIndices.empty())
          countIndices.push_back(zero);
        scf::IfOp::create(pb, pl, any, [&](OpBuilder &ib, Location il) {
          Value base =
              memref::AtomicRMWOp::create(ib, il, arith::AtomicRMWKind::addi,
                                          found, list.counts, countIndices);
          scf::ForOp::create(
              ib, il, zero, group, one, ValueRange{base},
              [&](OpBuilder &lb, Location ll, Value i, ValueRange at) {
                Value r = neuronAt(lb, ll, i);
                Value nonZero = nonZeroAt(lb, ll, r);
                scf::IfOp::create(
                    lb, ll, nonZero, [&](OpBuilder &sb, Location sl) {
                      SmallVector<Value> indices(countIndices);
                      indices.push_back(arith::IndexCastOp::create(
                          sb, sl, sb.getIndexType(), at[0]));
                      Value position =
                          arith::IndexCastOp::create(sb, sl, i32, r);
                      memref::StoreOp::create(sb, sl, position, list.positions,
                                              indices);
                      scf::YieldOp::create(sb, sl);
                    });
                scf::YieldOp::create(lb, ll, plusIf(lb, ll, at[0], nonZero));
              });
          scf::YieldOp::create(ib, il);
        });
      });
  return list;
}

/// Lowers `op` (on buffers) when it is a sum over its trailing loops, all
/// reductions, into one float output: an scf.parallel over a split of the
/// first reduction into `splits` chunks and the output points (the split
/// slowest; kPointTile points per thread along a tiled dimension), each
/// point summing its chunk (the other reductions whole) in a register and
/// adding the sum to the output (atomically when the reduction is split).
/// The split is chosen at run time when sizes are dynamic. With `compact`,
/// a sum marked
/// `sieve.skip_zeros` runs over the active list of that input
/// (buildActiveList), split into at most `splits` chunks of at least
/// kMinReductionChunk entries. Returns false (nothing changed) for other
/// ops.
bool lowerAccumulation(RewriterBase &b, linalg::LinalgOp op,
                       int64_t targetThreads, bool compact) {
  unsigned loops = op.getNumLoops();
  unsigned reductions = op.getNumReductionLoops();
  unsigned parallelLoops = loops - reductions;
  if (!isTrailingSum(op))
    return false;
  Location loc = op.getLoc();
  b.setInsertionPoint(op);
  std::optional<SmallVector<OpFoldResult>> sizes = loopSizes(b, op);
  if (!sizes)
    return false;
  auto value = [&](OpFoldResult v) {
    return getValueOrCreateConstantIndexOp(b, loc, v);
  };
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  // Skipping (the GPU's gathers) is for sums over one reduction.
  OpOperand *skipped = reductions == 1 ? skipZerosOperand(op) : nullptr;
  OpOperand *gate = reductions == 1 ? skipZeroPointsOperand(op) : nullptr;
  // Without skipping, each thread sums kPointTile points along one
  // parallel dimension (not the innermost: neighbouring threads keep
  // reading neighbouring addresses) that inputs do not depend on, so that
  // each of their loads serves kPointTile points: a convolution's weight
  // across its output rows or channels, a matmul's weight across its rows.
  // The dimension with the most such inputs wins, then the longest.
  int64_t tileDim = -1, tileSize = 0;
  if (!skipped && !gate) {
    int64_t bestReuse = 0;
    for (unsigned d = 0; d + 1 < parallelLoops; ++d) {
      // Static sizes only: a dynamic batch of one row would compute three
      // copies of it.
      std::optional<int64_t> size = getConstantIntValue((*sizes)[d]);
      if (!size || *size < kPointTile)
        continue;
      int64_t reuse =
          llvm::count_if(op.getDpsInputOperands(), [&](OpOperand *in) {
            return isa<MemRefType>(in->get().getType()) &&
                   !op.getMatchingIndexingMap(in).isFunctionOfDim(d);
          });
      if (reuse > bestReuse ||
          (reuse > 0 && reuse == bestReuse && *size > tileSize)) {
        tileDim = d;
        bestReuse = reuse;
        tileSize = *size;
      }
    }
  }
  int64_t tile = tileDim >= 0 ? kPointTile : 1;
  Value tileStep = arith::ConstantIndexOp::create(b, loc, tile);
  // A parallel dimension's threads: ceil(size / tile) along the tiled one.
  auto threadsAlong = [&](unsigned d) -> Value {
    Value size = value((*sizes)[d]);
    return int64_t(d) == tileDim
               ? b.createOrFold<arith::CeilDivSIOp>(loc, size, tileStep)
               : size;
  };
  // points = prod(threads along each parallel dimension); splits =
  // clamp(ceil(target / points), 1, ceil(K / minChunk)); chunk =
  // ceil(K / splits), K the first reduction's size. With several reductions (a
  // convolution's channels and window) the first is split and each of its steps
  // runs the others whole: minChunk = ceil(kMinReductionChunk / their size), at
  // least 1.
  Value points = one;
  for (unsigned d = 0; d < parallelLoops; ++d)
    points = b.createOrFold<arith::MulIOp>(loc, points, threadsAlong(d));
  Value k = value((*sizes)[parallelLoops]);
  Value inner = one;
  SmallVector<Value> innerSizes;
  for (unsigned d = parallelLoops + 1; d < loops; ++d) {
    innerSizes.push_back(value((*sizes)[d]));
    inner = b.createOrFold<arith::MulIOp>(loc, inner, innerSizes.back());
  }
  Value target = b.createOrFold<arith::ConstantIndexOp>(loc, targetThreads);
  Value minChunk = b.createOrFold<arith::MaxSIOp>(
      loc,
      b.createOrFold<arith::CeilDivSIOp>(
          loc, b.createOrFold<arith::ConstantIndexOp>(loc, kMinReductionChunk),
          b.createOrFold<arith::MaxSIOp>(loc, inner, one)),
      one);
  Value wanted = b.createOrFold<arith::CeilDivSIOp>(
      loc, target, b.createOrFold<arith::MaxSIOp>(loc, points, one));
  Value most = b.createOrFold<arith::MaxSIOp>(
      loc, b.createOrFold<arith::CeilDivSIOp>(loc, k, minChunk), one);
  Value splits = b.createOrFold<arith::MinSIOp>(loc, wanted, most);
  // A gated sum whose other input is read along the reduction in
  // contiguous rows per point (a gated or predicted up projection's N x K
  // weight) runs in lanes: kLanes threads per point, neighbours, taking
  // every kLanes-th step, so that a warp reads a point's row coalesced and
  // the rows of points whose gate is zero are never read (a K x N weight,
  // neighbouring threads on neighbouring points, would fetch the sectors
  // of zero and non-zero points alike).
  std::optional<int64_t> staticK = getConstantIntValue((*sizes)[parallelLoops]);
  bool lanes = gate && staticK && *staticK >= kLanes * kMinLaneSteps &&
               readsRowsPerPoint(op, gate);
  if (lanes)
    splits = arith::ConstantIndexOp::create(b, loc, kLanes);
  Value chunk = b.createOrFold<arith::CeilDivSIOp>(loc, k, splits);
  bool split = !isConstantIntValue(getAsOpFoldResult(splits), 1);

  std::optional<ActiveList> list;
  if (skipped && compact)
    list = buildActiveList(b, op, skipped);

  // The split slowest (or, in lanes, fastest), then the points.
  SmallVector<Value> lbs(parallelLoops + 1, zero), ubs,
      steps(parallelLoops + 1, one);
  for (unsigned d = 0; d < parallelLoops; ++d)
    ubs.push_back(threadsAlong(d));
  ubs.insert(lanes ? ubs.end() : ubs.begin(), splits);
  auto parallel = scf::ParallelOp::create(b, loc, lbs, ubs, steps);
  b.setInsertionPointToStart(parallel.getBody());
  // getInductionVars() returns a vector by value: keep it. `ivs`: the
  // split's, then the points'.
  SmallVector<Value> ivValues = parallel.getInductionVars();
  if (lanes)
    std::rotate(ivValues.begin(), ivValues.end() - 1, ivValues.end());
  ValueRange ivs = ivValues;
  // The tiled dimension's points of this thread (clamped to the last one:
  // a partial last tile computes copies, not stored) and which exist.
  SmallVector<Value> tilePoints, tileExists;
  unsigned currentTile = 0;
  if (tileDim >= 0) {
    Value base = arith::MulIOp::create(b, loc, ivs[1 + tileDim], tileStep);
    bool whole = tileSize % tile == 0;
    Value size = arith::ConstantIndexOp::create(b, loc, tileSize);
    Value lastPoint = arith::ConstantIndexOp::create(b, loc, tileSize - 1);
    for (int64_t i = 0; i < tile; ++i) {
      Value at = arith::AddIOp::create(
          b, loc, base, arith::ConstantIndexOp::create(b, loc, i));
      tileExists.push_back(
          whole ? Value()
                : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, at,
                                        size)
                      .getResult());
      tilePoints.push_back(
          whole ? at
                : arith::MinSIOp::create(b, loc, at, lastPoint).getResult());
    }
  }
  SmallVector<Value> listRow;
  Value first, last;
  if (list) {
    // This row's list in chunks of at least kMinReductionChunk entries:
    // the splits past the list's end sum nothing.
    listRow = list->rowIndices(b, loc, ivs.drop_front());
    Value count = arith::IndexCastOp::create(
        b, loc, b.getIndexType(),
        memref::LoadOp::create(b, loc, list->counts, listRow));
    Value used = arith::MinSIOp::create(
        b, loc, splits,
        arith::MaxSIOp::create(
            b, loc, arith::CeilDivSIOp::create(b, loc, count, minChunk), one));
    Value listChunk = arith::CeilDivSIOp::create(b, loc, count, used);
    first = arith::MulIOp::create(b, loc, ivs[0], listChunk);
    last = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, first, listChunk), count);
  } else if (lanes) {
    first = ivs[0];
    last = k;
  } else {
    first = arith::MulIOp::create(b, loc, ivs[0], chunk);
    last = arith::MinSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, first, chunk), k);
  }
  // The step between a thread's reduction steps: the lanes' count in lanes.
  Value stride = lanes ? splits : one;
  Value term = accumulatedTerm(op);
  Type element = term.getType();
  Block *body = op.getBlock();
  // Helpers at reduction index `r` (the first reduction's; the others' are
  // `innerReds`): the load of `input`, and acc + the term (the inputs other
  // than `loaded`, whose value is given, loaded here).
  SmallVector<Value> innerReds;
  auto pointAt = [&](Value r) {
    SmallVector<Value> point(ivs.drop_front());
    if (tileDim >= 0)
      point[tileDim] = tilePoints[currentTile];
    point.push_back(r);
    point.append(innerReds);
    return point;
  };
  auto loadAt = [&](OpBuilder &lb, Location ll, OpOperand *input, Value r) {
    if (!isa<MemRefType>(input->get().getType()))
      return input->get();
    return memref::LoadOp::create(
               lb, ll, input->get(),
               indicesAt(lb, ll, op.getMatchingIndexingMap(input), pointAt(r)))
        .getResult();
  };
  // acc + the term at `r`, with the inputs in `given` as given (the others
  // loaded here).
  auto accumulate =
      [&](OpBuilder &ab, Location al, Value r, Value acc,
          const llvm::DenseMap<OpOperand *, Value> &given) -> Value {
    IRMapping map;
    for (OpOperand *input : op.getDpsInputOperands())
      map.map(body->getArgument(input->getOperandNumber()),
              given.count(input) ? given.lookup(input)
                                 : loadAt(ab, al, input, r));
    SmallVector<Value> point = pointAt(r);
    body->walk([&](linalg::IndexOp index) {
      map.map(index.getResult(), point[index.getDim()]);
    });
    return addAccumulatedTerm(ab, al, op, map, acc);
  };
  // With a skipped input whose value at `r` is `x`: the other inputs (the
  // weight row) loaded only where x is non-zero, zeros elsewhere (the term
  // is then x * ... = 0).
  Value zeroElement = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  auto guardedLoads = [&](OpBuilder &gb, Location gl, Value r, Value x) {
    llvm::DenseMap<OpOperand *, Value> given{{skipped, x}};
    SmallVector<OpOperand *> others;
    SmallVector<Type> types;
    for (OpOperand *input : op.getDpsInputOperands())
      if (input != skipped && isa<MemRefType>(input->get().getType())) {
        others.push_back(input);
        types.push_back(getElementTypeOrSelf(input->get().getType()));
      }
    Value nonZero = arith::CmpFOp::create(gb, gl, arith::CmpFPredicate::UNE, x,
                                          zeroElement);
    auto loads = scf::IfOp::create(
        gb, gl, nonZero,
        [&](OpBuilder &tb, Location tl) {
          SmallVector<Value> values;
          for (OpOperand *input : others)
            values.push_back(loadAt(tb, tl, input, r));
          scf::YieldOp::create(tb, tl, values);
        },
        [&](OpBuilder &eb, Location el) {
          SmallVector<Value> zeros;
          for (Type type : types)
            zeros.push_back(
                arith::ConstantOp::create(eb, el, type, eb.getZeroAttr(type)));
          scf::YieldOp::create(eb, el, zeros);
        });
    for (auto [input, value] : llvm::zip(others, loads.getResults()))
      given[input] = value;
    return given;
  };
  // A point whose `sieve.skip_zero_points` input (read at the point: a
  // gated up projection's gate) is zero sums nothing: its range is empty.
  // Its output is left as it is (no atomic adds of zeros).
  Value gateNonZero;
  if (gate) {
    Value g = loadAt(b, loc, gate, zero);
    gateNonZero = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::UNE, g,
        arith::ConstantOp::create(b, loc, b.getZeroAttr(g.getType())));
    last = arith::SelectOp::create(b, loc, gateNonZero, last, first);
  }
  Value start = first;
  Value sumValue = zeroElement;
  // Where the whole steps of `unroll` from `first` towards `last` end (the
  // rest is taken one at a time), this thread's steps `apart` apart.
  auto wholeStepsEnd = [&](Value unroll, Value apart) -> Value {
    Value span = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, last, first), zero);
    Value taken = b.createOrFold<arith::CeilDivSIOp>(loc, span, apart);
    Value whole = arith::MulIOp::create(
        b, loc, arith::DivSIOp::create(b, loc, taken, unroll), unroll);
    return arith::AddIOp::create(
        b, loc, first, b.createOrFold<arith::MulIOp>(loc, whole, apart));
  };
  // acc + the terms at reduction indices `rs`: every input loaded at each
  // first (the loads in flight together), then the terms added.
  auto loadAllThenAdd = [&](OpBuilder &fb, Location fl, Value acc,
                            ArrayRef<Value> rs) -> Value {
    SmallVector<llvm::DenseMap<OpOperand *, Value>> given(rs.size());
    for (auto [i, r] : llvm::enumerate(rs))
      for (OpOperand *input : op.getDpsInputOperands())
        if (isa<MemRefType>(input->get().getType()))
          given[i][input] = loadAt(fb, fl, input, r);
    for (auto [i, r] : llvm::enumerate(rs))
      acc = accumulate(fb, fl, r, acc, given[i]);
    return acc;
  };
  // The neuron at entry `j` of this row's list.
  auto listed = [&](OpBuilder &lb, Location ll, Value j) -> Value {
    SmallVector<Value> at(listRow);
    at.push_back(j);
    return arith::IndexCastOp::create(
        lb, ll, lb.getIndexType(),
        memref::LoadOp::create(lb, ll, list->positions, at));
  };
  if (list) {
    // Steps of kListUnroll entries, every input read at the listed neuron
    // (no test: it is non-zero): the step's positions are loaded first,
    // then all its inputs, then the terms added, so that a step's loads
    // are in flight together; the rest one entry at a time below.
    Value unroll = arith::ConstantIndexOp::create(b, loc, kListUnroll);
    start = wholeStepsEnd(unroll, one);
    auto steps = scf::ForOp::create(
        b, loc, first, start, unroll, ValueRange{zeroElement},
        [&](OpBuilder &fb, Location fl, Value j, ValueRange acc) {
          SmallVector<Value> neurons;
          for (int64_t i = 0; i < kListUnroll; ++i)
            neurons.push_back(listed(
                fb, fl,
                i == 0
                    ? j
                    : arith::AddIOp::create(
                          fb, fl, j, arith::ConstantIndexOp::create(fb, fl, i))
                          .getResult()));
          scf::YieldOp::create(fb, fl, loadAllThenAdd(fb, fl, acc[0], neurons));
        });
    sumValue = steps.getResult(0);
  } else if (skipped) {
    // Steps of kSkipZerosUnroll neurons: their activations are loaded
    // together, then the guarded weight loads, then the terms, so that the
    // loads of a step are in flight together (a load followed by its use
    // waits a memory latency per non-zero neuron).
    Value unroll = arith::ConstantIndexOp::create(b, loc, kSkipZerosUnroll);
    start = wholeStepsEnd(unroll, one);
    auto steps = scf::ForOp::create(
        b, loc, first, start, unroll, ValueRange{zeroElement},
        [&](OpBuilder &fb, Location fl, Value r, ValueRange acc) {
          SmallVector<Value> rs, xs;
          for (int64_t i = 0; i < kSkipZerosUnroll; ++i) {
            rs.push_back(i == 0 ? r
                                : arith::AddIOp::create(
                                      fb, fl, r,
                                      arith::ConstantIndexOp::create(fb, fl, i))
                                      .getResult());
            xs.push_back(loadAt(fb, fl, skipped, rs.back()));
          }
          SmallVector<llvm::DenseMap<OpOperand *, Value>> given;
          for (int64_t i = 0; i < kSkipZerosUnroll; ++i)
            given.push_back(guardedLoads(fb, fl, rs[i], xs[i]));
          Value next = acc[0];
          for (int64_t i = 0; i < kSkipZerosUnroll; ++i)
            next = accumulate(fb, fl, rs[i], next, given[i]);
          scf::YieldOp::create(fb, fl, next);
        });
    sumValue = steps.getResult(0);
  } else if (lanes) {
    // Steps of kLanesUnroll of this lane's reduction steps (`stride`
    // apart), all their loads first, then the terms.
    Value unroll = arith::ConstantIndexOp::create(b, loc, kLanesUnroll);
    start = wholeStepsEnd(unroll, stride);
    auto steps = scf::ForOp::create(
        b, loc, first, start, arith::MulIOp::create(b, loc, unroll, stride),
        ValueRange{zeroElement},
        [&](OpBuilder &fb, Location fl, Value r, ValueRange acc) {
          SmallVector<Value> rs{r};
          for (int64_t i = 1; i < kLanesUnroll; ++i)
            rs.push_back(arith::AddIOp::create(fb, fl, rs.back(), stride));
          scf::YieldOp::create(fb, fl, loadAllThenAdd(fb, fl, acc[0], rs));
        });
    sumValue = steps.getResult(0);
  }
  SmallVector<Value> inits(tile, sumValue);
  auto sum = scf::ForOp::create(
      b, loc, start, last, stride, inits,
      [&](OpBuilder &fb, Location fl, Value r, ValueRange acc) {
        llvm::DenseMap<OpOperand *, Value> given;
        if (list)
          r = listed(fb, fl, r);
        else if (skipped)
          given = guardedLoads(fb, fl, r, loadAt(fb, fl, skipped, r));
        // The other reductions' loops, whole, inside this step; the tile's
        // sums, the inputs that do not depend on its dimension loaded once.
        std::function<SmallVector<Value>(OpBuilder &, Location, unsigned,
                                         ValueRange)>
            nest = [&](OpBuilder &nb, Location nl, unsigned d,
                       ValueRange sums) -> SmallVector<Value> {
          if (d == innerSizes.size()) {
            llvm::DenseMap<OpOperand *, Value> shared(given);
            if (tileDim >= 0)
              for (OpOperand *in : op.getDpsInputOperands())
                if (!op.getMatchingIndexingMap(in).isFunctionOfDim(tileDim))
                  shared[in] = loadAt(nb, nl, in, r);
            SmallVector<Value> next;
            for (int64_t i = 0; i < tile; ++i) {
              currentTile = i;
              next.push_back(accumulate(nb, nl, r, sums[i], shared));
            }
            currentTile = 0;
            return next;
          }
          auto loop = scf::ForOp::create(
              nb, nl, zero, innerSizes[d], one, sums,
              [&](OpBuilder &ib, Location il, Value iv, ValueRange inAcc) {
                innerReds.push_back(iv);
                SmallVector<Value> next = nest(ib, il, d + 1, inAcc);
                innerReds.pop_back();
                scf::YieldOp::create(ib, il, next);
              });
          return loop.getResults();
        };
        scf::YieldOp::create(fb, fl, nest(fb, fl, 0, acc));
      });
  OpOperand *out = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(out);
  // Adds the sum of tile point `i` to its output element.
  auto addToOutput = [&](OpBuilder &ob, Location ol, int64_t i) {
    SmallVector<Value> point(ivs.drop_front());
    if (tileDim >= 0)
      point[tileDim] = tilePoints[i];
    point.append(reductions, zero);
    addToElement(ob, ol, sum.getResult(i), out->get(),
                 indicesAt(ob, ol, outMap, point), split);
  };
  for (int64_t i = 0; i < tile; ++i) {
    // Most splits of a short list have nothing to add; a partial tile's
    // copies are not stored.
    Value guard;
    if (split && list)
      guard =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, first, last);
    else if (tileDim >= 0 && tileExists[i])
      guard = tileExists[i];
    else if (gateNonZero)
      guard = gateNonZero;
    if (!guard) {
      addToOutput(b, loc, i);
      continue;
    }
    scf::IfOp::create(b, loc, guard, [&](OpBuilder &ib, Location il) {
      addToOutput(ib, il, i);
      scf::YieldOp::create(ib, il);
    });
  }
  if (list) {
    b.setInsertionPointAfter(parallel);
    memref::DeallocOp::create(b, loc, list->positions);
    memref::DeallocOp::create(b, loc, list->counts);
  }
  b.eraseOp(op);
  return true;
}

/// Replaces `copy` by a gpu.memcpy on its own stream, waited for at once.
void driverCopy(RewriterBase &rewriter, memref::CopyOp copy) {
  rewriter.setInsertionPoint(copy);
  Location loc = copy.getLoc();
  auto token = rewriter.getType<gpu::AsyncTokenType>();
  Value stream =
      gpu::WaitOp::create(rewriter, loc, token, ValueRange()).getResult(0);
  auto memcpy = gpu::MemcpyOp::create(rewriter, loc, token, ValueRange{stream},
                                      copy.getTarget(), copy.getSource());
  gpu::WaitOp::create(rewriter, loc, Type(),
                      ValueRange{memcpy.getAsyncToken()});
  rewriter.eraseOp(copy);
}

struct MapToGPU : sieve::impl::SieveMapToGPUBase<MapToGPU> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (reductionThreads < 1) {
      func.emitError() << "sieve-map-to-gpu: reduction-threads must be "
                          "positive, got "
                       << reductionThreads;
      return signalPassFailure();
    }
    if (blockSize < 1 || blockSize > 1024) {
      func.emitError() << "sieve-map-to-gpu: block-size must be in [1, 1024], "
                          "got "
                       << blockSize;
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // Copies between the model's buffers run on the GPU; the entry's copies
    // of the caller's buffers (host memory) are the driver's with
    // `gpu-memcpy`, else stay on the host.
    func.walk([&](memref::CopyOp copy) {
      if (isa<BlockArgument>(copy.getSource()) &&
          isa<func::FuncOp>(cast<BlockArgument>(copy.getSource())
                                .getOwner()
                                ->getParentOp())) {
        if (gpuMemcpy)
          driverCopy(rewriter, copy);
        return;
      }
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
    SmallVector<linalg::LinalgOp> linalgOps;
    func.walk([&](linalg::LinalgOp op) { linalgOps.push_back(op); });
    for (linalg::LinalgOp op : linalgOps) {
      if (!op.hasPureBufferSemantics()) {
        op->emitError() << "'" << op->getName()
                        << "' on tensors is not supported on the GPU (it was "
                           "not bufferized)";
        return signalPassFailure();
      }
      // The register kernel, else loops.
      std::function<LogicalResult(linalg::LinalgOp)> lowerPlain =
          [&](linalg::LinalgOp plain) -> LogicalResult {
        if (lowerAccumulation(rewriter, plain, reductionThreads,
                              compactSkipped))
          return success();
        rewriter.setInsertionPoint(plain);
        if (failed(linalg::linalgOpToParallelLoops(rewriter, plain)))
          return plain->emitError() << "'" << plain->getName()
                                    << "' cannot be lowered to loops for the "
                                       "GPU";
        rewriter.eraseOp(plain);
        return success();
      };
      if (sharedTiles) {
        FailureOr<bool> tiled = lowerSharedTiles(rewriter, op, reductionThreads,
                                                 lowerPlain, report);
        if (failed(tiled))
          return signalPassFailure();
        if (*tiled)
          continue;
      }
      if (failed(lowerPlain(op)))
        return signalPassFailure();
    }
    SmallVector<scf::ParallelOp> outermost;
    WalkResult result = func.walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() ||
          loop->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      if (loop.getNumResults() > 0) {
        loop.emitError() << "'scf.parallel' with reductions is not supported "
                            "on the GPU";
        return WalkResult::interrupt();
      }
      outermost.push_back(loop);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (scf::ParallelOp loop : outermost)
      launchParallelLoop(loop, blockSize);
    // Kernels may fuse a multiply and an add into one FMA, as nvcc does by
    // default (--fmad=true): half the instructions of a sum's steps, and
    // one rounding instead of two.
    func.walk([&](Operation *op) {
      auto fastMath = dyn_cast<arith::ArithFastMathInterface>(op);
      if (!fastMath || !isa<arith::MulFOp, arith::AddFOp, arith::SubFOp>(op) ||
          !op->getParentOfType<gpu::LaunchOp>())
        return;
      arith::FastMathFlags flags = arith::FastMathFlags::contract;
      if (arith::FastMathFlagsAttr old = fastMath.getFastMathFlagsAttr())
        flags = flags | old.getValue();
      op->setAttr(fastMath.getFastMathAttrName(),
                  arith::FastMathFlagsAttr::get(op->getContext(), flags));
    });
    // The NVVM lowering has no math.absi (an ONNX Abs of integers: T5's
    // relative-position buckets): max(x, 0 - x), which wraps the same way
    // for the most negative value.
    func.walk([&](math::AbsIOp abs) {
      if (!abs->getParentOfType<gpu::LaunchOp>())
        return;
      rewriter.setInsertionPoint(abs);
      Location loc = abs.getLoc();
      Value x = abs.getOperand();
      Value zero = arith::ConstantOp::create(rewriter, loc, x.getType(),
                                             rewriter.getZeroAttr(x.getType()));
      Value negated = arith::SubIOp::create(rewriter, loc, zero, x);
      rewriter.replaceOpWithNewOp<arith::MaxSIOp>(abs, x, negated);
    });
  }
};

/// Whether the host must wait for queued kernels before `op`: any op that
/// may read or write memory, other than allocating or freeing it.
bool waitsForKernels(Operation *op) {
  if (isMemoryEffectFree(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects || op->getNumRegions() > 0)
    return true;
  SmallVector<MemoryEffects::EffectInstance> instances;
  effects.getEffects(instances);
  return llvm::any_of(instances, [](const MemoryEffects::EffectInstance &e) {
    return !isa<MemoryEffects::Allocate, MemoryEffects::Free>(e.getEffect());
  });
}

/// sieve-gpu-async-launches on one block (and, recursively, the blocks of
/// its ops' regions).
void queueLaunches(Block &block) {
  auto tokenType = gpu::AsyncTokenType::get(block.getParentOp()->getContext());
  Value token;
  auto waitBefore = [&](Operation *op) {
    if (!token)
      return;
    OpBuilder b(op);
    gpu::WaitOp::create(b, op->getLoc(), Type(), ValueRange{token});
    token = nullptr;
  };
  for (Operation &op : llvm::make_early_inc_range(block.without_terminator())) {
    auto launch = dyn_cast<gpu::LaunchOp>(&op);
    if (launch && !launch.getAsyncToken() &&
        launch.getAsyncDependencies().empty() &&
        launch.getPrivateAttributions().empty() && !launch.hasClusterSize()) {
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      if (!token)
        token = gpu::WaitOp::create(b, loc, tokenType, ValueRange())
                    .getAsyncToken();
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 threads = launch.getBlockSizeOperandValues();
      auto queued = gpu::LaunchOp::create(
          b, loc, grid.x, grid.y, grid.z, threads.x, threads.y, threads.z,
          launch.getDynamicSharedMemorySize(), tokenType, ValueRange{token},
          TypeRange(ValueRange(launch.getWorkgroupAttributions())));
      queued.getBody().takeBody(launch.getBody());
      launch.erase();
      token = queued.getAsyncToken();
      continue;
    }
    if (launch || waitsForKernels(&op))
      waitBefore(&op);
    if (launch)
      continue;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        queueLaunches(nested);
  }
  if (block.mightHaveTerminator())
    waitBefore(block.getTerminator());
}

struct GPUAsyncLaunches
    : sieve::impl::SieveGPUAsyncLaunchesBase<GPUAsyncLaunches> {
  void runOnOperation() override {
    for (Block &block : getOperation().getBody())
      queueLaunches(block);
  }
};

/// The emulation of a launch whose threads wait for each other
/// (gpu.barrier, as sieve-map-to-gpu's shared-memory tiles): its body must
/// be side-effect-free index code (the prologue), one scf.for with
/// thread-independent bounds whose body the barriers (directly in it)
/// split into segments, then any code (the epilogue). Each segment runs for
/// every thread before the next one starts; the loop's iteration values
/// live in per-thread buffers (two per value: the iteration reads one and
/// writes the other); shared memory is a buffer of the host; the prologue
/// is recomputed in each thread loop. Values of one segment used in
/// another are an error.
LogicalResult emulateBarriers(gpu::LaunchOp launch, OpBuilder &b,
                              IRMapping base) {
  Location loc = launch.getLoc();
  Block &body = launch.getBody().front();
  auto hasBarrier = [](Operation *op) {
    return op->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  };
  auto fail = [&](const Twine &why) {
    return launch.emitError() << "this launch cannot be emulated: " << why;
  };
  if (!launch.getPrivateAttributions().empty())
    return fail("it has private attributions");
  scf::ForOp staged;
  SmallVector<Operation *> prologue, epilogue;
  for (Operation &op : body.without_terminator()) {
    if (hasBarrier(&op)) {
      if (staged || !isa<scf::ForOp>(op))
        return fail("its barriers are not in one scf.for of its body");
      staged = cast<scf::ForOp>(op);
      continue;
    }
    if (staged) {
      epilogue.push_back(&op);
      continue;
    }
    if (!isMemoryEffectFree(&op))
      return fail("code before its barriers' loop has side effects");
    prologue.push_back(&op);
  }
  Block *loopBody = staged.getBody();
  if (staged
          ->walk([&](gpu::BarrierOp barrier) {
            return barrier->getBlock() == loopBody ? WalkResult::advance()
                                                   : WalkResult::interrupt();
          })
          .wasInterrupted())
    return fail("a barrier is nested in the loop's ops");
  // The loop's bounds must not depend on the thread.
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  llvm::SmallPtrSet<Value, 4> threadValues{threadIds.x, threadIds.y,
                                           threadIds.z};
  std::function<bool(Value)> variesByThread = [&](Value v) {
    if (threadValues.contains(v))
      return true;
    Operation *def = v.getDefiningOp();
    return def && def->getBlock() == &body &&
           llvm::any_of(def->getOperands(), variesByThread);
  };
  if (llvm::any_of(ValueRange{staged.getLowerBound(), staged.getUpperBound(),
                              staged.getStep()},
                   variesByThread))
    return fail("its barriers' loop has bounds that differ between threads");
  // Segments of the loop's body, split at its barriers.
  SmallVector<SmallVector<Operation *>> segments(1);
  DenseMap<Operation *, unsigned> segmentOf;
  for (Operation &op : loopBody->without_terminator()) {
    if (isa<gpu::BarrierOp>(op)) {
      segments.emplace_back();
      continue;
    }
    segmentOf[&op] = segments.size() - 1;
    segments.back().push_back(&op);
  }
  Operation *yield = loopBody->getTerminator();
  for (auto &[op, segment] : segmentOf)
    for (Value result : op->getResults())
      for (Operation *user : result.getUsers()) {
        Operation *at = loopBody->findAncestorOpInBlock(*user);
        if (at != yield && segmentOf.lookup(at) != segment)
          return fail("a value of one barrier's side is used on the other");
      }

  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value threads = arith::MulIOp::create(
      b, loc, arith::MulIOp::create(b, loc, block.x, block.y), block.z);
  SmallVector<Value> freed;
  for (BlockArgument shared : launch.getWorkgroupAttributions()) {
    auto type = cast<MemRefType>(shared.getType());
    // Aligned as sieve-merge-gpu-modules aligns the GPU's (vector loads).
    Value buffer = memref::AllocOp::create(
        b, loc, MemRefType::get(type.getShape(), type.getElementType()),
        b.getI64IntegerAttr(16));
    base.map(shared, buffer);
    freed.push_back(buffer);
  }
  // Per-thread buffers of the loop's values: current and next.
  SmallVector<Value> current, next;
  for (Type type : staged.getResultTypes()) {
    auto bufferType = MemRefType::get({ShapedType::kDynamic}, type);
    current.push_back(memref::AllocOp::create(b, loc, bufferType, threads));
    next.push_back(memref::AllocOp::create(b, loc, bufferType, threads));
    freed.append({current.back(), next.back()});
  }
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  for (auto [id, bound] :
       llvm::zip(SmallVector<Value>{blockIds.z, blockIds.y, blockIds.x},
                 SmallVector<Value>{grid.z, grid.y, grid.x})) {
    auto loop = scf::ForOp::create(b, loc, zero, bound, one);
    base.map(id, loop.getInductionVar());
    b.setInsertionPoint(loop.getBody()->getTerminator());
  }
  // Runs `fn` for every thread of the block, after its prologue.
  auto forEachThread = [&](IRMapping map,
                           llvm::function_ref<void(IRMapping &, Value)> fn) {
    OpBuilder::InsertionGuard guard(b);
    for (auto [id, bound] :
         llvm::zip(SmallVector<Value>{threadIds.z, threadIds.y, threadIds.x},
                   SmallVector<Value>{block.z, block.y, block.x})) {
      auto loop = scf::ForOp::create(b, loc, zero, bound, one);
      map.map(id, loop.getInductionVar());
      b.setInsertionPoint(loop.getBody()->getTerminator());
    }
    Value linear = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(
            b, loc,
            arith::AddIOp::create(
                b, loc,
                arith::MulIOp::create(b, loc, map.lookup(threadIds.z), block.y),
                map.lookup(threadIds.y)),
            block.x),
        map.lookup(threadIds.x));
    for (Operation *op : prologue)
      b.clone(*op, map);
    fn(map, linear);
  };
  forEachThread(base, [&](IRMapping &map, Value t) {
    for (auto [init, buffer] : llvm::zip(staged.getInitArgs(), current))
      memref::StoreOp::create(b, loc, map.lookupOrDefault(init), buffer, t);
  });
  // The loop's bounds: the prologue's at thread 0.
  IRMapping uniform = base;
  for (Value id : {threadIds.x, threadIds.y, threadIds.z})
    uniform.map(id, zero);
  for (Operation *op : prologue)
    b.clone(*op, uniform);
  SmallVector<Value> buffers(current);
  buffers.append(next);
  auto loop = scf::ForOp::create(
      b, loc, uniform.lookupOrDefault(staged.getLowerBound()),
      uniform.lookupOrDefault(staged.getUpperBound()),
      uniform.lookupOrDefault(staged.getStep()), buffers);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    unsigned values = current.size();
    ValueRange reads = loop.getRegionIterArgs().take_front(values);
    ValueRange writes = loop.getRegionIterArgs().drop_front(values);
    IRMapping iteration = base;
    iteration.map(staged.getInductionVar(), loop.getInductionVar());
    for (auto [s, segment] : llvm::enumerate(segments)) {
      bool lastSegment = s + 1 == segments.size();
      forEachThread(iteration, [&](IRMapping &map, Value t) {
        for (auto [arg, buffer] : llvm::zip(staged.getRegionIterArgs(), reads))
          map.map(arg, memref::LoadOp::create(b, loc, buffer, t));
        for (Operation *op : segment)
          b.clone(*op, map);
        // The loop's next values, stored where they are computed (or, from
        // outside the segments, by the last).
        for (auto [value, buffer] : llvm::zip(yield->getOperands(), writes)) {
          Operation *def = value.getDefiningOp();
          Operation *at = def ? loopBody->findAncestorOpInBlock(*def) : nullptr;
          bool here = at ? segmentOf.lookup(at) == s : lastSegment;
          if (here)
            memref::StoreOp::create(b, loc, map.lookupOrDefault(value), buffer,
                                    t);
        }
      });
    }
    SmallVector<Value> swapped(writes);
    swapped.append(reads.begin(), reads.end());
    scf::YieldOp::create(b, loc, swapped);
  }
  forEachThread(base, [&](IRMapping &map, Value t) {
    for (auto [result, buffer] :
         llvm::zip(staged.getResults(), loop.getResults()))
      map.map(result, memref::LoadOp::create(b, loc, buffer, t));
    for (Operation *op : epilogue)
      b.clone(*op, map);
  });
  b.setInsertionPointAfter(launch);
  for (Value buffer : freed)
    memref::DeallocOp::create(b, loc, buffer);
  return success();
}

struct GPULaunchToLoops
    : sieve::impl::SieveGPULaunchToLoopsBase<GPULaunchToLoops> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches) {
      if (!launch.getBody().hasOneBlock() || launch.getAsyncToken() ||
          launch.hasClusterSize()) {
        launch.emitError() << "only synchronous launches of one block of "
                              "code can be emulated";
        return signalPassFailure();
      }
      OpBuilder b(launch);
      Location loc = launch.getLoc();
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      gpu::KernelDim3 gridArgs = launch.getGridSize();
      gpu::KernelDim3 blockArgs = launch.getBlockSize();
      IRMapping map;
      for (auto [arg, size] :
           llvm::zip(SmallVector<Value>{gridArgs.x, gridArgs.y, gridArgs.z,
                                        blockArgs.x, blockArgs.y, blockArgs.z},
                     SmallVector<Value>{grid.x, grid.y, grid.z, block.x,
                                        block.y, block.z}))
        map.map(arg, size);
      bool barriers =
          launch.getBody()
              .walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
              .wasInterrupted();
      if (barriers || !launch.getWorkgroupAttributions().empty()) {
        if (failed(emulateBarriers(launch, b, map)))
          return signalPassFailure();
        launch.erase();
        continue;
      }
      Value zero = arith::ConstantIndexOp::create(b, loc, 0);
      Value one = arith::ConstantIndexOp::create(b, loc, 1);
      gpu::KernelDim3 blockIds = launch.getBlockIds();
      gpu::KernelDim3 threadIds = launch.getThreadIds();
      SmallVector<Value> ids{blockIds.z,  blockIds.y,  blockIds.x,
                             threadIds.z, threadIds.y, threadIds.x};
      SmallVector<Value> bounds{grid.z,  grid.y,  grid.x,
                                block.z, block.y, block.x};
      for (auto [id, bound] : llvm::zip(ids, bounds)) {
        auto loop = scf::ForOp::create(b, loc, zero, bound, one);
        map.map(id, loop.getInductionVar());
        b.setInsertionPoint(loop.getBody()->getTerminator());
      }
      for (Operation &op : launch.getBody().front().without_terminator())
        b.clone(op, map);
      launch.erase();
    }
  }
};

struct MergeGPUModules
    : sieve::impl::SieveMergeGPUModulesBase<MergeGPUModules> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The shared-memory tiles read their buffers in 16-byte vectors.
    module.walk([&](gpu::GPUFuncOp kernel) {
      for (unsigned i = 0; i < kernel.getNumWorkgroupAttributions(); ++i)
        kernel.setWorkgroupAttributionAttr(
            i, "llvm.align",
            IntegerAttr::get(IntegerType::get(&getContext(), 64), 16));
    });
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    gpu::GPUModuleOp target = modules.front();
    SymbolTable symbols(module);
    if (target.getName() != "sieve_kernels" &&
        failed(symbols.rename(target, "sieve_kernels"))) {
      target.emitError() << "cannot rename the GPU module";
      return signalPassFailure();
    }
    SymbolTable targetSymbols(target);
    for (gpu::GPUModuleOp source : llvm::drop_begin(modules)) {
      StringRef sourceName = source.getName();
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        StringAttr oldName = symbol.getNameAttr();
        op.remove();
        // Inserting renames a clash; references inside the moved op to
        // its own module's symbols are updated below.
        StringAttr newName = targetSymbols.insert(&op);
        if (newName != oldName &&
            failed(SymbolTable::replaceAllSymbolUses(oldName, newName, &op)))
          return signalPassFailure();
        auto oldRef = SymbolRefAttr::get(&getContext(), sourceName,
                                         {FlatSymbolRefAttr::get(oldName)});
        auto newRef = SymbolRefAttr::get(target.getNameAttr(),
                                         {FlatSymbolRefAttr::get(newName)});
        module.walk([&](gpu::LaunchFuncOp launch) {
          if (launch.getKernel() == oldRef)
            launch.setKernelAttr(newRef);
        });
      }
      source.erase();
    }
  }
};

} // namespace
