//===- Quantize.cpp - Linear quantization ops -------------------*- C++ -*-===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// QLinearMatMul, ConvInteger and QLinearConv: what onnxruntime's quantizer
// writes (QDQ models from quantize_static, DynamicQuantizeLinear +
// MatMulInteger from quantize_dynamic, QLinear* ops from its QOperator format).
// Scales and zero points are per tensor (a scalar or one element), per axis
// (1-D along `axis`) or blocked (opset 21: the input's shape with `axis`
// divided into blocks of `block_size`). Quantizing rounds halves to even and
// saturates to the output type; integer products and convolutions accumulate
// exactly in int32.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

bool isFloat8Kind(ElementKind kind) {
  return kind == ElementKind::Float8E4M3FN ||
         kind == ElementKind::Float8E4M3FNUZ ||
         kind == ElementKind::Float8E5M2 || kind == ElementKind::Float8E5M2FNUZ;
}

/// The range of an integer quantized kind.
std::optional<std::pair<int64_t, int64_t>> integerRange(ElementKind kind) {
  switch (kind) {
  case ElementKind::UInt8:
    return std::make_pair<int64_t, int64_t>(0, 255);
  case ElementKind::Int8:
    return std::make_pair<int64_t, int64_t>(-128, 127);
  case ElementKind::UInt16:
    return std::make_pair<int64_t, int64_t>(0, 65535);
  case ElementKind::Int16:
    return std::make_pair<int64_t, int64_t>(-32768, 32767);
  case ElementKind::UInt4:
    return std::make_pair<int64_t, int64_t>(0, 15);
  case ElementKind::Int4:
    return std::make_pair<int64_t, int64_t>(-8, 7);
  case ElementKind::UInt2:
    return std::make_pair<int64_t, int64_t>(0, 3);
  case ElementKind::Int2:
    return std::make_pair<int64_t, int64_t>(-2, 1);
  default:
    return std::nullopt;
  }
}

/// The kinds a QuantizeLinear produces and a DequantizeLinear reads.
bool isQuantizedKind(ElementKind kind) {
  return integerRange(kind) || isFloat8Kind(kind) ||
         kind == ElementKind::Float4E2M1;
}

bool isScaleKind(ElementKind kind) {
  return kind == ElementKind::Float || kind == ElementKind::Float16 ||
         kind == ElementKind::BFloat16;
}

LogicalResult requireKind(NodeContext &ctx, size_t input, llvm::StringRef what,
                          bool ok, llvm::StringRef expected) {
  if (ok)
    return success();
  return ctx.emitError() << what << " (input #" << input
                         << ") has element type "
                         << stringifyElementKind(ctx.inputKind(input))
                         << "; expected " << expected;
}

