//===- DirectConv.cpp - Direct and Winograd convolutions --------*- C++ -*-===//
//
// The direct kernel (DirectConvBuilder) and Winograd's F(2x2, 3x3), whose
// 16 products run on the direct kernel's register tiles.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/DirectConv.h"
#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <optional>
#include <tuple>

using namespace mlir;

namespace {

/// The largest stride the direct kernel takes (through the input's phases).
constexpr int64_t kMaxDirectStride = 4;

/// The kernel computes each output row as wide as the input (or its
/// phases) and drops the rest: it takes convolutions where at most one in
/// kMaxDroppedColumnsOf computed columns is dropped. 3x3 convolutions on
/// 13x13 and 14x14 maps (15 and 16 computed, 2 dropped) qualify; 7x7 maps
/// (2 of 9) keep pixel rows. Pixel rows copy the input once per tap (nine
/// times for 3x3: 1.8 MB for 256 channels on 14x14, beyond what the L2
/// cache keeps next to the weights, re-read per column panel) where the
/// direct kernel reads it once: a chain of four 3x3 256 -> 256 layers on
/// 14x14 took 4.4-5.0 ms as pixel rows on two threads, 3.2 directly (one
/// thread the same within the noise, 6.7-7.4 ms); with an eighth as the
/// limit, pixel rows took them. docs/performance.md, stop 28.
constexpr int64_t kMaxDroppedColumnsOf = 5;

/// Below this many input channels the kernel loops over the taps at run
/// time (their offsets from tables) instead of unrolling them: with a few
/// channels LLVM unrolls each tap's channel loop, after which every weight
/// broadcast is invariant in the column loop and hoisted out of it, 8
/// vectors per reduction step spilled to the stack (147 x 8 for a 7x7
/// stem over RGB).
constexpr int64_t kMinUnrolledTapChannels = 8;

using FilterStart = sieve::ChannelInit;

/// The loops of the direct kernel for filter tiles [firstTile, firstTile +
/// tiles) into `out` ([tiles * tileM, L], its rows counted from the first
/// tile's first filter).
class DirectConvBuilder {
public:
  DirectConvBuilder(OpBuilder &b, Location loc, Value image, Value weights,
                    FilterStart start, const sieve::DirectConvOptions &options,
                    int64_t channels, int64_t columns,
                    ArrayRef<int64_t> rowBases, ArrayRef<int64_t> offsets,
                    linalg::GenericOp epilogue)
      : b(b), loc(loc), image(image), weights(weights), start(start),
        epilogue(epilogue), lanes(options.vectorWidth), rows(options.tileM),
        vectors(options.kernelTileN / options.vectorWidth),
        l2Bytes(options.l2Bytes), channels(channels), columns(columns),
        rowBases(rowBases), offsets(offsets),
        vectorType(VectorType::get({options.vectorWidth}, b.getF32Type())) {
    auto imageType = cast<RankedTensorType>(image.getType());
    imageRows = imageType.getDimSize(0);
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
    // Filter tile `tile`'s unmasked column tiles [from, to) (in columns)
    // past `base`, then its masked ones when `masked`.
    auto filterTile = [&](Value tile, Value out, Value base, int64_t from,
                          int64_t to, bool masked) {
      Value filter = arith::AddIOp::create(b, loc, firstTile, tile);
      Value firstRow = arith::MulIOp::create(b, loc, tile, index(rows));
      SmallVector<Value> initial = startVectors(filter);
      out = loop(from, to, tileColumns, out, [&](Value column, Value out) {
        Value at = base ? arith::AddIOp::create(b, loc, base, column) : column;
        return columnTile(out, filter, firstRow, at, initial,
                          /*masked=*/false);
      });
      for (int64_t t = inside; masked && t < total; ++t)
        out = columnTile(out, filter, firstRow, index(t * tileColumns), initial,
                         /*masked=*/true);
      return out;
    };
    // Blocks of `blockTiles` column tiles, each computed for every filter
    // tile in turn while its part of the input stays in L2.
    int64_t blockTiles = blockColumnTiles(tileColumns, maxOffset);
    int64_t blocks = blockTiles < inside ? inside / blockTiles : 0;
    int64_t blockColumns = blockTiles * tileColumns;
    if (blocks > 0)
      out = loop(0, blocks * blockColumns, blockColumns, out,
                 [&](Value block, Value out) {
                   return loop(0, tiles, 1, out, [&](Value tile, Value out) {
                     return filterTile(tile, out, block, 0, blockColumns,
                                       /*masked=*/false);
                   });
                 });
    return loop(0, tiles, 1, out, [&](Value tile, Value out) {
      return filterTile(tile, out, Value(), blocks * blockColumns,
                        inside * tileColumns, /*masked=*/true);
    });
  }

private:
  /// Column tiles per block: as many as keep the block's part of the input
  /// (its columns and the taps' reach past them, in every image row) in a
  /// quarter of L2 while the filter tiles take turns on it (at least 1).
  /// At stride 2 the phases hold four image rows per channel: 128 channels
  /// on 56x56 read 1.7 MB per filter tile without blocks (2.75 -> 2.14 ms
  /// on a 2 MiB L2; blocks of 16 tiles, 1.6 MB, were as slow as none).
  int64_t blockColumnTiles(int64_t tileColumns, int64_t maxOffset) {
    int64_t rowBytes = imageRows * 4;
    int64_t fits = l2Bytes / 4 / std::max<int64_t>(rowBytes, 1) - maxOffset;
    return std::max<int64_t>(1, fits / tileColumns);
  }

