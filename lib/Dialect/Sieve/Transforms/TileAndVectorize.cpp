//===- TileAndVectorize.cpp - Register tiles and vectors --------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/Transforms/DirectConv.h"
#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"
#include "sieve/Dialect/Sieve/Transforms/TransposeKernels.h"
#include "sieve/Dialect/Sieve/Transforms/WindowKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVETILEANDVECTORIZE
#define GEN_PASS_DEF_SIEVEHOISTVECTORTRANSFERS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// An all-parallel generic or fill that vectorizes along its innermost
/// dimension. Bool tensors stay scalar: LLVM packs a vector of i1 into bits
/// in memory, while a memref of i1 holds one byte per element.
bool isVectorizableElementwise(linalg::LinalgOp op) {
  if (!isa<linalg::GenericOp, linalg::FillOp>(op) || op.getNumLoops() == 0 ||
      op.getNumParallelLoops() != op.getNumLoops())
    return false;
  return llvm::none_of(op->getOperandTypes(), [](Type t) {
    return getElementTypeOrSelf(t).isInteger(1);
  });
}

/// The largest power of two <= `want` that divides `size` (at least 1).
int64_t fittingTile(int64_t size, int64_t want) {
  int64_t tile = 1;
  while (tile * 2 <= want && size % (tile * 2) == 0)
    tile *= 2;
  return tile;
}

/// `op` with its loops merged by `groups` (every operand must read each
/// group as one contiguous run or not at all), its results reshaped back
/// for its users; null (and `op` unchanged) when that cannot be done.
linalg::LinalgOp collapseLoops(RewriterBase &rewriter, linalg::LinalgOp op,
                               ArrayRef<ReassociationIndices> groups) {
  if (!linalg::areDimSequencesPreserved(op.getIndexingMapsArray(), groups))
    return {};
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, groups, rewriter);
  if (failed(collapsed))
    return {};
  rewriter.replaceOp(op, collapsed->results);
  return collapsed->collapsedOp;
}

/// An elementwise `op` (a linalg.generic) whose innermost loop is no
/// multiple of `vectorWidth` (a 7x7 or 111x111 feature map) with its
/// trailing loops merged into one, as few as make the merged loop such a
/// multiple, where every operand reads those loops as one contiguous run or
/// not at all (a channel bias broadcast over the map): the merged op, its
/// results reshaped back for the users of `op`. Null (and `op` unchanged)
/// when no merge gives a wider vector.
linalg::LinalgOp collapseTrailingLoops(IRRewriter &rewriter,
                                       linalg::LinalgOp op,
                                       int64_t vectorWidth) {
  if (!isa<linalg::GenericOp>(op.getOperation()))
    return {};
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t loops = ranges.size();
  if (loops < 2 || ShapedType::isDynamic(ranges.back()) ||
      fittingTile(ranges.back(), vectorWidth) == vectorWidth)
    return {};
  // Merging needs every operand indexed by loops alone (no strided
  // windows, no constant indices).
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!op.hasPureTensorSemantics() || !llvm::all_of(maps, [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      }))
    return {};
  int64_t first = -1, extent = ranges.back();
  ReassociationIndices group{loops - 1};
  for (int64_t d = loops - 2; d >= 0 && !ShapedType::isDynamic(ranges[d]);
       --d) {
    group.insert(group.begin(), d);
    if (!linalg::areDimSequencesPreserved(maps, {group}))
      break;
    first = d;
    extent *= ranges[d];
    if (fittingTile(extent, vectorWidth) == vectorWidth)
      break;
  }
  if (first < 0 || fittingTile(extent, vectorWidth) <=
                       fittingTile(ranges.back(), vectorWidth))
    return {};
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < first; ++d)
    groups.push_back({d});
  groups.push_back({});
  for (int64_t d = first; d < loops; ++d)
    groups.back().push_back(d);
  return collapseLoops(rewriter, op, groups);
}

/// Vectors per chunk of a row whose length is known only at run time
/// (attention's keys): each chunk is read and written with masks, so a
/// short row (a few tokens) computes at most this many vectors. A
/// reduction ends each chunk with a horizontal reduction into the row's
/// accumulator in memory, so it takes longer chunks than an elementwise
/// op (softmax over 2x4x64 rows of 64: 0.032 ms with two-vector chunks
/// everywhere, 0.027 with four for the reductions; 0.024 with static
/// shapes).
constexpr int64_t kDynamicRowVectors = 2;
constexpr int64_t kDynamicReductionVectors = 4;

/// Tile sizes for a reduction along the innermost loop (a row sum or
/// maximum: LayerNorm, softmax), or nothing: one row at a time, the row in
/// chunks of up to 16 vectors (the largest power of two dividing it),
/// reduced in vector registers. A row of dynamic length (attention's keys)
/// goes in chunks of kDynamicReductionVectors vectors, to be vectorized with
/// masks (the last chunk partial). Every operand must read the row
/// contiguously or not at all; bool tensors stay scalar.
SmallVector<int64_t> rowReductionTile(linalg::LinalgOp op,
                                      int64_t vectorWidth) {
  if (!isa<linalg::GenericOp>(op) || op.getNumLoops() == 0 ||
      op.getNumReductionLoops() != 1)
    return {};
  unsigned last = op.getNumLoops() - 1;
  if (op.getIteratorTypesArray()[last] != utils::IteratorType::reduction)
    return {};
  int64_t extent = op.getStaticLoopRanges()[last];
  for (OpOperand &operand : op->getOpOperands()) {
    if (getElementTypeOrSelf(operand.get().getType()).isInteger(1))
      return {};
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isProjectedPermutation())
      return {};
    for (unsigned r = 0; r + 1 < map.getNumResults(); ++r)
      if (map.getDimPosition(r) == last)
        return {};
  }
  SmallVector<int64_t> sizes(op.getNumLoops(), 1);
  sizes[last] = ShapedType::isDynamic(extent)
                    ? kDynamicReductionVectors * vectorWidth
                    : fittingTile(extent, 16 * vectorWidth);
  if (sizes[last] < 4)
    return {}; // Too narrow to pay.
  return sizes;
}

/// A generic whose trailing loops are all reductions, two or more (a
/// global average pool's height and width), with those loops merged into
/// one where every operand reads them as one contiguous run (or not at
/// all): the merged op, so that rowReductionTile applies. Null (and `op`
/// unchanged) otherwise.
linalg::LinalgOp collapseTrailingReductions(RewriterBase &rewriter,
                                            linalg::LinalgOp op) {
  // Plain reads only: collapsing needs projected permutations (a window's
  // `oh * s + kh` is none) and no linalg.index in the body.
  if (!isa<linalg::GenericOp>(op) || op.getNumLoops() < 2 ||
      op.hasIndexSemantics() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return {};
  SmallVector<utils::IteratorType> types = op.getIteratorTypesArray();
  unsigned loops = types.size(), first = loops;
  while (first > 0 && types[first - 1] == utils::IteratorType::reduction)
    --first;
  if (loops - first < 2 || op.getNumReductionLoops() != loops - first)
    return {};
  SmallVector<ReassociationIndices> groups;
  for (unsigned d = 0; d < first; ++d)
    groups.push_back({int64_t(d)});
  ReassociationIndices merged;
  for (unsigned d = first; d < loops; ++d)
    merged.push_back(d);
  groups.push_back(merged);
  return collapseLoops(rewriter, op, groups);
}

/// The largest multiple of `step` that is at most `want` and divides
/// `size` (for cache blocks, which need not be powers of two), or
/// fittingTile(size, want) when there is none.
int64_t blockTile(int64_t size, int64_t want, int64_t step) {
  for (int64_t tile = want - want % step; tile >= step; tile -= step)
    if (size % tile == 0)
      return tile;
  return fittingTile(size, want);
}

/// Tiles `op` with `sizes` (0: not tiled; values: sizes known at run
/// time) in loop order `interchange` and replaces it with the tiled loops.
FailureOr<scf::SCFTilingResult> tile(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     ArrayRef<OpFoldResult> sizes,
                                     ArrayRef<int64_t> interchange = {}) {
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setInterchange(interchange);
  options.setTileSizes(sizes);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (succeeded(tiled))
    rewriter.replaceOp(op, tiled->replacements);
  return tiled;
}

FailureOr<scf::SCFTilingResult> tile(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> interchange) {
  return tile(rewriter, op,
              getAsIndexOpFoldResult(rewriter.getContext(), sizes),
              interchange);
}

/// Whether every operand of `op` reads its innermost loop as the operand's
/// own innermost dimension, or not at all: a row of contiguous elements
/// under one mask, which scalable vectors need (they have no strided or
/// transposed reads).
bool readsRowsContiguously(linalg::LinalgOp op) {
  unsigned last = op.getNumLoops() - 1;
  return llvm::all_of(op.getIndexingMapsArray(), [&](AffineMap map) {
    if (!map.isProjectedPermutation())
      return false;
    if (!map.isFunctionOfDim(last))
      return true;
    auto inner = dyn_cast<AffineDimExpr>(map.getResults().back());
    return inner && inner.getPosition() == last;
  });
}

/// Whether every op of `op`'s body has a lowering for scalable vectors: the
/// arith ops (but `remf`, a libm call), the math ops SVE computes (square
/// root, fma, absolute value, rounding) and, on f32, those that
/// sieve-approximate-math turns into polynomials (exp, tanh, erf, log).
/// Others (sin and cos in rotary embeddings, pow) are calls into the C
/// library per element, which LLVM cannot make for a vector whose length
/// it does not know (it stops with a fatal error): such ops keep their
/// fixed-width vectors.
bool hasScalableLowering(linalg::LinalgOp op) {
  return llvm::all_of(
      op.getBlock()->without_terminator(), [](Operation &inner) {
        if (isa<linalg::IndexOp>(inner))
          return true;
        if (isa<arith::ArithDialect>(inner.getDialect()))
          return !isa<arith::RemFOp>(inner);
        if (isa<math::SqrtOp, math::RsqrtOp, math::FmaOp, math::AbsFOp,
                math::AbsIOp, math::FloorOp, math::CeilOp, math::RoundOp,
                math::RoundEvenOp, math::TruncOp, math::CopySignOp>(inner))
          return true;
        if (isa<math::ExpOp, math::ExpM1Op, math::TanhOp, math::ErfOp,
                math::LogOp, math::Log1pOp, math::Log2Op>(inner))
          return llvm::all_of(inner.getOperandTypes(),
                              [](Type t) { return t.isF32(); });
        return false;
      });
}

/// Whether the elementwise `op` can take scalable tiles: rows that are not
/// empty, read contiguously, of ops with a scalable lowering.
bool hasScalableTiles(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return !ranges.empty() && ranges.back() != 0 && readsRowsContiguously(op) &&
         hasScalableLowering(op);
}

/// An elementwise `op` in SVE's scalable vectors: tiles of one row by
/// `lanes x vscale` innermost elements (the CPU's whole vector), each
/// vectorized at that size under a mask of the row's elements left (the
/// last tile of a row is partial whenever the row is no multiple of the
/// vector length, known only at run time).
LogicalResult tileAndVectorizeScalable(RewriterBase &rewriter,
                                       linalg::LinalgOp op, int64_t lanes) {
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  int64_t loops = op.getNumLoops();
  Value step = arith::MulIOp::create(
      rewriter, loc, vector::VectorScaleOp::create(rewriter, loc),
      arith::ConstantIndexOp::create(rewriter, loc, lanes));
  SmallVector<OpFoldResult> tileSizes(loops, rewriter.getIndexAttr(1));
  tileSizes.back() = step;
  FailureOr<scf::SCFTilingResult> tiled = tile(rewriter, op, tileSizes);
  if (failed(tiled))
    return failure();
  Operation *tiledOp = tiled->tiledOps.back();
  SmallVector<int64_t> vectorSizes(loops, 1);
  vectorSizes.back() = lanes;
  SmallVector<bool> scalable(loops, false);
  scalable.back() = true;
  FailureOr<linalg::VectorizationResult> vectorized =
      linalg::vectorize(rewriter, tiledOp, vectorSizes, scalable);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(tiledOp, vectorized->replacements);
  // One-dimensional vectors: the masks moved into the transfers, then the
  // tile's leading unit dimensions cast away (vector<1x[4]xf32> to
  // vector<[4]xf32>, masks included), as the later lowering of transfers
  // (convert-vector-to-scf) mishandles the masks of scalable vectors of
  // more dimensions.
  if (!tiled->loops.empty()) {
    RewritePatternSet patterns(rewriter.getContext());
    vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
    vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
    (void)applyPatternsGreedily(tiled->loops.back(), std::move(patterns));
  }
  return success();
}

/// As tile(), returning the tiled op.
FailureOr<linalg::LinalgOp> tileOnly(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> interchange) {
  FailureOr<scf::SCFTilingResult> tiled =
      tile(rewriter, op, sizes, interchange);
  if (failed(tiled))
    return failure();
  return cast<linalg::LinalgOp>(tiled->tiledOps.back());
}

/// Tiles `op` with `sizes` (0: not tiled) and vectorizes the tiled op.
LogicalResult tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                               ArrayRef<int64_t> sizes,
                               ArrayRef<int64_t> interchange = {},
                               bool hoistFromInnermost = false,
                               ArrayRef<int64_t> vectorSizes = {}) {
  FailureOr<scf::SCFTilingResult> tiled =
      tile(rewriter, op, sizes, interchange);
  if (failed(tiled))
    return failure();
  Operation *tiledOp = tiled->tiledOps.back();
  // Contractions become vector.contract (later outer products of FMAs)
  // rather than a broadcast multiply and a reduction.
  // With `vectorSizes`, tiles of a dynamic dimension (a partial last tile)
  // are vectorized at full size with masked reads and writes.
  SmallVector<bool> scalable(vectorSizes.size(), false);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, tiledOp, vectorSizes, scalable,
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/vectorSizes.empty());
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(tiledOp, vectorized->replacements);
  // Keep the accumulator tile in registers across the innermost (reduction)
  // loop: its read and write move out of the loop, the vector becomes an
  // iter_arg. Done on tensors, where views do not block it.
  if (hoistFromInnermost && !tiled->loops.empty()) {
    LoopLikeOpInterface loop = tiled->loops.back();
    // Constants first, so that the transfers' indices are invariant too.
    moveLoopInvariantCode(loop);
    hoistLoopInvariantSubsets(rewriter, loop);
  }
  return success();
}

