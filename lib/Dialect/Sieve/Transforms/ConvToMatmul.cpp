//===- ConvToMatmul.cpp - Convolutions as matrix products -------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/Transforms/DirectConv.h"
#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"
#include "sieve/Dialect/Sieve/Transforms/TransposeKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <numeric>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVECONVTOMATMUL
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// A broadcast `value` (a linalg.generic copying one input, such as a
/// convolution's bias, into every position of its output, used once) built
/// in the collapsed `shape` instead, or null: each input dimension must be
/// read by a loop that is the only one of its group of more than one
/// element. Later passes can then tile and fuse it with the matmul whose
/// accumulator it is, which they cannot through a reshape.
Value collapsedBroadcast(PatternRewriter &rewriter, Location loc, Value value,
                         ArrayRef<int64_t> shape,
                         ArrayRef<ReassociationIndices> groups) {
  auto generic = value.getDefiningOp<linalg::GenericOp>();
  if (!generic || !value.hasOneUse() || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || !generic.hasPureTensorSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return {};
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (body.getOperations().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return {};
  AffineMap outMap =
      generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
  AffineMap inMap =
      generic.getMatchingIndexingMap(generic.getDpsInputOperand(0));
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  if (!outMap.isIdentity() || !inMap.isProjectedPermutation())
    return {};
  // The collapsed loop of each loop, for loops alone in their group.
  SmallVector<int64_t> collapsedOf(ranges.size(), -1);
  for (auto [i, group] : llvm::enumerate(groups)) {
    int64_t wide = -1, count = 0;
    for (int64_t d : group)
      if (ranges[d] != 1) {
        wide = d;
        ++count;
      }
    if (count == 1)
      collapsedOf[wide] = i;
    else if (group.size() == 1)
      collapsedOf[group[0]] = i;
  }
  SmallVector<AffineExpr> results;
  for (AffineExpr e : inMap.getResults()) {
    int64_t d = cast<AffineDimExpr>(e).getPosition();
    if (collapsedOf[d] < 0)
      return {};
    results.push_back(rewriter.getAffineDimExpr(collapsedOf[d]));
  }
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineMap> maps{
      AffineMap::get(shape.size(), 0, results, ctx),
      AffineMap::getMultiDimIdentityMap(shape.size(), ctx)};
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  Value empty = tensor::EmptyOp::create(rewriter, loc, shape, element);
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{empty.getType()},
             ValueRange{generic.getDpsInputOperand(0)->get()},
             ValueRange{empty}, maps, iterators,
             [](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc, args[0]);
             })
      .getResult(0);
}

Value collapse(PatternRewriter &rewriter, Location loc, Value value,
               ArrayRef<int64_t> shape, ArrayRef<ReassociationIndices> groups) {
  if (Value broadcast = collapsedBroadcast(rewriter, loc, value, shape, groups))
    return broadcast;
  auto type = cast<RankedTensorType>(value.getType());
  return tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get(shape, type.getElementType()), value,
      groups);
}