  using LoopBody = llvm::function_ref<Value(Value iv, Value carried)>;

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  Value loop(int64_t from, int64_t to, int64_t step, Value init,
             LoopBody body) {
    return sieve::carriedLoop(b, loc, from, to, step, init, body);
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
    if (channels < kMinUnrolledTapChannels) {
      // Few channels (an RGB stem): a loop over the taps, their offsets
      // read from tables, so that no weight broadcast is invariant in the
      // column loop (LLVM would hoist all of them and spill them); inside
      // it the channels. Weights tap-major.
      auto tapLoop = scf::ForOp::create(b, loc, index(0), index(offsets.size()),
                                        index(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(tapLoop.getBody());
      Value tap = tapLoop.getInductionVar();
      Value offset = tensor::ExtractOp::create(b, loc, offsetTable(), tap);
      Value rowBase = tensor::ExtractOp::create(b, loc, rowBaseTable(), tap);
      Value tapColumn = arith::AddIOp::create(b, loc, column, offset);
      Value kBase = arith::MulIOp::create(b, loc, tap, index(channels));
      auto channelLoop =
          scf::ForOp::create(b, loc, index(0), index(channels), index(1),
                             tapLoop.getRegionIterArgs());
      b.setInsertionPointToStart(channelLoop.getBody());
      Value c = channelLoop.getInductionVar();
      SmallVector<Value> sums(channelLoop.getRegionIterArgs());
      step(sums, filterTile, tapColumn,
           arith::AddIOp::create(b, loc, rowBase, c),
           arith::AddIOp::create(b, loc, kBase, c), masked);
      scf::YieldOp::create(b, loc, sums);
      b.setInsertionPointAfter(channelLoop);
      scf::YieldOp::create(b, loc, channelLoop.getResults());
      acc.assign(tapLoop.getResults().begin(), tapLoop.getResults().end());
    } else {
      // A loop over the channels, every tap unrolled inside it: the taps
      // of one channel read the same few input lines while they are in
      // L1 (3x3/2 128->128 on 56x56 2.13 -> 1.90 ms against taps outside
      // the channels). Weights channel-major.
      auto channelLoop =
          scf::ForOp::create(b, loc, index(0), index(channels), index(1), acc);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(channelLoop.getBody());
      Value c = channelLoop.getInductionVar();
      Value kBase = arith::MulIOp::create(b, loc, c, index(offsets.size()));
      SmallVector<Value> sums(channelLoop.getRegionIterArgs());
      for (auto [tap, offset] : llvm::enumerate(offsets))
        step(sums, filterTile,
             arith::AddIOp::create(b, loc, column, index(offset)),
             arith::AddIOp::create(b, loc, index(rowBases[tap]), c),
             arith::AddIOp::create(b, loc, kBase,
                                   index(static_cast<int64_t>(tap))),
             masked);
      scf::YieldOp::create(b, loc, sums);
      acc.assign(channelLoop.getResults().begin(),
                 channelLoop.getResults().end());
    }
    for (int64_t i = 0; i < rows; ++i) {
      Value row = arith::AddIOp::create(b, loc, firstRow, index(i));
      for (int64_t j = 0; j < vectors; ++j) {
        Value at = arith::AddIOp::create(b, loc, column, index(j * lanes));
        Value result = acc[i * vectors + j];
        if (epilogue)
          result = sieve::applyEpilogue(b, loc, epilogue, result);
        out = vector::TransferWriteOp::create(b, loc, result, out,
                                              ValueRange{row, at},
                                              ArrayRef<bool>{!masked})
                  .getResult();
      }
    }
    return out;
  }

  /// One reduction step into `sums`: `vectors` vector reads of image row
  /// `imageRow` at `tapColumn`, `rows` broadcasts of the weights of
  /// reduction step `k`, rows x vectors FMAs.
  void step(SmallVectorImpl<Value> &sums, Value filterTile, Value tapColumn,
            Value imageRow, Value k, bool masked) {
    Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
    SmallVector<Value> x;
    for (int64_t j = 0; j < vectors; ++j) {
      Value at = arith::AddIOp::create(b, loc, tapColumn, index(j * lanes));
      x.push_back(vector::TransferReadOp::create(b, loc, vectorType, image,
                                                 ValueRange{imageRow, at}, zero,
                                                 ArrayRef<bool>{!masked}));
    }
    for (int64_t i = 0; i < rows; ++i) {
      Value w = tensor::ExtractOp::create(b, loc, weights,
                                          ValueRange{filterTile, k, index(i)});
      Value splat = vector::BroadcastOp::create(b, loc, vectorType, w);
      for (int64_t j = 0; j < vectors; ++j)
        sums[i * vectors + j] =
            vector::FMAOp::create(b, loc, x[j], splat, sums[i * vectors + j]);
    }
  }

  /// The taps' column offsets and first image rows as index tensors (for
  /// the tap loop), created once.
  Value table(ArrayRef<int64_t> values, Value &cached) {
    if (!cached) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointAfterValue(weights);
      auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                        b.getIndexType());
      cached = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>(values)));
    }
    return cached;
  }
  Value offsetTable() { return table(offsets, offsetTableValue); }
  Value rowBaseTable() { return table(rowBases, rowBaseTableValue); }

  OpBuilder &b;
  Location loc;
  Value image, weights;
  /// The tap tables, once created.
  Value offsetTableValue, rowBaseTableValue;
  FilterStart start;
  /// The elementwise op applied to the accumulators before their store
  /// (null: none).
  linalg::GenericOp epilogue;
  int64_t lanes, rows, vectors, l2Bytes, channels, columns;
  ArrayRef<int64_t> rowBases, offsets;
  VectorType vectorType;
  int64_t imageRows = 0, imageColumns = 0;
};