/// Rewrites a one-row linalg.matmul [1, K] x [K, N] as linalg.vecmat, so
/// that its tiles carry no unit dimension (which would defeat the
/// outer-product lowering of vector.contract).
FailureOr<linalg::LinalgOp> matmulToVecmat(RewriterBase &rewriter,
                                           linalg::MatmulOp op) {
  auto at = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto ct = cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (at.getDimSize(0) != 1 ||
      !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
    return failure();
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  SmallVector<ReassociationIndices> all{{0, 1}};
  auto vec = [&](Value v, RankedTensorType t) {
    return tensor::CollapseShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({t.getDimSize(1)}, t.getElementType()), v, all);
  };
  Value a = vec(op.getInputs()[0], at);
  Value c = vec(op.getOutputs()[0], ct);
  auto vecmat =
      linalg::VecmatOp::create(rewriter, loc, TypeRange{c.getType()},
                               ValueRange{a, op.getInputs()[1]}, ValueRange{c});
  rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, ct,
                                                     vecmat.getResult(0), all);
  return cast<linalg::LinalgOp>(vecmat.getOperation());
}

/// Reduces the rows of `op` (rowReductionTile) in vectors: a row whose
/// length the vector width does not divide (a 14 x 14 map: 196) is split
/// into the whole vectors and the rest, each reduced on its own (the rest
/// accumulating onto the first's result), instead of reducing the whole
/// row four lanes at a time. Returns whether it applied.
bool vectorizeRowReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                           int64_t vectorWidth) {
  SmallVector<linalg::LinalgOp> pieces{op};
  unsigned last = op.getNumLoops() - 1;
  int64_t extent = op.getNumLoops() ? op.getStaticLoopRanges()[last] : 0;
  if (!ShapedType::isDynamic(extent) && extent > vectorWidth &&
      extent % vectorWidth != 0 && isa<linalg::GenericOp>(op) &&
      op.getNumReductionLoops() == 1 &&
      op.getIteratorTypesArray()[last] == utils::IteratorType::reduction) {
    rewriter.setInsertionPoint(op);
    auto [whole, rest] = linalg::splitOp(
        rewriter, cast<TilingInterface>(op.getOperation()), last,
        rewriter.getIndexAttr(extent - extent % vectorWidth));
    pieces.clear();
    for (TilingInterface piece : {whole, rest})
      if (auto linalgPiece = dyn_cast_or_null<linalg::LinalgOp>(
              piece ? piece.getOperation() : nullptr))
        pieces.push_back(linalgPiece);
  }
  bool done = false;
  for (linalg::LinalgOp piece : pieces) {
    SmallVector<int64_t> sizes = rowReductionTile(piece, vectorWidth);
    if (sizes.empty())
      continue;
    (void)tileAndVectorize(rewriter, piece, sizes);
    done = true;
  }
  return done;
}

/// Tiles `op` into an scf.forall of `sizes` (0: not tiled): chunks that
/// run in parallel. Returns the op of one chunk.
FailureOr<linalg::LinalgOp> tileParallel(RewriterBase &rewriter,
                                         linalg::LinalgOp op,
                                         ArrayRef<int64_t> sizes) {
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t s : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(s));
  options.setTileSizes(tileSizes);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return cast<linalg::LinalgOp>(tiled->tiledOps.back());
}

/// The row pieces of a matmul of a static number of `rows` for register
/// tiles of `tileM` rows: all rows when tiles a little shorter divide them
/// (sieve::dividingTileRows: 49 rows in tiles of 7), else the whole tiles,
/// then the remainder as one piece (20 rows at tileM 8: 16, 4), which is
/// one register tile of that many rows (`registerRows`): each piece
/// streams the weight once. Pieces of 0 rows are left out.
SmallVector<int64_t> rowPieces(int64_t rows, int64_t tileM) {
  if (sieve::dividingTileRows(rows, tileM))
    return {rows};
  SmallVector<int64_t> pieces;
  if (rows - rows % tileM > 0)
    pieces.push_back(rows - rows % tileM);
  if (rows % tileM)
    pieces.push_back(rows % tileM);
  return pieces;
}

/// The rows of a matmul's register tile for `rows` static rows: all of
/// them when they fit one tile of `tileM` rows (a row piece, or 7 tokens),
/// else the tile that divides them (sieve::dividingTileRows), else the
/// largest power of two <= `tileM` that divides them.
int64_t registerRows(int64_t rows, int64_t tileM) {
  if (rows <= tileM)
    return rows;
  if (int64_t t = sieve::dividingTileRows(rows, tileM))
    return t;
  return fittingTile(rows, tileM);
}

/// The loop, in `value`'s block, around `value`'s first user there (the
/// register tiles of rows that a column panel's matmul was tiled into),
/// through loops of one iteration (a tiled dimension that one tile
/// covers), or null.
scf::ForOp loopOver(Value value) {
  Block *block = value.getParentBlock();
  for (Operation *user : value.getUsers()) {
    Operation *op = user;
    while (op && op->getBlock() != block)
      op = op->getParentOp();
    auto loop = dyn_cast_or_null<scf::ForOp>(op);
    while (loop) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (!trips || *trips != 1)
        break;
      auto inner = loop.getBody()->getOps<scf::ForOp>();
      if (!llvm::hasSingleElement(inner))
        break;
      loop = *inner.begin();
    }
    if (loop)
      return loop;
  }
  return {};
}

