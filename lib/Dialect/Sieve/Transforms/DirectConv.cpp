//===- DirectConv.cpp - Register-tiled stride-1 convolutions ----*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/DirectConv.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace {

/// The accumulator's first value per filter: a [F] bias broadcast over the
/// image (a linalg.generic yielding its 1-D input read at the filter) or a
/// fill's scalar. Neither set: the accumulator is something else.
struct FilterStart {
  Value bias, splat;
};

FilterStart filterStart(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return {Value(), fill.getInputs()[0]};
  auto generic = init.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0)
    return {};
  auto bias = dyn_cast<RankedTensorType>(generic.getDpsInputs()[0].getType());
  AffineMap map = generic.getIndexingMapsArray()[0];
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (!bias || bias.getRank() != 1 || map.getNumResults() != 1 ||
      map.getDimPosition(0) != 1 ||
      !generic.getIndexingMapsArray()[1].isIdentity() ||
      yield.getValues().size() != 1 ||
      yield.getValues()[0] != body.getArgument(0))
    return {};
  return {generic.getDpsInputs()[0], Value()};
}

/// The loops of the direct kernel for filter tiles [firstTile, firstTile +
/// tiles) into `out` ([tiles * tileM, L], its rows counted from the first
/// tile's first filter).
class DirectConvBuilder {
public:
  DirectConvBuilder(OpBuilder &b, Location loc, Value image, Value weights,
                    FilterStart start, const sieve::DirectConvOptions &options,
                    int64_t channels, int64_t width, int64_t columns,
                    ArrayRef<int64_t> offsets)
      : b(b), loc(loc), image(image), weights(weights), start(start),
        lanes(options.vectorWidth), rows(options.tileM),
        vectors(options.tileN / options.vectorWidth), channels(channels),
        columns(columns), offsets(offsets),
        vectorType(VectorType::get({options.vectorWidth}, b.getF32Type())) {
    (void)width;
    auto imageType = cast<RankedTensorType>(image.getType());
    imageColumns = imageType.getDimSize(1);
  }

  /// Filter tiles [firstTile, firstTile + tiles) into `out`.
  Value build(Value out, Value firstTile, int64_t tiles) {
    int64_t tileColumns = lanes * vectors;
    int64_t maxOffset = *llvm::max_element(offsets);
    // Column tiles whose reads and writes all stay inside: the rest masked.
    int64_t inside =
        std::max<int64_t>(0, std::min(columns, imageColumns - maxOffset)) /
        tileColumns;
    int64_t total = llvm::divideCeil(columns, tileColumns);
    return loop(0, tiles, 1, out, [&](Value tile, Value out) {
      Value filterTile = arith::AddIOp::create(b, loc, firstTile, tile);
      Value firstRow = arith::MulIOp::create(b, loc, tile, index(rows));
      SmallVector<Value> initial = startVectors(filterTile);
      out = loop(0, inside * tileColumns, tileColumns, out,
                 [&](Value column, Value out) {
                   return columnTile(out, filterTile, firstRow, column, initial,
                                     /*masked=*/false);
                 });
      for (int64_t t = inside; t < total; ++t)
        out = columnTile(out, filterTile, firstRow, index(t * tileColumns),
                         initial, /*masked=*/true);
      return out;
    });
  }

private:
  using LoopBody = llvm::function_ref<Value(Value iv, Value carried)>;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  Value loop(int64_t from, int64_t to, int64_t step, Value init,
             LoopBody body) {
    if (to <= from)
      return init;
    if (to - from <= step)
      return body(index(from), init);
    auto forOp = scf::ForOp::create(b, loc, index(from), index(to), index(step),
                                    ValueRange{init});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forOp.getBody());
    scf::YieldOp::create(
        b, loc, body(forOp.getInductionVar(), forOp.getRegionIterArgs()[0]));
    return forOp.getResult(0);
  }

  /// The accumulators' first values of filter tile `filterTile`: the bias
  /// of each filter (or the fill) broadcast, one per tile row.
  SmallVector<Value> startVectors(Value filterTile) {
    SmallVector<Value> values;
    for (int64_t i = 0; i < rows; ++i) {
      Value scalar = start.splat;
      if (!scalar) {
        Value filter = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, filterTile, index(rows)),
            index(i));
        scalar = tensor::ExtractOp::create(b, loc, start.bias, filter);
      }
      values.push_back(vector::BroadcastOp::create(b, loc, vectorType, scalar));
    }
    return values;
  }

  /// One register tile: filters of `filterTile` by output columns
  /// [column, column + tileN), over every tap and channel.
  Value columnTile(Value out, Value filterTile, Value firstRow, Value column,
                   ArrayRef<Value> initial, bool masked) {
    SmallVector<Value> acc;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < vectors; ++j)
        acc.push_back(initial[i]);
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    for (auto [tap, offset] : llvm::enumerate(offsets)) {
      Value tapColumn = arith::AddIOp::create(b, loc, column, index(offset));
      auto forOp =
          scf::ForOp::create(b, loc, index(0), index(channels), index(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forOp.getBody());
      Value c = forOp.getInductionVar();
      SmallVector<Value> x;
      for (int64_t j = 0; j < vectors; ++j) {
        Value at = arith::AddIOp::create(b, loc, tapColumn, index(j * lanes));
        x.push_back(vector::TransferReadOp::create(b, loc, vectorType, image,
                                                   ValueRange{c, at}, zero,
                                                   ArrayRef<bool>{!masked}));
      }
      Value k = arith::AddIOp::create(
          b, loc, c, index(static_cast<int64_t>(tap) * channels));
      SmallVector<Value> next(forOp.getRegionIterArgs());
      for (int64_t i = 0; i < rows; ++i) {
        Value w = tensor::ExtractOp::create(
            b, loc, weights, ValueRange{filterTile, k, index(i)});
        Value splat = vector::BroadcastOp::create(b, loc, vectorType, w);
        for (int64_t j = 0; j < vectors; ++j)
          next[i * vectors + j] =
              vector::FMAOp::create(b, loc, x[j], splat, next[i * vectors + j]);
      }
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(forOp);
      acc.assign(forOp.getResults().begin(), forOp.getResults().end());
    }
    for (int64_t i = 0; i < rows; ++i) {
      Value row = arith::AddIOp::create(b, loc, firstRow, index(i));
      for (int64_t j = 0; j < vectors; ++j) {
        Value at = arith::AddIOp::create(b, loc, column, index(j * lanes));
        out = vector::TransferWriteOp::create(b, loc, acc[i * vectors + j], out,
                                              ValueRange{row, at},
                                              ArrayRef<bool>{!masked})
                  .getResult();
      }
    }
    return out;
  }

  OpBuilder &b;
  Location loc;
  Value image, weights;
  FilterStart start;
  int64_t lanes, rows, vectors, channels, columns;
  ArrayRef<int64_t> offsets;
  VectorType vectorType;
  int64_t imageColumns = 0;
};

} // namespace