/// `x` [1, C, H, W] with `extra` more zeros at the end of dimension `dim`
/// (2: rows at the bottom, 3: columns on the right). When `x` is itself a
/// zero tensor.pad (the importer's padding), they are added to that pad
/// instead of copying its result again.
Value padEnd(PatternRewriter &rewriter, Location loc, Value x, int64_t dim,
             int64_t extra) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[dim] += extra;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> low(4, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> high(4, rewriter.getIndexAttr(0));
  Value source = x;
  auto isZero = [](Value v) {
    return v &&
           (matchPattern(v, m_AnyZeroFloat()) || matchPattern(v, m_Zero()));
  };
  if (auto pad = x.getDefiningOp<tensor::PadOp>();
      pad && isZero(pad.getConstantPaddingValue())) {
    // Same low pads, `extra` more high pad along `dim`.
    std::optional<SmallVector<int64_t>> lows =
        getConstantIntValues(pad.getMixedLowPad());
    std::optional<SmallVector<int64_t>> highs =
        getConstantIntValues(pad.getMixedHighPad());
    if (lows && highs) {
      source = pad.getSource();
      for (int64_t d = 0; d < 4; ++d) {
        low[d] = rewriter.getIndexAttr((*lows)[d]);
        high[d] = rewriter.getIndexAttr((*highs)[d] + (d == dim ? extra : 0));
      }
    }
  }
  if (source == x)
    high[dim] = rewriter.getIndexAttr(extra);
  Value zero = arith::ConstantOp::create(
      rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
  return tensor::PadOp::create(rewriter, loc, resultType, source, low, high,
                               zero);
}

/// A stride-1 convolution as one matmul per tap on the flattened input,
/// with no image to column: with the output computed `W` columns wide (the
/// input's width; the last `W - OW` columns of each row are discarded), the
/// input that tap (i, j) multiplies is the contiguous window of the
/// flattened input [C, H*W] starting at i*dh*W + j*dw, OH*W long, so
///   out[F, OH*W] += W[:, :, i, j] [F, C] @ X_flat[:, off(i,j) : +OH*W].
/// The input gets one extra zero row so that the last tap's window stays
/// inside it. Worth it when the discarded columns are few (the product
/// does W / OW times the work) and every tap's weights fit in half of the
/// L2 cache together: the columns run in blocks that keep the output block
/// in cache across the taps, so each block reads all the weights again.
/// Image to column instead copies KH*KW*C*OH*OW elements, twice through
/// memory, amortized over F multiply-adds each: it is the better choice
/// for the wide layers (many channels) that do not pass this test.
bool shiftedTapsPay(int64_t w, int64_t ow, int64_t kh, int64_t kw, int64_t f,
                    int64_t c, int64_t bytes, int64_t l2Bytes) {
  return kh * kw > 1 && 8 * (w - ow) <= ow &&
         f * c * kh * kw * bytes <= l2Bytes / 2;
}

/// The columns of a block of the shifted-tap matmuls: a multiple of 64
/// (at least 64) whose output block [F, nb] and input windows [C, nb] take
/// at most half of the L2 cache, or all `n` columns when they fit.
int64_t shiftedTapBlock(int64_t n, int64_t f, int64_t c, int64_t bytes,
                        int64_t l2Bytes) {
  int64_t perColumn = std::max<int64_t>((f + c) * bytes, 1);
  int64_t nb = (l2Bytes / 2) / perColumn;
  nb = std::max<int64_t>(64, nb - nb % 64);
  return nb >= n ? n : nb;
}

Value shiftedTapMatmuls(PatternRewriter &rewriter, Location loc,
                        linalg::Conv2DNchwFchwOp op,
                        ArrayRef<int64_t> dilations, int64_t l2Bytes) {
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  Type et = ot.getElementType();
  int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), w = xt.getDimSize(3);
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  int64_t n = oh * w;
  auto index = [&](int64_t v) -> OpFoldResult {
    return rewriter.getIndexAttr(v);
  };
  // The input, flattened, with a zero row of slack at the bottom.
  Value x = padEnd(rewriter, loc, op.getInputs()[0], 2, 1);
  Value flat = collapse(rewriter, loc, x, {c, (h + 1) * w}, {{0, 1}, {2, 3}});
  // The weights tap-major [KH, KW, F, C]: each tap's [F, C] is contiguous.
  // A constant is laid out so now, else transposed at run time.
  SmallVector<int64_t> tapMajor{2, 3, 0, 1};
  Value wTaps;
  if (op.getInputs()[1].getDefiningOp<arith::ConstantOp>() && et.isF32())
    wTaps = sieve::createPermutedConstant(rewriter, loc, op.getInputs()[1],
                                          tapMajor);
  if (!wTaps) {
    Value wEmpty = tensor::EmptyOp::create(rewriter, loc, {kh, kw, f, c}, et);
    wTaps = linalg::TransposeOp::create(rewriter, loc, op.getInputs()[1],
                                        wEmpty, tapMajor)
                .getResult()[0];
  }
  // The accumulator W wide: the convolution's, its rows padded on the right.
  Value init = op.getOutputs()[0];
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(et));
  Value wide = tensor::PadOp::create(
      rewriter, loc, RankedTensorType::get({1, f, oh, w}, et), init,
      ArrayRef<OpFoldResult>{index(0), index(0), index(0), index(0)},
      ArrayRef<OpFoldResult>{index(0), index(0), index(0), index(w - ow)},
      zero);
  Value acc = collapse(rewriter, loc, wide, {f, n}, {{0, 1}, {2, 3}});
  auto tapType = RankedTensorType::get({f, c}, et);
  // Every tap's product on the `nb` columns at `start` (an index value or
  // attribute) of the accumulator `whole`; returns the updated accumulator.
  auto block = [&](OpBuilder &b, Value whole, OpFoldResult start,
                   int64_t nb) -> Value {
    auto at = [&](int64_t offset) -> OpFoldResult {
      if (std::optional<int64_t> s = getConstantIntValue(start))
        return b.getIndexAttr(*s + offset);
      Value v = getValueOrCreateConstantIndexOp(b, loc, start);
      return arith::AddIOp::create(
                 b, loc, v, arith::ConstantIndexOp::create(b, loc, offset))
          .getResult();
    };
    auto outType = RankedTensorType::get({f, nb}, et);
    auto windowType = RankedTensorType::get({c, nb}, et);
    SmallVector<OpFoldResult> outOffsets{b.getIndexAttr(0), start};
    SmallVector<OpFoldResult> outSizes{b.getIndexAttr(f), b.getIndexAttr(nb)};
    SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
    Value out = nb == n
                    ? whole
                    : tensor::ExtractSliceOp::create(b, loc, outType, whole,
                                                     outOffsets, outSizes, unit)
                          .getResult();
    for (int64_t i = 0; i < kh; ++i) {
      for (int64_t j = 0; j < kw; ++j) {
        Value tap = tensor::ExtractSliceOp::create(
            b, loc, tapType, wTaps,
            {b.getIndexAttr(i), b.getIndexAttr(j), b.getIndexAttr(0),
             b.getIndexAttr(0)},
            {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(f),
             b.getIndexAttr(c)},
            {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1),
             b.getIndexAttr(1)});
        Value window = tensor::ExtractSliceOp::create(
            b, loc, windowType, flat,
            {b.getIndexAttr(0), at(i * dilations[0] * w + j * dilations[1])},
            {b.getIndexAttr(c), b.getIndexAttr(nb)}, unit);
        out = linalg::MatmulOp::create(b, loc, TypeRange{outType},
                                       ValueRange{tap, window}, ValueRange{out})
                  .getResult(0);
      }
    }
    if (nb == n)
      return out;
    return tensor::InsertSliceOp::create(b, loc, out, whole, outOffsets,
                                         outSizes, unit);
  };
  int64_t nb =
      shiftedTapBlock(n, f, c, et.getIntOrFloatBitWidth() / 8, l2Bytes);
  if (nb == n) {
    acc = block(rewriter, acc, index(0), n);
  } else {
    // Whole blocks in a loop, then the rest (fewer than nb columns).
    int64_t whole = n - n % nb;
    Value lb = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value ub = arith::ConstantIndexOp::create(rewriter, loc, whole);
    Value step = arith::ConstantIndexOp::create(rewriter, loc, nb);
    auto loop = scf::ForOp::create(
        rewriter, loc, lb, ub, step, ValueRange{acc},
        [&](OpBuilder &b, Location, Value start, ValueRange iterArgs) {
          scf::YieldOp::create(b, loc, block(b, iterArgs[0], start, nb));
        });
    acc = loop.getResult(0);
    if (n % nb)
      acc = block(rewriter, acc, index(whole), n % nb);
  }
  // Back to [1, F, OH, W], then the OW valid columns of each row.
  Value expanded = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({1, f, oh, w}, et), acc,
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  return tensor::ExtractSliceOp::create(
      rewriter, loc, ot, expanded, {index(0), index(0), index(0), index(0)},
      {index(1), index(f), index(oh), index(ow)},
      {index(1), index(1), index(1), index(1)});
}

