//===- WindowKernels.cpp - Vector code for sliding-window ops ---*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/WindowKernels.h"
#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace {

enum class WindowCombine { MultiplyAdd, Max, Add };

/// Most taps of a window, each unrolled into its own read and FMA (a 7x7
/// average pool has 49), and the largest stride along a row (a vector
/// reads `stride` times its lanes); larger windows keep the scalar
/// fallback.
constexpr int64_t kMaxUnrolledTaps = 64;
constexpr int64_t kMaxRowStride = 4;

/// Most output rows emitted one by one because their window crosses the
/// top or bottom padding; beyond it the padded input is kept.
constexpr int64_t kMaxEdgeRows = 8;

/// A window op seen as one shape: output[n, g, f, oh, ow] combines
/// input[n, g, c, oh * sh + kh * dh - padTop, ow * sw + kw * dw - padLeft]
/// (times weight[g, f, c, kh, kw] for convolutions) over c, kh, kw. Depthwise
/// convolutions and pools have one input channel and one output per group
/// (the channel) and no c or f dimension in their operands.
struct WindowShape {
  WindowCombine combine;
  bool grouped = false;
  int64_t batch, groups, outputsPerGroup = 1, inputsPerGroup = 1;
  int64_t outH, outW, inH, inW, kernelH, kernelW;
  int64_t strideH, strideW, dilationH, dilationW;
  /// Padding folded into the kernel (none: the input is read as it is).
  bool padFolded = false;
  int64_t padTop = 0, padLeft = 0;
  Value input, weight, init;
  /// The accumulator's first value when it is not read from `init`: a
  /// per-output-channel bias (indexed g * outputsPerGroup + f) or a splat.
  Value bias, splat;
  /// The elementwise op that alone consumes the result, applied in the
  /// kernel (nullptr: none).
  linalg::GenericOp epilogue;
};

std::optional<WindowShape> matchWindowOp(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op->getNumResults() != 1)
    return std::nullopt;
  WindowShape s;
  DenseIntElementsAttr strides, dilations;
  if (auto dw = dyn_cast<linalg::DepthwiseConv2DNchwChwOp>(op.getOperation())) {
    s.combine = WindowCombine::MultiplyAdd;
    strides = dw.getStrides();
    dilations = dw.getDilations();
  } else if (auto conv =
                 dyn_cast<linalg::Conv2DNgchwGfchwOp>(op.getOperation())) {
    s.combine = WindowCombine::MultiplyAdd;
    s.grouped = true;
    strides = conv.getStrides();
    dilations = conv.getDilations();
  } else if (auto pool =
                 dyn_cast<linalg::PoolingNchwMaxOp>(op.getOperation())) {
    s.combine = WindowCombine::Max;
    strides = pool.getStrides();
    dilations = pool.getDilations();
  } else if (auto pool =
                 dyn_cast<linalg::PoolingNchwSumOp>(op.getOperation())) {
    s.combine = WindowCombine::Add;
    strides = pool.getStrides();
    dilations = pool.getDilations();
  } else {
    return std::nullopt;
  }
  auto xt = cast<RankedTensorType>(op.getDpsInputs()[0].getType());
  auto kt = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  auto ot = cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!isa<FloatType>(ot.getElementType()) ||
      xt.getElementType() != ot.getElementType())
    return std::nullopt;
  SmallVector<int64_t> st(strides.getValues<int64_t>()),
      dl(dilations.getValues<int64_t>());
  s.strideH = st[0];
  s.strideW = st[1];
  s.dilationH = dl[0];
  s.dilationW = dl[1];
  s.batch = ot.getDimSize(0);
  s.groups = ot.getDimSize(1);
  s.outH = ot.getDimSize(ot.getRank() - 2);
  s.outW = ot.getDimSize(ot.getRank() - 1);
  s.inH = xt.getDimSize(xt.getRank() - 2);
  s.inW = xt.getDimSize(xt.getRank() - 1);
  s.kernelH = kt.getDimSize(kt.getRank() - 2);
  s.kernelW = kt.getDimSize(kt.getRank() - 1);
  if (s.kernelH * s.kernelW > kMaxUnrolledTaps || s.strideW > kMaxRowStride)
    return std::nullopt;
  if (s.grouped) {
    s.outputsPerGroup = ot.getDimSize(2);
    s.inputsPerGroup = xt.getDimSize(2);
  }
  s.input = op.getDpsInputs()[0];
  if (s.combine == WindowCombine::MultiplyAdd)
    s.weight = op.getDpsInputs()[1];
  s.init = op.getDpsInits()[0];
  return s;
}

/// Whether taps that read the padding may be skipped: the padding value
/// adds nothing (0 for sums) or never wins (-inf or the lowest float for
/// max).
bool padIsNeutral(WindowCombine combine, Value value) {
  FloatAttr attr;
  if (!value || !matchPattern(value, m_Constant(&attr)))
    return false;
  APFloat v = attr.getValue();
  if (combine == WindowCombine::Max)
    return v.isNegative() &&
           (v.isInfinity() ||
            v.compare(APFloat::getLargest(v.getSemantics(), true)) !=
                APFloat::cmpGreaterThan);
  return v.isZero();
}