/// A static matmul of `rows` rows of `matmul` at row `offset` of `acc`
/// (the output so far): its rows of the input and `acc` are sliced, the
/// product inserted back. Returns the new output and appends the matmul to
/// `pieces`.
Value matmulRows(OpBuilder &b, Location loc, linalg::MatmulOp matmul, Value acc,
                 OpFoldResult offset, int64_t rows,
                 SmallVectorImpl<linalg::MatmulOp> &pieces) {
  Value a = matmul.getInputs()[0], w = matmul.getInputs()[1];
  auto wt = cast<RankedTensorType>(w.getType());
  int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
  auto slice = [&](Value source, int64_t columns) {
    auto type = RankedTensorType::get(
        {rows, columns},
        cast<RankedTensorType>(source.getType()).getElementType());
    return tensor::ExtractSliceOp::create(
        b, loc, type, source, ArrayRef<OpFoldResult>{offset, b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(columns)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  };
  Value out = slice(acc, n);
  auto piece =
      linalg::MatmulOp::create(b, loc, TypeRange{out.getType()},
                               ValueRange{slice(a, k), w}, ValueRange{out});
  pieces.push_back(piece);
  return tensor::InsertSliceOp::create(
      b, loc, piece.getResult(0), acc,
      ArrayRef<OpFoldResult>{offset, b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(n)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

/// Row blocks of a matmul with dynamic rows are this many register tiles:
/// each block is a static matmul whose cache-blocked schedule reads a
/// weight panel once for all the block's tiles (a loop of single tiles
/// reads the whole weight once per tile: 8 times for 64 tokens).
constexpr int64_t kRowBlockTiles = 8;
static_assert((kRowBlockTiles & (kRowBlockTiles - 1)) == 0,
              "the pieces after the blocks are its binary digits");

/// Splits a matmul (default maps, static reduction and columns) whose rows
/// `tileM` does not divide into matmuls of static row counts (rowPieces):
/// static rows become one matmul per piece; dynamic rows (a symbolic batch
/// or sequence length) a loop over whole blocks of kRowBlockTiles tiles of
/// `tileM` rows, each a static matmul, then what is left in pieces of
/// halving whole tiles (4, 2, 1 tiles: at most one of each), then the
/// remainder under one tile by its row count (scf.index_switch): one row
/// (decoding a token) a one-row matmul, r rows one r-row matmul. Every
/// piece then gets the static schedule, with no masks. With
/// `parallelBlocks`, the loop over whole blocks is an scf.forall (the
/// blocks shared among the threads; sieve-guard-parallel-regions runs a
/// single block without them). Returns the static matmuls, or nothing
/// when `matmul` stays.
SmallVector<linalg::MatmulOp> splitRows(IRRewriter &rewriter,
                                        linalg::MatmulOp matmul, int64_t tileM,
                                        bool parallelBlocks = false) {
  auto op = cast<linalg::LinalgOp>(matmul.getOperation());
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!op.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()) ||
      ShapedType::isDynamic(ranges[1]) || ShapedType::isDynamic(ranges[2]) ||
      ranges[1] <= 0 || ranges[2] <= 0 ||
      !cast<RankedTensorType>(matmul.getInputs()[1].getType()).hasStaticShape())
    return {};
  bool dynamicRows = ShapedType::isDynamic(ranges[0]);
  if (!dynamicRows && rowPieces(ranges[0], tileM).size() <= 1)
    return {};
  Location loc = matmul.getLoc();
  rewriter.setInsertionPoint(matmul);
  SmallVector<linalg::MatmulOp> pieces;
  Value acc = matmul.getOutputs()[0];
  if (!dynamicRows) {
    int64_t offset = 0;
    for (int64_t rows : rowPieces(ranges[0], tileM)) {
      acc = matmulRows(rewriter, loc, matmul, acc,
                       rewriter.getIndexAttr(offset), rows, pieces);
      offset += rows;
    }
    rewriter.replaceOp(matmul, acc);
    return pieces;
  }
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  auto andi = [&](Value a, int64_t mask) {
    return arith::AndIOp::create(rewriter, loc, a, index(mask)).getResult();
  };
  auto muli = [&](Value a, int64_t factor) {
    return arith::MulIOp::create(rewriter, loc, a, index(factor)).getResult();
  };
  // `piece()` in place of the output when `holds`.
  auto when = [&](Value holds, function_ref<Value()> piece) {
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{acc.getType()},
                                  holds, /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(rewriter, loc, piece());
    rewriter.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(rewriter, loc, acc);
    rewriter.setInsertionPointAfter(ifOp);
    acc = ifOp.getResult(0);
  };
  Value rows = tensor::DimOp::create(rewriter, loc, acc, 0);
  int64_t block = tileM * kRowBlockTiles;
  Value blockRest = arith::RemUIOp::create(rewriter, loc, rows, index(block));
  Value blocks = arith::SubIOp::create(rewriter, loc, rows, blockRest);
  if (parallelBlocks) {
    auto loop = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{blocks},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(block)}, ValueRange{acc},
        std::nullopt);
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      auto insert =
          matmulRows(rewriter, loc, matmul, loop.getRegionIterArgs()[0],
                     loop.getInductionVar(0), block, pieces)
              .getDefiningOp<tensor::InsertSliceOp>();
      // Each block's rows go into the shared output when every thread is
      // done.
      rewriter.setInsertionPointToStart(loop.getTerminator().getBody());
      tensor::ParallelInsertSliceOp::create(
          rewriter, loc, insert.getSource(), insert.getDest(),
          insert.getMixedOffsets(), insert.getMixedSizes(),
          insert.getMixedStrides());
      rewriter.eraseOp(insert);
    }
    acc = loop.getResult(0);
  } else {
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), blocks, index(block), ValueRange{acc},
        [&](OpBuilder &b, Location loc, Value i, ValueRange iterArgs) {
          scf::YieldOp::create(
              b, loc,
              matmulRows(b, loc, matmul, iterArgs[0], i, block, pieces));
        });
    acc = loop.getResult(0);
  }
  // The whole tiles after the blocks (fewer than kRowBlockTiles): their
  // count's binary digits, largest first, each one static piece.
  Value tiles = arith::DivUIOp::create(rewriter, loc, blockRest, index(tileM));
  for (int64_t count = kRowBlockTiles / 2; count >= 1; count /= 2) {
    Value holds = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                        andi(tiles, count), index(0));
    // After the blocks and the larger pieces: the digits above this one.
    Value offset = arith::AddIOp::create(
        rewriter, loc, blocks, muli(andi(tiles, ~(2 * count - 1)), tileM));
    when(holds, [&] {
      return matmulRows(rewriter, loc, matmul, acc, offset, count * tileM,
                        pieces);
    });
  }
  Value rest = arith::RemUIOp::create(rewriter, loc, rows, index(tileM));
  Value whole = arith::SubIOp::create(rewriter, loc, rows, rest);
  // The rows after the whole tiles, by their count: one row (decoding a
  // token) the one-row piece, r rows one r-row register tile, which
  // streams the weight once and computes no padding rows (a batch of 2
  // padded to an 8-row tile did 4x the work).
  SmallVector<int64_t> counts =
      llvm::to_vector(llvm::seq<int64_t>(1, std::max<int64_t>(tileM, 1)));
  auto remainder = scf::IndexSwitchOp::create(
      rewriter, loc, TypeRange{acc.getType()}, rest, counts, counts.size());
  for (auto [count, region] : llvm::zip(counts, remainder.getCaseRegions())) {
    rewriter.setInsertionPointToStart(&region.emplaceBlock());
    scf::YieldOp::create(
        rewriter, loc,
        matmulRows(rewriter, loc, matmul, acc, whole, count, pieces));
  }
  rewriter.setInsertionPointToStart(
      &remainder.getDefaultRegion().emplaceBlock());
  scf::YieldOp::create(rewriter, loc, acc);
  rewriter.setInsertionPointAfter(remainder);
  acc = remainder.getResult(0);
  rewriter.replaceOp(matmul, acc);
  return pieces;
}

/// A batch matmul of `columns` columns of `op` at column `offset` of
/// `acc` (the output so far); returns the new output and appends the
/// batch matmul to `pieces`.
Value batchMatmulColumns(OpBuilder &b, Location loc, linalg::BatchMatmulOp op,
                         Value acc, OpFoldResult offset, OpFoldResult columns,
                         SmallVectorImpl<linalg::BatchMatmulOp> &pieces) {
  auto slice = [&](Value source) {
    auto type = cast<RankedTensorType>(source.getType());
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0),
                                      offset};
    SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, source, 0),
                                    tensor::getMixedSize(b, loc, source, 1),
                                    columns};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    std::optional<int64_t> width = getConstantIntValue(columns);
    auto sliceType =
        RankedTensorType::get({type.getDimSize(0), type.getDimSize(1),
                               width ? *width : ShapedType::kDynamic},
                              type.getElementType());
    return std::make_tuple(tensor::ExtractSliceOp::create(b, loc, sliceType,
                                                          source, offsets,
                                                          sizes, strides)
                               .getResult(),
                           offsets, sizes, strides);
  };
  auto [w, wo, ws, wst] = slice(op.getInputs()[1]);
  auto [out, offsets, sizes, strides] = slice(acc);
  auto piece = linalg::BatchMatmulOp::create(b, loc, TypeRange{out.getType()},
                                             ValueRange{op.getInputs()[0], w},
                                             ValueRange{out});
  pieces.push_back(piece);
  return tensor::InsertSliceOp::create(b, loc, piece.getResult(0), acc, offsets,
                                       sizes, strides);
}

/// Splits a batch matmul (default maps) with dynamic columns (attention
/// scores: a symbolic sequence length of keys) into a loop over whole
/// vectors of `width` columns, each a batch matmul of static columns
/// vectorized with no masks, and one piece for the rest (fewer than
/// `width` columns, under an `scf.if`), its vector masked. Returns the
/// pieces.
SmallVector<linalg::BatchMatmulOp> splitDynamicColumns(IRRewriter &rewriter,
                                                       linalg::BatchMatmulOp op,
                                                       int64_t width) {
  SmallVector<int64_t> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).getStaticLoopRanges();
  if (!op.hasPureTensorSemantics() ||
      !linalg::BatchMatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()) ||
      !ShapedType::isDynamic(ranges[2]))
    return {};
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  SmallVector<linalg::BatchMatmulOp> pieces;
  Value acc = op.getOutputs()[0];
  Value columns = tensor::DimOp::create(rewriter, loc, acc, 2);
  Value step = index(width);
  Value rest = arith::RemUIOp::create(rewriter, loc, columns, step);
  Value whole = arith::SubIOp::create(rewriter, loc, columns, rest);
  auto loop = scf::ForOp::create(
      rewriter, loc, index(0), whole, step, ValueRange{acc},
      [&](OpBuilder &b, Location loc, Value j, ValueRange iterArgs) {
        scf::YieldOp::create(b, loc,
                             batchMatmulColumns(b, loc, op, iterArgs[0], j,
                                                b.getIndexAttr(width), pieces));
      });
  acc = loop.getResult(0);
  // The rest (fewer than `width` columns): one piece, its vector masked.
  Value holds = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                      rest, index(0));
  auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{acc.getType()}, holds,
                                /*withElseRegion=*/true);
  rewriter.setInsertionPointToStart(ifOp.thenBlock());
  scf::YieldOp::create(
      rewriter, loc,
      batchMatmulColumns(rewriter, loc, op, acc, whole, rest, pieces));
  rewriter.setInsertionPointToStart(ifOp.elseBlock());
  scf::YieldOp::create(rewriter, loc, acc);
  rewriter.setInsertionPointAfter(ifOp);
  acc = ifOp.getResult(0);
  rewriter.replaceOp(op, acc);
  return pieces;
}

/// Rewrites the 2-D transpose `op` whose input is (the NCHW
/// expand_shape and collapse_shape, which cancel, of) another 2-D
/// transpose's result into a copy of that transpose's input into `op`'s
/// destination (or that input itself when the destination is empty), and
/// erases what is left unused. Returns whether it applied.
LogicalResult foldTransposePair(RewriterBase &rewriter,
                                linalg::TransposeOp op) {
  if (!op.hasPureTensorSemantics() ||
      op.getPermutation() != ArrayRef<int64_t>{1, 0})
    return failure();
  Value input = op.getInput();
  auto collapse = input.getDefiningOp<tensor::CollapseShapeOp>();
  tensor::ExpandShapeOp expand;
  if (collapse) {
    expand = collapse.getSrc().getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand || expand.getSrc().getType() != collapse.getType() ||
        expand.getReassociationIndices() != collapse.getReassociationIndices())
      return failure();
    input = expand.getSrc();
  }
  auto inner = input.getDefiningOp<linalg::TransposeOp>();
  if (!inner || !inner.hasPureTensorSemantics() ||
      inner.getPermutation() != ArrayRef<int64_t>{1, 0})
    return failure();
  Value rows = inner.getInput();
  Value init = op.getInit();
  rewriter.setInsertionPoint(op);
  Value result = rows;
  if (!init.getDefiningOp<tensor::EmptyOp>())
    result = sieve::identityCopy(rewriter, op.getLoc(), rows, init);
  rewriter.replaceOp(op, result);
  for (Operation *dead :
       {collapse.getOperation(), expand.getOperation(), inner.getOperation()})
    if (dead && isOpTriviallyDead(dead))
      rewriter.eraseOp(dead);
  return success();
}