/// The largest divisor of `n` that is at most `limit` (at least 1).
int64_t largestDivisorUpTo(int64_t n, int64_t limit) {
  for (int64_t d = std::min(n, limit); d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Where the taps of a convolution read the input (tapBlock): the input
/// [1, C, H, W] itself when its step along the rows is 1; otherwise its
/// `sw` phases along the rows, xq[0, c, h, q, v] = x[0, c, h, v*sw + q],
/// in which the columns that a tap reads for consecutive outputs are
/// consecutive. Either way padded with zero columns on the right for the
/// `outColumns` outputs per row that the taps compute.
struct TapSource {
  Value value;
  int64_t sw = 1, dw = 1;
  bool phased = false;
};

TapSource tapSource(PatternRewriter &rewriter, Location loc, Value x,
                    ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
                    int64_t outColumns, int64_t kw) {
  auto xt = cast<RankedTensorType>(x.getType());
  int64_t w = xt.getDimSize(3);
  TapSource source{x, strides[1], dilations[1], strides[1] > 1};
  // Columns read: up to (outColumns - 1)*sw + (kw - 1)*dw; whole phases.
  int64_t needed = (outColumns - 1) * strides[1] + (kw - 1) * dilations[1] + 1;
  int64_t width = llvm::alignTo(std::max(w, needed), strides[1]);
  if (width > w && (needed > w || source.phased))
    source.value = padEnd(rewriter, loc, x, 3, width - w);
  if (!source.phased)
    return source;
  // The phases: a gather with a non-unit step (scalar), over the input
  // once, instead of over every tap of the image-to-column copy.
  int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), sw = strides[1];
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr dn = getAffineDimExpr(0, ctx), dc = getAffineDimExpr(1, ctx),
             dh = getAffineDimExpr(2, ctx), dq = getAffineDimExpr(3, ctx),
             dv = getAffineDimExpr(4, ctx);
  AffineMap in = AffineMap::get(5, 0, {dn, dc, dh, dv * sw + dq}, ctx);
  Type et = xt.getElementType();
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, {1, c, h, sw, width / sw}, et);
  SmallVector<utils::IteratorType> iterators(5, utils::IteratorType::parallel);
  source.value =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{empty.getType()}, ValueRange{source.value},
          ValueRange{empty},
          ArrayRef<AffineMap>{in, AffineMap::getMultiDimIdentityMap(5, ctx)},
          iterators,
          [](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          })
          .getResult(0);
  return source;
}

/// The [C, OH, `columns`] block of the input that tap (i, j) multiplies,
/// block[c, y, x] = X[0, c, i*dh + y*sh, j*dw + x*sw]: a slice of `source`
/// whose rows are contiguous (one phase's when the step is not 1).
Value tapBlock(OpBuilder &b, Location loc, const TapSource &source,
               ArrayRef<int64_t> strides, ArrayRef<int64_t> dilations,
               int64_t c, int64_t oh, int64_t columns, int64_t i, int64_t j) {
  auto type = cast<RankedTensorType>(source.value.getType());
  auto blockType =
      RankedTensorType::get({c, oh, columns}, type.getElementType());
  auto index = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  int64_t column = j * dilations[1];
  if (!source.phased)
    return tensor::ExtractSliceOp::create(
        b, loc, blockType, source.value,
        {index(0), index(0), index(i * dilations[0]), index(column)},
        {index(1), index(c), index(oh), index(columns)},
        {index(1), index(1), index(strides[0]), index(1)});
  return tensor::ExtractSliceOp::create(
      b, loc, blockType, source.value,
      {index(0), index(0), index(i * dilations[0]), index(column % source.sw),
       index(column / source.sw)},
      {index(1), index(c), index(oh), index(1), index(columns)},
      {index(1), index(1), index(strides[0]), index(1), index(1)});
}

/// Whether a strip of `rows` rows `rowBytes` apart stays in an L1 cache of
/// `l1Bytes`: a virtually indexed L1 is l1Bytes / 4096 ways of a 4 KiB
/// page, and rows that far apart fall on 4096 / gcd(rowBytes, 4096) of
/// each way's positions, so at most that many times the ways of them stay.
bool stripFitsL1(int64_t rows, int64_t rowBytes, int64_t l1Bytes) {
  int64_t ways = std::max<int64_t>(l1Bytes / sieve::kL1WayBytes, 1);
  int64_t positions =
      sieve::kL1WayBytes / std::gcd<int64_t>(rowBytes, sieve::kL1WayBytes);
  return rows <= positions * ways;
}

/// The width of the column panels of an image-to-column convolution
/// (imageToPanels), or 0 for the plain [K = C*KH*KW, OH*OW] layout. A
/// register tile walks down a strip of the columns, one reduction step per
/// row, and every row tile of the matmul's cache block (kMatmulCacheBlock
/// reduction steps) reuses the strip: panels pay when the plain layout's
/// rows are a page or more apart and the block's strip does not stay in
/// L1 (stripFitsL1; a 7x7/2 stem over 224 x 224: 147 rows 49 KiB apart).
/// The panels are `tileN` (the register tile's columns) wide when that
/// divides the output width, else half of it when that does, else `tileN`
/// over an output width padded to a multiple of it when that adds at most
/// an eighth.
int64_t panelWidth(int64_t k, int64_t oh, int64_t ow, int64_t tileN,
                   int64_t bytes, int64_t l1Bytes) {
  int64_t rowBytes = oh * ow * bytes;
  int64_t block = largestDivisorUpTo(k, sieve::kMatmulCacheBlock);
  if (tileN < 2 || rowBytes < sieve::kL1WayBytes ||
      stripFitsL1(block, rowBytes, l1Bytes))
    return 0;
  if (ow % tileN == 0)
    return tileN;
  if (tileN % 2 == 0 && ow % (tileN / 2) == 0)
    return tileN / 2;
  int64_t padded = llvm::alignTo(ow, tileN);
  return 8 * (padded - ow) <= ow ? tileN : 0;
}