/// Reads the unpadded input when it is a constant `tensor.pad` of the two
/// spatial dimensions (for grouped convolutions, through the expand_shape
/// that splits the channels into groups) with few enough edge rows and a
/// left padding that only the first vector of a row reaches.
void foldPadding(OpBuilder &b, WindowShape &s, int64_t lanes) {
  Value padded = s.input;
  auto expand = padded.getDefiningOp<tensor::ExpandShapeOp>();
  if (s.grouped) {
    if (!expand)
      return;
    padded = expand.getSrc();
  }
  tensor::PadOp pad = sieve::spatialPadOf(padded);
  if (!pad || !padIsNeutral(s.combine, pad.getConstantPaddingValue()))
    return;
  SmallVector<int64_t> low(pad.getStaticLow());
  int64_t rank = low.size();
  auto source = cast<RankedTensorType>(pad.getSource().getType());
  if (!source.hasStaticShape())
    return;
  int64_t padTop = low[rank - 2], padLeft = low[rank - 1];
  int64_t inH = source.getDimSize(rank - 2), inW = source.getDimSize(rank - 1);
  if (padLeft > lanes * s.strideW)
    return;
  // Rows whose whole window lies in the image: [first, last).
  int64_t first = llvm::divideCeilSigned(padTop, s.strideH);
  int64_t reach = inH - 1 + padTop - (s.kernelH - 1) * s.dilationH;
  int64_t last = reach < 0 ? 0 : reach / s.strideH + 1;
  last = std::clamp<int64_t>(last, std::min(first, s.outH), s.outH);
  first = std::min(first, s.outH);
  if (first + (s.outH - last) > kMaxEdgeRows)
    return;
  Value input = pad.getSource();
  if (s.grouped) {
    auto xt = cast<RankedTensorType>(s.input.getType());
    SmallVector<int64_t> shape(xt.getShape());
    shape[3] = inH;
    shape[4] = inW;
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointAfterValue(input);
    input = tensor::ExpandShapeOp::create(
        b, expand.getLoc(), RankedTensorType::get(shape, xt.getElementType()),
        input, expand.getReassociationIndices());
  }
  s.input = input;
  s.padFolded = true;
  s.padTop = padTop;
  s.padLeft = padLeft;
  s.inH = inH;
  s.inW = inW;
}

/// A bias broadcast over batch and space (a linalg.generic yielding its
/// 1-D input indexed by the channel) or a fill: the accumulator starts from
/// it in registers and the op writes into a fresh tensor.
void foldInit(WindowShape &s) {
  Value init = s.init;
  if (s.grouped) {
    auto expand = init.getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand)
      return;
    init = expand.getSrc();
  }
  sieve::ChannelInit start = sieve::matchChannelInit(init);
  s.bias = start.bias;
  s.splat = start.splat;
}

/// The elementwise generic that alone consumes the result of a depthwise
/// convolution or pool (Relu, Clip): every map the identity, or a rank-0
/// operand; a body of elementwise-mappable ops that does not read the
/// output.
void foldEpilogue(linalg::LinalgOp op, WindowShape &s) {
  if (!s.grouped)
    s.epilogue = sieve::soleElementwiseUser(op->getResult(0));
}

/// Emits the loop nest of one window op.
class WindowKernelBuilder {
public:
  WindowKernelBuilder(OpBuilder &b, Location loc, const WindowShape &s,
                      int64_t lanes)
      : b(b), loc(loc), s(s), lanes(lanes),
        elementType(cast<ShapedType>(s.init.getType()).getElementType()),
        vectorType(VectorType::get({lanes}, elementType)) {}

  /// The kernel over every channel, in `chunks` parallel chunks of the
  /// channels (groups) when more than one.
  Value build(Value dest, int64_t chunks) {
    readsDestination = dest == s.init;
    if (chunks <= 1)
      return channels(dest, index(0), s.groups);
    return sieve::forallChunks(
        b, loc, dest, /*dim=*/1, chunks, s.groups / chunks,
        [&](Value slice, Value offset) {
          return channels(slice, offset, s.groups / chunks);
        });
  }

private:
  using LoopBody = llvm::function_ref<Value(Value iv, Value carried)>;

