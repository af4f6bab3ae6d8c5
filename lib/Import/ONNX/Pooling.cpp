//===- Pooling.cpp - Pooling and reductions ---------------------*- C++ -*-===//
//
// MaxPool, AveragePool (linalg pooling named ops on padded inputs),
// GlobalAveragePool and ReduceMean (linalg.reduce).
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

struct PoolSetup {
  WindowGeometry g;
  Value input; // padded, 4-D (1-D pools are lifted)
  RankedTensorType outType;
  SmallVector<Value> dyn;
  bool oneD = false;
};

FailureOr<PoolSetup> setupPool(NodeContext &ctx, bool ceilMode,
                               Value padValue) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  if (xt.getRank() != 3 && xt.getRank() != 4)
    return ctx.emitError() << "only 1-D and 2-D pooling are supported, got "
                           << xt;
  auto kernel = ctx.attrInts("kernel_shape");
  if (!kernel)
    return ctx.emitError() << "the kernel_shape attribute is required";
  PoolSetup s;
  FailureOr<WindowGeometry> g =
      computeWindow(ctx, xt.getShape().drop_front(2), *kernel, ceilMode);
  if (failed(g))
    return failure();
  s.g = *g;
  SmallVector<int64_t> end(s.g.padEnd);
  for (size_t i = 0; i < end.size(); ++i)
    end[i] += s.g.extraEnd[i];
  Value x = padSpatial(b, loc, ctx.operand(0), s.g.padBegin, end, padValue);
  Type et = xt.getElementType();
  if (xt.getRank() == 3) {
    s.oneD = true;
    auto t = cast<RankedTensorType>(x.getType());
    x = tensor::ExpandShapeOp::create(
        b, loc,
        RankedTensorType::get(
            {t.getDimSize(0), t.getDimSize(1), 1, t.getDimSize(2)}, et),
        x, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}},
        ArrayRef<OpFoldResult>{
            t.isDynamicDim(0)
                ? OpFoldResult(tensor::DimOp::create(b, loc, x, 0).getResult())
                : OpFoldResult(b.getIndexAttr(t.getDimSize(0))),
            b.getIndexAttr(t.getDimSize(1)), b.getIndexAttr(1),
            b.getIndexAttr(t.getDimSize(2))});
    for (auto *list : {&s.g.kernel, &s.g.strides, &s.g.dilations, &s.g.output})
      list->insert(list->begin(), 1);
  }
  s.input = x;
  SmallVector<int64_t> shape{xt.getDimSize(0), xt.getDimSize(1)};
  shape.append(s.g.output.begin(), s.g.output.end());
  s.outType = RankedTensorType::get(shape, et);
  if (s.outType.isDynamicDim(0))
    s.dyn.push_back(tensor::DimOp::create(b, loc, x, 0));
  if (s.outType.isDynamicDim(1))
    s.dyn.push_back(tensor::DimOp::create(b, loc, x, 1));
  return s;
}

Value finishPool(NodeContext &ctx, PoolSetup &s, Value result) {
  if (!s.oneD)
    return result;
  auto t = s.outType;
  return tensor::CollapseShapeOp::create(
      ctx.builder(), ctx.loc(),
      RankedTensorType::get({t.getDimSize(0), t.getDimSize(1), t.getDimSize(3)},
                            t.getElementType()),
      result, ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
}

template <typename PoolOp>
Value buildPool(NodeContext &ctx, PoolSetup &s, Value init) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value window =
      tensor::EmptyOp::create(b, loc, s.g.kernel, s.outType.getElementType());
  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("strides", b.getI64TensorAttr(s.g.strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(s.g.dilations))};
  return PoolOp::create(b, loc, TypeRange{s.outType},
                        ValueRange{s.input, window}, ValueRange{init}, attrs)
      .getResult(0);
}

