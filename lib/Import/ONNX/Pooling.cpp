//===- Pooling.cpp - Pooling and reductions ---------------------*- C++ -*-===//
//
// MaxPool, AveragePool (linalg pooling named ops on padded inputs),
// GlobalAveragePool, ReduceMean/Sum/Max/Min/Prod (linalg.reduce), the
// reductions composed from a sum (ReduceL1/L2/SumSquare/LogSum/LogSumExp),
// ArgMax and ArgMin.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

Value mlir::sieve::onnx_import::buildReduction(OpBuilder &b, Location loc,
                                               Value input, ElementKind kind,
                                               ArrayRef<int64_t> axes,
                                               bool keepDims, Reduction op) {
  auto type = cast<RankedTensorType>(input.getType());
  Type et = type.getElementType();
  // Bools reduce as unsigned i1: Max is "any", Min is "all".
  bool isFloat = isFloatKind(kind),
       isUnsigned = isUnsignedIntKind(kind) || kind == ElementKind::Bool;
  SmallVector<int64_t> reducedShape;
  SmallVector<Value> dyn;
  double count = 1;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (llvm::is_contained(axes, i)) {
      count *= type.getDimSize(i);
      continue;
    }
    reducedShape.push_back(type.getDimSize(i));
    if (type.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(b, loc, input, i));
  }
  auto reducedType = RankedTensorType::get(reducedShape, et);
  Value identity;
  switch (op) {
  case Reduction::Sum:
  case Reduction::Mean:
    identity = scalarConstant(b, loc, et, 0.0);
    break;
  case Reduction::Prod:
    identity = scalarConstant(b, loc, et, 1.0);
    break;
  case Reduction::Max:
  case Reduction::Min: {
    bool max = op == Reduction::Max;
    if (isFloat) {
      identity = arith::ConstantOp::create(
          b, loc,
          b.getFloatAttr(
              et, APFloat::getInf(cast<FloatType>(et).getFloatSemantics(),
                                  /*Negative=*/max)));
    } else {
      unsigned width = et.getIntOrFloatBitWidth();
      APInt value = isUnsigned ? (max ? APInt::getMinValue(width)
                                      : APInt::getMaxValue(width))
                               : (max ? APInt::getSignedMinValue(width)
                                      : APInt::getSignedMaxValue(width));
      identity = arith::ConstantOp::create(b, loc, b.getIntegerAttr(et, value));
    }
    break;
  }
  }
  Value init = filledTensor(b, loc, reducedType, dyn, identity);
  Value reduced =
      linalg::ReduceOp::create(
          b, loc, ValueRange{input}, ValueRange{init}, axes,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value x = args[0], acc = args[1], r;
            switch (op) {
            case Reduction::Sum:
            case Reduction::Mean:
              r = isFloat ? Value(arith::AddFOp::create(nb, nl, x, acc))
                          : Value(arith::AddIOp::create(nb, nl, x, acc));
              break;
            case Reduction::Prod:
              r = isFloat ? Value(arith::MulFOp::create(nb, nl, x, acc))
                          : Value(arith::MulIOp::create(nb, nl, x, acc));
              break;
            case Reduction::Max:
              r = isFloat ? Value(arith::MaximumFOp::create(nb, nl, x, acc))
                  : isUnsigned ? Value(arith::MaxUIOp::create(nb, nl, x, acc))
                               : Value(arith::MaxSIOp::create(nb, nl, x, acc));
              break;
            case Reduction::Min:
              r = isFloat ? Value(arith::MinimumFOp::create(nb, nl, x, acc))
                  : isUnsigned ? Value(arith::MinUIOp::create(nb, nl, x, acc))
                               : Value(arith::MinSIOp::create(nb, nl, x, acc));
              break;
            }
            linalg::YieldOp::create(nb, nl, r);
          })
          .getResult(0);
  if (op == Reduction::Mean)
    reduced = buildElementwise(
        b, loc, ValueRange{reduced}, reducedType,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          if (isFloat)
            return arith::DivFOp::create(nb, nl, args[0],
                                         scalarConstant(nb, nl, et, count));
          Value n = scalarConstant(nb, nl, et, count);
          return isUnsigned ? Value(arith::DivUIOp::create(nb, nl, args[0], n))
                            : Value(arith::DivSIOp::create(nb, nl, args[0], n));
        });
  if (!keepDims)
    return reduced;
  SmallVector<int64_t> keptShape(type.getShape());
  for (int64_t a : axes)
    keptShape[a] = 1;
  return reshapeTo(b, loc, reduced, RankedTensorType::get(keptShape, et));
}