  /// The output indices of one vector; `g` is local to `out`.
  struct Position {
    Value n, g, global, f, oh;
  };

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value a, Value c) { return arith::AddIOp::create(b, loc, a, c); }
  Value mul(Value a, int64_t c) {
    return c == 1 ? a : arith::MulIOp::create(b, loc, a, index(c)).getResult();
  }

  /// The mask of the `width` lanes from column `column` of a row of
  /// `rowLength` elements: the lanes before the row's end. Reads and writes
  /// that may cross the end of a row carry it explicitly (and are marked in
  /// bounds) instead of relying on out-of-bounds transfer semantics, which
  /// only hold while the row is the buffer's innermost dimension: once
  /// memref alias folding rewrites the access into a collapsed buffer
  /// (a producer's flat elementwise output), the lanes past the row's end
  /// would read the next row.
  Value rowMask(Value column, int64_t width, int64_t rowLength) {
    Value remaining = arith::SubIOp::create(b, loc, index(rowLength), column);
    return vector::CreateMaskOp::create(
        b, loc, VectorType::get({width}, b.getI1Type()), ValueRange{remaining});
  }

  /// scf.for iv in [from, to) by `step` carrying `init`; a single
  /// iteration is emitted inline.
  Value loop(int64_t from, int64_t to, Value init, LoopBody body,
             int64_t step = 1) {
    return sieve::carriedLoop(b, loc, from, to, step, init, body);
  }

  /// Channels (groups) [offset, offset + count) into `out`, whose channel
  /// dimension starts at `offset`.
  Value channels(Value out, Value offset, int64_t count) {
    return loop(0, s.batch, out, [&](Value n, Value out) {
      return loop(0, count, out, [&](Value g, Value out) {
        Value global = add(offset, g);
        return loop(0, s.outputsPerGroup, out, [&](Value f, Value out) {
          Position p{n, g, global, f, Value()};
          // One input channel per group (depthwise): the taps' weights
          // and the bias once per output channel.
          SmallVector<Value> taps;
          if (s.inputsPerGroup == 1)
            taps = weightTaps(global, f, index(0));
          Value start = initialValue(global, f);
          return rows(p, out, taps, start);
        });
      });
    });
  }

  /// The accumulator's first value from a folded bias or fill (null: read
  /// from the destination).
  Value initialValue(Value g, Value f) {
    if (s.splat)
      return vector::BroadcastOp::create(b, loc, vectorType, s.splat);
    if (!s.bias)
      return Value();
    Value channel = add(mul(g, s.outputsPerGroup), f);
    Value v = tensor::ExtractOp::create(b, loc, s.bias, channel);
    return vector::BroadcastOp::create(b, loc, vectorType, v);
  }

  /// The rows: those whose window crosses the top or bottom padding one by
  /// one (their taps outside the image skipped), the others in a loop.
  Value rows(Position p, Value out, ArrayRef<Value> taps, Value start) {
    int64_t first = 0, last = s.outH;
    if (s.padTop > 0 || rowReach(s.outH - 1) >= s.inH) {
      first = std::min<int64_t>(llvm::divideCeil(s.padTop, s.strideH), s.outH);
      int64_t reach = s.inH - 1 + s.padTop - (s.kernelH - 1) * s.dilationH;
      last = reach < 0 ? 0 : reach / s.strideH + 1;
      last = std::clamp<int64_t>(last, first, s.outH);
    }
    auto edge = [&](int64_t oh, Value out) {
      p.oh = index(oh);
      return row(p, oh, out, taps, start);
    };
    for (int64_t oh = 0; oh < first; ++oh)
      out = edge(oh, out);
    out = loop(first, last, out, [&](Value oh, Value out) {
      p.oh = oh;
      return row(p, -1, out, taps, start);
    });
    for (int64_t oh = last; oh < s.outH; ++oh)
      out = edge(oh, out);
    return out;
  }

  /// The input row (unpadded) of tap `kh` of output row `oh`.
  int64_t rowReach(int64_t oh, int64_t kh = -1) {
    if (kh < 0)
      kh = s.kernelH - 1;
    return oh * s.strideH + kh * s.dilationH - s.padTop;
  }

  /// Output row `p.oh` (the constant `oh`, or -1 for a row of the loop):
  /// the first vector apart when it reads the left padding, full vectors
  /// in a loop, then a masked last vector.
  Value row(Position p, int64_t oh, Value out, ArrayRef<Value> taps,
            Value start) {
    int64_t full = s.outW / lanes;
    int64_t from = 0;
    if (s.padLeft > 0 && full > 0) {
      out = vectorAtColumn(p, oh, 0, out, taps, start);
      from = lanes;
    }
    out = loop(
        from, full * lanes, out,
        [&](Value ow, Value out) {
          return vectorAt(p, oh, ow, (full - 1) * lanes, out, taps, start);
        },
        lanes);
    if (s.outW % lanes != 0)
      out = vectorAtColumn(p, oh, full * lanes, out, taps, start);
    return out;
  }

  /// The output vector at the constant column `ow`.
  Value vectorAtColumn(Position p, int64_t oh, int64_t ow, Value out,
                       ArrayRef<Value> taps, Value start) {
    return vectorAt(p, oh, index(ow), ow, out, taps, start, ow);
  }

  /// The output vector at column `ow` (at most `lastOw`, for the bounds;
  /// `staticOw` when it is a constant, else -1).
  Value vectorAt(Position p, int64_t oh, Value ow, int64_t lastOw, Value out,
                 ArrayRef<Value> taps, Value start, int64_t staticOw = -1) {
    bool outInBounds = lastOw + lanes <= s.outW;
    SmallVector<Value> at = s.grouped
                                ? SmallVector<Value>{p.n, p.g, p.f, p.oh, ow}
                                : SmallVector<Value>{p.n, p.g, p.oh, ow};
    Value mask = outInBounds ? Value() : rowMask(ow, lanes, s.outW);
    Value acc = start;
    if (!acc) {
      // From the destination when the op writes into its accumulator, else
      // (an epilogue's destination) from the accumulator, by the global
      // channel.
      Value zero =
          arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
      SmallVector<Value> from(at);
      from[1] = p.global;
      acc = transferRead(vectorType, readsDestination ? out : s.init,
                         readsDestination ? at : from, zero, mask);
    }
    if (s.inputsPerGroup == 1) {
      acc = accumulate(p, index(0), oh, ow, staticOw, lastOw, acc, taps);
    } else {
      auto forOp = scf::ForOp::create(b, loc, index(0), index(s.inputsPerGroup),
                                      index(1), ValueRange{acc});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forOp.getBody());
      Value c = forOp.getInductionVar();
      Value next = accumulate(p, c, oh, ow, staticOw, lastOw,
                              forOp.getRegionIterArgs()[0],
                              weightTaps(p.global, p.f, c));
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(forOp);
      acc = forOp.getResult(0);
    }
    if (s.epilogue)
      acc = applyEpilogue(acc);
    AffineMap map =
        AffineMap::getMinorIdentityMap(at.size(), 1, b.getContext());
    return vector::TransferWriteOp::create(b, loc, acc, out, at,
                                           AffineMapAttr::get(map), mask,
                                           b.getBoolArrayAttr({true}))
        .getResult();
  }

  /// The broadcast weights of every tap of input channel `c` for output
  /// `f` of group `g` (none for pools).
  SmallVector<Value> weightTaps(Value g, Value f, Value c) {
    SmallVector<Value> taps;
    if (!s.weight)
      return taps;
    for (int64_t kh = 0; kh < s.kernelH; ++kh)
      for (int64_t kw = 0; kw < s.kernelW; ++kw) {
        SmallVector<Value> at =
            s.grouped ? SmallVector<Value>{g, f, c, index(kh), index(kw)}
                      : SmallVector<Value>{g, index(kh), index(kw)};
        Value w = tensor::ExtractOp::create(b, loc, s.weight, at);
        taps.push_back(vector::BroadcastOp::create(b, loc, vectorType, w));
      }
    return taps;
  }

  /// `acc` combined with every tap of input channel `c` (for the constant
  /// row `oh`, the taps inside the image only).
  Value accumulate(Position p, Value c, int64_t oh, Value ow, int64_t staticOw,
                   int64_t lastOw, Value acc, ArrayRef<Value> taps) {
    int64_t span = lanes * s.strideW;
    auto wideType = VectorType::get({span}, elementType);
    Value padValue =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
    if (s.combine == WindowCombine::Max && s.padFolded)
      padValue = arith::ConstantOp::create(
          b, loc,
          b.getFloatAttr(
              elementType,
              APFloat::getInf(cast<FloatType>(elementType).getFloatSemantics(),
                              /*Negative=*/true)));
    Value columnStart = mul(ow, s.strideW);
    for (int64_t kh = 0; kh < s.kernelH; ++kh) {
      if (oh >= 0 && (rowReach(oh, kh) < 0 || rowReach(oh, kh) >= s.inH))
        continue;
      Value ih = add(mul(p.oh, s.strideH), index(kh * s.dilationH - s.padTop));
      for (int64_t kw = 0; kw < s.kernelW; ++kw) {
        int64_t shift = kw * s.dilationW - s.padLeft;
        // Lanes of the left padding (the first vector only).
        int64_t before = staticOw >= 0 ? -(staticOw * s.strideW + shift) : 0;
        SmallVector<int64_t> pick;
        for (int64_t i = 0; i < lanes; ++i)
          pick.push_back(i * s.strideW);
        Value x;
        SmallVector<Value> at;
        auto indices = [&](Value iw) {
          return s.grouped ? SmallVector<Value>{p.n, p.global, c, ih, iw}
                           : SmallVector<Value>{p.n, p.global, ih, iw};
        };
        if (before > 0) {
          // Read from column 0 and shift right by `before` lanes of
          // padding.
          x = read(wideType, indices(index(0)), index(0), padValue);
          Value pads = vector::BroadcastOp::create(b, loc, wideType, padValue);
          for (int64_t &i : pick)
            i = i < before ? 0 : span + i - before;
          x = vector::ShuffleOp::create(b, loc, pads, x, pick);
        } else {
          // The last lane read by the last vector of the row.
          bool inBounds = lastOw * s.strideW + shift + span <= s.inW;
          Value iw = shift == 0 ? columnStart : add(columnStart, index(shift));
          x = read(wideType, indices(iw), inBounds ? Value() : iw, padValue);
          if (s.strideW != 1)
            x = vector::ShuffleOp::create(b, loc, x, x, pick);
        }
        switch (s.combine) {
        case WindowCombine::MultiplyAdd:
          acc =
              vector::FMAOp::create(b, loc, x, taps[kh * s.kernelW + kw], acc);
          break;
        case WindowCombine::Max: {
          // acc > x ? acc : x, which is one vmaxps (SSE's max), where
          // arith.maximumf's NaN propagation is four instructions per
          // vector. A NaN in the window is kept when it is the later tap
          // (as onnxruntime's MLAS, which also uses maxps).
          // From a splat of -inf (the pool's fill), the first tap is the
          // maximum as it is.
          Value start = acc;
          if (auto broadcast = start.getDefiningOp<vector::BroadcastOp>())
            start = broadcast.getSource();
          APFloat value(0.0f);
          DenseElementsAttr splat;
          bool constant = matchPattern(start, m_ConstantFloat(&value));
          if (!constant && matchPattern(start, m_Constant(&splat)) &&
              splat.isSplat() && isa<FloatType>(splat.getElementType())) {
            value = splat.getSplatValue<APFloat>();
            constant = true;
          }
          if (constant && value.isInfinity() && value.isNegative()) {
            acc = x;
            break;
          }
          Value greater =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, acc, x);
          acc = arith::SelectOp::create(b, loc, greater, acc, x);
          break;
        }
        case WindowCombine::Add:
          acc = arith::AddFOp::create(b, loc, acc, x);
          break;
        }
      }
    }
    return acc;
  }

  /// A read of `type` from the input at `indices`, masked to the row from
  /// column `column` on (none: known to end inside the row).
  Value read(VectorType type, ArrayRef<Value> indices, Value column,
             Value padValue) {
    Value mask;
    if (column &&
        !(isConstantIntValue(column, 0) && type.getNumElements() <= s.inW))
      mask = rowMask(column, type.getNumElements(), s.inW);
    return transferRead(type, s.input, indices, padValue, mask);
  }

  /// A 1-D read of `type` from `source` at `indices`, in bounds where
  /// `mask` (none: every lane) is set.
  Value transferRead(VectorType type, Value source, ArrayRef<Value> indices,
                     Value padValue, Value mask) {
    AffineMap map =
        AffineMap::getMinorIdentityMap(indices.size(), 1, b.getContext());
    return vector::TransferReadOp::create(b, loc, type, source, indices, map,
                                          padValue, mask,
                                          b.getBoolArrayAttr({true}));
  }

  Value applyEpilogue(Value acc) {
    return sieve::applyEpilogue(b, loc, s.epilogue, acc);
  }

  OpBuilder &b;
  Location loc;
  const WindowShape &s;
  int64_t lanes;
  Type elementType;
  VectorType vectorType;
  /// Whether the accumulator is the destination (no folded init, no
  /// epilogue).
  bool readsDestination = true;
};