bool mlir::sieve::isDirectConv(linalg::Conv2DNchwFchwOp op, int64_t tileM,
                               int64_t tileN) {
  if (!op.hasPureTensorSemantics() || tileM < 1 || tileN < 1)
    return false;
  auto xt = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!xt || !wt || !ot || !xt.hasStaticShape() || !wt.hasStaticShape() ||
      !ot.hasStaticShape() || xt.getDimSize(0) != 1 ||
      !xt.getElementType().isF32() || !wt.getElementType().isF32() ||
      !ot.getElementType().isF32())
    return false;
  if (llvm::any_of(op.getStrides().getValues<int64_t>(),
                   [](int64_t s) { return s != 1; }))
    return false;
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t w = xt.getDimSize(3), oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  FilterStart start = filterStart(op.getOutputs()[0]);
  return kh * kw > 1 && f % tileM == 0 && 8 * (w - ow) <= ow &&
         oh * w >= 2 * tileN && (start.bias || start.splat) &&
         op.getInputs()[1].getDefiningOp<arith::ConstantOp>();
}

LogicalResult
mlir::sieve::vectorizeDirectConv(RewriterBase &rewriter,
                                 linalg::Conv2DNchwFchwOp op,
                                 const DirectConvOptions &options) {
  if (!isDirectConv(op, options.tileM, options.tileN) ||
      options.tileN % options.vectorWidth != 0)
    return failure();
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), w = xt.getDimSize(3);
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value weights = sieve::createConvTilesConstant(
      rewriter, loc, op.getInputs()[1], options.tileM);
  if (!weights)
    return failure();
  FilterStart start = filterStart(op.getOutputs()[0]);
  Type f32 = rewriter.getF32Type();
  Value image = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({c, h * w}, f32), op.getInputs()[0],
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  SmallVector<int64_t> offsets;
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j)
      offsets.push_back(i * dilations[0] * w + j * dilations[1]);
  int64_t columns = oh * w, tiles = f / options.tileM;
  DirectConvBuilder builder(rewriter, loc, image, weights, start, options, c, w,
                            columns, offsets);
  Value out = tensor::EmptyOp::create(rewriter, loc, {f, columns}, f32);

  int64_t chunks = 1;
  if (options.threads > 1) {
    int64_t cycles =
        sieve::kernelCycles(f * columns * c * kh * kw,
                            (c * h * w + f * columns) * 4, options.vectorWidth);
    chunks = sieve::planParallelChunks(tiles, cycles / tiles, options.threads,
                                       options.minChunkCycles);
  }
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value result;
  if (chunks <= 1) {
    result = builder.build(out, index(0), tiles);
  } else {
    int64_t perChunk = tiles / chunks;
    auto forall = scf::ForallOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(chunks)},
        ValueRange{out}, /*mapping=*/std::nullopt);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(forall.getTerminator());
    Value firstTile = arith::MulIOp::create(
        rewriter, loc, forall.getInductionVar(0), index(perChunk));
    Value firstRow =
        arith::MulIOp::create(rewriter, loc, firstTile, index(options.tileM));
    SmallVector<OpFoldResult> offsetsOf{firstRow, rewriter.getIndexAttr(0)},
        sizes{rewriter.getIndexAttr(perChunk * options.tileM),
              rewriter.getIndexAttr(columns)},
        strides{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1)};
    Value slice = tensor::ExtractSliceOp::create(rewriter, loc,
                                                 forall.getRegionIterArgs()[0],
                                                 offsetsOf, sizes, strides);
    Value updated = builder.build(slice, firstTile, perChunk);
    rewriter.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(rewriter, loc, updated,
                                          forall.getRegionIterArgs()[0],
                                          offsetsOf, sizes, strides);
    result = forall.getResult(0);
  }
  // [F, OH * W] -> [F, OH, W] -> the first OW columns of each row.
  Value rowsOut = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({f, oh, w}, f32), result,
      ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  Value kept = tensor::ExtractSliceOp::create(
      rewriter, loc, RankedTensorType::get({f, oh, ow}, f32), rowsOut,
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0),
                             rewriter.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(f),
                             rewriter.getIndexAttr(oh),
                             rewriter.getIndexAttr(ow)},
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1), rewriter.getIndexAttr(1),
                             rewriter.getIndexAttr(1)});
  rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
      op, ot, kept, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  return success();
}