/// An NCHW image [1, C, Hp, Wp] read row by row: as the rows of its
/// unpadded source ([C * H, W]) when it is a zero padding of the spatial
/// dimensions (the padding read as zeros, so that its padded copy is never
/// made), else as its own rows.
struct PaddedRows {
  PaddedRows(OpBuilder &b, Location loc, Value input) {
    auto type = cast<RankedTensorType>(input.getType());
    Value source = input;
    height = type.getDimSize(2);
    width = type.getDimSize(3);
    if (tensor::PadOp pad = sieve::spatialPadOf(input)) {
      SmallVector<int64_t> low(pad.getStaticLow());
      if (low.size() == 4 &&
          matchPattern(pad.getConstantPaddingValue(), m_AnyZeroFloat())) {
        source = pad.getSource();
        auto sourceType = cast<RankedTensorType>(source.getType());
        top = low[2];
        left = low[3];
        height = sourceType.getDimSize(2);
        width = sourceType.getDimSize(3);
      }
    }
    rows = tensor::CollapseShapeOp::create(
        b, loc,
        RankedTensorType::get({type.getDimSize(1) * height, width},
                              type.getElementType()),
        source, ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  }

  /// The row of `rows` that padded row `paddedRow` of `channel` reads and
  /// whether it lies in the source (null: it always does, for padded rows
  /// up to `lastRow`); outside, the channel's first row is read and
  /// dropped.
  std::pair<Value, Value> row(OpBuilder &b, Location loc, Value channel,
                              Value paddedRow, int64_t lastRow) const {
    auto at = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value sourceRow = paddedRow, inside;
    if (top > 0 || lastRow >= top + height) {
      Value shifted = arith::SubIOp::create(b, loc, paddedRow, at(top));
      inside = arith::AndIOp::create(
          b, loc,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, paddedRow,
                                at(top)),
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, paddedRow,
                                at(top + height)));
      sourceRow = arith::SelectOp::create(b, loc, inside, shifted, at(0));
    }
    return {arith::AddIOp::create(
                b, loc, arith::MulIOp::create(b, loc, channel, at(height)),
                sourceRow),
            inside};
  }

  /// Padded columns [start, start + span) of the row `row` (as row()
  /// returns it): source columns before 0 (the left padding) shifted in as
  /// zeros, those past its end masked, the whole span zeros outside.
  Value read(OpBuilder &b, Location loc, std::pair<Value, Value> row,
             int64_t start, VectorType spanType) const {
    int64_t span = spanType.getNumElements();
    Value zeros = arith::ConstantOp::create(
        b, loc, spanType, cast<TypedAttr>(b.getZeroAttr(spanType)));
    start -= left;
    int64_t shift = std::max<int64_t>(-start, 0);
    int64_t readable =
        std::min(width - std::max<int64_t>(start, 0), span - shift);
    if (readable <= 0)
      return zeros;
    auto at = [&](int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    Value mask;
    if (readable < span)
      mask = vector::CreateMaskOp::create(
          b, loc, VectorType::get({span}, b.getI1Type()),
          ValueRange{at(readable)});
    Value x = vector::TransferReadOp::create(
        b, loc, spanType, rows,
        ValueRange{row.first, at(std::max<int64_t>(start, 0))},
        AffineMap::getMinorIdentityMap(2, 1, b.getContext()),
        arith::ConstantOp::create(b, loc,
                                  b.getZeroAttr(spanType.getElementType())),
        mask, b.getBoolArrayAttr({true}));
    if (shift > 0) {
      SmallVector<int64_t> shifted;
      for (int64_t i = 0; i < span; ++i)
        shifted.push_back(i < shift ? span : i - shift);
      x = vector::ShuffleOp::create(b, loc, x, zeros, shifted);
    }
    if (row.second)
      x = arith::SelectOp::create(b, loc, row.second, x, zeros);
    return x;
  }

  Value rows;
  int64_t top = 0, left = 0, height = 0, width = 0;
};