/// Pixels of one output row computed together by the channels-last kernel:
/// as many independent accumulators (FMA chains) as hide the FMA latency.
constexpr int64_t kChannelsLastPixels = 8;

/// The lanes of the channels-last depthwise kernel for `channels`
/// channels: the widest power of two up to `vectorWidth` that divides
/// them (0 below 4 lanes).
int64_t channelLanes(int64_t channels, int64_t vectorWidth) {
  int64_t lanes = 1;
  while (lanes * 2 <= vectorWidth && channels % (lanes * 2) == 0)
    lanes *= 2;
  return lanes >= 4 ? lanes : 0;
}

/// Whether a depthwise convolution runs channels-last (vectors along the
/// channels): at stride 1, on output rows shorter than a vector (7x7 and
/// 14x14 maps on 16 lanes), where vectors along the rows leave lanes empty
/// and spend a masked, shifted vector per row; with the channels filling
/// at least half a vector, one image and a bias or fill for the
/// accumulator (and constant weights: vectorizeChannelsLast). The two
/// transposes cost about a pass over the input and the output each: at
/// stride 2 the input is four times the output, and rows of a vector or
/// more (28 wide: 16 + 12 lanes) lose little along the rows; on
/// benchmarks/run.py's layers those stayed faster in NCHW.
bool channelsLastPays(const WindowShape &s, int64_t vectorWidth) {
  return s.combine == WindowCombine::MultiplyAdd && !s.grouped &&
         s.batch == 1 && s.strideH == 1 && s.strideW == 1 &&
         s.outW < vectorWidth && (s.bias || s.splat) &&
         channelLanes(s.groups, vectorWidth) * 2 >= vectorWidth;
}