/// A convolution as image to column in panels of `p` columns and one
/// matmul per panel. The output is computed OWP = OW rounded up to a
/// multiple of `p` columns wide (the extra columns discarded; the input
/// gets zero columns on the right for them), so that each panel is `p`
/// consecutive positions of one output row, and the columns are laid out
/// panel-major, col[OH, OWP/p, C, KH, KW, p]: a panel's [C*KH*KW, p] block
/// is contiguous, so the matmul's register tiles stream it from one place
/// instead of reading each reduction step from another page. One copy per
/// tap (i, j) of the input's [C, OH, OWP] block (tapBlock: rows
/// contiguous, of the input's phases with a step along the rows; vector
/// copies of `p` elements). Then, per panel q (an scf.for, in `chunks` parallel
/// chunks of panels when threads > 1),
///   out[F, q*p : (q+1)*p] = W[F, C*KH*KW] @ col[q].
Value imageToPanels(PatternRewriter &rewriter, Location loc,
                    linalg::Conv2DNchwFchwOp op, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> dilations, int64_t p, int64_t threads) {
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  Type et = ot.getElementType();
  int64_t c = xt.getDimSize(1);
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  int64_t owp = llvm::alignTo(ow, p), blocks = owp / p, k = c * kh * kw;
  int64_t panels = oh * blocks;
  auto index = [&](int64_t v) -> OpFoldResult {
    return rewriter.getIndexAttr(v);
  };
  // The input, with zero columns on the right for the extra outputs (in
  // phases with a step along the rows).
  TapSource source =
      tapSource(rewriter, loc, op.getInputs()[0], strides, dilations, owp, kw);

  auto colType = RankedTensorType::get({oh, blocks, c, kh, kw, p}, et);
  Value col = tensor::EmptyOp::create(rewriter, loc, colType.getShape(), et);
  MLIRContext *ctx = rewriter.getContext();
  // Tap (i, j): col[y, b, :, i, j, q] = X[0, :, i*dh + y*sh,
  // j*dw + (b*p + q)*sw], a copy between blocks whose rows are contiguous.
  auto blockedType = RankedTensorType::get({c, oh, blocks, p}, et);
  auto destType = RankedTensorType::get({oh, blocks, c, p}, et);
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx), d3 = getAffineDimExpr(3, ctx);
  AffineMap in = AffineMap::getMultiDimIdentityMap(4, ctx);
  AffineMap out = AffineMap::get(4, 0, {d1, d2, d0, d3}, ctx);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  SmallVector<OpFoldResult> unit(6, index(1));
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      Value block =
          tapBlock(rewriter, loc, source, strides, dilations, c, oh, owp, i, j);
      Value blocked = tensor::ExpandShapeOp::create(
          rewriter, loc, blockedType, block,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
      SmallVector<OpFoldResult> offsets{index(0), index(0), index(0),
                                        index(i), index(j), index(0)};
      SmallVector<OpFoldResult> sizes{index(oh), index(blocks), index(c),
                                      index(1),  index(1),      index(p)};
      Value dest = tensor::ExtractSliceOp::create(rewriter, loc, destType, col,
                                                  offsets, sizes, unit);
      Value copied =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{destType}, ValueRange{blocked},
              ValueRange{dest}, ArrayRef<AffineMap>{in, out}, iterators,
              [](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(b, l, args[0]);
              })
              .getResult(0);
      col = tensor::InsertSliceOp::create(rewriter, loc, copied, col, offsets,
                                          sizes, unit);
    }
  }
  Value panelsOf =
      collapse(rewriter, loc, col, {panels, k, p}, {{0, 1}, {2, 3, 4}, {5}});
  Value weights =
      collapse(rewriter, loc, op.getInputs()[1], {f, k}, {{0}, {1, 2, 3}});
  // The accumulator OWP wide: the convolution's, its rows padded on the
  // right.
  Value init = op.getOutputs()[0];
  if (owp != ow)
    init = padEnd(rewriter, loc, init, 3, owp - ow);
  Value acc = collapse(rewriter, loc, init, {f, panels * p}, {{0, 1}, {2, 3}});

  // The panels [first, first + count) of `panels` into `out`, whose column
  // 0 is panel `first`'s.
  auto panelLoop = [&](OpBuilder &b, Value out, Value first,
                       int64_t count) -> Value {
    Value lb = arith::ConstantIndexOp::create(b, loc, 0);
    Value ub = arith::ConstantIndexOp::create(b, loc, count);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value width = arith::ConstantIndexOp::create(b, loc, p);
    auto loop = scf::ForOp::create(
        b, loc, lb, ub, one, ValueRange{out},
        [&](OpBuilder &b, Location, Value q, ValueRange iterArgs) {
          Value panel = arith::AddIOp::create(b, loc, first, q);
          Value column = arith::MulIOp::create(b, loc, q, width);
          Value bp = tensor::ExtractSliceOp::create(
              b, loc, RankedTensorType::get({k, p}, et), panelsOf,
              {panel, b.getIndexAttr(0), b.getIndexAttr(0)},
              {b.getIndexAttr(1), b.getIndexAttr(k), b.getIndexAttr(p)},
              {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1)});
          SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), column};
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(f), b.getIndexAttr(p)};
          SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
          auto tileType = RankedTensorType::get({f, p}, et);
          Value tile = tensor::ExtractSliceOp::create(
              b, loc, tileType, iterArgs[0], offsets, sizes, unit);
          Value product = linalg::MatmulOp::create(b, loc, TypeRange{tileType},
                                                   ValueRange{weights, bp},
                                                   ValueRange{tile})
                              .getResult(0);
          scf::YieldOp::create(
              b, loc,
              tensor::InsertSliceOp::create(b, loc, product, iterArgs[0],
                                            offsets, sizes, unit)
                  .getResult());
        });
    return loop.getResult(0);
  };
  int64_t chunks = threads > 1 ? largestDivisorUpTo(panels, threads) : 1;
  if (chunks <= 1) {
    acc = panelLoop(rewriter, acc,
                    arith::ConstantIndexOp::create(rewriter, loc, 0), panels);
  } else {
    int64_t per = panels / chunks;
    auto chunkType = RankedTensorType::get({f, per * p}, et);
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{index(chunks)}, ValueRange{acc},
        /*mapping=*/std::nullopt, [&](OpBuilder &b, Location, ValueRange args) {
          Value chunk = args[0];
          Value shared = args[1];
          Value first = arith::MulIOp::create(
              b, loc, chunk, arith::ConstantIndexOp::create(b, loc, per));
          Value column = arith::MulIOp::create(
              b, loc, first, arith::ConstantIndexOp::create(b, loc, p));
          SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), column};
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(f),
                                          b.getIndexAttr(per * p)};
          SmallVector<OpFoldResult> unit(2, b.getIndexAttr(1));
          Value part = tensor::ExtractSliceOp::create(b, loc, chunkType, shared,
                                                      offsets, sizes, unit);
          Value done = panelLoop(b, part, first, per);
          auto terminator = scf::InParallelOp::create(b, loc);
          b.setInsertionPointToStart(terminator.getBody());
          tensor::ParallelInsertSliceOp::create(b, loc, done, shared, offsets,
                                                sizes, unit);
        });
    acc = forall.getResult(0);
  }
  // Back to [1, F, OH, OWP], then the OW valid columns of each row.
  Value expanded = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({1, f, oh, owp}, et), acc,
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  if (owp == ow)
    return expanded;
  return tensor::ExtractSliceOp::create(
      rewriter, loc, ot, expanded, {index(0), index(0), index(0), index(0)},
      {index(1), index(f), index(oh), index(ow)},
      {index(1), index(1), index(1), index(1)});
}