namespace {

struct PoolSetup {
  /// The geometry as the node describes it, and as the pooling op sees it
  /// (1-D pools are lifted to 2-D).
  WindowGeometry original, g;
  /// The padded input: NCHW for 1-D/2-D pools, NDHWC for 3-D pools.
  Value input;
  RankedTensorType outType;
  SmallVector<Value> dyn;
  bool oneD = false, threeD = false;
};

FailureOr<PoolSetup> setupPool(NodeContext &ctx, bool ceilMode, Value padValue,
                               Value input = {}) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  if (xt.getRank() < 3 || xt.getRank() > 5)
    return ctx.emitError() << "only 1-D, 2-D and 3-D pooling are supported, "
                              "got "
                           << xt;
  auto kernel = ctx.attrInts("kernel_shape");
  if (!kernel)
    return ctx.emitError() << "the kernel_shape attribute is required";
  PoolSetup s;
  FailureOr<WindowGeometry> g =
      computeWindow(ctx, xt.getShape().drop_front(2), *kernel, ceilMode);
  if (failed(g))
    return failure();
  s.g = s.original = *g;
  SmallVector<int64_t> end(s.g.padEnd);
  for (size_t i = 0; i < end.size(); ++i)
    end[i] += s.g.extraEnd[i];
  if (!input)
    input = ctx.operand(0);
  Value x = padSpatial(b, loc, input, s.g.padBegin, end, padValue);
  if (failed(ctx.checkResultShape(cast<RankedTensorType>(x.getType()),
                                  "the padded input")))
    return failure();
  Type et = cast<RankedTensorType>(input.getType()).getElementType();
  if (xt.getRank() == 3) {
    s.oneD = true;
    auto t = cast<RankedTensorType>(x.getType());
    auto size = [&](int64_t i) {
      return t.isDynamicDim(i)
                 ? OpFoldResult(tensor::DimOp::create(b, loc, x, i).getResult())
                 : OpFoldResult(b.getIndexAttr(t.getDimSize(i)));
    };
    x = tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get(
            {t.getDimSize(0), t.getDimSize(1), 1, t.getDimSize(2)}, et),
        x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}},
        ArrayRef<OpFoldResult>{size(0), size(1), b.getIndexAttr(1), size(2)});
    for (auto *list : {&s.g.kernel, &s.g.strides, &s.g.dilations, &s.g.output})
      list->insert(list->begin(), 1);
  }
  SmallVector<int64_t> shape{xt.getDimSize(0), xt.getDimSize(1)};
  shape.append(s.g.output.begin(), s.g.output.end());
  if (xt.getRank() == 5) {
    // linalg pools 3-D windows in NDHWC layout only.
    s.threeD = true;
    x = transposeTo(b, loc, x, {0, 2, 3, 4, 1});
    shape = {shape[0], shape[2], shape[3], shape[4], shape[1]};
  }
  s.input = x;
  s.outType = RankedTensorType::get(shape, et);
  // The batch and channel sizes may be dynamic (the spatial ones are not:
  // computeWindow refuses them); x has them at the same positions.
  for (int64_t i = 0; i < s.outType.getRank(); ++i)
    if (s.outType.isDynamicDim(i))
      s.dyn.push_back(tensor::DimOp::create(b, loc, x, i));
  return s;
}

