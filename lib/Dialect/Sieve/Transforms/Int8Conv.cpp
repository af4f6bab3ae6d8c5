//===- Int8Conv.cpp - Quantized convolutions as dot kernels -----*- C++ -*-===//
//
// A QDQ model (onnxruntime's quantize_static) feeds each convolution a
// fake-quantized input, DequantizeLinear(QuantizeLinear(x)), which the
// importer and sieve-prepare-linalg leave as one generic computing
// (itofp(q) - zero point) * scale from the float x, and a weight that the
// importer folded from DequantizeLinear of int8 values into floats, each
// filter an integer multiple of its scale. Such a convolution is computed
// from the 8-bit values: q with its padding (the zero point) laid out as
// [H, W, C] (four channels per 32-bit lane), the weight's integers recovered
// from the floats (filter f's scale max |w_f| / m for the largest m <= 127
// that makes every weight within 5e-5 of an integer multiple: the rewrite
// is exact up to float rounding), and the dot kernel (DotKernel.h) accumulating
// each pixel's window against the packed filters; each output is then (acc -
// zero point x the filter's sum) x scale x filter scale + bias, in pixel-major
// order, transposed back to NCHW.
//
//===----------------------------------------------------------------------===//

#include "DotKernel.h"

#include "sieve/Analysis/WeightPattern.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;

namespace {

/// Whether `v` is defined outside `op` (a value its body may read).
bool definedOutside(Value v, Operation *op) {
  Operation *owner = isa<BlockArgument>(v)
                         ? cast<BlockArgument>(v).getOwner()->getParentOp()
                         : v.getDefiningOp();
  return !owner || !op->isAncestor(owner);
}

/// The generic yielding (itofp(q) - zeroPoint) * scale for an 8-bit q it
/// computes or reads, zeroPoint (null: 0) and scale f32 values from
/// outside.
struct FakeQuantized {
  linalg::GenericOp generic;
  Value byte;
  bool isSigned = false;
  Value zeroPoint, scale;
};

std::optional<FakeQuantized> matchFakeQuantized(Value v) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 || generic->getNumResults() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !getElementTypeOrSelf(v.getType()).isF32() ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return std::nullopt;
  Block &body = generic.getRegion().front();
  if (!body.getArguments().back().use_empty())
    return std::nullopt;
  Value result = cast<linalg::YieldOp>(body.getTerminator()).getValues()[0];
  auto mul = result.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return std::nullopt;
  // (itofp(q) - zero point) * scale; a zero point of 0 is folded away.
  for (auto [shifted, scale] : {std::pair{mul.getLhs(), mul.getRhs()},
                                std::pair{mul.getRhs(), mul.getLhs()}}) {
    if (!definedOutside(scale, generic))
      continue;
    FakeQuantized fq;
    fq.generic = generic;
    fq.scale = scale;
    Value converted = shifted;
    if (auto sub = shifted.getDefiningOp<arith::SubFOp>()) {
      if (!definedOutside(sub.getRhs(), generic))
        continue;
      fq.zeroPoint = sub.getRhs();
      converted = sub.getLhs();
    }
    if (auto u = converted.getDefiningOp<arith::UIToFPOp>()) {
      fq.byte = u.getIn();
    } else if (auto s = converted.getDefiningOp<arith::SIToFPOp>()) {
      fq.byte = s.getIn();
      fq.isSigned = true;
    } else {
      continue;
    }
    if (fq.byte.getType().isInteger(8))
      return fq;
  }
  return std::nullopt;
}