/// The elementwise generic `op` (identity maps, or rank-0 operands) over
/// [1, C, H, W] rebuilt over the channels-last [P, C] rows whose transpose
/// its one full-rank operand is: the same body on `rows`.
Value elementwiseOnRows(OpBuilder &b, Location loc, linalg::GenericOp op,
                        Value rows) {
  auto type = cast<RankedTensorType>(rows.getType());
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (Value input : op.getDpsInputs()) {
    bool scalar = cast<ShapedType>(input.getType()).getRank() == 0;
    inputs.push_back(scalar ? input : rows);
    maps.push_back(scalar ? AffineMap::get(2, 0, {}, ctx) : identity);
  }
  maps.push_back(identity);
  auto resultType = RankedTensorType::get(
      type.getShape(), getElementTypeOrSelf(op->getResult(0).getType()));
  Value empty = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                        resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{empty}, maps,
      SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel));
  IRMapping map;
  op.getRegion().cloneInto(&generic.getRegion(), map);
  return generic.getResult(0);
}

/// The static, neutral (zero) padding of only the spatial dimensions that
/// `s`'s [1, C, H, W] input is, or null.
tensor::PadOp spatialPad(const WindowShape &s) {
  tensor::PadOp pad = sieve::spatialPadOf(s.input);
  if (!pad || pad.getStaticLow().size() != 4 ||
      !padIsNeutral(s.combine, pad.getConstantPaddingValue()))
    return {};
  return pad;
}

/// The input of `s` channels-last before its padding, [H*W, C], built
/// from the channels-last rows that it is a transpose of, when it is one:
/// the input a zero tensor.pad of the two spatial dimensions of (an
/// elementwise op, used once, of) the [C, H*W] -> [1, C, H, W]
/// expand_shape of a linalg.transpose of [H*W, C] rows (a pixel-rows
/// convolution's product, a channels-last depthwise result). The
/// elementwise op then runs on the rows and the padding is added
/// channels-last (padRows): two transposes fewer, and the NCHW ones are
/// left without users. Null otherwise.
Value channelsLastSource(OpBuilder &b, Location loc, const WindowShape &s) {
  tensor::PadOp pad = spatialPad(s);
  if (!pad)
    return {};
  Value source = pad.getSource();
  auto elementwise = source.getDefiningOp<linalg::GenericOp>();
  if (elementwise) {
    // Its one full-rank operand, which it alone reads as it is.
    Value full;
    for (Value input : elementwise.getDpsInputs())
      if (cast<ShapedType>(input.getType()).getRank() != 0)
        full = input;
    if (!full || !source.hasOneUse() ||
        sieve::soleElementwiseUser(full) != elementwise)
      return {};
    source = full;
  }
  auto expand = source.getDefiningOp<tensor::ExpandShapeOp>();
  if (!expand)
    return {};
  auto transpose = expand.getSrc().getDefiningOp<linalg::TransposeOp>();
  auto flatType = cast<RankedTensorType>(expand.getSrc().getType());
  if (!transpose || transpose.getPermutation() != ArrayRef<int64_t>{1, 0} ||
      flatType.getRank() != 2 ||
      expand.getReassociationIndices() !=
          SmallVector<ReassociationIndices>{{0, 1}, {2, 3}})
    return {};
  Value rows = transpose.getInput();
  if (elementwise)
    rows = elementwiseOnRows(b, loc, elementwise, rows);
  return rows;
}