/// The input [1, C, H, W] of a convolution with strides (sh, sw) split into
/// its sh*sw phases, [sh*sw*C, Hq*Wq] with Hq = ceil(H / sh) and Wq =
/// ceil(W / sw): row (p*sw + q)*C + c holds x[c, r*sh + p, v*sw + q] at
/// column r*Wq + v (zero past the image). In a phase the columns (and rows)
/// that a tap reads for consecutive outputs are consecutive, so a strided
/// convolution is a stride-1 one over the phases. Each input row is read
/// `lanes * sw` elements at a time and split by shuffles. An input that is
/// a zero padding of the spatial dimensions is padded here, rows and
/// columns outside its source read as zeros, so that its padded copy is
/// never made. With `threads`, in parallel chunks of channels (a pass over
/// the input that would otherwise run on one core while the others wait).
/// At stride 1 (one phase) this is the padded image, written row by row.
Value phaseImages(OpBuilder &b, Location loc, Value input, int64_t sh,
                  int64_t sw, int64_t lanes, int64_t threads,
                  int64_t minChunkCycles) {
  auto type = cast<RankedTensorType>(input.getType());
  Type et = type.getElementType();
  int64_t c = type.getDimSize(1), h = type.getDimSize(2),
          w = type.getDimSize(3);
  int64_t hq = llvm::divideCeil(h, sh), wq = llvm::divideCeil(w, sw);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  PaddedRows image(b, loc, input);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
  // [phase, channel, column], collapsed to [phase * C + channel, column].
  Value out = tensor::EmptyOp::create(b, loc, {sh * sw, c, hq * wq}, et);
  // Phase rows past the image (H no multiple of sh) stay zero.
  if (hq * sh != h)
    out = linalg::FillOp::create(b, loc, zero, out).getResult(0);
  int64_t span = lanes * sw;
  auto spanType = VectorType::get({span}, et);
  auto mask = [&](OpBuilder &b, int64_t count, int64_t width) -> Value {
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({width}, b.getI1Type()),
        ValueRange{arith::ConstantIndexOp::create(b, loc, count)});
  };
  AffineMap writeMap = AffineMap::getMinorIdentityMap(3, 1, b.getContext());
  // Channels [first, first + count) into `dest` ([sh*sw, count, Hq*Wq]).
  auto channels = [&](Value dest, Value first, int64_t count) {
    auto channelLoop = scf::ForOp::create(
        b, loc, index(0), index(count), index(1), ValueRange{dest},
        [&](OpBuilder &b, Location loc, Value local, ValueRange channelArgs) {
          Value channel = arith::AddIOp::create(b, loc, first, local);
          auto rowLoop = scf::ForOp::create(
              b, loc, arith::ConstantIndexOp::create(b, loc, 0),
              arith::ConstantIndexOp::create(b, loc, h),
              arith::ConstantIndexOp::create(b, loc, 1),
              ValueRange{channelArgs[0]},
              [&](OpBuilder &b, Location loc, Value row, ValueRange rowArgs) {
                auto at = [&](int64_t v) {
                  return arith::ConstantIndexOp::create(b, loc, v).getResult();
                };
                Value phaseRow = arith::RemUIOp::create(b, loc, row, at(sh));
                Value inPhase = arith::DivUIOp::create(b, loc, row, at(sh));
                auto sourceRow = image.row(b, loc, channel, row, h - 1);
                Value column0 = arith::MulIOp::create(b, loc, inPhase, at(wq));
                Value acc = rowArgs[0];
                for (int64_t v = 0; v < wq; v += lanes) {
                  Value x = image.read(b, loc, sourceRow, v * sw, spanType);
                  int64_t writable = std::min(lanes, wq - v);
                  for (int64_t q = 0; q < sw; ++q) {
                    SmallVector<int64_t> pick;
                    for (int64_t i = 0; i < lanes; ++i)
                      pick.push_back(i * sw + q);
                    Value phase =
                        sw == 1 ? x
                                : vector::ShuffleOp::create(b, loc, x, x, pick)
                                      .getResult();
                    // Phase p*sw + q.
                    Value which = arith::AddIOp::create(
                        b, loc, arith::MulIOp::create(b, loc, phaseRow, at(sw)),
                        at(q));
                    Value column =
                        arith::AddIOp::create(b, loc, column0, at(v));
                    acc = vector::TransferWriteOp::create(
                              b, loc, phase, acc,
                              ValueRange{which, local, column},
                              AffineMapAttr::get(writeMap),
                              writable >= lanes ? Value()
                                                : mask(b, writable, lanes),
                              b.getBoolArrayAttr({true}))
                              .getResult();
                  }
                }
                scf::YieldOp::create(b, loc, acc);
              });
          scf::YieldOp::create(b, loc, rowLoop.getResult(0));
        });
    return channelLoop.getResult(0);
  };
  // Chunks of channels: a copy, costed by the bytes it reads and writes.
  int64_t chunks = 1;
  if (threads > 1)
    chunks = sieve::planParallelChunks(
        c, sieve::kernelCycles(0, 2 * h * w * 4, lanes), threads,
        minChunkCycles);
  Value phases =
      chunks <= 1
          ? channels(out, index(0), c)
          : sieve::forallChunks(b, loc, out, /*dim=*/1, chunks, c / chunks,
                                [&](Value part, Value first) {
                                  return channels(part, first, c / chunks);
                                });
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({sh * sw * c, hq * wq}, et), phases,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// Winograd's F(2x2, 3x3) input transform of `input` ([1, C, Hp, Wp],
/// a zero spatial padding of the unpadded image or the image itself):
/// V [16, C, T] with T = TH * TW output tiles of 2x2 (TH = ceil(OH / 2),
/// TW = ceil(OW / 2)), element (4i + j, c, th * TW + tw) the (i, j) entry
/// of B^T d B for the 4x4 window d at padded row 2 th, column 2 tw of
/// channel c. Vectors along the tiles of a tile row: each of the window's
/// four rows is read 3 * lanes wide (2 * lanes + 2 columns used) and its
/// four columns picked by shuffles (column 2k + j of tile k); rows and
/// columns of the padding are zeros (the unpadded image is read, as
/// phaseImages does). In parallel chunks of channels with threads.
Value winogradInput(OpBuilder &b, Location loc, Value input, int64_t oh,
                    int64_t ow, int64_t lanes, int64_t threads,
                    int64_t minChunkCycles) {
  auto type = cast<RankedTensorType>(input.getType());
  Type et = type.getElementType();
  int64_t c = type.getDimSize(1);
  int64_t th = llvm::divideCeil(oh, 2), tw = llvm::divideCeil(ow, 2);
  PaddedRows image(b, loc, input);
  Value out = tensor::EmptyOp::create(b, loc, {16, c, th * tw}, et);
  int64_t span = 3 * lanes;
  auto spanType = VectorType::get({span}, et);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto mask = [&](int64_t count, int64_t width) -> Value {
    return vector::CreateMaskOp::create(b, loc,
                                        VectorType::get({width}, b.getI1Type()),
                                        ValueRange{index(count)});
  };
  AffineMap writeMap = AffineMap::getMinorIdentityMap(3, 1, b.getContext());
  auto channels = [&](Value dest, Value first, int64_t count) {
    return sieve::carriedLoop(
        b, loc, 0, count, 1, dest, [&](Value local, Value acc) {
          Value channel = arith::AddIOp::create(b, loc, first, local);
          return sieve::carriedLoop(
              b, loc, 0, th, 1, acc, [&](Value tileRow, Value acc) {
                // The window's rows: padded rows 2 th + i.
                SmallVector<std::pair<Value, Value>> windowRows;
                for (int64_t i = 0; i < 4; ++i)
                  windowRows.push_back(image.row(
                      b, loc, channel,
                      arith::AddIOp::create(
                          b, loc,
                          arith::MulIOp::create(b, loc, tileRow, index(2)),
                          index(i)),
                      2 * th + 1));
                Value column0 =
                    arith::MulIOp::create(b, loc, tileRow, index(tw));
                for (int64_t t0 = 0; t0 < tw; t0 += lanes) {
                  Value d[4][4];
                  for (int64_t i = 0; i < 4; ++i) {
                    Value x =
                        image.read(b, loc, windowRows[i], 2 * t0, spanType);
                    for (int64_t j = 0; j < 4; ++j) {
                      SmallVector<int64_t> pick;
                      for (int64_t k = 0; k < lanes; ++k)
                        pick.push_back(2 * k + j);
                      d[i][j] = vector::ShuffleOp::create(b, loc, x, x, pick);
                    }
                  }
                  auto add = [&](Value x, Value y) -> Value {
                    return arith::AddFOp::create(b, loc, x, y);
                  };
                  auto sub = [&](Value x, Value y) -> Value {
                    return arith::SubFOp::create(b, loc, x, y);
                  };
                  // B^T d B with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0;
                  // 0 1 0 -1]: rows, then columns.
                  Value t[4][4];
                  for (int64_t j = 0; j < 4; ++j) {
                    t[0][j] = sub(d[0][j], d[2][j]);
                    t[1][j] = add(d[1][j], d[2][j]);
                    t[2][j] = sub(d[2][j], d[1][j]);
                    t[3][j] = sub(d[1][j], d[3][j]);
                  }
                  Value column =
                      arith::AddIOp::create(b, loc, column0, index(t0));
                  int64_t writable = std::min(lanes, tw - t0);
                  for (int64_t i = 0; i < 4; ++i) {
                    Value v[4] = {sub(t[i][0], t[i][2]), add(t[i][1], t[i][2]),
                                  sub(t[i][2], t[i][1]), sub(t[i][1], t[i][3])};
                    for (int64_t j = 0; j < 4; ++j)
                      acc = vector::TransferWriteOp::create(
                                b, loc, v[j], acc,
                                ValueRange{index(i * 4 + j), local, column},
                                AffineMapAttr::get(writeMap),
                                writable >= lanes ? Value()
                                                  : mask(writable, lanes),
                                b.getBoolArrayAttr({true}))
                                .getResult();
                  }
                }
                return acc;
              });
        });
  };
  int64_t chunks = 1;
  if (threads > 1)
    chunks = sieve::planParallelChunks(
        c,
        sieve::kernelCycles(0, (image.height * image.width + 16 * th * tw) * 4,
                            lanes),
        threads, minChunkCycles);
  if (chunks <= 1)
    return channels(out, index(0), c);
  return sieve::forallChunks(b, loc, out, /*dim=*/1, chunks, c / chunks,
                             [&](Value part, Value first) {
                               return channels(part, first, c / chunks);
                             });
}