/// A scale or zero point (input `i`) as an operand that broadcasts, numpy
/// style, against `x` of `xType`: a scalar stays (or becomes) rank 0, a 1-D
/// per-axis tensor becomes [n, 1, ..., 1] aligned on `axis`, a blocked one
/// is repeated `blockSize` times along `axis` and cut to x's size there.
FailureOr<Value> quantParameter(NodeContext &ctx, size_t i,
                                RankedTensorType xType, int64_t axisAttr,
                                int64_t blockSize, llvm::StringRef what) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value value = ctx.operand(i);
  RankedTensorType type = ctx.inputType(i);
  Type et = type.getElementType();
  if (type.getRank() == 0)
    return value;
  std::optional<int64_t> count = staticNumElements(type);
  if (count && *count == 1)
    return reshapeTo(b, loc, value, RankedTensorType::get({}, et));
  int64_t rank = xType.getRank();
  FailureOr<int64_t> axis = normalizeAxis(ctx, axisAttr, rank, "axis");
  if (failed(axis))
    return failure();
  int64_t xDim = xType.getDimSize(*axis);
  if (blockSize <= 0) {
    if (type.getRank() != 1)
      return ctx.emitError() << what << " of shape " << type
                             << " must be a scalar or 1-D along axis " << *axis
                             << " (blocked quantization needs block_size)";
    int64_t n = type.getDimSize(0);
    if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(xDim) && n != xDim)
      return ctx.emitError() << what << " has " << n << " elements, but axis "
                             << *axis << " of the input has size " << xDim;
    SmallVector<int64_t> shape(rank - *axis, 1);
    shape[0] = n;
    return reshapeTo(b, loc, value, RankedTensorType::get(shape, et));
  }
  // Blocked: the same rank as x, ceil(size / blockSize) along the axis.
  if (type.getRank() != rank || !type.hasStaticShape() ||
      !xType.hasStaticShape())
    return ctx.emitError() << "blocked " << what << " of shape " << type
                           << " must have the input's rank, and both static "
                              "shapes (input "
                           << xType << ")";
  for (int64_t d = 0; d < rank; ++d) {
    int64_t want = d == *axis ? llvm::divideCeil(xType.getDimSize(d), blockSize)
                              : xType.getDimSize(d);
    if (type.getDimSize(d) != want)
      return ctx.emitError()
             << "blocked " << what << " of shape " << type
             << " does not match the input " << xType << " with block_size "
             << blockSize << " along axis " << *axis;
  }
  int64_t blocks = type.getDimSize(*axis);
  if (blocks > std::numeric_limits<int64_t>::max() / blockSize)
    return ctx.emitError() << "block_size " << blockSize << " is too large";
  // [.., blocks, ..] -> [.., blocks, 1, ..] -> [.., blocks, B, ..] ->
  // [.., blocks * B, ..] -> [.., xDim, ..].
  SmallVector<int64_t> expanded(type.getShape());
  expanded.insert(expanded.begin() + *axis + 1, 1);
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < rank; ++d) {
    if (d < *axis)
      groups.push_back({d});
    else if (d == *axis)
      groups.push_back({d, d + 1});
    else
      groups.push_back({d + 1});
  }
  Value v = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(expanded, et), value, groups);
  SmallVector<int64_t> repeated(expanded);
  repeated[*axis + 1] = blockSize;
  auto repeatedType = RankedTensorType::get(repeated, et);
  if (failed(ctx.checkResultShape(repeatedType, "the repeated " + what.str())))
    return failure();
  v = broadcastTo(b, loc, v, repeatedType, {});
  SmallVector<int64_t> full(type.getShape());
  full[*axis] = blocks * blockSize;
  v = tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(full, et),
                                      v, groups);
  if (full[*axis] == xDim)
    return v;
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
      strides(rank, b.getIndexAttr(1));
  for (int64_t d : xType.getShape())
    sizes.push_back(b.getIndexAttr(d));
  return extractSlice(b, loc, xType.clone(et), v, offsets, sizes, strides);
}

/// The operands of a QuantizeLinear or DequantizeLinear body: x (input 0),
/// its scale (input 1) and, with `withZeroPoint`, its zero point (input 2),
/// the last two aligned to broadcast against x (quantParameter).
FailureOr<SmallVector<Value>>
quantOperands(NodeContext &ctx, RankedTensorType xType, int64_t axis,
              int64_t blockSize, bool withZeroPoint, llvm::StringRef scaleName,
              llvm::StringRef zeroPointName) {
  SmallVector<Value> operands{ctx.operand(0)};
  FailureOr<Value> scale =
      quantParameter(ctx, 1, xType, axis, blockSize, scaleName);
  if (failed(scale))
    return failure();
  operands.push_back(*scale);
  if (withZeroPoint) {
    FailureOr<Value> zp =
        quantParameter(ctx, 2, xType, axis, blockSize, zeroPointName);
    if (failed(zp))
      return failure();
    operands.push_back(*zp);
  }
  return operands;
}

/// Rounds `v` (a float) half to even, adds the zero point `zp` (a float of
/// the same type, or null) and saturates to [lo, hi]; NaN becomes lo.
Value roundAndSaturate(OpBuilder &b, Location loc, Value v, Value zp,
                       int64_t lo, int64_t hi) {
  Type ft = v.getType();
  v = math::RoundEvenOp::create(b, loc, v);
  if (zp)
    v = arith::AddFOp::create(b, loc, v, zp);
  v = arith::MaxNumFOp::create(b, loc, v,
                               scalarConstant(b, loc, ft, double(lo)));
  return arith::MinNumFOp::create(b, loc, v,
                                  scalarConstant(b, loc, ft, double(hi)));
}