/// The weight [F, per] as 8-bit integers times per-filter scales: filter
/// f's scale is max |w_f| / m for the largest m <= 127 under which every
/// weight of the filter is within 5e-5 of an integer multiple (the
/// quantizer's own scale up to float rounding, whether per filter or per
/// tensor); nothing when a filter has none or a weight is not finite.
std::optional<std::pair<SmallVector<int8_t>, SmallVector<float>>>
recoverQuantized(ArrayRef<float> w, int64_t filters, int64_t per) {
  // NaN and infinite weights are no multiples of anything.
  if (!llvm::all_of(w, [](float v) { return std::isfinite(v); }))
    return std::nullopt;
  SmallVector<int8_t> q(w.size());
  SmallVector<float> scales(filters);
  auto fits = [&](int64_t f, float scale) {
    for (int64_t i = 0; i < per; ++i) {
      double x = double(w[f * per + i]) / double(scale), r = std::nearbyint(x);
      if (!(std::fabs(x - r) <= 5e-5) || r < -127 || r > 127)
        return false;
      q[f * per + i] = static_cast<int8_t>(r);
    }
    scales[f] = scale;
    return true;
  };
  for (int64_t f = 0; f < filters; ++f) {
    float filterMax = 0;
    for (int64_t i = 0; i < per; ++i)
      filterMax = std::max(filterMax, std::fabs(w[f * per + i]));
    if (filterMax == 0) {
      std::fill_n(q.begin() + f * per, per, 0);
      scales[f] = 0;
      continue;
    }
    bool found = false;
    for (int64_t m = 127; m >= 1 && !found; --m)
      found = fits(f, filterMax / static_cast<float>(m));
    if (!found)
      return std::nullopt;
  }
  return std::make_pair(std::move(q), std::move(scales));
}

/// A pixel row of the convolution for the dot kernel: row p is output
/// pixel (oh, ow) = (r / OW, r % OW), r = p % (OH * OW), of image
/// n = p / (OH * OW), reading the window at (n, oh * sh + kh * dh, ow * sw +
/// kw * dw) of the [N, Hp, Wp, C] images.
class ConvSource : public sieve::DotKernelSource {
public:
  Value image;
  bool signedBytes = false;
  int64_t pixels = 0, ow = 0, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  /// zero point (i32, + 128 when signed), the input scale (f32), the
  /// filters' scales ([panels * lanes] f32) and the bias ([F] f32 tensor
  /// or an f32 scalar).
  Value zeroPoint, scale, filterScales, bias;
  int64_t filters = 0;

  /// The images (an index value).
  Value batch;

  Value bytes() override { return image; }
  Value rows(OpBuilder &b, Location loc) override {
    return arith::MulIOp::create(
        b, loc, batch, arith::ConstantIndexOp::create(b, loc, pixels));
  }
  bool isSigned() override { return signedBytes; }
  SmallVector<Value> rowState(OpBuilder &b, Location loc, Value row) override {
    Value perImage = arith::ConstantIndexOp::create(b, loc, pixels);
    Value n = arith::DivUIOp::create(b, loc, row, perImage);
    Value pixel = arith::RemUIOp::create(b, loc, row, perImage);
    Value w = arith::ConstantIndexOp::create(b, loc, ow);
    Value y = arith::DivUIOp::create(b, loc, pixel, w);
    Value x = arith::RemUIOp::create(b, loc, pixel, w);
    return {n,
            arith::MulIOp::create(b, loc, y,
                                  arith::ConstantIndexOp::create(b, loc, sh)),
            arith::MulIOp::create(b, loc, x,
                                  arith::ConstantIndexOp::create(b, loc, sw))};
  }
  SmallVector<Value> rowIndices(OpBuilder &b, Location loc,
                                ArrayRef<Value> state, Value tap) override {
    Value width = arith::ConstantIndexOp::create(b, loc, kw);
    Value ky = arith::DivUIOp::create(b, loc, tap, width);
    Value kx = arith::RemUIOp::create(b, loc, tap, width);
    auto at = [&](Value base, Value k, int64_t d) {
      return arith::AddIOp::create(
          b, loc, base,
          arith::MulIOp::create(b, loc, k,
                                arith::ConstantIndexOp::create(b, loc, d)));
    };
    return {state[0], at(state[1], ky, dh), at(state[2], kx, dw)};
  }
  Value epilogue(OpBuilder &b, Location loc, Value acc, Value sums, Value row,
                 Value panel) override {
    auto accType = cast<VectorType>(acc.getType());
    auto floatType = VectorType::get(accType.getShape(), b.getF32Type());
    int64_t lanes = accType.getDimSize(0);
    Value shifted = arith::SubIOp::create(
        b, loc, acc,
        arith::MulIOp::create(
            b, loc, vector::BroadcastOp::create(b, loc, accType, zeroPoint),
            sums));
    Value col = arith::MulIOp::create(
        b, loc, panel, arith::ConstantIndexOp::create(b, loc, lanes));
    Value zero =
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    Value scales = vector::TransferReadOp::create(b, loc, floatType,
                                                  filterScales, ValueRange{col},
                                                  zero, ArrayRef<bool>{true});
    Value factor = arith::MulFOp::create(
        b, loc, scales, vector::BroadcastOp::create(b, loc, floatType, scale));
    Value value = arith::MulFOp::create(
        b, loc, arith::SIToFPOp::create(b, loc, floatType, shifted), factor);
    Value biasVector =
        isa<RankedTensorType>(bias.getType())
            ? Value(vector::TransferReadOp::create(
                  b, loc, floatType, bias, ValueRange{col}, zero,
                  ArrayRef<bool>{filters % lanes == 0}))
            : Value(vector::BroadcastOp::create(b, loc, floatType, bias));
    return arith::AddFOp::create(b, loc, value, biasVector);
  }
};