/// Winograd's F(2x2, 3x3) output transform: `dest` ([1, F, OH, OW]) from
/// the 16 positions' products `m` ([16, F, T]): per filter and tile row,
/// A^T m A (A^T = [1 1 1 0; 0 1 -1 -1]) for `lanes` tiles at once, the
/// bias (or fill) added and `epilogue` applied, the two columns of each
/// tile interleaved into one vector of 2 * lanes output columns. An odd OH
/// or OW drops the last tile row's second row or column. In parallel
/// chunks of filters with threads.
Value winogradOutput(OpBuilder &b, Location loc, Value m, Value dest,
                     FilterStart start, linalg::GenericOp epilogue,
                     int64_t lanes, int64_t threads, int64_t minChunkCycles) {
  auto destType = cast<RankedTensorType>(dest.getType());
  Type et = destType.getElementType();
  int64_t f = destType.getDimSize(1), oh = destType.getDimSize(2),
          ow = destType.getDimSize(3);
  int64_t th = llvm::divideCeil(oh, 2), tw = llvm::divideCeil(ow, 2);
  auto vectorType = VectorType::get({lanes}, et);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto mask = [&](int64_t count, int64_t width) -> Value {
    return vector::CreateMaskOp::create(b, loc,
                                        VectorType::get({width}, b.getI1Type()),
                                        ValueRange{index(count)});
  };
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
  AffineMap readMap = AffineMap::getMinorIdentityMap(3, 1, b.getContext());
  AffineMap writeMap = AffineMap::getMinorIdentityMap(4, 1, b.getContext());
  SmallVector<int64_t> interleave;
  for (int64_t k = 0; k < lanes; ++k)
    interleave.append({k, lanes + k});
  // Tile row `tileRow` of filter `filter` (global; `local` in `out`), its
  // output rows [0, rowsKept).
  auto tileRowOf = [&](Value out, Value local, Value filter, Value bias,
                       Value tileRow, int64_t rowsKept) {
    Value column0 = arith::MulIOp::create(b, loc, tileRow, index(tw));
    auto add = [&](Value x, Value y) -> Value {
      return arith::AddFOp::create(b, loc, x, y);
    };
    auto sub = [&](Value x, Value y) -> Value {
      return arith::SubFOp::create(b, loc, x, y);
    };
    for (int64_t t0 = 0; t0 < tw; t0 += lanes) {
      int64_t readable = std::min(lanes, tw - t0);
      Value column = arith::AddIOp::create(b, loc, column0, index(t0));
      Value v[16];
      for (int64_t q = 0; q < 16; ++q)
        v[q] = vector::TransferReadOp::create(
            b, loc, vectorType, m, ValueRange{index(q), filter, column},
            readMap, zero, readable >= lanes ? Value() : mask(readable, lanes),
            b.getBoolArrayAttr({true}));
      Value s[2][4];
      for (int64_t j = 0; j < 4; ++j) {
        s[0][j] = add(add(v[j], v[4 + j]), v[8 + j]);
        s[1][j] = sub(sub(v[4 + j], v[8 + j]), v[12 + j]);
      }
      int64_t columns = std::min(2 * lanes, ow - 2 * t0);
      for (int64_t a = 0; a < rowsKept; ++a) {
        Value y0 = add(add(add(s[a][0], s[a][1]), s[a][2]), bias);
        Value y1 = add(sub(sub(s[a][1], s[a][2]), s[a][3]), bias);
        if (epilogue) {
          y0 = sieve::applyEpilogue(b, loc, epilogue, y0);
          y1 = sieve::applyEpilogue(b, loc, epilogue, y1);
        }
        Value both = vector::ShuffleOp::create(b, loc, y0, y1, interleave);
        Value row = arith::AddIOp::create(
            b, loc, arith::MulIOp::create(b, loc, tileRow, index(2)), index(a));
        out = vector::TransferWriteOp::create(
                  b, loc, both, out,
                  ValueRange{index(0), local, row, index(2 * t0)},
                  AffineMapAttr::get(writeMap),
                  columns >= 2 * lanes ? Value() : mask(columns, 2 * lanes),
                  b.getBoolArrayAttr({true}))
                  .getResult();
      }
    }
    return out;
  };
  auto filters = [&](Value out, Value first, int64_t count) {
    return sieve::carriedLoop(
        b, loc, 0, count, 1, out, [&](Value local, Value out) {
          Value filter = arith::AddIOp::create(b, loc, first, local);
          Value bias = start.splat;
          if (!bias)
            bias = tensor::ExtractOp::create(b, loc, start.bias, filter);
          bias = vector::BroadcastOp::create(b, loc, vectorType, bias);
          // Tile rows with both output rows in a loop; an odd OH's last
          // tile row keeps one.
          int64_t whole = oh / 2;
          out = sieve::carriedLoop(
              b, loc, 0, whole, 1, out, [&](Value tileRow, Value out) {
                return tileRowOf(out, local, filter, bias, tileRow, 2);
              });
          if (whole < th)
            out = tileRowOf(out, local, filter, bias, index(whole), 1);
          return out;
        });
  };
  int64_t chunks = 1;
  if (threads > 1)
    chunks = sieve::planParallelChunks(
        f, sieve::kernelCycles(0, (16 * th * tw + oh * ow) * 4, lanes), threads,
        minChunkCycles);
  if (chunks <= 1)
    return filters(dest, index(0), f);
  return sieve::forallChunks(b, loc, dest, /*dim=*/1, chunks, f / chunks,
                             [&](Value part, Value first) {
                               return filters(part, first, f / chunks);
                             });
}