Value finishPool(NodeContext &ctx, PoolSetup &s, Value result) {
  if (s.threeD)
    return transposeTo(ctx.builder(), ctx.loc(), result, {0, 4, 1, 2, 3});
  if (!s.oneD)
    return result;
  auto t = s.outType;
  return tensor::CollapseShapeOp::create(
      ctx.builder(), ctx.loc(),
      RankedTensorType::get({t.getDimSize(0), t.getDimSize(1), t.getDimSize(3)},
                            t.getElementType()),
      result, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

template <typename PoolOp, typename Pool3DOp>
Value buildPool(NodeContext &ctx, PoolSetup &s, Value init) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value window =
      tensor::EmptyOp::create(b, loc, s.g.kernel, s.outType.getElementType());
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("strides", b.getI64TensorAttr(s.g.strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(s.g.dilations))};
  if (s.threeD)
    return Pool3DOp::create(b, loc, TypeRange{s.outType},
                            ValueRange{s.input, window}, ValueRange{init},
                            attrs)
        .getResult(0);
  return PoolOp::create(b, loc, TypeRange{s.outType},
                        ValueRange{s.input, window}, ValueRange{init}, attrs)
      .getResult(0);
}

LogicalResult importMaxPool(NodeContext &ctx);

/// linalg has no unsigned NCHW max pool: pool the values zero-extended to a
/// signed type of twice the width, then truncate back.
LogicalResult importUnsignedMaxPool(NodeContext &ctx) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  unsigned width = xt.getElementTypeBitWidth();
  Type wide = b.getIntegerType(2 * width);
  ElementKind kind = ctx.inputKind(0);
  ElementKind wideKind = width == 8    ? ElementKind::Int16
                         : width == 16 ? ElementKind::Int32
                                       : ElementKind::Int64;
  Value widened =
      buildElementwise(b, loc, ValueRange{ctx.operand(0)},
                       RankedTensorType::get(xt.getShape(), wide),
                       [&](OpBuilder &nb, Location nl, ValueRange args) {
                         return convertScalar(nb, nl, args[0], kind, wideKind);
                       });
  Value lowest = arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(wide, APInt::getSignedMinValue(2 * width)));
  FailureOr<PoolSetup> s =
      setupPool(ctx, ctx.attrInt("ceil_mode", 0), lowest, widened);
  if (failed(s))
    return failure();
  Value init = filledTensor(b, loc, s->outType, s->dyn, lowest);
  Value pooled =
      finishPool(ctx, *s,
                 buildPool<linalg::PoolingNchwMaxOp, linalg::PoolingNdhwcMaxOp>(
                     ctx, *s, init));
  auto pooledType = cast<RankedTensorType>(pooled.getType());
  Value result = buildElementwise(
      b, loc, ValueRange{pooled},
      RankedTensorType::get(pooledType.getShape(), xt.getElementType()),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return convertScalar(nb, nl, args[0], wideKind, kind);
      });
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importMaxPool(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "ceil_mode", "dilations",
                                  "kernel_shape", "pads", "storage_order",
                                  "strides"})))
    return failure();
  if (ctx.hasOutput(1))
    return ctx.emitError() << "the Indices output is not supported";
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool || kind == ElementKind::UInt64)
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  if (isUnsignedIntKind(kind))
    return importUnsignedMaxPool(ctx);
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type et = ctx.inputType(0).getElementType();
  Value lowest;
  if (auto ft = dyn_cast<FloatType>(et)) {
    lowest = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(et, APFloat::getInf(ft.getFloatSemantics(),
                                           /*Negative=*/true)));
  } else {
    unsigned width = et.getIntOrFloatBitWidth();
    lowest = arith::ConstantOp::create(
        b, loc,
        b.getIntegerAttr(et, isUnsignedIntKind(kind)
                                 ? APInt::getMinValue(width)
                                 : APInt::getSignedMinValue(width)));
  }
  FailureOr<PoolSetup> s = setupPool(ctx, ctx.attrInt("ceil_mode", 0), lowest);
  if (failed(s))
    return failure();
  Value init = filledTensor(b, loc, s->outType, s->dyn, lowest);
  Value result = buildPool<linalg::PoolingNchwMaxOp, linalg::PoolingNdhwcMaxOp>(
      ctx, *s, init);
  ctx.setOutput(0, finishPool(ctx, *s, result), ctx.inputKind(0));
  return success();
}