/// Channels-last rows [H*W, C] of `s`'s unpadded input padded as `s`'s
/// input is (spatialPad): [Hp*Wp, C].
Value padRows(OpBuilder &b, Location loc, const WindowShape &s, Value rows) {
  tensor::PadOp pad = spatialPad(s);
  SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
  auto inType = cast<RankedTensorType>(pad.getSource().getType());
  int64_t c = cast<RankedTensorType>(rows.getType()).getDimSize(1),
          h = inType.getDimSize(2), w = inType.getDimSize(3);
  Type et = inType.getElementType();
  Value image = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({h, w, c}, et), rows,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
  int64_t hp = h + low[2] + high[2], wp = w + low[3] + high[3];
  auto attr = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  Value padded = tensor::PadOp::create(
      b, loc, RankedTensorType::get({hp, wp, c}, et), image,
      ArrayRef<OpFoldResult>{attr(low[2]), attr(low[3]), attr(0)},
      ArrayRef<OpFoldResult>{attr(high[2]), attr(high[3]), attr(0)},
      arith::ConstantOp::create(b, loc, b.getZeroAttr(et)).getResult());
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({hp * wp, c}, et), padded,
      ArrayRef<ReassociationIndices>{{0, 1}, {2}});
}

/// A depthwise convolution channels-last: the input [1, C, H, W] (before
/// its padding) transposed to [H*W, C] and padded channels-last, then per block
/// of `lanes` channels the taps' weights held in registers ([KH*KW, C],
/// permuted at compile time) and each output row computed kChannelsLastPixels
/// pixels at a time, every tap one vector read of a pixel's channels and one
/// FMA, no masks; the epilogue applied in registers; the [OH*OW, C] result
/// transposed back to NCHW. In `chunks` parallel chunks of channel blocks, each
/// chunk pads or transposes its own channels in and transposes them back out,
/// so that a thread reads and writes only its channels and no copy waits on one
/// core; with `rowsOut` (the result read back as rows: readAsRows) the
/// chunks write their columns of the rows instead, and the transpose to
/// NCHW, which cancels, stays whole. The transposes are vectorized later
/// (vectorizeTranspose).
Value channelsLastDepthwise(OpBuilder &b, Location loc, const WindowShape &s,
                            Value weights, int64_t lanes, int64_t chunks,
                            bool rowsOut) {
  auto type = cast<RankedTensorType>(s.input.getType());
  Type et = type.getElementType();
  int64_t c = s.groups, hp = type.getDimSize(2), wp = type.getDimSize(3);
  int64_t pixels = s.outH * s.outW, taps = s.kernelH * s.kernelW;
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  auto transpose = [&](Value value, int64_t rows, int64_t columns) {
    Value empty = tensor::EmptyOp::create(b, loc, {columns, rows}, et);
    return linalg::TransposeOp::create(b, loc, value, empty,
                                       ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  };
  // The unpadded input channels-last ([H*W, C] rows, padded by padRows),
  // or the NCHW planes [C, Hp*Wp] to transpose: all at once, or per chunk.
  Value rowsIn = channelsLastSource(b, loc, s), planesIn;
  if (!rowsIn && !spatialPad(s))
    planesIn = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({c, hp * wp}, et), s.input,
        ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  auto slice = [&](Value value, int64_t dim, Value offset, int64_t size) {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape(type.getShape());
    SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0)), sizes;
    for (int64_t d : shape)
      sizes.push_back(b.getIndexAttr(d));
    offsets[dim] = offset;
    sizes[dim] = b.getIndexAttr(size);
    shape[dim] = size;
    return tensor::ExtractSliceOp::create(
               b, loc, RankedTensorType::get(shape, et), value, offsets, sizes,
               SmallVector<OpFoldResult>(2, b.getIndexAttr(1)))
        .getResult();
  };
  // The padded input channels-last, channels [offset, offset + count).
  auto imageOf = [&](Value offset, int64_t count) -> Value {
    if (rowsIn)
      return padRows(b, loc, s,
                     count == c ? rowsIn : slice(rowsIn, 1, offset, count));
    if (count == c && planesIn)
      return transpose(planesIn, c, hp * wp);
    // The channels (a chunk's, or all) of a padded input's source
    // transposed, then padded channels-last: the padded NCHW input is never
    // written.
    if (tensor::PadOp pad = spatialPad(s)) {
      auto sourceType = cast<RankedTensorType>(pad.getSource().getType());
      int64_t h = sourceType.getDimSize(2), w = sourceType.getDimSize(3);
      Value planes = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({c, h * w}, et), pad.getSource(),
          ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
      return padRows(b, loc, s,
                     transpose(slice(planes, 0, offset, count), count, h * w));
    }
    return transpose(slice(planesIn, 0, offset, count), count, hp * wp);
  };
  auto vectorType = VectorType::get({lanes}, et);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
  auto read = [&](Value source, Value row, Value column) {
    return vector::TransferReadOp::create(b, loc, vectorType, source,
                                          ValueRange{row, column}, zero,
                                          ArrayRef<bool>{true})
        .getResult();
  };

  // Channels [offset, offset + count) into `out` ([pixels, count]), read
  // from `image` ([Hp*Wp, count]).
  auto channels = [&](Value out, Value image, Value offset,
                      int64_t count) -> Value {
    auto loop = scf::ForOp::create(b, loc, index(0), index(count), index(lanes),
                                   ValueRange{out});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value local = loop.getInductionVar();
    Value channel = arith::AddIOp::create(b, loc, offset, local);
    SmallVector<Value> w;
    for (int64_t t = 0; t < taps; ++t)
      w.push_back(read(weights, index(t), channel));
    Value start =
        s.splat ? vector::BroadcastOp::create(b, loc, vectorType, s.splat)
                      .getResult()
                : vector::TransferReadOp::create(b, loc, vectorType, s.bias,
                                                 ValueRange{channel}, zero,
                                                 ArrayRef<bool>{true})
                      .getResult();
    auto rows = scf::ForOp::create(b, loc, index(0), index(s.outH), index(1),
                                   ValueRange{loop.getRegionIterArgs()[0]});
    b.setInsertionPointToStart(rows.getBody());
    Value oh = rows.getInductionVar();
    Value acc = rows.getRegionIterArgs()[0];
    // Input pixel of tap (kh, kw) for output column ow of this row.
    SmallVector<Value> tapRows;
    for (int64_t kh = 0; kh < s.kernelH; ++kh) {
      Value ih = arith::AddIOp::create(
          b, loc, arith::MulIOp::create(b, loc, oh, index(s.strideH)),
          index(kh * s.dilationH));
      tapRows.push_back(arith::MulIOp::create(b, loc, ih, index(wp)));
    }
    Value outRow = arith::MulIOp::create(b, loc, oh, index(s.outW));
    for (int64_t first = 0; first < s.outW; first += kChannelsLastPixels) {
      int64_t count = std::min(kChannelsLastPixels, s.outW - first);
      SmallVector<Value> sums(count, start);
      for (int64_t kh = 0; kh < s.kernelH; ++kh)
        for (int64_t kw = 0; kw < s.kernelW; ++kw)
          for (int64_t i = 0; i < count; ++i) {
            Value pixel = arith::AddIOp::create(
                b, loc, tapRows[kh],
                index((first + i) * s.strideW + kw * s.dilationW));
            sums[i] = vector::FMAOp::create(b, loc, read(image, pixel, local),
                                            w[kh * s.kernelW + kw], sums[i]);
          }
      for (int64_t i = 0; i < count; ++i) {
        Value result = sums[i];
        if (s.epilogue)
          result = sieve::applyEpilogue(b, loc, s.epilogue, result);
        Value at = arith::AddIOp::create(b, loc, outRow, index(first + i));
        acc = vector::TransferWriteOp::create(b, loc, result, acc,
                                              ValueRange{at, local},
                                              ArrayRef<bool>{true})
                  .getResult();
      }
    }
    scf::YieldOp::create(b, loc, acc);
    b.setInsertionPointAfter(rows);
    scf::YieldOp::create(b, loc, rows.getResult(0));
    return loop.getResult(0);
  };
  Value nchw;
  if (chunks <= 1) {
    Value out = tensor::EmptyOp::create(b, loc, {pixels, c}, et);
    nchw =
        transpose(channels(out, imageOf(index(0), c), index(0), c), pixels, c);
  } else if (rowsOut) {
    // The chunks write their columns of the rows, and the transpose to
    // NCHW, read back as rows, cancels (foldTransposePair).
    int64_t size = c / chunks;
    Value out = tensor::EmptyOp::create(b, loc, {pixels, c}, et);
    Value rows = sieve::forallChunks(
        b, loc, out, /*dim=*/1, chunks, size, [&](Value part, Value offset) {
          return channels(part, imageOf(offset, size), offset, size);
        });
    nchw = transpose(rows, pixels, c);
  } else {
    // Each chunk pads or transposes its channels in and transposes them
    // back out itself.
    int64_t size = c / chunks;
    Value out = tensor::EmptyOp::create(b, loc, {c, pixels}, et);
    nchw = sieve::forallChunks(
        b, loc, out, /*dim=*/0, chunks, size, [&](Value part, Value offset) {
          Value rows = tensor::EmptyOp::create(b, loc, {pixels, size}, et);
          rows = channels(rows, imageOf(offset, size), offset, size);
          return linalg::TransposeOp::create(b, loc, rows, part,
                                             ArrayRef<int64_t>{1, 0})
              .getResult()[0];
        });
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({1, c, s.outH, s.outW}, et), nchw,
      ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
}