/// `body(slice, firstTile, count)` over `tiles` filter tiles of `dest`
/// (their rows along `dim`, `tileM` per tile), in parallel chunks of
/// filter tiles when threads pay for an estimate of `cycles`.
Value filterTileChunks(
    OpBuilder &b, Location loc, Value dest, int64_t dim, int64_t tiles,
    int64_t cycles, const sieve::DirectConvOptions &options,
    function_ref<Value(Value slice, Value firstTile, int64_t count)> body) {
  int64_t chunks = 1;
  if (options.threads > 1)
    chunks = sieve::planParallelChunks(tiles, cycles / tiles, options.threads,
                                       options.minChunkCycles);
  if (chunks <= 1)
    return body(dest, arith::ConstantIndexOp::create(b, loc, 0), tiles);
  int64_t perChunk = tiles / chunks;
  return sieve::forallChunks(
      b, loc, dest, dim, chunks, perChunk * options.tileM,
      [&](Value slice, Value firstRow) {
        Value firstTile = arith::DivUIOp::create(
            b, loc, firstRow,
            arith::ConstantIndexOp::create(b, loc, options.tileM));
        return body(slice, firstTile, perChunk);
      });
}

/// Replaces the convolution `op`, or the elementwise `epilogue` that its
/// kernel applied (then `op` goes too), with `result`.
void replaceConv(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp op,
                 linalg::GenericOp epilogue, Value result) {
  if (epilogue) {
    rewriter.replaceOp(epilogue, result);
    rewriter.eraseOp(op);
  } else {
    rewriter.replaceOp(op, result);
  }
}

/// The input, weight and output types of `op` when it is a static f32
/// convolution of one image on tensors (what both kernels take).
std::optional<std::tuple<RankedTensorType, RankedTensorType, RankedTensorType>>
staticImageTypes(linalg::Conv2DNchwFchwOp op) {
  auto xt = dyn_cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = dyn_cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!xt || !wt || !ot || !xt.hasStaticShape() || !wt.hasStaticShape() ||
      !ot.hasStaticShape() || xt.getDimSize(0) != 1 ||
      !xt.getElementType().isF32() || !wt.getElementType().isF32() ||
      !ot.getElementType().isF32())
    return std::nullopt;
  return std::make_tuple(xt, wt, ot);
}

} // namespace