/// Whether a convolution computes better as pixel rows (imageToRows) than
/// as the matmul W[F, K] @ col[K, OH*OW]: its output map is too small for
/// the register tile's `tileN` columns to cover evenly (fewer than eight
/// tiles, not a whole number of them: 7x7, 13x13 and 14x14 maps, whose
/// last partial tile would cost a pass of its own over all the weights),
/// while its output channels are whole tiles, or more than the pixels (the
/// last partial tile of channels then costs a pass over the small rows
/// only: SqueezeNet's classifier, 1000 channels on 13x13).
bool pixelRowsPay(int64_t pixels, int64_t f, int64_t tileM, int64_t tileN) {
  return tileM > 0 && tileN > 0 && pixels % tileN != 0 && pixels < 8 * tileN &&
         pixels >= tileM && f >= tileN && (f % tileN == 0 || f >= pixels);
}

/// The accumulator `init` ([1, F, OH, OW]) as `rows` x F rows when it
/// holds one value per output channel: a fill (a scalar) or the broadcast
/// of a [F] bias (a generic that yields its input read at the channel);
/// null for any other.
Value perChannelRows(PatternRewriter &rewriter, Location loc, Value init,
                     int64_t rows) {
  auto type = cast<RankedTensorType>(init.getType());
  if (type.getRank() != 4 || !type.hasStaticShape())
    return {};
  int64_t f = type.getDimSize(1);
  Type et = type.getElementType();
  Value empty = tensor::EmptyOp::create(rewriter, loc, {rows, f}, et);
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty)
        .getResult(0);
  auto generic = init.getDefiningOp<linalg::GenericOp>();
  MLIRContext *ctx = rewriter.getContext();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      generic.getNumLoops() != 4)
    return {};
  OpOperand *bias = generic.getDpsInputOperand(0);
  auto biasType = dyn_cast<RankedTensorType>(bias->get().getType());
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  if (!biasType || biasType.getShape() != ArrayRef<int64_t>{f} ||
      generic.getMatchingIndexingMap(bias) !=
          AffineMap::get(4, 0, getAffineDimExpr(1, ctx), ctx) ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity() ||
      yield.getNumOperands() != 1 ||
      yield.getOperand(0) != generic.getMatchingBlockArgument(bias))
    return {};
  SmallVector<utils::IteratorType> iterators(2, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             rewriter, loc, TypeRange{empty.getType()}, ValueRange{bias->get()},
             ValueRange{empty},
             ArrayRef<AffineMap>{
                 AffineMap::get(2, 0, getAffineDimExpr(1, ctx), ctx),
                 AffineMap::getMultiDimIdentityMap(2, ctx)},
             iterators,
             [](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(b, l, args[0]);
             })
      .getResult(0);
}