/// The estimated cycles of the window op `s` writing `dest`, for the
/// thread plan.
int64_t windowCycles(const WindowShape &s, Value dest, int64_t vectorWidth) {
  int64_t multiplyAdds = s.batch * s.groups * s.outputsPerGroup *
                         s.inputsPerGroup * s.outH * s.outW * s.kernelH *
                         s.kernelW;
  int64_t bytes = 0;
  for (Value v : {s.input, s.weight, dest})
    if (v)
      bytes += cast<ShapedType>(v.getType()).getNumElements() * 4;
  return sieve::kernelCycles(multiplyAdds, bytes, vectorWidth);
}

/// Erases the op that defines `value` when nothing uses it and it has no
/// side effects, then the same for its operands' producers (the NCHW
/// transpose, elementwise op and pad that channelsLastSource or the
/// chunks, padding their own channels, bypassed).
void eraseDeadProducers(RewriterBase &rewriter, Value value) {
  SmallVector<Operation *> worklist;
  llvm::SmallPtrSet<Operation *, 8> erased;
  if (Operation *op = value.getDefiningOp())
    worklist.push_back(op);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    SmallVector<Value> operands(op->getOperands());
    erased.insert(op);
    rewriter.eraseOp(op);
    for (Value operand : operands)
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
  }
}