bool mlir::sieve::isDirectConv(linalg::Conv2DNchwFchwOp op, int64_t tileM,
                               int64_t tileN) {
  if (!op.hasPureTensorSemantics() || tileM < 1 || tileN < 1)
    return false;
  auto types = staticImageTypes(op);
  if (!types)
    return false;
  auto [xt, wt, ot] = *types;
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  if (llvm::any_of(strides,
                   [](int64_t s) { return s < 1 || s > kMaxDirectStride; }))
    return false;
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  // Computed columns per output row: the (phase) image's width.
  int64_t pitch = llvm::divideCeil(xt.getDimSize(3), strides[1]);
  FilterStart start = sieve::matchChannelInit(op.getOutputs()[0]);
  return kh * kw > 1 && f % tileM == 0 &&
         kMaxDroppedColumnsOf * (pitch - ow) <= pitch &&
         oh * pitch >= 2 * tileN && (start.bias || start.splat) &&
         op.getInputs()[1].getDefiningOp<arith::ConstantOp>();
}

bool mlir::sieve::isWinogradConv(linalg::Conv2DNchwFchwOp op, int64_t tileM,
                                 int64_t vectorWidth, int64_t fmaLanes) {
  if (!op.hasPureTensorSemantics() || tileM < 1 || vectorWidth < 1 ||
      fmaLanes < 1)
    return false;
  auto types = staticImageTypes(op);
  if (!types)
    return false;
  auto [xt, wt, ot] = *types;
  if (llvm::any_of(op.getStrides().getValues<int64_t>(),
                   [](int64_t v) { return v != 1; }) ||
      llvm::any_of(op.getDilations().getValues<int64_t>(),
                   [](int64_t v) { return v != 1; }))
    return false;
  FilterStart start = sieve::matchChannelInit(op.getOutputs()[0]);
  int64_t f = wt.getDimSize(0), c = wt.getDimSize(1);
  int64_t tiles = llvm::divideCeil(ot.getDimSize(2), 2) *
                  llvm::divideCeil(ot.getDimSize(3), 2);
  // The multiply-adds saved against the direct kernel (which computes
  // each output row as wide as the input) by the 16 products (whose masked
  // last register tile of columns computes whole vectors: a 14x14 map's 49
  // tiles take 64 columns), in cycles at the core's multiply-add rate,
  // against the 16 (C + F) transformed values per tile written and read
  // back.
  int64_t direct = 9 * f * c * ot.getDimSize(2) * xt.getDimSize(3);
  int64_t products =
      16 * f * c * llvm::divideCeil(tiles, vectorWidth) * vectorWidth;
  int64_t moved = 32 * (c + f) * tiles;
  bool pays = static_cast<double>(direct - products) / fmaLanes >=
              kWinogradCyclesPerMovedValue * moved;
  return wt.getDimSize(2) == 3 && wt.getDimSize(3) == 3 && f % tileM == 0 &&
         pays && ot.getDimSize(2) >= 2 && ot.getDimSize(3) >= 2 &&
         (start.bias || start.splat) &&
         op.getInputs()[1].getDefiningOp<arith::ConstantOp>();
}

LogicalResult
mlir::sieve::vectorizeWinogradConv(RewriterBase &rewriter,
                                   linalg::Conv2DNchwFchwOp op,
                                   const DirectConvOptions &options) {
  if (!isWinogradConv(op, options.tileM, options.vectorWidth,
                      options.fmaLanes) ||
      options.kernelTileN < options.vectorWidth ||
      options.kernelTileN % options.vectorWidth != 0)
    return failure();
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  int64_t c = xt.getDimSize(1), f = wt.getDimSize(0);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  int64_t tiles = llvm::divideCeil(oh, 2) * llvm::divideCeil(ow, 2);
  Location loc = op.getLoc();
  linalg::GenericOp epilogue = sieve::soleElementwiseUser(op->getResult(0));
  rewriter.setInsertionPoint(epilogue ? epilogue.getOperation()
                                      : op.getOperation());
  Value weights = sieve::createWinogradTilesConstant(
      rewriter, loc, op.getInputs()[1], options.tileM);
  if (!weights)
    return failure();
  FilterStart start = sieve::matchChannelInit(op.getOutputs()[0]);
  Type f32 = rewriter.getF32Type();
  Value v = winogradInput(rewriter, loc, op.getInputs()[0], oh, ow,
                          options.vectorWidth, options.threads,
                          options.minChunkCycles);
  // The 16 products M[xi] = U[xi] V[xi], [F, T] each: the direct kernel's
  // register tiles over one "tap" of T columns, in chunks of filter tiles.
  int64_t filterTiles = f / options.tileM;
  Value zero =
      arith::ConstantOp::create(rewriter, loc, rewriter.getF32FloatAttr(0));
  FilterStart noBias;
  noBias.splat = zero;
  SmallVector<int64_t> rowBases{0}, offsets{0};
  auto products = [&](Value dest, Value firstTile, int64_t count) {
    int64_t rows = count * options.tileM;
    return sieve::carriedLoop(
        rewriter, loc, 0, 16, 1, dest, [&](Value xi, Value dest) {
          auto unit = [&](int64_t v) { return rewriter.getIndexAttr(v); };
          Value image = tensor::ExtractSliceOp::create(
              rewriter, loc, RankedTensorType::get({c, tiles}, f32), v,
              ArrayRef<OpFoldResult>{xi, unit(0), unit(0)},
              ArrayRef<OpFoldResult>{unit(1), unit(c), unit(tiles)},
              ArrayRef<OpFoldResult>{unit(1), unit(1), unit(1)});
          Value u = tensor::ExtractSliceOp::create(
              rewriter, loc,
              RankedTensorType::get({filterTiles, c, options.tileM}, f32),
              weights, ArrayRef<OpFoldResult>{xi, unit(0), unit(0), unit(0)},
              ArrayRef<OpFoldResult>{unit(1), unit(filterTiles), unit(c),
                                     unit(options.tileM)},
              ArrayRef<OpFoldResult>{unit(1), unit(1), unit(1), unit(1)});
          Value part = tensor::ExtractSliceOp::create(
              rewriter, loc, RankedTensorType::get({rows, tiles}, f32), dest,
              ArrayRef<OpFoldResult>{xi, unit(0), unit(0)},
              ArrayRef<OpFoldResult>{unit(1), unit(rows), unit(tiles)},
              ArrayRef<OpFoldResult>{unit(1), unit(1), unit(1)});
          DirectConvBuilder builder(rewriter, loc, image, u, noBias, options, c,
                                    tiles, rowBases, offsets,
                                    linalg::GenericOp());
          part = builder.build(part, firstTile, count);
          return tensor::InsertSliceOp::create(
                     rewriter, loc, part, dest,
                     ArrayRef<OpFoldResult>{xi, unit(0), unit(0)},
                     ArrayRef<OpFoldResult>{unit(1), unit(rows), unit(tiles)},
                     ArrayRef<OpFoldResult>{unit(1), unit(1), unit(1)})
              .getResult();
        });
  };
  Value m = tensor::EmptyOp::create(rewriter, loc, {16, f, tiles}, f32);
  m = filterTileChunks(rewriter, loc, m, /*dim=*/1, filterTiles,
                       sieve::kernelCycles(16 * f * tiles * c,
                                           16 * (c + f) * tiles * 4,
                                           options.vectorWidth),
                       options, products);
  RankedTensorType resultType =
      epilogue ? cast<RankedTensorType>(epilogue->getResult(0).getType()) : ot;
  Value dest = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                       resultType.getElementType());
  replaceConv(rewriter, op, epilogue,
              winogradOutput(rewriter, loc, m, dest, start, epilogue,
                             options.vectorWidth, options.threads,
                             options.minChunkCycles));
  return success();
}