LogicalResult importMaxPool(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "ceil_mode", "dilations",
                                  "kernel_shape", "pads", "storage_order",
                                  "strides"})))
    return failure();
  if (ctx.hasOutput(1))
    return ctx.emitError() << "the Indices output is not supported";
  if (!isFloatKind(ctx.inputKind(0)))
    return ctx.emitError() << "only floating-point inputs are supported";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type et = ctx.inputType(0).getElementType();
  Value lowest = arith::ConstantOp::create(
      b, loc,
      b.getFloatAttr(et,
                     APFloat::getInf(cast<FloatType>(et).getFloatSemantics(),
                                     /*Negative=*/true)));
  FailureOr<PoolSetup> s = setupPool(ctx, ctx.attrInt("ceil_mode", 0), lowest);
  if (failed(s))
    return failure();
  Value init = filledTensor(b, loc, s->outType, s->dyn, lowest);
  Value result = buildPool<linalg::PoolingNchwMaxOp>(ctx, *s, init);
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
  Value sum = buildPool<linalg::PoolingNchwSumOp>(ctx, *s, init);

  // The divisor of each output position, computed at compile time: the
  // window elements inside the input (count_include_pad=0) or inside the
  // input and its explicit pads (count_include_pad=1).
  bool includePad = ctx.attrInt("count_include_pad", 0) != 0;
  RankedTensorType xt = ctx.inputType(0);
  SmallVector<int64_t> spatial(xt.getShape().drop_front(2));
  if (s->oneD)
    spatial.insert(spatial.begin(), 1);
  SmallVector<int64_t> padBegin(s->g.padBegin), padEnd(s->g.padEnd);
  if (s->oneD) {
    padBegin.insert(padBegin.begin(), 0);
    padEnd.insert(padEnd.begin(), 0);
  }
  int64_t oh = s->g.output[0], ow = s->g.output[1];
  SmallVector<double> divisor;
  for (int64_t y = 0; y < oh; ++y) {
    for (int64_t x = 0; x < ow; ++x) {
      int64_t count = 1;
      int64_t pos[2] = {y, x};
      for (int d = 0; d < 2; ++d) {
        int64_t lo = includePad ? -padBegin[d] : 0;
        int64_t hi = includePad ? spatial[d] + padEnd[d] : spatial[d];
        int64_t inside = 0;
        for (int64_t k = 0; k < s->g.kernel[d]; ++k) {
          int64_t at =
              pos[d] * s->g.strides[d] + k * s->g.dilations[d] - padBegin[d];
          if (at >= lo && at < hi)
            ++inside;
        }
        count *= inside;
      }
      divisor.push_back(count > 0 ? 1.0 / count : 0.0);
    }
  }
  auto divType = RankedTensorType::get({oh, ow}, et);
  Value scale = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(makeElements(divType, divisor)));
  Value result =
      buildElementwise(b, loc, ValueRange{sum, scale}, s->outType,
                       [](OpBuilder &nb, Location nl, ValueRange args) {
                         return arith::MulFOp::create(nb, nl, args[0], args[1]);
                       });
  ctx.setOutput(0, finishPool(ctx, *s, result), ctx.inputKind(0));
  return success();
}

/// Mean of `input` over `axes` (sorted, unique), keeping them as size 1 when
/// `keepDims`.
Value buildMean(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> axes,
                bool keepDims) {
  auto type = cast<RankedTensorType>(input.getType());
  Type et = type.getElementType();
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
  Value init =
      filledTensor(b, loc, reducedType, dyn, scalarConstant(b, loc, et, 0.0));
  Value sum = linalg::ReduceOp::create(
                  b, loc, ValueRange{input}, ValueRange{init}, axes,
                  [](OpBuilder &nb, Location nl, ValueRange args) {
                    Value s = arith::AddFOp::create(nb, nl, args[0], args[1]);
                    linalg::YieldOp::create(nb, nl, s);
                  })
                  .getResult(0);
  Value mean = buildElementwise(
      b, loc, ValueRange{sum}, reducedType,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return arith::DivFOp::create(nb, nl, args[0],
                                     scalarConstant(nb, nl, et, count));
      });
  if (!keepDims)
    return mean;
  SmallVector<int64_t> keptShape(type.getShape());
  for (int64_t a : axes)
    keptShape[a] = 1;
  return reshapeTo(b, loc, mean, RankedTensorType::get(keptShape, et));
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
                buildMean(ctx.builder(), ctx.loc(), ctx.operand(0), axes, true),
                ctx.inputKind(0));
  return success();
}

LogicalResult importReduceMean(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  RankedTensorType xt = ctx.inputType(0);
  if (!isFloatKind(ctx.inputKind(0)))
    return ctx.emitError() << "only floating-point inputs are supported";
  SmallVector<int64_t> axes;
  if (ctx.opset() >= 18) {
    if (ctx.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> values =
          ctx.requireConstantInts(1, "axes");
      if (failed(values))
        return failure();
      axes = *values;
    }
  } else if (auto attr = ctx.attrInts("axes")) {
    axes = *attr;
  }
  if (axes.empty()) {
    if (ctx.attrInt("noop_with_empty_axes", 0)) {
      ctx.setOutput(0, ctx.operand(0), ctx.inputKind(0));
      return success();
    }
    for (int64_t i = 0; i < xt.getRank(); ++i)
      axes.push_back(i);
  }
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(ctx, a, xt.getRank(), "axis");
    if (failed(axis))
      return failure();
    a = *axis;
    if (xt.isDynamicDim(a))
      return ctx.emitError() << "reducing a dynamic dimension is not supported";
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  ctx.setOutput(0,
                buildMean(ctx.builder(), ctx.loc(), ctx.operand(0), axes,
                          ctx.attrInt("keepdims", 1) != 0),
                ctx.inputKind(0));
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerPoolingImporters(
    OpImporterTable &table) {
  table["MaxPool"] = importMaxPool;
  table["AveragePool"] = importAveragePool;
  table["GlobalAveragePool"] = importGlobalAveragePool;
  table["ReduceMean"] = importReduceMean;
}