/// A convolution as pixel rows,
///   out^T[P, F] = rows[P, C*KH*KW] @ W^T[C*KH*KW, F],
/// with rows[y*OW + x, (c, i, j)] = X[0, c, y*sh + i*dh, x*sw + j*dw] (a
/// gather; for a 1x1 kernel a transpose), or with 16 or more channels (a
/// multiple of 4) rows[y*OW + x, (i, j, c)] from the input transposed to
/// channels-last (whole runs of channels copied), and P = OH*OW rounded up to a
/// multiple of `tileM` with zero rows, so that the matmul is whole
/// register tiles of rows and its weight W^T (transposed at compile time
/// when constant) is read by one matmul, which packs it into panels. The
/// accumulator is the convolution's, transposed; the product's first
/// OH*OW rows are transposed back to [1, F, OH, OW].
Value imageToRows(PatternRewriter &rewriter, Location loc,
                  linalg::Conv2DNchwFchwOp op, ArrayRef<int64_t> strides,
                  ArrayRef<int64_t> dilations, int64_t tileM) {
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  Type et = ot.getElementType();
  int64_t c = xt.getDimSize(1);
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  int64_t pixels = oh * ow, k = c * kh * kw;
  // Rows: whole register tiles, with zero rows after the pixels unless
  // tiles of a few rows less divide them (49 or 196 pixels: tiles of 7).
  int64_t padded = sieve::dividingTileRows(pixels, tileM)
                       ? pixels
                       : llvm::alignTo(pixels, tileM);
  MLIRContext *ctx = rewriter.getContext();
  auto index = [&](int64_t v) -> OpFoldResult {
    return rewriter.getIndexAttr(v);
  };
  auto transpose = [&](Value value, int64_t rows, int64_t columns) {
    Value empty = tensor::EmptyOp::create(rewriter, loc, {columns, rows}, et);
    return linalg::TransposeOp::create(rewriter, loc, value, empty,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  };
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(et));
  auto padRows = [&](Value value, int64_t columns) -> Value {
    if (padded == pixels)
      return value;
    return tensor::PadOp::create(
        rewriter, loc, RankedTensorType::get({padded, columns}, et), value,
        ArrayRef<OpFoldResult>{index(0), index(0)},
        ArrayRef<OpFoldResult>{index(padded - pixels), index(0)}, zero);
  };

  AffineExpr dy = getAffineDimExpr(0, ctx), dx = getAffineDimExpr(1, ctx);
  SmallVector<utils::IteratorType> iterators(5, utils::IteratorType::parallel);
  auto gather = [&](Value source, AffineMap in, ArrayRef<int64_t> shape) {
    Value empty = tensor::EmptyOp::create(rewriter, loc, shape, et);
    return linalg::GenericOp::create(
               rewriter, loc, TypeRange{empty.getType()}, ValueRange{source},
               ValueRange{empty},
               ArrayRef<AffineMap>{in,
                                   AffineMap::getMultiDimIdentityMap(5, ctx)},
               iterators,
               [](OpBuilder &b, Location l, ValueRange args) {
                 linalg::YieldOp::create(b, l, args[0]);
               })
        .getResult(0);
  };
  // With enough channels for vectors, the rows' columns are (i, j, c): the
  // image is transposed to channels-last once ([H, W, C], a register-
  // transposed copy of the input) and each tap copies its [OH, OW, C] block
  // of it, whole runs of channels, into its columns of the rows (one
  // elementwise copy per tap, which vectorizes along the channels: a single
  // gather over every tap is not a projected permutation and stayed
  // scalar). A 1x1 kernel with unit strides transposes the input straight
  // into the rows. The padding rows are zeroed where they lie, not copied
  // with the rest. In (c, i, j) order a row's values are KH*KW apart in
  // the image's rows: the copy was a gather and a scatter per vector, half
  // of a 3x3 128 -> 32 convolution's time on 14 x 14.
  bool channelsLast = c >= 16 && c % 4 == 0;
  Value rows;
  if (channelsLast) {
    int64_t hp = xt.getDimSize(2), wp = xt.getDimSize(3);
    Value table =
        tensor::EmptyOp::create(rewriter, loc, {padded, kh, kw, c}, et);
    auto unit = [&](int64_t rank) {
      return SmallVector<OpFoldResult>(rank, index(1));
    };
    if (padded > pixels) {
      Value tail = tensor::EmptyOp::create(rewriter, loc,
                                           {padded - pixels, kh, kw, c}, et);
      tail = linalg::FillOp::create(rewriter, loc, zero, tail).getResult(0);
      table = tensor::InsertSliceOp::create(
          rewriter, loc, tail, table,
          {index(pixels), index(0), index(0), index(0)},
          {index(padded - pixels), index(kh), index(kw), index(c)}, unit(4));
    }
    // The [P, C] columns of tap (i, j) in the table.
    auto tapOffsets = [&](int64_t i, int64_t j) {
      return SmallVector<OpFoldResult>{index(0), index(i), index(j), index(0)};
    };
    SmallVector<OpFoldResult> tapSizes{index(pixels), index(1), index(1),
                                       index(c)};
    auto tapColumns = [&](int64_t i, int64_t j) -> Value {
      return tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({pixels, c}, et), table,
          tapOffsets(i, j), tapSizes, unit(4));
    };
    Value flat = collapse(rewriter, loc, op.getInputs()[0], {c, hp * wp},
                          {{0, 1}, {2, 3}});
    if (kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 && hp == oh &&
        wp == ow) {
      Value transposed =
          linalg::TransposeOp::create(rewriter, loc, flat, tapColumns(0, 0),
                                      ArrayRef<int64_t>{1, 0})
              .getResult()[0];
      table =
          tensor::InsertSliceOp::create(rewriter, loc, transposed, table,
                                        tapOffsets(0, 0), tapSizes, unit(4));
    } else {
      Value image = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({hp, wp, c}, et),
          transpose(flat, c, hp * wp),
          ArrayRef<ReassociationIndices>{{0, 1}, {2}});
      auto blockType = RankedTensorType::get({oh, ow, c}, et);
      for (int64_t i = 0; i < kh; ++i) {
        for (int64_t j = 0; j < kw; ++j) {
          // block[y, x, c] = image[y*sh + i*dh, x*sw + j*dw, c]
          Value block = tensor::ExtractSliceOp::create(
              rewriter, loc, blockType, image,
              {index(i * dilations[0]), index(j * dilations[1]), index(0)},
              {index(oh), index(ow), index(c)},
              {index(strides[0]), index(strides[1]), index(1)});
          Value dest = tensor::ExpandShapeOp::create(
              rewriter, loc, blockType, tapColumns(i, j),
              ArrayRef<ReassociationIndices>{{0, 1}, {2}});
          Value copied = sieve::identityCopy(rewriter, loc, block, dest);
          table = tensor::InsertSliceOp::create(
              rewriter, loc,
              collapse(rewriter, loc, copied, {pixels, c}, {{0, 1}, {2}}),
              table, tapOffsets(i, j), tapSizes, unit(4));
        }
      }
    }
    rows = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({padded, k}, et), table,
        ArrayRef<ReassociationIndices>{{0}, {1, 2, 3}});
  } else {
    // rows[y, x, c, i, j] = X[0, c, y*sh + i*dh, x*sw + j*dw]
    AffineExpr dc = getAffineDimExpr(2, ctx), di = getAffineDimExpr(3, ctx),
               dj = getAffineDimExpr(4, ctx);
    Value gathered =
        gather(op.getInputs()[0],
               AffineMap::get(5, 0,
                              {getAffineConstantExpr(0, ctx), dc,
                               dy * strides[0] + di * dilations[0],
                               dx * strides[1] + dj * dilations[1]},
                              ctx),
               {oh, ow, c, kh, kw});
    rows = padRows(tensor::CollapseShapeOp::create(
                       rewriter, loc, RankedTensorType::get({pixels, k}, et),
                       gathered,
                       ArrayRef<ReassociationIndices>{{0, 1}, {2, 3, 4}}),
                   k);
  }

  // W^T [K, F], K in the rows' order: a constant laid out so now, else
  // transposed at run time.
  Value weights;
  if (channelsLast) {
    SmallVector<int64_t> tapsChannelsFilters{2, 3, 1, 0};
    if (op.getInputs()[1].getDefiningOp<arith::ConstantOp>() && et.isF32())
      weights = sieve::createPermutedConstant(rewriter, loc, op.getInputs()[1],
                                              tapsChannelsFilters, {k, f});
    if (!weights) {
      Value wEmpty = tensor::EmptyOp::create(rewriter, loc, {kh, kw, c, f}, et);
      Value permuted =
          linalg::TransposeOp::create(rewriter, loc, op.getInputs()[1], wEmpty,
                                      tapsChannelsFilters)
              .getResult()[0];
      weights = collapse(rewriter, loc, permuted, {k, f}, {{0, 1, 2}, {3}});
    }
  } else {
    if (op.getInputs()[1].getDefiningOp<arith::ConstantOp>() && et.isF32())
      weights =
          sieve::createTransposedConstant(rewriter, loc, op.getInputs()[1]);
    if (!weights)
      weights = transpose(
          collapse(rewriter, loc, op.getInputs()[1], {f, k}, {{0}, {1, 2, 3}}),
          f, k);
  }

  // The accumulator: a per-channel one (the bias broadcast, a fill) built
  // directly as [P, F], one pass that sieve-tile-and-vectorize can fuse
  // into the register tiles (the padding rows get the bias too: they are
  // discarded); any other the convolution's, transposed and padded.
  Value acc = perChannelRows(rewriter, loc, op.getOutputs()[0], padded);
  if (!acc) {
    Value init = collapse(rewriter, loc, op.getOutputs()[0], {f, pixels},
                          {{0, 1}, {2, 3}});
    acc = padRows(transpose(init, f, pixels), f);
  }
  Value product =
      linalg::MatmulOp::create(rewriter, loc, TypeRange{acc.getType()},
                               ValueRange{rows, weights}, ValueRange{acc})
          .getResult(0);
  if (padded != pixels)
    product = tensor::ExtractSliceOp::create(
        rewriter, loc, RankedTensorType::get({pixels, f}, et), product,
        ArrayRef<OpFoldResult>{index(0), index(0)},
        ArrayRef<OpFoldResult>{index(pixels), index(f)},
        ArrayRef<OpFoldResult>{index(1), index(1)});
  return tensor::ExpandShapeOp::create(
      rewriter, loc, ot, transpose(product, pixels, f),
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
}