/// A saturated float (an integer value in the range of `kind`) as `kind`.
Value floatToQuantized(OpBuilder &b, Location loc, Value v, ElementKind kind) {
  Value i32 = arith::FPToSIOp::create(b, loc, b.getI32Type(), v);
  return convertScalar(b, loc, i32, ElementKind::Int32, kind);
}

Value toFloatKind(OpBuilder &b, Location loc, Value v, ElementKind from,
                  ElementKind to) {
  return convertLowPrecision(b, loc, v, from, to, CastMode{});
}

/// DequantizeLinear of constants to f32 (a weight quantized to 16 bits or
/// fewer, with constant scales and zero points), computed at import: the
/// weight stays a constant, so that the contraction and convolution
/// rewrites, weight sparsity and packing see it, and no run dequantizes it
/// again. The same f32 arithmetic as the compiled code, so the values are
/// identical. False (nothing done) when it does not apply; shape errors
/// are left to the run-time path, which reports them.
bool foldDequantize(NodeContext &ctx, ElementKind xKind, ElementKind scaleKind,
                    ElementKind outKind, bool hasZeroPoint, int64_t axisAttr,
                    int64_t blockSize) {
  const GraphValue &x = ctx.input(0), &s = ctx.input(1);
  if (outKind != ElementKind::Float || scaleKind != ElementKind::Float ||
      !x.constant || !s.constant || !x.type.hasStaticShape() ||
      (!integerRange(xKind) && xKind != ElementKind::Int32) ||
      (hasZeroPoint && !ctx.input(2).constant))
    return false;
  RankedTensorType xType = x.type, sType = s.type;
  std::optional<int64_t> count = staticNumElements(xType);
  if (!count || !sieve::checkTensorSize(xType.getShape(), sizeof(float),
                                        ctx.options().maxTensorBytes)
                     .empty())
    return false;
  int64_t rank = xType.getRank();
  SmallVector<double> scales = elementsAsDoubles(s.constant);
  SmallVector<int64_t> zeroPoints;
  if (hasZeroPoint) {
    zeroPoints = elementsAsInts(ctx.input(2).constant);
    if (zeroPoints.size() != scales.size())
      return false;
  }
  // Which scale each element takes: one for all, one per index along
  // `axis`, or one per block of `blockSize` along it.
  enum class Mode { Tensor, Axis, Blocked } mode = Mode::Tensor;
  int64_t axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (scales.size() != 1) {
    if (axis < 0 || axis >= rank)
      return false;
    if (blockSize <= 0) {
      if (sType.getRank() != 1 || sType.getDimSize(0) != xType.getDimSize(axis))
        return false;
      mode = Mode::Axis;
    } else {
      if (sType.getRank() != rank || !sType.hasStaticShape())
        return false;
      for (int64_t d = 0; d < rank; ++d)
        if (sType.getDimSize(d) !=
            (d == axis ? llvm::divideCeilSigned(xType.getDimSize(d), blockSize)
                       : xType.getDimSize(d)))
          return false;
      mode = Mode::Blocked;
    }
  }
  SmallVector<int64_t> values = elementsAsInts(x.constant);
  if (int64_t(values.size()) != *count)
    return false;
  std::vector<float> out(*count);
  SmallVector<int64_t> coord(rank, 0);
  for (int64_t e = 0; e < *count; ++e) {
    int64_t k = 0;
    if (mode == Mode::Axis) {
      k = coord[axis];
    } else if (mode == Mode::Blocked) {
      for (int64_t d = 0; d < rank; ++d)
        k = k * sType.getDimSize(d) +
            (d == axis ? coord[d] / blockSize : coord[d]);
    }
    float v = static_cast<float>(values[e]);
    if (hasZeroPoint)
      v = v - static_cast<float>(zeroPoints[k]);
    out[e] = v * static_cast<float>(scales[k]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < xType.getDimSize(d))
        break;
      coord[d] = 0;
    }
  }
  auto resultType = RankedTensorType::get(xType.getShape(),
                                          Float32Type::get(ctx.getContext()));
  ctx.setConstantOutput(
      0,
      makeElementsFromBytes(
          resultType, ArrayRef<char>(reinterpret_cast<const char *>(out.data()),
                                     out.size() * sizeof(float))),
      ElementKind::Float);
  return true;
}