/// The bias a convolution accumulates into: a fill's scalar, or the [F]
/// tensor a generic broadcasts along the filters. Null otherwise.
Value biasOf(Value init, int64_t filters) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return fill.getInputs()[0].getType().isF32() ? fill.getInputs()[0]
                                                 : Value();
  auto generic = init.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumLoops() != 4 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return {};
  OpOperand *input = generic.getDpsInputOperand(0);
  auto type = dyn_cast<RankedTensorType>(input->get().getType());
  AffineMap map = generic.getMatchingIndexingMap(input);
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (!type || type.getShape() != ArrayRef<int64_t>{filters} ||
      !type.getElementType().isF32() || map.getNumResults() != 1 ||
      map.getResult(0) != getAffineDimExpr(1, map.getContext()) ||
      yield.getValues()[0] != body.getArgument(0) ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return {};
  return input->get();
}

void rewriteConv(linalg::Conv2DNchwFchwOp conv, sieve::DotKernelShape shape,
                 int64_t threads, int64_t minChunkCycles) {
  if (!conv.hasPureTensorSemantics())
    return;
  Value input = conv.getInputs()[0];
  SmallVector<int64_t> low(4, 0), high(4, 0);
  auto pad = input.getDefiningOp<tensor::PadOp>();
  if (pad) {
    std::optional<SmallVector<int64_t>> l =
        getConstantIntValues(pad.getMixedLowPad());
    std::optional<SmallVector<int64_t>> h =
        getConstantIntValues(pad.getMixedHighPad());
    Value value = pad.getConstantPaddingValue();
    if (!l || !h || !value || !matchPattern(value, m_AnyZeroFloat()) ||
        (*l)[0] || (*l)[1] || (*h)[0] || (*h)[1])
      return;
    low = *l;
    high = *h;
    input = pad.getSource();
  }
  std::optional<FakeQuantized> fq = matchFakeQuantized(input);
  auto inType = dyn_cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(conv->getResult(0).getType());
  // Any batch, static or not; the rest static.
  auto staticBut0 = [](RankedTensorType t) {
    return llvm::none_of(t.getShape().drop_front(), ShapedType::isDynamic);
  };
  if (!fq || !inType || !staticBut0(inType) || !staticBut0(outType))
    return;
  std::optional<SmallVector<float>> weights =
      sieve::constantFloats(conv.getInputs()[1]);
  auto wType = cast<RankedTensorType>(conv.getInputs()[1].getType());
  if (!weights)
    return;
  int64_t filters = wType.getDimSize(0), channels = wType.getDimSize(1),
          kh = wType.getDimSize(2), kw = wType.getDimSize(3);
  int64_t per = channels * kh * kw;
  auto quantized = recoverQuantized(*weights, filters, per);
  Value bias = biasOf(conv.getOutputs()[0], filters);
  if (!quantized || !bias)
    return;
  // References (not structured bindings): lambdas below capture them.
  const SmallVector<int8_t> &q = quantized->first;
  const SmallVector<float> &filterScale = quantized->second;
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  int64_t groups = llvm::divideCeil(channels, 4), taps = kh * kw;
  int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
  int64_t pixels = oh * ow;

  OpBuilder b(conv);
  Location loc = conv.getLoc();
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), f32 = b.getF32Type();
  // The zero point as an integer (the bytes' padding) and the kernel's
  // correction (+ 128 for signed bytes, read flipped).
  Value zpInt = fq->zeroPoint
                    ? Value(arith::FPToSIOp::create(b, loc, i32, fq->zeroPoint))
                    : Value(arith::ConstantIntOp::create(b, loc, i32, 0));
  Value zpByte = arith::TruncIOp::create(b, loc, i8, zpInt);
  ConvSource source;
  source.signedBytes = fq->isSigned;
  source.zeroPoint =
      fq->isSigned
          ? Value(arith::AddIOp::create(
                b, loc, zpInt, arith::ConstantIntOp::create(b, loc, i32, 128)))
          : zpInt;
  source.scale = fq->scale;
  source.bias = bias;
  source.filters = filters;
  source.pixels = pixels;
  source.ow = ow;
  source.kw = kw;
  source.sh = strides[0];
  source.sw = strides[1];
  source.dh = dilations[0];
  source.dw = dilations[1];
  // [N, C, H, W] bytes -> padded [N, 4G, Hp, Wp] -> [N, Hp, Wp, 4G].
  Value bytes = sieve::bytesOf(b, fq->generic, fq->byte);
  int64_t n = inType.getDimSize(0);
  bool single = n == 1;
  source.batch = single ? Value(arith::ConstantIndexOp::create(b, loc, 1))
                        : Value(tensor::DimOp::create(b, loc, bytes, 0));
  int64_t hp = inType.getDimSize(2) + low[2] + high[2];
  int64_t wp = inType.getDimSize(3) + low[3] + high[3];
  auto paddedType = RankedTensorType::get({n, 4 * groups, hp, wp}, i8);
  auto padded = tensor::PadOp::create(
      b, loc, paddedType, bytes,
      getAsIndexOpFoldResult(b.getContext(),
                             ArrayRef<int64_t>{0, 0, low[2], low[3]}),
      getAsIndexOpFoldResult(
          b.getContext(),
          ArrayRef<int64_t>{0, 4 * groups - channels, high[2], high[3]}),
      zpByte);
  auto imageType = RankedTensorType::get({n, hp, wp, 4 * groups}, i8);
  if (single) {
    // A 2-D transpose [4G, Hp * Wp] -> [Hp * Wp, 4G], which
    // sieve-tile-and-vectorize turns into blocks of vectors.
    Value planes = tensor::CollapseShapeOp::create(
        b, loc, padded, ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
    Value imageInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{hp * wp, 4 * groups}, i8);
    Value pixelsLast = linalg::TransposeOp::create(b, loc, planes, imageInit,
                                                   ArrayRef<int64_t>{1, 0})
                           ->getResult(0);
    source.image = tensor::ExpandShapeOp::create(
        b, loc, imageType, pixelsLast,
        ArrayRef<ReassociationIndices>{{0, 1, 2}, {3}});
  } else {
    Value imageInit = tensor::EmptyOp::create(
        b, loc, imageType.getShape(), i8,
        n == ShapedType::kDynamic ? ValueRange{source.batch} : ValueRange{});
    source.image = linalg::TransposeOp::create(b, loc, padded, imageInit,
                                               ArrayRef<int64_t>{0, 2, 3, 1})
                       ->getResult(0);
  }
  // The weight as the kernel's [K, F]: k = (tap * G + g) * 4 + j for
  // channel 4g + j at tap (kh, kw) = (tap / KW, tap % KW).
  int64_t k = taps * groups * 4;
  SmallVector<int8_t> matrix(k * filters, 0);
  for (int64_t f = 0; f < filters; ++f)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t t = 0; t < taps; ++t)
        matrix[((t * groups + c / 4) * 4 + c % 4) * filters + f] =
            q[(f * channels + c) * taps + t];
  int64_t lanes = shape.lanes;
  int64_t panels = llvm::divideCeil(filters, lanes);
  source.filterScales = sieve::blobConstant<float>(
      b, loc, {panels * lanes}, "sieve_int8_filter_scales", f32,
      [&](float *out) {
        std::copy(filterScale.begin(), filterScale.end(), out);
      });
  shape.n = filters;
  shape.taps = taps;
  shape.groupsPerTap = groups;
  shape.tail = false;
  Value rows = source.rows(b, loc);
  bool dynamic = n == ShapedType::kDynamic;
  Value init = tensor::EmptyOp::create(
      b, loc,
      ArrayRef<int64_t>{dynamic ? ShapedType::kDynamic : n * pixels, filters},
      f32, dynamic ? ValueRange{rows} : ValueRange{});
  Value product = sieve::buildDotKernel(b, loc, source, matrix, k, shape, init,
                                        threads, minChunkCycles);
  Value result;
  if (single) {
    // [P, F] -> [F, P] -> [1, F, OH, OW].
    Value transposedInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{filters, pixels}, f32);
    Value transposed =
        linalg::TransposeOp::create(b, loc, product, transposedInit,
                                    ArrayRef<int64_t>{1, 0})
            ->getResult(0);
    result = tensor::ExpandShapeOp::create(
        b, loc, outType, transposed,
        ArrayRef<ReassociationIndices>{{0, 1}, {2, 3}});
  } else {
    // [N * P, F] -> [N, P, F] -> [N, F, P] -> [N, F, OH, OW].
    OpFoldResult batch =
        dynamic ? OpFoldResult(source.batch) : OpFoldResult(b.getIndexAttr(n));
    Value images = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({n, pixels, filters}, f32), product,
        ArrayRef<ReassociationIndices>{{0, 1}, {2}},
        ArrayRef<OpFoldResult>{batch, b.getIndexAttr(pixels),
                               b.getIndexAttr(filters)});
    Value transposedInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{n, filters, pixels}, f32,
        dynamic ? ValueRange{source.batch} : ValueRange{});
    Value transposed =
        linalg::TransposeOp::create(b, loc, images, transposedInit,
                                    ArrayRef<int64_t>{0, 2, 1})
            ->getResult(0);
    result = tensor::ExpandShapeOp::create(
        b, loc, outType, transposed,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}},
        ArrayRef<OpFoldResult>{batch, b.getIndexAttr(filters),
                               b.getIndexAttr(oh), b.getIndexAttr(ow)});
  }
  Operation *init0 = conv.getOutputs()[0].getDefiningOp();
  Operation *in0 = conv.getInputs()[0].getDefiningOp();
  conv->getResult(0).replaceAllUsesWith(result);
  conv->erase();
  sieve::eraseUnused({init0, in0});
}

} // namespace

void sieve::rewriteInt8Convs(Operation *root, const DotKernelShape &shape,
                             int64_t threads, int64_t minChunkCycles) {
  SmallVector<linalg::Conv2DNchwFchwOp> convs;
  root->walk([&](linalg::Conv2DNchwFchwOp op) { convs.push_back(op); });
  for (linalg::Conv2DNchwFchwOp conv : convs)
    rewriteConv(conv, shape, threads, minChunkCycles);
}