LogicalResult
mlir::sieve::vectorizeDirectConv(RewriterBase &rewriter,
                                 linalg::Conv2DNchwFchwOp op,
                                 const DirectConvOptions &options) {
  if (!isDirectConv(op, options.tileM, options.tileN) ||
      options.kernelTileN < options.vectorWidth ||
      options.kernelTileN % options.vectorWidth != 0)
    return failure();
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getOutputs()[0].getType());
  int64_t c = xt.getDimSize(1), h = xt.getDimSize(2), w = xt.getDimSize(3);
  int64_t f = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t oh = ot.getDimSize(2), ow = ot.getDimSize(3);
  SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
  Location loc = op.getLoc();
  // The elementwise op after it (Relu) runs on the accumulators; the
  // kernel then replaces it, built where it stood.
  linalg::GenericOp epilogue = sieve::soleElementwiseUser(op->getResult(0));
  rewriter.setInsertionPoint(epilogue ? epilogue.getOperation()
                                      : op.getOperation());
  Value weights = sieve::createConvTilesConstant(
      rewriter, loc, op.getInputs()[1], options.tileM,
      /*channelMajor=*/xt.getDimSize(1) >= kMinUnrolledTapChannels);
  if (!weights)
    return failure();
  FilterStart start = sieve::matchChannelInit(op.getOutputs()[0]);
  Type f32 = rewriter.getF32Type();
  SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
  int64_t sh = strides[0], sw = strides[1];
  // Stride 1: the flattened input, the output computed W wide. Else its
  // phases, the output computed as wide as a phase; tap (i, j) reads phase
  // (i*dh % sh, j*dw % sw) from row i*dh / sh and column j*dw / sw. A
  // padded input at stride 1 is its one phase too: phaseImages writes each
  // padded row once, in parallel chunks of channels, where the tensor.pad
  // became a fill of the whole buffer and a copy, both on one thread (a
  // 3x3 64 -> 64 block with a residual on 56x56 at two threads: 2.04 ->
  // 1.91 ms; docs/performance.md, stop 34).
  Value image;
  int64_t pitch = llvm::divideCeil(w, sw);
  tensor::PadOp pad = sieve::spatialPadOf(op.getInputs()[0]);
  bool zeroPad =
      pad && matchPattern(pad.getConstantPaddingValue(), m_AnyZeroFloat());
  if (sh == 1 && sw == 1 && !zeroPad)
    image = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({c, h * w}, f32),
        op.getInputs()[0], ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  else
    image = phaseImages(rewriter, loc, op.getInputs()[0], sh, sw,
                        options.vectorWidth, options.threads,
                        options.minChunkCycles);
  SmallVector<int64_t> rowBases, offsets;
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j) {
      int64_t row = i * dilations[0], column = j * dilations[1];
      rowBases.push_back(((row % sh) * sw + column % sw) * c);
      offsets.push_back(row / sh * pitch + column / sw);
    }
  int64_t columns = oh * pitch, tiles = f / options.tileM;
  DirectConvBuilder builder(rewriter, loc, image, weights, start, options, c,
                            columns, rowBases, offsets, epilogue);
  Value out = tensor::EmptyOp::create(rewriter, loc, {f, columns}, f32);

  Value result = filterTileChunks(
      rewriter, loc, out, /*dim=*/0, tiles,
      sieve::kernelCycles(f * columns * c * kh * kw,
                          (c * h * w + f * columns) * 4, options.vectorWidth),
      options, [&](Value slice, Value firstTile, int64_t count) {
        return builder.build(slice, firstTile, count);
      });
  // [F, OH * pitch] -> [F, OH, pitch] -> the first OW columns of each row.
  Value rowsOut = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get({f, oh, pitch}, f32), result,
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
  Value nchw = tensor::ExpandShapeOp::create(
      rewriter, loc, ot, kept,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
  replaceConv(rewriter, op, epilogue, nchw);
  return success();
}