LogicalResult importDequantizeLinear(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis", "block_size", "output_dtype"})))
    return failure();
  ElementKind xKind = ctx.inputKind(0), scaleKind = ctx.inputKind(1);
  if (failed(requireKind(ctx, 0, "x",
                         isQuantizedKind(xKind) || xKind == ElementKind::Int32,
                         "an 8-, 16-, 4- or 2-bit integer, int32 or an 8- "
                         "or 4-bit float")) ||
      failed(requireKind(ctx, 1, "x_scale", isScaleKind(scaleKind),
                         "float, float16 or bfloat16")))
    return failure();
  ElementKind outKind = scaleKind;
  if (int64_t dtype = ctx.attrInt("output_dtype", 0)) {
    outKind = static_cast<ElementKind>(dtype);
    if (!isScaleKind(outKind))
      return ctx.emitError() << "output_dtype " << dtype
                             << " is not supported (float, float16 or "
                                "bfloat16)";
  }
  // The 8- and 4-bit floats have no zero point (it must be 0; ignored).
  bool hasZeroPoint = ctx.hasInput(2) && !isFloat8Kind(xKind) &&
                      xKind != ElementKind::Float4E2M1;
  if (hasZeroPoint && ctx.inputKind(2) != xKind)
    return ctx.emitError() << "x_zero_point has element type "
                           << stringifyElementKind(ctx.inputKind(2))
                           << ", x has " << stringifyElementKind(xKind);
  RankedTensorType xType = ctx.inputType(0);
  int64_t axis = ctx.attrInt("axis", 1);
  int64_t blockSize = ctx.attrInt("block_size", 0);
  if (blockSize < 0)
    return ctx.emitError() << "block_size " << blockSize << " is negative";
  if (foldDequantize(ctx, xKind, scaleKind, outKind, hasZeroPoint, axis,
                     blockSize))
    return success();
  FailureOr<SmallVector<Value>> operands = quantOperands(
      ctx, xType, axis, blockSize, hasZeroPoint, "x_scale", "x_zero_point");
  if (failed(operands))
    return failure();
  auto resultType = RankedTensorType::get(
      xType.getShape(), getElementType(ctx.getContext(), outKind));
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), *operands, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = toFloatKind(b, loc, args[0], xKind, ElementKind::Float);
        if (hasZeroPoint)
          x = arith::SubFOp::create(
              b, loc, x,
              toFloatKind(b, loc, args[2], xKind, ElementKind::Float));
        Value s = convertScalar(b, loc, args[1], scaleKind, ElementKind::Float);
        return convertScalar(b, loc, arith::MulFOp::create(b, loc, x, s),
                             ElementKind::Float, outKind);
      });
  ctx.setOutput(0, result, outKind);
  return success();
}