/// A 1x1 convolution with a step (ResNet's downsampling shortcuts) as the
/// 1x1 convolution with unit steps of its input sampled at the pixels it
/// reads, s[n, c, y, x] = X[n, c, y*sh, x*sw]: a linalg.generic whose input
/// map steps along the rows, which sieve-tile-and-vectorize copies a vector
/// at a time (a wide read and a shuffle; vectorizeStridedSample). The
/// input's phases along the rows (tapSource) copied the whole input, every
/// row and phase, to use a quarter of it at step 2.
void samplePointwise(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp op) {
  auto xt = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!op.hasPureTensorSemantics() || !xt || !wt || !ot ||
      !xt.hasStaticShape() || !wt.hasStaticShape() || !ot.hasStaticShape() ||
      !ot.getElementType().isIntOrFloat() || wt.getDimSize(2) != 1 ||
      wt.getDimSize(3) != 1)
    return;
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  if ((strides[0] == 1 && strides[1] == 1) ||
      strides[1] > sieve::kMaxSampleStride)
    return;
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr dn = getAffineDimExpr(0, ctx), dc = getAffineDimExpr(1, ctx),
             dy = getAffineDimExpr(2, ctx), dx = getAffineDimExpr(3, ctx);
  AffineMap in =
      AffineMap::get(4, 0, {dn, dc, dy * strides[0], dx * strides[1]}, ctx);
  rewriter.setInsertionPoint(op);
  Value empty = tensor::EmptyOp::create(
      rewriter, loc,
      {xt.getDimSize(0), xt.getDimSize(1), ot.getDimSize(2), ot.getDimSize(3)},
      xt.getElementType());
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  Value sample =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{empty.getType()},
          ValueRange{op.getInputs()[0]}, ValueRange{empty},
          ArrayRef<AffineMap>{in, AffineMap::getMultiDimIdentityMap(4, ctx)},
          iterators,
          [](OpBuilder &b, Location l, ValueRange args) {
            linalg::YieldOp::create(b, l, args[0]);
          })
          .getResult(0);
  SmallVector<int64_t> unit{1, 1};
  rewriter.replaceOpWithNewOp<linalg::Conv2DNchwFchwOp>(
      op, TypeRange{ot}, ValueRange{sample, op.getInputs()[1]},
      ValueRange{op.getOutputs()[0]}, rewriter.getI64TensorAttr(unit),
      op.getDilations());
}