LogicalResult importAveragePool(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "ceil_mode", "count_include_pad",
                                  "dilations", "kernel_shape", "pads",
                                  "strides"})))
    return failure();
  if (!isFloatKind(ctx.inputKind(0)))
    return ctx.emitError() << "only floating-point inputs are supported";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type et = ctx.inputType(0).getElementType();
  Value zero = scalarConstant(b, loc, et, 0.0);
  FailureOr<PoolSetup> s = setupPool(ctx, ctx.attrInt("ceil_mode", 0), zero);
  if (failed(s))
    return failure();
  Value init = filledTensor(b, loc, s->outType, s->dyn, zero);
  Value sum =
      finishPool(ctx, *s,
                 buildPool<linalg::PoolingNchwSumOp, linalg::PoolingNdhwcSumOp>(
                     ctx, *s, init));

  // The divisor of each output position, computed at compile time: the
  // window elements inside the input (count_include_pad=0) or inside the
  // input and its explicit pads (count_include_pad=1).
  bool includePad = ctx.attrInt("count_include_pad", 0) != 0;
  const WindowGeometry &g = s->original;
  ArrayRef<int64_t> spatial = ctx.inputType(0).getShape().drop_front(2);
  size_t n = spatial.size();
  SmallVector<int64_t> pos(n, 0);
  // The table is built as doubles first: check it at 8 bytes an element.
  if (failed(ctx.checkShape(g.output, b.getF64Type(), "the divisor table")))
    return failure();
  SmallVector<double> divisor;
  int64_t positions = *sieve::checkedNumElements(g.output);
  for (int64_t flat = 0; flat < positions; ++flat) {
    int64_t count = 1;
    for (size_t d = 0; d < n; ++d) {
      int64_t lo = includePad ? -g.padBegin[d] : 0;
      int64_t hi = includePad ? spatial[d] + g.padEnd[d] : spatial[d];
      // The taps k in [0, kernel) with lo <= base + k * dilation < hi,
      // counted without visiting them (a kernel may be 2^31 wide).
      int64_t base = pos[d] * g.strides[d] - g.padBegin[d];
      int64_t dilation = g.dilations[d];
      int64_t first =
          std::max<int64_t>(0, llvm::divideCeilSigned(lo - base, dilation));
      int64_t last = std::min<int64_t>(
          g.kernel[d] - 1, llvm::divideFloorSigned(hi - 1 - base, dilation));
      count *= std::max<int64_t>(0, last - first + 1);
    }
    divisor.push_back(count > 0 ? 1.0 / count : 0.0);
    for (size_t d = n; d-- > 0;) {
      if (++pos[d] < g.output[d])
        break;
      pos[d] = 0;
    }
  }
  auto divType = RankedTensorType::get(g.output, et);
  Value scale = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(makeElements(divType, divisor)));
  Value result = buildElementwise(
      b, loc, ValueRange{sum, scale}, cast<RankedTensorType>(sum.getType()),
      [](OpBuilder &nb, Location nl, ValueRange args) {
        return arith::MulFOp::create(nb, nl, args[0], args[1]);
      });
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

LogicalResult importGlobalAveragePool(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  RankedTensorType xt = ctx.inputType(0);
  if (!isFloatKind(ctx.inputKind(0)) || xt.getRank() < 3)
    return ctx.emitError() << "expects a floating-point input of rank >= 3";
  for (int64_t i = 2; i < xt.getRank(); ++i)
    if (xt.isDynamicDim(i))
      return ctx.emitError() << "dynamic spatial dimensions are not supported";
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < xt.getRank(); ++i)
    axes.push_back(i);
  ctx.setOutput(0,
                buildReduction(ctx.builder(), ctx.loc(), ctx.operand(0),
                               ctx.inputKind(0), axes, true, Reduction::Mean),
                ctx.inputKind(0));
  return success();
}