LogicalResult importQuantizeLinear(NodeContext &ctx) {
  if (failed(ctx.checkAttributes(
          {"axis", "saturate", "block_size", "output_dtype", "precision"})))
    return failure();
  ElementKind xKind = ctx.inputKind(0), scaleKind = ctx.inputKind(1);
  if (failed(requireKind(ctx, 0, "x",
                         isScaleKind(xKind) || xKind == ElementKind::Int32,
                         "float, float16, bfloat16 or int32")) ||
      failed(requireKind(ctx, 1, "y_scale", isScaleKind(scaleKind),
                         "float, float16 or bfloat16")))
    return failure();
  auto outKind = static_cast<ElementKind>(ctx.attrInt("output_dtype", 0));
  if (ctx.hasInput(2)) {
    ElementKind zpKind = ctx.inputKind(2);
    if (outKind != ElementKind::Undefined && outKind != zpKind)
      return ctx.emitError() << "output_dtype " << stringifyElementKind(outKind)
                             << " differs from y_zero_point's element type "
                             << stringifyElementKind(zpKind);
    outKind = zpKind;
  }
  if (outKind == ElementKind::Undefined)
    outKind = ElementKind::UInt8;
  if (!isQuantizedKind(outKind))
    return ctx.emitError() << "quantizing to " << stringifyElementKind(outKind)
                           << " is not supported (8-, 16-, 4- or 2-bit "
                              "integers, 8- or 4-bit floats)";
  // The division's precision: `precision` when given, else numpy's
  // promotion of x and the scale (int32 / float is double).
  ElementKind divKind = static_cast<ElementKind>(ctx.attrInt("precision", 0));
  if (divKind == ElementKind::Undefined)
    divKind = xKind == ElementKind::Int32 ? ElementKind::Double
              : xKind == scaleKind        ? xKind
                                          : ElementKind::Float;
  else if (!isScaleKind(divKind))
    return ctx.emitError() << "precision " << stringifyElementKind(divKind)
                           << " is not supported (float, float16 or "
                              "bfloat16)";
  // The rounding and saturation run in f32 (f64 after an int32 input):
  // exact for every value of the division's type.
  ElementKind wideKind =
      divKind == ElementKind::Double ? ElementKind::Double : ElementKind::Float;
  CastMode mode;
  mode.saturate = ctx.attrInt("saturate", 1) != 0;
  bool isInteger = integerRange(outKind).has_value();
  // Float8 outputs have no zero point (it must be 0); FLOAT4E2M1 adds it.
  bool useZeroPoint = ctx.hasInput(2) && !isFloat8Kind(outKind);

  RankedTensorType xType = ctx.inputType(0);
  int64_t axis = ctx.attrInt("axis", 1);
  int64_t blockSize = ctx.attrInt("block_size", 0);
  if (blockSize < 0)
    return ctx.emitError() << "block_size " << blockSize << " is negative";
  FailureOr<SmallVector<Value>> operands = quantOperands(
      ctx, xType, axis, blockSize, useZeroPoint, "y_scale", "y_zero_point");
  if (failed(operands))
    return failure();
  auto resultType = RankedTensorType::get(
      xType.getShape(), getElementType(ctx.getContext(), outKind));
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), *operands, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = convertScalar(b, loc, args[0], xKind, divKind);
        Value s = convertScalar(b, loc, args[1], scaleKind, divKind);
        Value v = convertScalar(b, loc, arith::DivFOp::create(b, loc, x, s),
                                divKind, wideKind);
        Value zp = useZeroPoint
                       ? toFloatKind(b, loc, args[2], outKind, wideKind)
                       : Value();
        if (isInteger) {
          auto [lo, hi] = *integerRange(outKind);
          return floatToQuantized(
              b, loc, roundAndSaturate(b, loc, v, zp, lo, hi), outKind);
        }
        if (zp)
          v = arith::AddFOp::create(b, loc, v, zp);
        return convertLowPrecision(b, loc, v, wideKind, outKind, mode);
      });
  ctx.setOutput(0, result, outKind);
  return success();
}