/// Whether every reader of `result` ([1, C, H, W]) transposes it back to
/// channels-last rows ([C, H*W] -> [H*W, C]: the input of a pixel-rows
/// convolution), so that a channels-last result's transpose to NCHW
/// cancels with it (foldTransposePair).
bool readAsRows(Value result) {
  return !result.use_empty() &&
         llvm::all_of(result.getUsers(), [](Operation *user) {
           auto collapse = dyn_cast<tensor::CollapseShapeOp>(user);
           return collapse &&
                  collapse.getReassociationIndices() ==
                      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}} &&
                  !collapse->use_empty() &&
                  llvm::all_of(collapse->getUsers(), [](Operation *reader) {
                    auto transpose = dyn_cast<linalg::TransposeOp>(reader);
                    return transpose && transpose.getPermutation() ==
                                            ArrayRef<int64_t>{1, 0};
                  });
         });
}

/// Replaces `op` with channelsLastDepthwise when channelsLastPays; fails
/// (and changes nothing) otherwise.
LogicalResult vectorizeChannelsLast(RewriterBase &rewriter, linalg::LinalgOp op,
                                    WindowShape s,
                                    const sieve::WindowKernelOptions &options) {
  foldInit(s);
  foldEpilogue(op, s);
  if (!channelsLastPays(s, options.vectorWidth))
    return failure();
  Location loc = op.getLoc();
  if (s.epilogue)
    rewriter.setInsertionPoint(s.epilogue);
  // The weights [C, KH, KW] as [KH*KW, C], from the constant or from the
  // importer's [C, 1, KH, KW] constant that a collapse_shape reshapes.
  int64_t taps = s.kernelH * s.kernelW;
  Value weight = s.weight;
  SmallVector<int64_t> permutation{1, 2, 0};
  if (auto collapse = weight.getDefiningOp<tensor::CollapseShapeOp>()) {
    auto source = cast<RankedTensorType>(collapse.getSrc().getType());
    if (source.getRank() == 4 && source.getDimSize(1) == 1) {
      weight = collapse.getSrc();
      permutation = {1, 2, 3, 0};
    }
  }
  if (!weight.getDefiningOp<arith::ConstantOp>())
    return failure();
  Value weights = sieve::createPermutedConstant(rewriter, loc, weight,
                                                permutation, {taps, s.groups});
  if (!weights)
    return failure();
  int64_t lanes = channelLanes(s.groups, options.vectorWidth);
  int64_t blocks = s.groups / lanes, chunks = 1;
  if (options.threads > 1)
    chunks = sieve::planParallelChunks(
        blocks, windowCycles(s, s.init, options.vectorWidth) / blocks,
        options.threads, options.minChunkCycles);
  Value result = channelsLastDepthwise(
      rewriter, loc, s, weights, lanes, chunks,
      readAsRows(s.epilogue ? s.epilogue->getResult(0) : op->getResult(0)));
  if (s.epilogue) {
    rewriter.replaceOp(s.epilogue, result);
    rewriter.eraseOp(op);
  } else {
    rewriter.replaceOp(op, result);
  }
  eraseDeadProducers(rewriter, s.input);
  return success();
}

} // namespace

bool mlir::sieve::isVectorizableWindowOp(linalg::LinalgOp op) {
  return matchWindowOp(op).has_value();
}

int64_t mlir::sieve::windowVectorLanes(int64_t width, int64_t vectorWidth) {
  return std::max<int64_t>(
      1, std::min<int64_t>(vectorWidth, llvm::PowerOf2Ceil(width)));
}

LogicalResult
mlir::sieve::vectorizeWindowOp(RewriterBase &rewriter, linalg::LinalgOp op,
                               const WindowKernelOptions &options) {
  std::optional<WindowShape> s = matchWindowOp(op);
  if (!s)
    return failure();
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  if (succeeded(vectorizeChannelsLast(rewriter, op, *s, options)))
    return success();
  int64_t lanes = windowVectorLanes(s->outW, options.vectorWidth);
  foldPadding(rewriter, *s, lanes);
  foldInit(*s);
  foldEpilogue(op, *s);

  // The result's destination: the epilogue's, or a fresh tensor when the
  // accumulator does not start from it.
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Value dest = s->init;
  if (s->epilogue) {
    resultType = cast<RankedTensorType>(s->epilogue->getResult(0).getType());
    rewriter.setInsertionPoint(s->epilogue);
    dest = s->epilogue.getDpsInits()[0];
  }
  if ((s->bias || s->splat) && !s->epilogue)
    dest = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                   resultType.getElementType());

  // Channel chunks for threads: the estimate of the whole op.
  int64_t chunks = 1;
  if (options.threads > 1)
    chunks = sieve::planParallelChunks(
        s->groups, windowCycles(*s, dest, options.vectorWidth) / s->groups,
        options.threads, options.minChunkCycles);
  WindowKernelBuilder builder(rewriter, loc, *s, lanes);
  Value result = builder.build(dest, chunks);
  if (s->epilogue) {
    rewriter.replaceOp(s->epilogue, result);
    rewriter.eraseOp(op);
  } else {
    rewriter.replaceOp(op, result);
  }
  return success();
}