struct SieveTileAndVectorizePass
    : sieve::impl::SieveTileAndVectorizeBase<SieveTileAndVectorizePass> {
  using Base::Base;

  /// The weights packed into column panels in this run, shared by their
  /// readers.
  sieve::PackedConstants packed;

  /// The chunk size of each loop of `op` when it is split for `threads`
  /// threads (0: not split), or an empty vector when it stays whole: one
  /// parallel dimension, in chunks of whole `steps` (0: not a candidate),
  /// the first of `order` that pays (by the estimated cycles of `op`).
  SmallVector<int64_t> planParallel(linalg::LinalgOp op,
                                    ArrayRef<int64_t> ranges,
                                    ArrayRef<int64_t> steps,
                                    ArrayRef<int64_t> order) const {
    int64_t cycles = estimatedCycles(op, ranges);
    for (int64_t d : order) {
      if (steps[d] <= 0 || ranges[d] % steps[d] != 0)
        continue;
      int64_t blocks = ranges[d] / steps[d];
      int64_t chunks = sieve::planParallelChunks(blocks, cycles / blocks,
                                                 threads, minChunkCycles);
      if (chunks <= 1)
        continue;
      SmallVector<int64_t> sizes(ranges.size(), 0);
      sizes[d] = ranges[d] / chunks;
      return sizes;
    }
    return {};
  }

  /// The cost model's cycles for `op` over its static loop `ranges`.
  int64_t estimatedCycles(linalg::LinalgOp op, ArrayRef<int64_t> ranges) const {
    // Saturating products: the estimate of a large op must not overflow.
    auto times = [](int64_t a, int64_t b) {
      return a > 0 && b > std::numeric_limits<int64_t>::max() / a
                 ? std::numeric_limits<int64_t>::max()
                 : a * b;
    };
    int64_t multiplyAdds = 1;
    for (int64_t r : ranges)
      multiplyAdds = times(multiplyAdds, r);
    int64_t bytes = 0;
    for (Value operand : op->getOperands()) {
      auto type = dyn_cast<ShapedType>(operand.getType());
      if (!type || !type.hasStaticShape())
        continue;
      Type element = type.getElementType();
      int64_t elementBytes =
          element.isIntOrFloat()
              ? std::max<int64_t>(element.getIntOrFloatBitWidth() / 8, 1)
              : 8;
      int64_t size = times(type.getNumElements(), elementBytes);
      bytes =
          std::min(std::numeric_limits<int64_t>::max() - size, bytes) + size;
    }
    return sieve::kernelCycles(multiplyAdds, bytes, vectorWidth);
  }

  /// With threads: the static 2-D matmuls among `ops` that would stay on
  /// one thread only because their column tiles have no divisor worth a
  /// chunk each (a classifier's 1000 columns: 31 tiles of 32 and a rest)
  /// split into the most tiles that the threads share evenly, which
  /// parallelize then splits, and the rest (fewer tiles than threads),
  /// which stays on the calling thread.
  SmallVector<linalg::LinalgOp>
  splitForThreads(IRRewriter &rewriter, ArrayRef<linalg::LinalgOp> ops) const {
    SmallVector<linalg::LinalgOp> result;
    for (linalg::LinalgOp op : ops) {
      result.push_back(op);
      auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
      if (threads <= 1 || !matmul || op.hasDynamicShape() ||
          op->getParentOfType<scf::ForallOp>() || !parallelChunks(op).empty())
        continue;
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      int64_t step = columnTile(ranges[1]);
      if (ranges[1] < ranges[0] || step <= 0 || ranges[1] % step != 0)
        continue;
      int64_t blocks = ranges[1] / step;
      int64_t even = blocks - blocks % threads;
      if (even < threads || even == blocks ||
          sieve::planParallelChunks(even, estimatedCycles(op, ranges) / blocks,
                                    threads, minChunkCycles) <= 1)
        continue;
      rewriter.setInsertionPoint(op);
      auto [covered, rest] =
          linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), 1,
                          rewriter.getIndexAttr(even * step));
      if (!covered || !rest)
        continue;
      result.back() = cast<linalg::LinalgOp>(covered.getOperation());
      result.push_back(cast<linalg::LinalgOp>(rest.getOperation()));
    }
    return result;
  }

  /// With threads > 1: splits a static contraction, convolution or pooling
  /// op worth it and not already in a parallel chunk into parallel chunks
  /// (scf.forall) and returns the op of one chunk, which gets the
  /// single-thread schedule; else `op`.
  linalg::LinalgOp parallelize(IRRewriter &rewriter, linalg::LinalgOp op) {
    // Ops already inside a parallel chunk (sieve-conv-to-matmul's panel
    // chunks, fused epilogues) stay on its thread. Elementwise ops are
    // split too: a ReLU over a large feature map is memory-bound, and two
    // cores stream more than one.
    if (threads <= 1 ||
        (op.getNumReductionLoops() == 0 && !isVectorizableElementwise(op)) ||
        op->getParentOfType<scf::ForallOp>())
      return op;
    SmallVector<int64_t> sizes = parallelChunks(op);
    if (sizes.empty())
      return op;
    FailureOr<linalg::LinalgOp> chunk = tileParallel(rewriter, op, sizes);
    return succeeded(chunk) ? *chunk : op;
  }

  /// With threads: whether the whole row blocks of `matmul` with dynamic
  /// rows (splitRows: kRowBlockTiles register tiles each) run in parallel,
  /// the blocks shared among the threads: when one block is worth a
  /// parallel chunk but would not be split itself (a block that is, say
  /// 64 rows over a large weight, has its columns split instead, which
  /// keeps the threads busy from the first block on).
  bool blocksInParallel(linalg::MatmulOp matmul) const {
    auto op = cast<linalg::LinalgOp>(matmul.getOperation());
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (threads <= 1 || ranges.size() != 3 ||
        !ShapedType::isDynamic(ranges[0]) || ShapedType::isDynamic(ranges[1]) ||
        ShapedType::isDynamic(ranges[2]) ||
        op->getParentOfType<scf::ForallOp>())
      return false;
    ranges[0] = tileM * kRowBlockTiles;
    return estimatedCycles(op, ranges) >= minChunkCycles &&
           parallelChunks(op, ranges).empty();
  }

  /// The chunk sizes of `op`'s loops (0: not split) for `threads`
  /// threads, or an empty vector when it stays whole (planParallel).
  SmallVector<int64_t> parallelChunks(linalg::LinalgOp op) const {
    return parallelChunks(op, op.getStaticLoopRanges());
  }

  /// As parallelChunks, over the loop `ranges` given (static).
  SmallVector<int64_t> parallelChunks(linalg::LinalgOp op,
                                      ArrayRef<int64_t> ranges) const {
    SmallVector<int64_t> steps(ranges.size(), 0), order;
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op)) {
      // [batch,] m, n, k: the batch first, then the columns when the
      // weight (K x N) is at least the input (M x K) (each thread reads
      // its part of the weight), else the rows; whole register tiles.
      size_t m = ranges.size() - 3;
      for (size_t i = 0; i < m; ++i) {
        steps[i] = 1;
        order.push_back(i);
      }
      steps[m] = registerRows(ranges[m], tileM);
      steps[m + 1] = columnTile(ranges[m + 1]);
      bool columnsFirst = ranges[m + 1] >= ranges[m];
      order.push_back(columnsFirst ? m + 1 : m);
      order.push_back(columnsFirst ? m : m + 1);
    } else {
      for (auto [d, type] : llvm::enumerate(op.getIteratorTypesArray())) {
        if (type != utils::IteratorType::parallel)
          continue;
        steps[d] = 1;
        order.push_back(d);
      }
      // An elementwise op's innermost loop is split in whole vectors only.
      if (op.getNumReductionLoops() == 0 && !ranges.empty())
        steps.back() = fittingTile(ranges.back(), vectorWidth);
    }
    return planParallel(op, ranges, steps, order);
  }

  /// The elementwise op that alone consumes the result of `matmul`
  /// (directly or through the expand_shape of a convolution's output
  /// back to NCHW) and reads it as it is (a ReLU, Clip, residual Add),
  /// rewritten over the matmul's [rows, columns] loops, or null.
  linalg::LinalgOp epilogueOf(IRRewriter &rewriter,
                              linalg::MatmulOp matmul) const {
    Value result = matmul->getResult(0);
    if (!result.hasOneUse())
      return {};
    Value produced = result;
    auto expand = dyn_cast<tensor::ExpandShapeOp>(*result.getUsers().begin());
    if (expand) {
      produced = expand.getResult();
      if (!produced.hasOneUse())
        return {};
    }
    auto generic = dyn_cast<linalg::GenericOp>(*produced.getUsers().begin());
    if (!generic || !isVectorizableElementwise(generic) ||
        !generic.hasPureTensorSemantics() || generic.getNumDpsInits() != 1 ||
        generic->getResult(0).getType() != produced.getType())
      return {};
    OpOperand *read = nullptr;
    for (OpOperand *operand : generic.getDpsInputOperands())
      if (operand->get() == produced) {
        if (read)
          return {}; // Read twice (x * x): left alone.
        read = operand;
      }
    if (!read || !generic.getMatchingIndexingMap(read).isIdentity() ||
        !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
             .isIdentity())
      return {};
    if (!expand)
      return generic;
    linalg::LinalgOp epilogue =
        collapseLoops(rewriter, generic, expand.getReassociationIndices());
    if (!epilogue)
      return {};
    // Its operand collapse_shape(expand_shape(result)) is the result.
    for (OpOperand *operand : epilogue.getDpsInputOperands())
      if (auto back = operand->get().getDefiningOp<tensor::CollapseShapeOp>();
          back && back.getSrc() == produced &&
          back.getType() == result.getType()) {
        operand->set(result);
        if (back->use_empty())
          rewriter.eraseOp(back);
      }
    if (expand->use_empty())
      rewriter.eraseOp(expand);
    return epilogue;
  }

  /// Tiles `consumer` with `sizes` (0: not tiled) into an scf.forall
  /// (`parallel`) or scf.for and fuses `matmul` (and the producer of its
  /// accumulator: the bias broadcast or zero fill) into each tile. Returns
  /// the consumer's and the matmul's tiles. `consumer` may be `matmul`
  /// itself (only the accumulator's producer is fused then).
  FailureOr<std::pair<linalg::LinalgOp, linalg::MatmulOp>>
  tileAndFuse(IRRewriter &rewriter, linalg::LinalgOp consumer,
              linalg::MatmulOp matmul, ArrayRef<int64_t> sizes,
              bool parallel) const {
    scf::SCFTilingOptions tiling;
    SmallVector<OpFoldResult> tileSizes;
    for (int64_t s : sizes)
      tileSizes.push_back(rewriter.getIndexAttr(s));
    tiling.setTileSizes(tileSizes);
    if (parallel)
      tiling.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    Operation *init = matmul.getOutputs()[0].getDefiningOp();
    scf::SCFTileAndFuseOptions options;
    options.setTilingOptions(tiling);
    options.setFusionControlFn(
        [&](tensor::ExtractSliceOp, OpResult producer, bool)
            -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
          Operation *owner = producer.getOwner();
          if (owner == matmul.getOperation() ||
              (owner == init && isa<linalg::LinalgOp>(owner) &&
               cast<linalg::LinalgOp>(owner).getNumReductionLoops() == 0))
            return scf::SCFTileAndFuseOptions::ControlFnResult{};
          return std::nullopt;
        });
    rewriter.setInsertionPoint(consumer);
    FailureOr<scf::SCFTileAndFuseResult> fused =
        scf::tileConsumerAndFuseProducersUsingSCF(
            rewriter, cast<TilingInterface>(consumer.getOperation()), options);
    if (failed(fused))
      return failure();
    linalg::MatmulOp tiledMatmul;
    for (Operation *op : fused->tiledAndFusedOps)
      if (auto m = dyn_cast<linalg::MatmulOp>(op))
        tiledMatmul = m;
    if (!tiledMatmul)
      return failure();
    for (OpResult r : consumer->getResults())
      if (Value v = fused->replacements.lookup(r))
        rewriter.replaceAllUsesWith(r, v);
    rewriter.eraseOp(consumer);
    // The untiled matmul and accumulator are dead now (but for the slices
    // of them that fusion replaced).
    if (consumer != matmul.getOperation())
      eraseIfDead(rewriter, matmul);
    eraseIfDead(rewriter, init);
    return std::make_pair(
        cast<linalg::LinalgOp>(fused->tiledAndFusedOps.front()), tiledMatmul);
  }

  /// Erases `op` (an untiled producer) when nothing but unused slices of
  /// its results remain.
  static void eraseIfDead(IRRewriter &rewriter, Operation *op) {
    if (!op)
      return;
    for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
      if (isa<tensor::ExtractSliceOp>(user) && user->use_empty())
        rewriter.eraseOp(user);
    if (op->use_empty())
      rewriter.eraseOp(op);
  }

  /// Replaces the extract_slice of a result of `producer` that `operand`
  /// reads with that tile of the result computed on its own (a tiled copy
  /// of `producer`, returned; null when the slice is not such a tile).
  Operation *computeSliceAlone(IRRewriter &rewriter, OpOperand &operand,
                               Operation *producer) const {
    auto slice = operand.get().getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !producer || slice.getSource().getDefiningOp() != producer ||
        !slice.hasUnitStride() ||
        slice.getSourceType().getRank() != slice.getType().getRank())
      return nullptr;
    rewriter.setInsertionPoint(slice);
    FailureOr<TilingResult> tile =
        cast<TilingInterface>(producer).generateResultTileValue(
            rewriter, cast<OpResult>(slice.getSource()).getResultNumber(),
            slice.getMixedOffsets(), slice.getMixedSizes());
    if (failed(tile) || tile->tiledOps.empty())
      return nullptr;
    operand.set(tile->tiledValues[0]);
    return tile->tiledOps.back();
  }

  /// Splits `epilogue` (over `matmul`'s [rows, columns]) at column
  /// `whole`, each part reading a matmul (and accumulator) of its own
  /// columns. Returns the first part and its matmul, or nulls.
  std::pair<linalg::LinalgOp, linalg::MatmulOp>
  splitColumns(IRRewriter &rewriter, linalg::LinalgOp epilogue,
               linalg::MatmulOp matmul, int64_t whole) const {
    Operation *init = matmul.getOutputs()[0].getDefiningOp();
    if (init && !(isa<linalg::LinalgOp>(init) &&
                  cast<linalg::LinalgOp>(init).getNumReductionLoops() == 0))
      init = nullptr;
    rewriter.setInsertionPoint(epilogue);
    auto [covered, rest] = linalg::splitOp(
        rewriter, cast<TilingInterface>(epilogue.getOperation()), 1,
        rewriter.getIndexAttr(whole));
    if (!covered || !rest)
      return {};
    linalg::MatmulOp coveredMatmul;
    for (TilingInterface part : {covered, rest})
      for (OpOperand *operand :
           cast<linalg::LinalgOp>(part.getOperation()).getDpsInputOperands())
        if (Operation *tiled =
                computeSliceAlone(rewriter, *operand, matmul.getOperation())) {
          auto partMatmul = cast<linalg::MatmulOp>(tiled);
          computeSliceAlone(rewriter, *partMatmul.getDpsInitOperand(0), init);
          if (part == covered)
            coveredMatmul = partMatmul;
        }
    eraseIfDead(rewriter, matmul);
    eraseIfDead(rewriter, init);
    if (!coveredMatmul)
      return {};
    return {cast<linalg::LinalgOp>(covered.getOperation()), coveredMatmul};
  }

  /// Computes the elementwise op after a static matmul (a convolution's
  /// ReLU, Clip or residual Add) block by block with it: the matmul's
  /// cache blocks of columns (and with threads, its parallel chunks)
  /// become loops around both, so the op reads each block of the
  /// product from cache right after it is computed instead of making a
  /// pass of its own over the whole output in memory.
  void fuseEpilogue(IRRewriter &rewriter, linalg::MatmulOp matmul) const {
    auto op = cast<linalg::LinalgOp>(matmul.getOperation());
    if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()))
      return;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // Few rows take the streaming schedule: left alone.
    if (ranges[0] <= tileM || ranges[1] < tileN)
      return;
    linalg::LinalgOp epilogue = epilogueOf(rewriter, matmul);
    if (!epilogue) {
      // No epilogue: with threads the parallel chunks still take the
      // accumulator's producer (bias broadcast, fill) along, so that
      // fuseRegisterTiles starts each register tile from it inside its
      // chunk, instead of a pass on one thread writing it first (a 1x1
      // 32->16 on 112x112 took longer on two threads than on one).
      SmallVector<int64_t> chunks;
      if (threads > 1 && !op->getParentOfType<scf::ForallOp>() &&
          registerTilesFit(matmul))
        chunks = parallelChunks(op);
      if (!chunks.empty())
        (void)tileAndFuse(rewriter, op, matmul, {chunks[0], chunks[1]},
                          /*parallel=*/true);
      return;
    }
    if (ranges[1] % tileN != 0) {
      // The columns whole register tiles cover are fused below; the rest
      // (narrower than a tile) is a matmul and an elementwise op of its
      // own, which peelColumns pads.
      std::tie(epilogue, matmul) = splitColumns(rewriter, epilogue, matmul,
                                                ranges[1] - ranges[1] % tileN);
      if (!epilogue)
        return;
      op = cast<linalg::LinalgOp>(matmul.getOperation());
      ranges = op.getStaticLoopRanges();
    }
    SmallVector<int64_t> chunks = op->getParentOfType<scf::ForallOp>()
                                      ? SmallVector<int64_t>{}
                                      : parallelChunks(op);
    int64_t columns = ranges[1];
    if (!chunks.empty()) {
      auto tiles = tileAndFuse(rewriter, epilogue, matmul,
                               {chunks[0], chunks[1]}, /*parallel=*/true);
      if (failed(tiles))
        return;
      std::tie(epilogue, matmul) = *tiles;
      if (chunks[1])
        columns = chunks[1];
    }
    int64_t block =
        blockTile(columns, sieve::kMatmulCacheBlock, columnTile(columns));
    if (block < columns)
      (void)tileAndFuse(rewriter, epilogue, matmul, {0, block},
                        /*parallel=*/false);
  }

  /// Rows of a matmul's input `A` [M, K] a multiple of 4 KiB apart fall on
  /// the same sets of a virtually indexed L1 cache, whose ways are 4 KiB
  /// (as stripFitsL1 in ConvToMatmul.cpp models): the register tile's
  /// broadcasts of M rows per reduction step then evict each other and the
  /// weight panel's lines (an 8 x 4096 input times 4096 x 11008 took 10.3
  /// ms where the same product with 11008-wide input rows took 6.7). The
  /// input is copied into rows one cache line longer (a slice of a wider
  /// buffer, which the register tiles read strided), when the columns
  /// amortize the copy (at least four register tiles of them: the copy
  /// is M x K elements, the product M x K x N multiply-adds). Static
  /// matmuls of several rows only.
  void spreadInputRows(IRRewriter &rewriter, linalg::MatmulOp matmul) {
    auto op = cast<linalg::LinalgOp>(matmul.getOperation());
    if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()))
      return;
    Value a = matmul.getInputs()[0];
    auto type = dyn_cast<RankedTensorType>(a.getType());
    if (!type || type.getRank() != 2)
      return;
    int64_t rows = type.getDimSize(0), depth = type.getDimSize(1);
    int64_t columns = op.getStaticLoopRanges()[1];
    int64_t bytes = type.getElementTypeBitWidth() / 8;
    if (rows < 2 || columns < 4 * tileN || bytes <= 0 ||
        (depth * bytes) % sieve::kL1WayBytes != 0 ||
        a.getDefiningOp<tensor::ExtractSliceOp>() ||
        a.getDefiningOp<linalg::CopyOp>())
      return;
    Location loc = matmul.getLoc();
    rewriter.setInsertionPoint(matmul);
    Value wide = tensor::EmptyOp::create(
        rewriter, loc, {rows, depth + sieve::kCacheLineBytes / bytes},
        type.getElementType());
    Value rowsView = tensor::ExtractSliceOp::create(
        rewriter, loc, wide,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0),
                               rewriter.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(rows),
                               rewriter.getIndexAttr(depth)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                               rewriter.getIndexAttr(1)});
    auto copy = linalg::CopyOp::create(rewriter, loc, a, rowsView);
    matmul->setOperand(0, copy.getResult(0));
    (void)tileAndVectorize(rewriter, copy,
                           {1, fittingTile(depth, vectorWidth)});
  }

  /// A convolution without bias fills its NCHW output and collapses it
  /// into the matmul's accumulator: a fill of the matmul's own shape
  /// instead, which fuseEpilogue and fuseRegisterTiles fuse as they do a
  /// bias broadcast.
  static void fillInMatmulShape(IRRewriter &rewriter, linalg::MatmulOp matmul) {
    auto collapse =
        matmul.getOutputs()[0].getDefiningOp<tensor::CollapseShapeOp>();
    if (!collapse)
      return;
    auto fill = collapse.getSrc().getDefiningOp<linalg::FillOp>();
    if (!fill || !collapse->hasOneUse() || !fill->hasOneUse() ||
        !fill.hasPureTensorSemantics())
      return;
    rewriter.setInsertionPoint(collapse);
    Value empty = tensor::EmptyOp::create(
        rewriter, collapse.getLoc(), collapse.getResultType().getShape(),
        collapse.getResultType().getElementType());
    Value filled = linalg::FillOp::create(rewriter, fill.getLoc(),
                                          fill.getInputs()[0], empty)
                       .getResult(0);
    rewriter.modifyOpInPlace(matmul,
                             [&] { matmul.getDpsInitOperand(0)->set(filled); });
    rewriter.eraseOp(collapse);
    rewriter.eraseOp(fill);
  }

  /// Whether fuseRegisterTiles takes `matmul` by its shape and its
  /// accumulator's producer (threads aside).
  bool registerTilesFit(linalg::MatmulOp matmul) const {
    auto op = cast<linalg::LinalgOp>(matmul.getOperation());
    if (!packPanels || !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()))
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rows = ranges[0], columns = ranges[1], depth = ranges[2];
    int64_t tileRows = sieve::dividingTileRows(rows, tileM);
    if (rows <= tileM || !tileRows || columns % tileN != 0 || depth <= 0 ||
        depth > sieve::kMatmulCacheBlock)
      return false;
    auto init = matmul.getOutputs()[0].getDefiningOp<linalg::LinalgOp>();
    return init && isVectorizableElementwise(init) && init->hasOneUse() &&
           init.hasPureTensorSemantics() &&
           init->getBlock() == matmul->getBlock();
  }

  /// Computes a static matmul whose reduction is at most one cache block
  /// (a 1x1 convolution over few channels, a small Gemm) one register tile
  /// at a time together with the producer of its accumulator (the bias
  /// broadcast or zero fill) and its elementwise epilogue (ReLU, Clip,
  /// residual Add; see fuseEpilogue): the tile starts from the broadcast
  /// bias and goes through the epilogue in registers, and only the
  /// epilogue's result is stored, where the blocked schedule makes three
  /// passes over each block of the output (fill, matmul, epilogue). The
  /// loops: column panels of the weight (read contiguously, see
  /// contiguousPanel), register tiles of rows, the reduction innermost.
  /// Returns whether it applied.
  bool fuseRegisterTiles(IRRewriter &rewriter, linalg::MatmulOp matmul) {
    auto op = cast<linalg::LinalgOp>(matmul.getOperation());
    if (!registerTilesFit(matmul))
      return false;
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t depth = ranges[2];
    int64_t tileRows = sieve::dividingTileRows(ranges[0], tileM);
    // With threads, only inside a parallel chunk (fuseEpilogue made them)
    // or when too small to split.
    if (threads > 1 && !op->getParentOfType<scf::ForallOp>() &&
        !parallelChunks(op).empty())
      return false;
    auto init = matmul.getOutputs()[0].getDefiningOp<linalg::LinalgOp>();
    linalg::LinalgOp epilogue = epilogueOf(rewriter, matmul);
    if (epilogue && epilogue->getBlock() != matmul->getBlock())
      return false;
    linalg::LinalgOp root = epilogue ? epilogue : op;
    auto sizesOf = [&](int64_t m, int64_t n) {
      SmallVector<int64_t> sizes{m, n};
      if (!epilogue)
        sizes.push_back(0);
      return sizes;
    };
    // Column panels: each reads a [depth, tileN] strip of the weight,
    // copied with the others before the loop over them (copyBlockPanels)
    // or on its own (contiguousPanel).
    rewriter.setInsertionPoint(init);
    Value weight = matmul.getInputs()[1];
    Value scratch =
        tensor::EmptyOp::create(rewriter, op.getLoc(), {depth, tileN},
                                getElementTypeOrSelf(weight.getType()));
    auto panel = tileAndFuse(rewriter, root, matmul, sizesOf(0, tileN),
                             /*parallel=*/false);
    if (failed(panel)) {
      // Nothing was rewritten: tiling fails before changes.
      rewriter.eraseOp(scratch.getDefiningOp());
      return false;
    }
    auto [panelRoot, panelMatmul] = *panel;
    auto stripSlice =
        panelMatmul.getInputs()[1].getDefiningOp<tensor::ExtractSliceOp>();
    auto panelLoop =
        stripSlice ? stripSlice->getParentOfType<scf::ForOp>() : scf::ForOp();
    linalg::TransposeOp blockCopy;
    Value blockPanels;
    // A panel that at most two register tiles of rows read (a 1x1
    // convolution to 16 channels) is read where it is: the copy would
    // read and write every element for one or two reads (32 -> 16 on
    // 112x112: 0.197 -> 0.161 ms; with three tiles the copy pays). A
    // constant weight's panels are packed at compile time, at no cost.
    Value weightRoot = weight;
    while (auto slice = weightRoot.getDefiningOp<tensor::ExtractSliceOp>())
      weightRoot = slice.getSource();
    bool readInPlace = ranges[0] <= 2 * tileRows &&
                       !weightRoot.getDefiningOp<arith::ConstantOp>();
    if (readInPlace) {
      // The strip slice stays the matmul's operand.
    } else if (panelLoop && stripSlice.getSource() == weight) {
      rewriter.setInsertionPoint(panelLoop);
      blockPanels = sieve::copyBlockPanels(rewriter, weight, tileN, &blockCopy);
    }
    if (blockPanels) {
      // Panel j / tileN of the copy.
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(stripSlice);
      Location loc = stripSlice.getLoc();
      Value index = arith::DivUIOp::create(
          rewriter, loc,
          getValueOrCreateConstantIndexOp(rewriter, loc,
                                          stripSlice.getMixedOffsets()[1]),
          arith::ConstantIndexOp::create(rewriter, loc, tileN));
      OpFoldResult zero = rewriter.getIndexAttr(0),
                   one = rewriter.getIndexAttr(1);
      Value strip = tensor::ExtractSliceOp::create(
          rewriter, loc, cast<RankedTensorType>(stripSlice.getType()),
          blockPanels, ArrayRef<OpFoldResult>{index, zero, zero},
          ArrayRef<OpFoldResult>{one, rewriter.getIndexAttr(depth),
                                 rewriter.getIndexAttr(tileN)},
          ArrayRef<OpFoldResult>{one, one, one});
      panelMatmul->setOperand(1, strip);
      rewriter.setInsertionPoint(blockCopy);
      // Rows in order, each in register-tile-wide vectors.
      (void)tileAndVectorize(rewriter, blockCopy, {1, 1, columnTile(tileN)},
                             {1, 0, 2});
    } else if (!readInPlace) {
      linalg::CopyOp copy;
      Value strip = sieve::contiguousPanel(rewriter, panelMatmul.getInputs()[1],
                                           scratch, &copy, packed);
      panelMatmul->setOperand(1, strip);
      if (copy)
        (void)tileAndVectorize(rewriter, copy,
                               {fittingTile(depth, 8), columnTile(tileN)});
    }
    if (scratch.use_empty())
      rewriter.eraseOp(scratch.getDefiningOp());
    // Register tiles of rows, each with its accumulator's producer.
    // (Without an epilogue the panel's root is its matmul.)
    Value panelStrip = panelMatmul.getInputs()[1];
    auto tile =
        tileAndFuse(rewriter, panelRoot, panelMatmul, sizesOf(tileRows, 0),
                    /*parallel=*/false);
    if (failed(tile))
      return true; // Left as panels: still correct, vectorized later.
    // Named values (not structured bindings): lambdas below capture them.
    linalg::LinalgOp tileRoot = tile->first;
    linalg::MatmulOp tileMatmul = tile->second;
    auto rowLoop = tileMatmul->getParentOfType<scf::ForOp>();
    Operation *tileScope = tileMatmul->getParentOp();
    // Lines the tiles ask for during their reduction.
    SmallVector<sieve::PrefetchLines> prefetches;
    auto tileInit =
        tileMatmul.getOutputs()[0].getDefiningOp<linalg::LinalgOp>();
    Operation *tileStart = tileInit ? tileInit : tileMatmul;
    // The lines of `tile` (a slice of a whole operand in the tile's block)
    // to ask for, its slice moved up to the tile's start.
    auto askFor = [&](Value tile, bool isWrite) {
      auto slice = tile.getDefiningOp<tensor::ExtractSliceOp>();
      if (!slice || slice->getBlock() != tileStart->getBlock() ||
          !llvm::all_of(slice->getOperands(), [&](Value v) {
            Operation *producer = v.getDefiningOp();
            return !producer || producer->getBlock() != tileStart->getBlock() ||
                   producer->isBeforeInBlock(tileStart);
          }))
        return;
      if (!slice->isBeforeInBlock(tileStart))
        slice->moveBefore(tileStart);
      rewriter.setInsertionPoint(tileStart);
      sieve::PrefetchLines lines =
          sieve::tileLines(rewriter, tileRoot.getLoc(), tile);
      lines.isWrite = isWrite;
      if (lines.count)
        prefetches.push_back(lines);
    };
    // The epilogue's other operands (a residual) are read once the
    // reduction is done: their lines are asked for during it.
    if (epilogue)
      for (Value operand : tileRoot.getDpsInputs())
        askFor(operand, /*isWrite=*/false);
    // The tile's own output lines, asked for to be written: its stores go
    // to rows far apart (a whole output row), which no prefetcher follows
    // either, in a buffer last written long ago.
    askFor(tileRoot.getDpsInits()[0], /*isWrite=*/true);
    (void)tileAndVectorize(rewriter, tileMatmul,
                           {0, 0, fittingTile(depth, tileK)}, {},
                           /*hoistFromInnermost=*/true);
    // A constant weight's panels come from memory: the row tiles of each
    // ask for the next one's lines as they go.
    if (weightRoot.getDefiningOp<arith::ConstantOp>()) {
      sieve::PrefetchLines next =
          sieve::nextPanelLines(rewriter, rowLoop, panelStrip);
      if (next.count)
        prefetches.push_back(next);
    }
    if (!prefetches.empty())
      sieve::prefetchDuringReduction(
          rewriter, sieve::accumulatorLoop(tileScope), prefetches);
    for (linalg::LinalgOp part : {tileInit, epilogue ? tileRoot : nullptr}) {
      if (!part)
        continue;
      rewriter.setInsertionPoint(part);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, part);
      if (succeeded(vectorized))
        rewriter.replaceOp(part, vectorized->replacements);
    }
    return true;
  }

  /// The columns of a matmul register tile for `columns` columns: `tileN`
  /// or the largest power of two below that divides them, or all of them
  /// when fewer than `tileN` (one vector of that many lanes).
  int64_t columnTile(int64_t columns) const {
    return columns < tileN ? columns : fittingTile(columns, tileN);
  }

  /// A static matmul or batch matmul (default maps) of `op`'s operands
  /// whose columns are padded with zeros to `width`: B [.., K, N] and the
  /// accumulator C [.., M, N] are copied into zero-filled [.., K, width]
  /// and [.., M, width] buffers, and the product's first N columns replace
  /// `op`'s result. Returns the padded matmul, or null for other ops.
  linalg::LinalgOp padColumns(IRRewriter &rewriter, linalg::LinalgOp op,
                              int64_t width) const {
    bool batch = isa<linalg::BatchMatmulOp>(op);
    if (batch ? !linalg::BatchMatmulOp::isDefaultIndexingMaps(
                    cast<linalg::BatchMatmulOp>(op).getIndexingMaps())
              : !linalg::MatmulOp::isDefaultIndexingMaps(
                    cast<linalg::MatmulOp>(op).getIndexingMaps()))
      return nullptr;
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    auto widened = [&](Value value) -> Value {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape.back() = width;
      Type et = type.getElementType();
      Value empty = tensor::EmptyOp::create(rewriter, loc, shape, et);
      Value zero =
          arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(et));
      Value filled =
          linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
      SmallVector<OpFoldResult> offsets(shape.size(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes =
          tensor::getMixedSizes(rewriter, loc, value);
      SmallVector<OpFoldResult> unit(shape.size(), rewriter.getIndexAttr(1));
      return tensor::InsertSliceOp::create(rewriter, loc, value, filled,
                                           offsets, sizes, unit);
    };
    Value a = op.getDpsInputOperand(0)->get();
    Value b = widened(op.getDpsInputOperand(1)->get());
    Value c = op.getDpsInitOperand(0)->get();
    Value cWide = widened(c);
    Operation *padded =
        batch
            ? linalg::BatchMatmulOp::create(rewriter, loc,
                                            TypeRange{cWide.getType()},
                                            ValueRange{a, b}, ValueRange{cWide})
                  .getOperation()
            : linalg::MatmulOp::create(rewriter, loc,
                                       TypeRange{cWide.getType()},
                                       ValueRange{a, b}, ValueRange{cWide})
                  .getOperation();
    auto ct = cast<RankedTensorType>(c.getType());
    SmallVector<OpFoldResult> offsets(ct.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, c);
    SmallVector<OpFoldResult> unit(ct.getRank(), rewriter.getIndexAttr(1));
    Value narrow = tensor::ExtractSliceOp::create(
        rewriter, loc, ct, padded->getResult(0), offsets, sizes, unit);
    rewriter.replaceOp(op, narrow);
    return cast<linalg::LinalgOp>(padded);
  }

  /// Splits each static matmul and batch matmul whose columns `tileN`
  /// does not divide (a convolution over an odd image: 55 x 55 = 3025
  /// columns; a classifier's 1000 classes) into the columns whole register
  /// tiles cover and the rest (fewer than `tileN`, one tile wide):
  /// otherwise the tile would shrink to the largest power of two dividing
  /// the columns (8 for 1000, 1 for an odd count), and a one-row product's
  /// weight could not be read from whole packed panels. A rest (or a whole
  /// matmul narrower than a tile) whose column count is not a power of two is
  /// computed on columns padded with zeros to whole vectors (padColumns):
  /// vectors of 17 lanes are loaded and stored one lane at a time, and masked
  /// tiles keep their accumulator in memory across the reduction. Returns `ops`
  /// with the split ones replaced by their parts.
  SmallVector<linalg::LinalgOp>
  peelColumns(IRRewriter &rewriter, ArrayRef<linalg::LinalgOp> ops) const {
    SmallVector<linalg::LinalgOp> result;
    auto padRest = [&](linalg::LinalgOp part) {
      SmallVector<int64_t> ranges = part.getStaticLoopRanges();
      int64_t n = ranges[ranges.size() - 2];
      if (n > 1 && n < tileN && !llvm::isPowerOf2_64(n))
        if (linalg::LinalgOp padded =
                padColumns(rewriter, part, llvm::alignTo(n, vectorWidth)))
          return padded;
      return part;
    };
    for (linalg::LinalgOp op : ops) {
      if (!isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op)) {
        result.push_back(op);
        continue;
      }
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      size_t m = ranges.size() - 3;
      if (ranges[m + 1] % tileN == 0 ||
          fittingTile(ranges[m + 1], tileN) == tileN) {
        result.push_back(op);
        continue;
      }
      if (ranges[m + 1] < tileN) {
        result.push_back(padRest(op));
        continue;
      }
      rewriter.setInsertionPoint(op);
      int64_t whole = ranges[m + 1] - ranges[m + 1] % tileN;
      auto [covered, rest] =
          linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()),
                          m + 1, rewriter.getIndexAttr(whole));
      if (covered)
        result.push_back(cast<linalg::LinalgOp>(covered.getOperation()));
      if (rest)
        result.push_back(padRest(cast<linalg::LinalgOp>(rest.getOperation())));
    }
    return result;
  }

  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    sieve::untieSharedFills(getOperation());
    packed.clear();
    // Stride-1 convolutions that sieve-conv-to-matmul left for the direct
    // kernel (direct-convs).
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
    sieve::DirectConvOptions directOptions{vectorWidth, tileM,         tileN,
                                           directTileN, l2Bytes,       fmaLanes,
                                           threads,     minChunkCycles};
    for (linalg::Conv2DNchwFchwOp op : convs)
      if (!winograd ||
          failed(sieve::vectorizeWinogradConv(rewriter, op, directOptions)))
        (void)sieve::vectorizeDirectConv(rewriter, op, directOptions);
    // Window ops first: they may absorb the elementwise op after them.
    SmallVector<linalg::LinalgOp> windowOps;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (sieve::isVectorizableWindowOp(op))
        windowOps.push_back(op);
    });
    sieve::WindowKernelOptions windowOptions{vectorWidth, threads,
                                             minChunkCycles};
    for (linalg::LinalgOp op : windowOps)
      (void)sieve::vectorizeWindowOp(rewriter, op, windowOptions);
    // Strided samples (a strided 1x1 convolution's input) as wide reads
    // and shuffles.
    SmallVector<linalg::GenericOp> samples;
    getOperation().walk([&](linalg::GenericOp op) { samples.push_back(op); });
    for (linalg::GenericOp op : samples)
      (void)sieve::vectorizeStridedSample(rewriter, op, vectorWidth, threads,
                                          minChunkCycles);
    // A transpose of a transpose (the channels-last result of a window
    // kernel or pixel-rows convolution, back to NCHW, read by the next
    // pixel-rows convolution) is a copy of the rows.
    SmallVector<linalg::TransposeOp> pairs;
    getOperation().walk([&](linalg::TransposeOp op) { pairs.push_back(op); });
    for (linalg::TransposeOp op : llvm::reverse(pairs))
      (void)foldTransposePair(rewriter, op);
    // 2-D transposes (pixel rows back to NCHW) as register-transposed
    // vector blocks.
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk(
        [&](linalg::TransposeOp op) { transposes.push_back(op); });
    for (linalg::TransposeOp op : transposes)
      (void)sieve::vectorizeTranspose(rewriter, op, vectorWidth, threads,
                                      minChunkCycles);

    // Matmuls whose rows the register tile does not divide (a symbolic
    // batch or sequence length; 7 rows) become static pieces first.
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp op : matmuls)
      (void)splitRows(rewriter, op, tileM, blocksInParallel(op));

    // Inputs whose rows share L1 sets copied into spread rows; elementwise
    // epilogues into the static matmuls' column blocks.
    matmuls.clear();
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp op : matmuls) {
      spreadInputRows(rewriter, op);
      fillInMatmulShape(rewriter, op);
      fuseEpilogue(rewriter, op);
    }

    // Matmuls of one reduction block with their bias and epilogue in
    // registers.
    matmuls.clear();
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp op : matmuls)
      (void)fuseRegisterTiles(rewriter, op);

    // The pads left (a channels-last depthwise input's) fill only their
    // border: the fills are vectorized below with the elementwise ops.
    sieve::fillPadBorders(rewriter, getOperation());

    SmallVector<linalg::LinalgOp> ops, dynamicOps;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      (op.hasDynamicShape() ? dynamicOps : ops).push_back(op);
    });
    ops = peelColumns(rewriter, ops);
    ops = splitForThreads(rewriter, ops);
    // The column pieces' weights as constants of their own, each packable.
    if (packPanels)
      sieve::splitConstantSlices(rewriter, getOperation());
    for (linalg::LinalgOp whole : ops) {
      SmallVector<int64_t> ranges = whole.getStaticLoopRanges();
      if (llvm::any_of(ranges, [](int64_t r) { return r <= 0; }))
        continue;
      linalg::LinalgOp op = parallelize(rewriter, whole);
      ranges = op.getStaticLoopRanges();
      if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
          matmul && ranges[0] == 1) {
        vectorizeMatvec(rewriter, matmul);
        continue;
      }
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op)) {
        // Loops: [batch,] m, n, k. Register tiles, n outer so that a column
        // panel of the weight stays in cache while every row tile uses it,
        // and the reduction innermost so that the accumulator tile stays in
        // registers once sieve-hoist-vector-transfers has run.
        size_t m = ranges.size() - 3;
        SmallVector<int64_t> sizes(ranges.size(), 1), order;
        sizes[m] = registerRows(ranges[m], tileM);
        sizes[m + 1] = columnTile(ranges[m + 1]);
        sizes[m + 2] = fittingTile(ranges[m + 2], tileK);
        for (size_t i = 0; i < m; ++i)
          order.push_back(i);
        order.append({int64_t(m + 1), int64_t(m + 2), int64_t(m)});
        // Cache blocks: a panel of `kc` weight rows and `nc` columns is
        // reused by every row tile.
        SmallVector<int64_t> cache(ranges.size(), 0);
        bool fewRows = ranges[m] <= tileM && m == 0;
        // A few rows over a constant weight that only matmuls read: the
        // weight's packed column panels, each read contiguously down the
        // whole reduction by one register tile (the pieces of a symbolic
        // row count share the panels with its one-row product).
        if (fewRows && packPanels && ranges[m + 1] % tileN == 0) {
          sieve::ColumnPanels panels = sieve::packColumnPanels(
              rewriter, cast<linalg::MatmulOp>(op.getOperation()), tileN,
              /*scratch=*/{}, packed);
          if (panels.matmul) {
            (void)tileAndVectorize(rewriter, panels.matmul,
                                   {sizes[m], tileN, sizes[m + 2]}, {1, 0, 2},
                                   /*hoistFromInnermost=*/true);
            continue;
          }
        }
        if (fewRows) {
          // A few rows (small-batch inference) are memory-bound like a
          // matrix-vector product: stream the weight 16 rows at a time,
          // in order, over the whole output row.
          cache[m + 2] = fittingTile(ranges[m + 2], 16);
          order = {int64_t(m + 2), int64_t(m + 1), int64_t(m)};
        } else {
          cache[m + 1] =
              blockTile(ranges[m + 1], sieve::kMatmulCacheBlock, sizes[m + 1]);
          cache[m + 2] =
              blockTile(ranges[m + 2], sieve::kMatmulCacheBlock, sizes[m + 2]);
        }
        // The buffer that each column panel of the weight is packed into
        // (packColumnPanels), allocated once, before the cache loops.
        Value scratch;
        int64_t kc = cache[m + 2] ? cache[m + 2] : ranges[m + 2];
        rewriter.setInsertionPoint(op);
        if (m == 0 && !fewRows && packPanels)
          scratch = tensor::EmptyOp::create(
              rewriter, op.getLoc(), {kc, sizes[m + 1]},
              getElementTypeOrSelf(op.getDpsInputs()[1].getType()));
        FailureOr<linalg::LinalgOp> block =
            tileOnly(rewriter, op, cache, order);
        if (failed(block))
          continue;
        SmallVector<int64_t> inner{};
        for (size_t i = 0; i < m; ++i)
          inner.push_back(i);
        inner.append({int64_t(m + 1), int64_t(m), int64_t(m + 2)});
        linalg::LinalgOp registerTiled = *block;
        Value packedStrip;
        if (scratch) {
          sieve::ColumnPanels panels = sieve::packColumnPanels(
              rewriter, cast<linalg::MatmulOp>(block->getOperation()),
              sizes[m + 1], scratch, packed);
          if (panels.matmul)
            registerTiled = panels.matmul;
          if (panels.matmul && !panels.copy)
            packedStrip = panels.matmul.getInputs()[1];
          if (panels.copy)
            (void)tileAndVectorize(rewriter, panels.copy,
                                   {fittingTile(kc, 8), sizes[m + 1]});
          if (scratch.use_empty())
            rewriter.eraseOp(scratch.getDefiningOp());
        }
        (void)tileAndVectorize(rewriter, registerTiled, sizes, inner,
                               /*hoistFromInnermost=*/true);
        // A constant weight's panels come from memory: the row tiles of
        // each ask for the next one's lines.
        if (packedStrip) {
          scf::ForOp rowLoop = loopOver(packedStrip);
          sieve::PrefetchLines next = sieve::nextPanelLines(
              rewriter, rowLoop, packedStrip,
              cache[m + 1] ? cache[m + 1] / sizes[m + 1] : 0, cache[m + 2]);
          if (next.count)
            sieve::prefetchDuringReduction(
                rewriter, sieve::accumulatorLoop(rowLoop), next);
        }
        continue;
      }
      if (linalg::LinalgOp flat = collapseTrailingReductions(rewriter, op)) {
        op = flat;
        ranges = op.getStaticLoopRanges();
      }
      if (vectorizeRowReduction(rewriter, op, vectorWidth))
        continue;
      if (!isVectorizableElementwise(op))
        continue;
      if (linalg::LinalgOp flat =
              collapseTrailingLoops(rewriter, op, vectorWidth)) {
        op = flat;
        ranges = op.getStaticLoopRanges();
      }
      if (scalableVectors && hasScalableTiles(op)) {
        (void)tileAndVectorizeScalable(rewriter, op, vectorWidth);
        continue;
      }
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes.back() = fittingTile(ranges.back(), vectorWidth);
      if (sizes.back() < 4)
        continue; // Too narrow to pay.
      (void)tileAndVectorize(rewriter, op, sizes);
    }
    for (linalg::LinalgOp op : dynamicOps)
      tileAndVectorizeDynamic(rewriter, op);
  }

  /// Matrix-vector (a one-row matmul): 16-vector accumulator tiles over
  /// the output row, a few weight rows per step; weight rows stream in
  /// order (k outer).
  void vectorizeMatvec(IRRewriter &rewriter, linalg::MatmulOp matmul) {
    SmallVector<int64_t> ranges =
        cast<linalg::LinalgOp>(matmul.getOperation()).getStaticLoopRanges();
    // A constant weight that only matmuls read (or, besides this dense
    // path, its branch's sparse path; see packColumnPanels): read from its
    // column panels one register tile wide, packed at compile time, each
    // one contiguous stream down the whole reduction with its accumulators
    // in registers (no accumulator loads and stores per weight row block,
    // one prefetch stream instead of a stream per weight row).
    if (packPanels) {
      int64_t width = tileN;
      sieve::ColumnPanels panels = sieve::packColumnPanels(
          rewriter, matmul, width, /*scratch=*/{}, packed);
      if (panels.matmul) {
        FailureOr<linalg::LinalgOp> panel =
            matmulToVecmat(rewriter, panels.matmul);
        if (succeeded(panel))
          (void)tileAndVectorize(rewriter, *panel,
                                 {width, fittingTile(ranges[2], 8)}, {0, 1},
                                 /*hoistFromInnermost=*/true);
        return;
      }
    }
    FailureOr<linalg::LinalgOp> vecmat = matmulToVecmat(rewriter, matmul);
    if (failed(vecmat))
      return;
    SmallVector<int64_t> sizes{fittingTile(ranges[1], 16 * vectorWidth),
                               fittingTile(ranges[2], 8)};
    (void)tileAndVectorize(rewriter, *vecmat, sizes, {1, 0});
  }

  /// Splits a matmul with dynamic rows on the row count at run time: one
  /// row (decoding a token) takes a static one-row copy, which gets the
  /// matrix-vector kernel; more rows take the original. Returns the two
  /// matmuls.
  std::pair<linalg::MatmulOp, linalg::MatmulOp>
  splitOneRow(IRRewriter &rewriter, linalg::MatmulOp matmul) {
    Location loc = matmul.getLoc();
    rewriter.setInsertionPoint(matmul);
    Value a = matmul.getInputs()[0], w = matmul.getInputs()[1],
          c = matmul.getOutputs()[0];
    auto at = cast<RankedTensorType>(a.getType());
    auto ct = cast<RankedTensorType>(c.getType());
    Value rows = tensor::DimOp::create(rewriter, loc, a, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value isOne = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                        rows, one);
    auto ifOp = scf::IfOp::create(rewriter, loc, TypeRange{ct}, isOne,
                                  /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(ifOp.thenBlock());
    auto a1 = tensor::CastOp::create(
        rewriter, loc,
        RankedTensorType::get({1, at.getDimSize(1)}, at.getElementType()), a);
    auto c1Type =
        RankedTensorType::get({1, ct.getDimSize(1)}, ct.getElementType());
    auto c1 = tensor::CastOp::create(rewriter, loc, c1Type, c);
    auto oneRow = linalg::MatmulOp::create(rewriter, loc, TypeRange{c1Type},
                                           ValueRange{a1, w}, ValueRange{c1});
    Value back = tensor::CastOp::create(rewriter, loc, ct, oneRow.getResult(0));
    scf::YieldOp::create(rewriter, loc, back);
    rewriter.setInsertionPointToStart(ifOp.elseBlock());
    auto many = cast<linalg::MatmulOp>(rewriter.clone(*matmul));
    scf::YieldOp::create(rewriter, loc, many.getResult(0));
    rewriter.replaceOp(matmul, ifOp.getResults());
    return {oneRow, many};
  }

  /// A batch matmul with dynamic dimensions (attention with a symbolic
  /// sequence length: queries times keys, then scores times values): one
  /// output row of one batch entry at a time, a vector along the columns
  /// (static columns: one tile of up to `tileN`; dynamic ones:
  /// `vectorWidth` lanes, the last tile masked), the reduction innermost
  /// with the accumulator kept in registers.
  void vectorizeDynamicBatchMatmul(IRRewriter &rewriter,
                                   linalg::BatchMatmulOp op) {
    if (!linalg::BatchMatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
      return;
    int64_t columns =
        cast<linalg::LinalgOp>(op.getOperation()).getStaticLoopRanges()[2];
    SmallVector<int64_t> sizes{1, 1, 0, 1}, vectorSizes;
    if (ShapedType::isDynamic(columns)) {
      sizes[2] = vectorWidth;
      vectorSizes = sizes;
    } else if (columns > 0) {
      sizes[2] = columnTile(columns);
    } else {
      return;
    }
    (void)tileAndVectorize(rewriter, op, sizes, {},
                           /*hoistFromInnermost=*/true, vectorSizes);
  }

  /// Ops with dynamic dimensions (a symbolic batch or sequence length):
  /// a matmul whose rows are dynamic but whose reduction and columns are
  /// static gets the blocked schedule of static matmuls, with the last row
  /// tile masked; an elementwise op or a row reduction is tiled one row at
  /// a time, into full vectors where the row's length is static, into
  /// masked chunks where it is not. Others stay scalar.
  void tileAndVectorizeDynamic(IRRewriter &rewriter, linalg::LinalgOp op) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    auto isStatic = [](int64_t r) { return !ShapedType::isDynamic(r); };
    if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation())) {
      if (!linalg::MatmulOp::isDefaultIndexingMaps(matmul.getIndexingMaps()) ||
          isStatic(ranges[0]) || !isStatic(ranges[1]) || !isStatic(ranges[2]) ||
          ranges[1] <= 0 || ranges[2] <= 0)
        return;
      auto [oneRow, many] = splitOneRow(rewriter, matmul);
      vectorizeMatvec(rewriter, oneRow);
      SmallVector<int64_t> sizes{tileM, fittingTile(ranges[1], tileN),
                                 fittingTile(ranges[2], tileK)};
      SmallVector<int64_t> cache{
          0, blockTile(ranges[1], sieve::kMatmulCacheBlock, sizes[1]),
          blockTile(ranges[2], sieve::kMatmulCacheBlock, sizes[2])};
      FailureOr<linalg::LinalgOp> block =
          tileOnly(rewriter, cast<linalg::LinalgOp>(many.getOperation()), cache,
                   {1, 2, 0});
      if (failed(block))
        return;
      (void)tileAndVectorize(rewriter, *block, sizes, {1, 0, 2},
                             /*hoistFromInnermost=*/true, sizes);
      return;
    }
    if (auto batch = dyn_cast<linalg::BatchMatmulOp>(op.getOperation())) {
      SmallVector<linalg::BatchMatmulOp> pieces =
          splitDynamicColumns(rewriter, batch, vectorWidth);
      if (pieces.empty())
        pieces.push_back(batch);
      for (linalg::BatchMatmulOp piece : pieces)
        vectorizeDynamicBatchMatmul(rewriter, piece);
      return;
    }
    // A row of dynamic length (attention's keys: the softmax over the
    // scores, the mask added to them) in chunks of a few vectors, each
    // read and written with masks (every lane of a whole chunk, the row's
    // rest of the last one); a reduction leaves the masked-off lanes out
    // (sieve-unmask-reductions). Where masked vectorization fails, the
    // chunk stays scalar.
    // A reduction over trailing loops that are read contiguously (a
    // DynamicQuantizeLinear's minimum and maximum over a whole [?, 64]
    // tensor) as one row.
    if (linalg::LinalgOp flat = collapseTrailingReductions(rewriter, op)) {
      op = flat;
      ranges = op.getStaticLoopRanges();
    }
    bool dynamicRow = !ranges.empty() && !isStatic(ranges.back());
    if (SmallVector<int64_t> row = rowReductionTile(op, vectorWidth);
        !row.empty()) {
      (void)tileAndVectorize(rewriter, op, row, {}, false,
                             dynamicRow ? row : SmallVector<int64_t>{});
      return;
    }
    if (scalableVectors && isVectorizableElementwise(op) &&
        hasScalableTiles(op)) {
      (void)tileAndVectorizeScalable(rewriter, op, vectorWidth);
      return;
    }
    if (dynamicRow && isVectorizableElementwise(op)) {
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes.back() = kDynamicRowVectors * vectorWidth;
      (void)tileAndVectorize(rewriter, op, sizes, {}, false, sizes);
      return;
    }
    if (!isVectorizableElementwise(op) || !isStatic(ranges.back()) ||
        ranges.back() <= 0)
      return;
    // Every indexing map must be a projected permutation that keeps the
    // innermost dimension innermost (plain elementwise and broadcasts).
    SmallVector<int64_t> sizes(ranges.size(), 1);
    sizes.back() = fittingTile(ranges.back(), vectorWidth);
    if (sizes.back() < 4)
      return;
    (void)tileAndVectorize(rewriter, op, sizes);
  }
};

struct SieveHoistVectorTransfersPass
    : sieve::impl::SieveHoistVectorTransfersBase<
          SieveHoistVectorTransfersPass> {
  void runOnOperation() override {
    linalg::hoistRedundantVectorTransfers(getOperation());
  }
};

} // namespace