/// DynamicQuantizeLinear: uint8 with the scale and zero point that map
/// [min(0, min x), max(0, max x)] onto [0, 255].
LogicalResult importDynamicQuantizeLinear(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) ||
      failed(requireKind(ctx, 0, "x", ctx.inputKind(0) == ElementKind::Float,
                         "float")))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value x = ctx.operand(0);
  RankedTensorType xType = ctx.inputType(0);
  SmallVector<int64_t> all;
  for (int64_t d = 0; d < xType.getRank(); ++d)
    all.push_back(d);
  auto extractScalar = [&](Reduction op) -> Value {
    Value r = buildReduction(b, loc, x, ElementKind::Float, all,
                             /*keepDims=*/false, op);
    return tensor::ExtractOp::create(b, loc, r, ValueRange{});
  };
  Type f32 = b.getF32Type();
  Value zero = scalarConstant(b, loc, f32, 0.0);
  Value maxv =
      arith::MaximumFOp::create(b, loc, extractScalar(Reduction::Max), zero);
  Value minv =
      arith::MinimumFOp::create(b, loc, extractScalar(Reduction::Min), zero);
  Value same =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, maxv, minv);
  Value range =
      arith::SelectOp::create(b, loc, same, scalarConstant(b, loc, f32, 1.0),
                              arith::SubFOp::create(b, loc, maxv, minv));
  Value scale =
      arith::DivFOp::create(b, loc, range, scalarConstant(b, loc, f32, 255.0));
  Value initialZp = arith::SubFOp::create(
      b, loc, zero, arith::DivFOp::create(b, loc, minv, scale));
  Value zpf = math::RoundEvenOp::create(
      b, loc,
      arith::MinNumFOp::create(
          b, loc, arith::MaxNumFOp::create(b, loc, initialZp, zero),
          scalarConstant(b, loc, f32, 255.0)));

  auto yType = RankedTensorType::get(xType.getShape(), b.getI8Type());
  Value y = buildElementwise(
      b, loc, ValueRange{x}, yType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value v = arith::DivFOp::create(b, loc, args[0], scale);
        return floatToQuantized(b, loc,
                                roundAndSaturate(b, loc, v, zpf, 0, 255),
                                ElementKind::UInt8);
      });
  ctx.setOutput(0, y, ElementKind::UInt8);
  if (ctx.hasOutput(1))
    ctx.setOutput(1,
                  tensor::FromElementsOp::create(b, loc,
                                                 RankedTensorType::get({}, f32),
                                                 ValueRange{scale}),
                  ElementKind::Float);
  if (ctx.hasOutput(2)) {
    Value zp = floatToQuantized(b, loc, zpf, ElementKind::UInt8);
    ctx.setOutput(
        2,
        tensor::FromElementsOp::create(
            b, loc, RankedTensorType::get({}, b.getI8Type()), ValueRange{zp}),
        ElementKind::UInt8);
  }
  return success();
}

/// How a zero point or scale with more than one element lines up with its
/// operand.
enum class Layout {
  /// Only one element (ConvInteger's x).
  Scalar,
  /// [M] per row of a matrix [..., M, K]: becomes [M, 1].
  PerRow,
  /// As it is, numpy-broadcast ([N] per column of [..., K, N]).
  Broadcast,
  /// [F] per output channel of a weight [F, C, k...]: becomes [F, 1, ...].
  PerChannel,
};

/// `value` of `type` reshaped to broadcast against an operand of rank
/// `rank` as `layout` says; failure (an error naming `what`) when it does
/// not broadcast to `shape`.
FailureOr<Value> alignParameter(NodeContext &ctx, Value value,
                                ArrayRef<int64_t> shape, Layout layout,
                                llvm::StringRef what) {
  auto type = cast<RankedTensorType>(value.getType());
  std::optional<int64_t> count = staticNumElements(type);
  bool single = count && *count == 1;
  if (layout == Layout::Scalar && !single)
    return ctx.emitError() << what << " of shape " << type
                           << " must have one element";
  int64_t trailing = layout == Layout::PerRow       ? 1
                     : layout == Layout::PerChannel ? int64_t(shape.size()) - 1
                                                    : 0;
  if (trailing > 0 && type.getRank() == 1 && !single &&
      int64_t(shape.size()) > trailing) {
    SmallVector<int64_t> aligned(trailing + 1, 1);
    aligned[0] = type.getDimSize(0);
    type = RankedTensorType::get(aligned, type.getElementType());
    value = reshapeTo(ctx.builder(), ctx.loc(), value, type);
  }
  FailureOr<SmallVector<int64_t>> common =
      broadcastShapes(shape, type.getShape());
  if (failed(common) || ArrayRef<int64_t>(*common) != shape)
    return ctx.emitError() << what << " of shape " << value.getType()
                           << " does not broadcast to "
                           << RankedTensorType::get(shape,
                                                    type.getElementType());
  return value;
}