/// The normalized, sorted axes of a Reduce* node: the `axes` attribute, or
/// an input since opset 13 (ReduceSum) / 18 (the rest); all axes when empty,
/// none when also noop_with_empty_axes=1.
FailureOr<SmallVector<int64_t>> reduceAxes(NodeContext &ctx, int64_t rank) {
  FailureOr<SmallVector<int64_t>> read =
      ctx.axesOperand(1, ctx.opType() == "ReduceSum" ? 13 : 18);
  if (failed(read))
    return failure();
  SmallVector<int64_t> axes = *read;
  if (axes.empty()) {
    if (ctx.attrInt("noop_with_empty_axes", 0))
      return axes;
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(ctx, a, rank, "axis");
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

/// `value`, whose `axes` have size 1, without those dimensions.
Value dropKeptAxes(OpBuilder &b, Location loc, Value value,
                   ArrayRef<int64_t> axes) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (!llvm::is_contained(axes, d))
      shape.push_back(type.getDimSize(d));
  return reshapeTo(b, loc, value,
                   RankedTensorType::get(shape, type.getElementType()));
}

LogicalResult importReduce(NodeContext &ctx, Reduction op) {
  if (failed(ctx.checkAttributes({"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  if ((kind == ElementKind::Bool && op != Reduction::Max &&
       op != Reduction::Min) ||
      (!isFloatKind(kind) && op == Reduction::Mean && isUnsignedIntKind(kind)))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  FailureOr<SmallVector<int64_t>> axes = reduceAxes(ctx, xt.getRank());
  if (failed(axes))
    return failure();
  if (axes->empty()) {
    ctx.setOutput(0, ctx.operand(0), kind);
    return success();
  }
  for (int64_t a : *axes)
    if (xt.isDynamicDim(a) && op == Reduction::Mean)
      return ctx.emitError() << "the mean over a dynamic dimension is not "
                                "supported";
  ctx.setOutput(0,
                buildReduction(ctx.builder(), ctx.loc(), ctx.operand(0), kind,
                               *axes, ctx.attrInt("keepdims", 1) != 0, op),
                kind);
  return success();
}

enum class Composed { L1, L2, SumSquare, LogSum, LogSumExp };

/// Reductions built from a sum: ReduceL1 (sum |x|), ReduceL2 (sqrt of sum
/// x^2), ReduceSumSquare, ReduceLogSum (log of sum) and ReduceLogSumExp
/// (max + log(sum exp(x - max)), exact for large inputs).
LogicalResult importComposedReduce(NodeContext &ctx, Composed op) {
  if (failed(ctx.checkAttributes({"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  bool intOk = op == Composed::L1 || op == Composed::SumSquare;
  if (!isFloatKind(kind) &&
      !(intOk && (isSignedIntKind(kind) || isUnsignedIntKind(kind))))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  FailureOr<SmallVector<int64_t>> axes = reduceAxes(ctx, xt.getRank());
  if (failed(axes))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  bool isFloat = isFloatKind(kind), isUnsigned = isUnsignedIntKind(kind);
  Value x = ctx.operand(0);
  Value max;
  if (op == Composed::LogSumExp && !axes->empty())
    max = buildReduction(b, loc, x, kind, *axes, true, Reduction::Max);
  // The summands.
  Value terms = x;
  if (op != Composed::LogSum) {
    SmallVector<Value> operands{x};
    if (max)
      operands.push_back(max);
    terms = buildElementwise(
        b, loc, operands, xt,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value v = args[0];
          switch (op) {
          case Composed::L1:
            if (isFloat)
              return math::AbsFOp::create(nb, nl, v);
            return isUnsigned ? v : Value(math::AbsIOp::create(nb, nl, v));
          case Composed::L2:
          case Composed::SumSquare:
            return isFloat ? Value(arith::MulFOp::create(nb, nl, v, v))
                           : Value(arith::MulIOp::create(nb, nl, v, v));
          case Composed::LogSumExp:
            if (args.size() > 1)
              v = arith::SubFOp::create(nb, nl, v, args[1]);
            return math::ExpOp::create(nb, nl, v);
          case Composed::LogSum:
            break;
          }
          return v;
        });
  }
  Value sum = axes->empty() ? terms
                            : buildReduction(b, loc, terms, kind, *axes, true,
                                             Reduction::Sum);
  auto sumType = cast<RankedTensorType>(sum.getType());
  if (op == Composed::L2 || op == Composed::LogSum ||
      op == Composed::LogSumExp) {
    SmallVector<Value> operands{sum};
    if (max)
      operands.push_back(max);
    sum = buildElementwise(
        b, loc, operands, sumType,
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          if (op == Composed::L2)
            return math::SqrtOp::create(nb, nl, args[0]);
          Value log = math::LogOp::create(nb, nl, args[0]);
          if (args.size() > 1)
            log = arith::AddFOp::create(nb, nl, log, args[1]);
          return log;
        });
  }
  if (!ctx.attrInt("keepdims", 1))
    sum = dropKeptAxes(b, loc, sum, *axes);
  ctx.setOutput(0, sum, kind);
  return success();
}

/// ArgMax / ArgMin along an axis: a linalg.generic reduction carrying the
/// best value and its index (the first one, or the last with
/// select_last_index=1).
LogicalResult importArgExtremum(NodeContext &ctx, bool isMax) {
  if (failed(ctx.checkAttributes({"axis", "keepdims", "select_last_index"})))
    return failure();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool || isLowPrecisionKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  int64_t rank = xt.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", 0), rank, "axis");
  if (failed(axis))
    return failure();
  bool last = ctx.attrInt("select_last_index", 0) != 0;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type et = xt.getElementType();
  bool isFloat = isFloatKind(kind), isUnsigned = isUnsignedIntKind(kind);
  Value x = ctx.operand(0);
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    if (d == *axis)
      continue;
    shape.push_back(xt.getDimSize(d));
    outExprs.push_back(b.getAffineDimExpr(d));
    if (xt.isDynamicDim(d))
      dyn.push_back(tensor::DimOp::create(b, loc, x, d));
  }
  Value worst;
  if (isFloat) {
    worst = arith::ConstantOp::create(
        b, loc,
        b.getFloatAttr(
            et,
            APFloat::getInf(cast<FloatType>(et).getFloatSemantics(), isMax)));
  } else {
    unsigned width = et.getIntOrFloatBitWidth();
    APInt v = isUnsigned ? (isMax ? APInt::getMinValue(width)
                                  : APInt::getMaxValue(width))
                         : (isMax ? APInt::getSignedMinValue(width)
                                  : APInt::getSignedMaxValue(width));
    worst = arith::ConstantOp::create(b, loc, b.getIntegerAttr(et, v));
  }
  auto valueType = RankedTensorType::get(shape, et);
  auto indexType = RankedTensorType::get(shape, b.getI64Type());
  Value values = filledTensor(b, loc, valueType, dyn, worst);
  // Index 0 stays when no element beats the initial extreme (a row of
  // -inf for ArgMax): element 0 is then an answer.
  Value indices = filledTensor(b, loc, indexType, dyn,
                               scalarConstant(b, loc, b.getI64Type(), 0));
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, b.getContext());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank), outMap, outMap};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[*axis] = utils::IteratorType::reduction;
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valueType, indexType}, ValueRange{x},
      ValueRange{values, indices}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value v = args[0], best = args[1], bestIndex = args[2];
        Value better;
        if (isFloat) {
          auto p = isMax ? (last ? arith::CmpFPredicate::OGE
                                 : arith::CmpFPredicate::OGT)
                         : (last ? arith::CmpFPredicate::OLE
                                 : arith::CmpFPredicate::OLT);
          better = arith::CmpFOp::create(nb, nl, p, v, best);
        } else {
          arith::CmpIPredicate p;
          if (isMax)
            p = last ? (isUnsigned ? arith::CmpIPredicate::uge
                                   : arith::CmpIPredicate::sge)
                     : (isUnsigned ? arith::CmpIPredicate::ugt
                                   : arith::CmpIPredicate::sgt);
          else
            p = last ? (isUnsigned ? arith::CmpIPredicate::ule
                                   : arith::CmpIPredicate::sle)
                     : (isUnsigned ? arith::CmpIPredicate::ult
                                   : arith::CmpIPredicate::slt);
          better = arith::CmpIOp::create(nb, nl, p, v, best);
        }
        Value i = arith::IndexCastOp::create(
            nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, *axis));
        Value newValue = arith::SelectOp::create(nb, nl, better, v, best);
        Value newIndex = arith::SelectOp::create(nb, nl, better, i, bestIndex);
        linalg::YieldOp::create(nb, nl, ValueRange{newValue, newIndex});
      });
  Value result = generic.getResult(1);
  if (ctx.attrInt("keepdims", 1)) {
    SmallVector<int64_t> kept(xt.getShape());
    kept[*axis] = 1;
    result =
        reshapeTo(b, loc, result, RankedTensorType::get(kept, b.getI64Type()));
  }
  ctx.setOutput(0, result, ElementKind::Int64);
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerPoolingImporters(
    OpImporterTable &table) {
  table["MaxPool"] = importMaxPool;
  table["AveragePool"] = importAveragePool;
  table["GlobalAveragePool"] = importGlobalAveragePool;
  table["ReduceMean"] = [](NodeContext &c) {
    return importReduce(c, Reduction::Mean);
  };
  table["ReduceSum"] = [](NodeContext &c) {
    return importReduce(c, Reduction::Sum);
  };
  table["ReduceMax"] = [](NodeContext &c) {
    return importReduce(c, Reduction::Max);
  };
  table["ReduceMin"] = [](NodeContext &c) {
    return importReduce(c, Reduction::Min);
  };
  table["ReduceProd"] = [](NodeContext &c) {
    return importReduce(c, Reduction::Prod);
  };
  table["ReduceL1"] = [](NodeContext &c) {
    return importComposedReduce(c, Composed::L1);
  };
  table["ReduceL2"] = [](NodeContext &c) {
    return importComposedReduce(c, Composed::L2);
  };
  table["ReduceSumSquare"] = [](NodeContext &c) {
    return importComposedReduce(c, Composed::SumSquare);
  };
  table["ReduceLogSum"] = [](NodeContext &c) {
    return importComposedReduce(c, Composed::LogSum);
  };
  table["ReduceLogSumExp"] = [](NodeContext &c) {
    return importComposedReduce(c, Composed::LogSumExp);
  };
  table["ArgMax"] = [](NodeContext &c) { return importArgExtremum(c, true); };
  table["ArgMin"] = [](NodeContext &c) { return importArgExtremum(c, false); };
}