struct ConvToMatmul : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  ConvToMatmul(MLIRContext *context, int64_t l1Bytes, int64_t l2Bytes,
               int64_t panelColumns, int64_t panelRows, int64_t threads,
               bool directConvs)
      : OpRewritePattern(context), l1Bytes(l1Bytes), l2Bytes(l2Bytes),
        panelColumns(panelColumns), panelRows(panelRows), threads(threads),
        directConvs(directConvs) {}
  int64_t l1Bytes, l2Bytes, panelColumns, panelRows, threads;
  bool directConvs;

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

    // The direct kernel first: on 13x13 and 14x14 maps it reads the input
    // once where pixel rows copy it once per tap (isDirectConv).
    if (directConvs && sieve::isDirectConv(op, panelRows, panelColumns))
      return rewriter.notifyMatchFailure(op, "left for the direct kernel");

    if (et.isIntOrFloat() &&
        pixelRowsPay(oh * ow, f, panelRows, panelColumns)) {
      rewriter.replaceOp(
          op, imageToRows(rewriter, loc, op, strides, dilations, panelRows));
      return success();
    }

    if (strides[0] == 1 && strides[1] == 1 && et.isIntOrFloat() &&
        shiftedTapsPay(w, ow, kh, kw, f, c,
                       std::max<unsigned>(et.getIntOrFloatBitWidth() / 8, 1),
                       l2Bytes)) {
      rewriter.replaceOp(
          op, shiftedTapMatmuls(rewriter, loc, op, dilations, l2Bytes));
      return success();
    }

    // A 1x1 convolution with unit strides reads the input as it is.
    bool pointwise = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                     oh == h && ow == w;
    if (!pointwise && et.isIntOrFloat()) {
      if (int64_t p = panelWidth(
              c * kh * kw, oh, ow, panelColumns,
              std::max<unsigned>(et.getIntOrFloatBitWidth() / 8, 1), l1Bytes)) {
        rewriter.replaceOp(op, imageToPanels(rewriter, loc, op, strides,
                                             dilations, p, threads));
        return success();
      }
    }

    // Columns: [C*KH*KW, OH*OW].
    Value columns;
    if (pointwise) {
      columns = collapse(rewriter, loc, op.getInputs()[0], {c, h * w},
                         {{0, 1}, {2, 3}});
    } else {
      // Each tap (i, j) of the window is a copy of a [C, OH, OW] block of
      // the input whose rows are contiguous (tapBlock; the input in phases
      // with a step along the rows), col[:, i, j] = X[0, :, i*dh + y*sh,
      // j*dw + x*sw], an elementwise copy that sieve-tile-and-vectorize
      // turns into vector loads and stores (a single gather over every tap
      // is not a projected permutation, which the vectorizer leaves
      // scalar).
      TapSource source = tapSource(rewriter, loc, op.getInputs()[0], strides,
                                   dilations, ow, kw);
      auto colType = RankedTensorType::get({c, kh, kw, oh, ow}, et);
      auto planeType = RankedTensorType::get({c, oh, ow}, et);
      Value col =
          tensor::EmptyOp::create(rewriter, loc, colType.getShape(), et);
      auto index = [&](int64_t v) -> OpFoldResult {
        return rewriter.getIndexAttr(v);
      };
      for (int64_t i = 0; i < kh; ++i) {
        for (int64_t j = 0; j < kw; ++j) {
          Value block = tapBlock(rewriter, loc, source, strides, dilations, c,
                                 oh, ow, i, j);
          SmallVector<OpFoldResult> offsets{index(0), index(i), index(j),
                                            index(0), index(0)};
          SmallVector<OpFoldResult> sizes{index(c), index(1), index(1),
                                          index(oh), index(ow)};
          SmallVector<OpFoldResult> unit(5, index(1));
          Value dest = tensor::ExtractSliceOp::create(
              rewriter, loc, planeType, col, offsets, sizes, unit);
          Value copied = sieve::identityCopy(rewriter, loc, block, dest);
          col = tensor::InsertSliceOp::create(rewriter, loc, copied, col,
                                              offsets, sizes, unit);
        }
      }
      columns = collapse(rewriter, loc, col, {c * kh * kw, oh * ow},
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

/// A convolution whose batch is dynamic (a symbolic batch axis) and whose
/// other dimensions are static becomes a loop over the batch entries, each
/// a static batch-1 convolution that ConvToMatmul rewrites.
void splitDynamicBatch(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp op) {
  auto xt = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!op.hasPureTensorSemantics() || !xt || !wt || !ot ||
      !wt.hasStaticShape() || !ShapedType::isDynamic(xt.getDimSize(0)) ||
      !ShapedType::isDynamic(ot.getDimSize(0)))
    return;
  for (RankedTensorType t : {xt, ot})
    for (int64_t d = 1; d < 4; ++d)
      if (ShapedType::isDynamic(t.getDimSize(d)))
        return;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value init = op.getOutputs()[0];
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value batch = tensor::DimOp::create(rewriter, loc, init, 0);
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, batch, one, ValueRange{init},
      [&](OpBuilder &b, Location loc, Value n, ValueRange iterArgs) {
        auto entry = [&](Value source, RankedTensorType t) {
          SmallVector<OpFoldResult> offsets{
              n, b.getIndexAttr(0), b.getIndexAttr(0), b.getIndexAttr(0)};
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(1)};
          for (int64_t d = 1; d < 4; ++d)
            sizes.push_back(b.getIndexAttr(t.getDimSize(d)));
          SmallVector<OpFoldResult> strides(4, b.getIndexAttr(1));
          auto type = RankedTensorType::get(
              {1, t.getDimSize(1), t.getDimSize(2), t.getDimSize(3)},
              t.getElementType());
          return std::make_tuple(tensor::ExtractSliceOp::create(b, loc, type,
                                                                source, offsets,
                                                                sizes, strides)
                                     .getResult(),
                                 offsets, sizes, strides);
        };
        auto [x, xo, xs, xst] = entry(op.getInputs()[0], xt);
        auto [out, offsets, sizes, strides] = entry(iterArgs[0], ot);
        auto conv = linalg::Conv2DNchwFchwOp::create(
            b, loc, TypeRange{out.getType()}, ValueRange{x, op.getInputs()[1]},
            ValueRange{out}, op.getStrides(), op.getDilations());
        scf::YieldOp::create(
            b, loc,
            tensor::InsertSliceOp::create(b, loc, conv.getResult(0),
                                          iterArgs[0], offsets, sizes, strides)
                .getResult());
      });
  rewriter.replaceOp(op, loop.getResults());
}

struct SieveConvToMatmulPass
    : sieve::impl::SieveConvToMatmulBase<SieveConvToMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::Conv2DNchwFchwOp op : convs)
      splitDynamicBatch(rewriter, op);
    convs.clear();
    getOperation().walk(
        [&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
    for (linalg::Conv2DNchwFchwOp op : convs)
      samplePointwise(rewriter, op);
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToMatmul>(&getContext(), l1Bytes, l2Bytes, panelColumns,
                               panelRows, threads, directConvs);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