/// Input `i` (int8 or uint8) minus its zero point (input `zpIndex`, when
/// present) as int32.
FailureOr<Value> widenOperand(NodeContext &ctx, size_t i, size_t zpIndex,
                              Layout layout, llvm::StringRef what) {
  ElementKind kind = ctx.inputKind(i);
  if (failed(requireKind(
          ctx, i, what, kind == ElementKind::Int8 || kind == ElementKind::UInt8,
          "int8 or uint8")))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType type = ctx.inputType(i);
  auto i32Type = RankedTensorType::get(type.getShape(), b.getI32Type());
  SmallVector<Value> operands{ctx.operand(i)};
  if (ctx.hasInput(zpIndex)) {
    if (ctx.inputKind(zpIndex) != kind)
      return ctx.emitError()
             << what << "'s zero point has element type "
             << stringifyElementKind(ctx.inputKind(zpIndex)) << ", " << what
             << " has " << stringifyElementKind(kind);
    FailureOr<Value> zp =
        alignParameter(ctx, ctx.operand(zpIndex), type.getShape(), layout,
                       (what + "'s zero point").str());
    if (failed(zp))
      return failure();
    operands.push_back(*zp);
  }
  return buildElementwise(
      b, loc, operands, i32Type,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value v = convertScalar(b, loc, args[0], kind, ElementKind::Int32);
        if (args.size() == 1)
          return v;
        return Value(arith::SubIOp::create(
            b, loc, v,
            convertScalar(b, loc, args[1], kind, ElementKind::Int32)));
      });
}

/// The int32 `acc` of a QLinear op scaled by a_scale * b_scale / y_scale
/// (inputs `aScale`, `bScale`, 6; computed in the scales' own type, as the
/// reference does, then applied in double to the exact sum), rounded half
/// to even, shifted by y_zero_point (input 7) and saturated to its type.
FailureOr<Value> requantize(NodeContext &ctx, Value acc, size_t aScale,
                            Layout aLayout, size_t bScale, Layout bLayout) {
  ElementKind scaleKind = ctx.inputKind(aScale);
  for (size_t i : {aScale, bScale, size_t(6)})
    if (failed(requireKind(ctx, i, "a scale",
                           isScaleKind(ctx.inputKind(i)) &&
                               ctx.inputKind(i) == scaleKind,
                           "float, float16 or bfloat16, the same for all "
                           "three scales")))
      return failure();
  ElementKind outKind = ctx.inputKind(7);
  if (failed(requireKind(ctx, 7, "y_zero_point",
                         outKind == ElementKind::Int8 ||
                             outKind == ElementKind::UInt8,
                         "int8 or uint8")))
    return failure();
  auto accType = cast<RankedTensorType>(acc.getType());
  ArrayRef<int64_t> shape = accType.getShape();
  // The output's channel axis is 1: a per-channel scale of a convolution
  // lines up as [F, 1, ...] over the spatial dimensions.
  auto align = [&](size_t i, Layout layout, llvm::StringRef what) {
    if (layout == Layout::PerChannel)
      return alignParameter(ctx, ctx.operand(i), shape.drop_front(),
                            Layout::PerChannel, what);
    return alignParameter(ctx, ctx.operand(i), shape, layout, what);
  };
  FailureOr<Value> a = align(aScale, aLayout, "the first scale");
  FailureOr<Value> bs = align(bScale, bLayout, "the second scale");
  FailureOr<Value> ys = align(6, Layout::Scalar, "y_scale");
  FailureOr<Value> yzp = align(7, Layout::Scalar, "y_zero_point");
  if (failed(a) || failed(bs) || failed(ys) || failed(yzp))
    return failure();
  auto [lo, hi] = *integerRange(outKind);
  auto resultType =
      RankedTensorType::get(shape, getElementType(ctx.getContext(), outKind));
  return buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{acc, *a, *bs, *ys, *yzp}, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value factor = arith::DivFOp::create(
            b, loc, arith::MulFOp::create(b, loc, args[1], args[2]), args[3]);
        Value f = convertScalar(b, loc, factor, scaleKind, ElementKind::Double);
        Value v = convertScalar(b, loc, args[0], ElementKind::Int32,
                                ElementKind::Double);
        Value zp = convertScalar(b, loc, args[4], outKind, ElementKind::Double);
        return floatToQuantized(
            b, loc,
            roundAndSaturate(b, loc, arith::MulFOp::create(b, loc, v, f), zp,
                             lo, hi),
            outKind);
      });
}

LogicalResult importMatMulInteger(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  FailureOr<Value> lhs = widenOperand(ctx, 0, 2, Layout::PerRow, "A");
  if (failed(lhs))
    return failure();
  FailureOr<Value> rhs = widenOperand(ctx, 1, 3, Layout::Broadcast, "B");
  if (failed(rhs))
    return failure();
  FailureOr<Value> product = buildMatMul(ctx, *lhs, *rhs);
  if (failed(product))
    return failure();
  ctx.setOutput(0, *product, ElementKind::Int32);
  return success();
}

/// QLinearMatMul: the int32 product of the zero-point-shifted operands,
/// scaled by a_scale * b_scale / y_scale (computed in the scales' type),
/// rounded, shifted by y_zero_point and saturated.
LogicalResult importQLinearMatMul(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  FailureOr<Value> lhs = widenOperand(ctx, 0, 2, Layout::PerRow, "a");
  if (failed(lhs))
    return failure();
  FailureOr<Value> rhs = widenOperand(ctx, 3, 5, Layout::Broadcast, "b");
  if (failed(rhs))
    return failure();
  FailureOr<Value> product = buildMatMul(ctx, *lhs, *rhs);
  if (failed(product))
    return failure();
  FailureOr<Value> result =
      requantize(ctx, *product, /*aScale=*/1, Layout::PerRow, /*bScale=*/4,
                 Layout::Broadcast);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.inputKind(7));
  return success();
}

/// The int32 convolution of x (input 0, zero point input 2, per tensor)
/// by the weight (input `wIndex`, zero point `wZeroPoint`, per tensor or
/// per output channel), plus the int32 bias (input `biasIndex`) when the
/// node has one. Padding is x's zero point, i.e. zero after the shift.
FailureOr<Value> integerConvolution(NodeContext &ctx, size_t wIndex,
                                    size_t wZeroPoint, size_t biasIndex) {
  if (failed(ctx.checkAttributes({"auto_pad", "dilations", "group",
                                  "kernel_shape", "pads", "strides"})))
    return failure();
  FailureOr<Value> x = widenOperand(ctx, 0, 2, Layout::Scalar, "x");
  if (failed(x))
    return failure();
  FailureOr<Value> w =
      widenOperand(ctx, wIndex, wZeroPoint, Layout::PerChannel, "w");
  if (failed(w))
    return failure();
  Value bias;
  if (ctx.hasInput(biasIndex)) {
    if (failed(requireKind(ctx, biasIndex, "B",
                           ctx.inputKind(biasIndex) == ElementKind::Int32,
                           "int32")))
      return failure();
    bias = ctx.operand(biasIndex);
  }
  return buildConv(ctx, *x, *w, bias);
}

/// ConvInteger: x and w minus their zero points, convolved in int32.
LogicalResult importConvInteger(NodeContext &ctx) {
  // ConvInteger has 4 inputs: no bias (index 4 is never present).
  FailureOr<Value> result = integerConvolution(ctx, 1, 3, 4);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ElementKind::Int32);
  return success();
}

/// QLinearConv: ConvInteger plus the int32 bias, requantized with
/// x_scale * w_scale / y_scale (w_scale per tensor or per output channel).
LogicalResult importQLinearConv(NodeContext &ctx) {
  FailureOr<Value> conv = integerConvolution(ctx, 3, 5, 8);
  if (failed(conv))
    return failure();
  // w_scale [F] lines up with the output's channel axis: [F, 1, ...].
  FailureOr<Value> result = requantize(ctx, *conv, /*aScale=*/1, Layout::Scalar,
                                       /*bScale=*/4, Layout::PerChannel);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.inputKind(7));
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerQuantizeImporters(
    OpImporterTable &table) {
  table["DequantizeLinear"] = importDequantizeLinear;
  table["DynamicQuantizeLinear"] = importDynamicQuantizeLinear;
  table["ConvInteger"] = importConvInteger;
  table["MatMulInteger"] = importMatMulInteger;
  table["QLinearConv"] = importQLinearConv;
  table["QLinearMatMul"] = importQLinearMatMul;
  table["QuantizeLinear"] = importQuantizeLinear;
}
