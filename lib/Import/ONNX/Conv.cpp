//===- Conv.cpp - Convolutions ----------------------------------*- C++ -*-===//
//
// Conv (1-D, 2-D, 3-D; groups including depthwise; explicit pads and
// auto_pad; strides; dilations; bias) as linalg convolution named ops on
// zero-padded inputs. The bias, broadcast, is the accumulator.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

LogicalResult importConv(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "dilations", "group",
                                  "kernel_shape", "pads", "strides"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0), wt = ctx.inputType(1);
  if (!isFloatKind(ctx.inputKind(0)) || ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "X and W must be floating point of one type";
  int64_t rank = xt.getRank();
  if (rank < 3 || rank > 5 || wt.getRank() != rank)
    return ctx.emitError() << "expects X and W of equal rank 3 to 5, got " << xt
                           << " and " << wt;
  if (!wt.hasStaticShape())
    return ctx.emitError() << "the weight must have a static shape";
  Type et = xt.getElementType();
  int64_t group = ctx.attrInt("group", 1);
  int64_t channels = xt.getDimSize(1), filters = wt.getDimSize(0);
  if (ShapedType::isDynamic(channels))
    return ctx.emitError() << "the channel dimension must be static";
  if (group <= 0 || channels % group != 0 || filters % group != 0 ||
      wt.getDimSize(1) * group != channels)
    return ctx.emitError() << "group " << group << " does not fit X " << xt
                           << " and W " << wt;
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (auto attr = ctx.attrInts("kernel_shape"))
    if (ArrayRef<int64_t>(*attr) != ArrayRef<int64_t>(kernel))
      return ctx.emitError() << "kernel_shape does not match W " << wt;
  FailureOr<WindowGeometry> g =
      computeWindow(ctx, xt.getShape().drop_front(2), kernel, false);
  if (failed(g))
    return failure();

  Value x = ctx.operand(0), w = ctx.operand(1);
  Value zero = scalarConstant(b, loc, et, 0.0);
  x = padSpatial(b, loc, x, g->padBegin, g->padEnd, zero);

  // 1-D convolutions run as 2-D ones over a unit height.
  bool oneD = rank == 3;
  if (oneD) {
    auto lift = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape{t.getDimSize(0), t.getDimSize(1), 1,
                                 t.getDimSize(2)};
      return tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get(shape, et), v,
          ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    };
    x = lift(x);
    w = lift(w);
    g->strides.insert(g->strides.begin(), 1);
    g->dilations.insert(g->dilations.begin(), 1);
    g->output.insert(g->output.begin(), 1);
  }
  int64_t spatialRank = oneD ? 2 : rank - 2;

  SmallVector<int64_t> outShape{xt.getDimSize(0), filters};
  outShape.append(g->output.begin(), g->output.end());
  auto outType = RankedTensorType::get(outShape, et);
  SmallVector<Value> dyn;
  if (outType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, x, 0));

  // Accumulator: the bias broadcast over batch and space, or zeros.
  Value init;
  if (ctx.hasInput(2)) {
    RankedTensorType bt = ctx.inputType(2);
    if (bt.getRank() != 1 || bt.getDimSize(0) != filters)
      return ctx.emitError() << "bias " << bt << " does not match " << filters
                             << " output channels";
    SmallVector<int64_t> dims{0};
    for (int64_t i = 0; i < spatialRank; ++i)
      dims.push_back(2 + i);
    init = linalg::BroadcastOp::create(b, loc, ctx.operand(2),
                                       emptyTensor(b, loc, outType, dyn), dims)
               .getResult()[0];
  } else {
    init = filledTensor(b, loc, outType, dyn, zero);
  }

  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("strides", b.getI64TensorAttr(g->strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(g->dilations))};
  Value result;
  if (group == 1) {
    if (spatialRank == 2)
      result = linalg::Conv2DNchwFchwOp::create(b, loc, TypeRange{outType},
                                                ValueRange{x, w},
                                                ValueRange{init}, attrs)
                   .getResult(0);
    else
      result = linalg::Conv3DNcdhwFcdhwOp::create(b, loc, TypeRange{outType},
                                                  ValueRange{x, w},
                                                  ValueRange{init}, attrs)
                   .getResult(0);
  } else if (spatialRank != 2) {
    return ctx.emitError() << "grouped 3-D convolutions are not supported";
  } else if (group == channels && filters == channels) {
    // Depthwise: W [C, 1, kh, kw] -> [C, kh, kw].
    auto wType = cast<RankedTensorType>(w.getType());
    auto dwType = RankedTensorType::get(
        {channels, wType.getDimSize(2), wType.getDimSize(3)}, et);
    Value dw = tensor::CollapseShapeOp::create(
        b, loc, dwType, w, ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    result = linalg::DepthwiseConv2DNchwChwOp::create(
                 b, loc, TypeRange{outType}, ValueRange{x, dw},
                 ValueRange{init}, attrs)
                 .getResult(0);
  } else {
    // General groups: X [N, G, C/G, H, W], W [G, F/G, C/G, kh, kw].
    auto xType = cast<RankedTensorType>(x.getType());
    auto wType = cast<RankedTensorType>(w.getType());
    auto xg =
        RankedTensorType::get({xType.getDimSize(0), group, channels / group,
                               xType.getDimSize(2), xType.getDimSize(3)},
                              et);
    auto wg =
        RankedTensorType::get({group, filters / group, wType.getDimSize(1),
                               wType.getDimSize(2), wType.getDimSize(3)},
                              et);
    auto og = RankedTensorType::get(
        {outShape[0], group, filters / group, outShape[2], outShape[3]}, et);
    SmallVector<ReassociationIndices> split{{0}, {1, 2}, {3}, {4}};
    SmallVector<ReassociationIndices> splitW{{0, 1}, {2}, {3}, {4}};
    SmallVector<OpFoldResult> xShape, oShape;
    auto mixed = [&](RankedTensorType t, Value like,
                     SmallVector<OpFoldResult> &out) {
      for (int64_t i = 0; i < t.getRank(); ++i)
        out.push_back(
            t.isDynamicDim(i)
                ? OpFoldResult(
                      tensor::DimOp::create(b, loc, like, 0).getResult())
                : OpFoldResult(b.getIndexAttr(t.getDimSize(i))));
    };
    mixed(xg, x, xShape);
    mixed(og, x, oShape);
    Value xs = tensor::ExpandShapeOp::create(b, loc, xg, x, split, xShape);
    Value ws = tensor::ExpandShapeOp::create(b, loc, wg, w, splitW);
    Value is = tensor::ExpandShapeOp::create(b, loc, og, init, split, oShape);
    Value r = linalg::Conv2DNgchwGfchwOp::create(b, loc, TypeRange{og},
                                                 ValueRange{xs, ws},
                                                 ValueRange{is}, attrs)
                  .getResult(0);
    result = tensor::CollapseShapeOp::create(b, loc, outType, r, split);
  }
  if (oneD) {
    SmallVector<int64_t> shape{outShape[0], outShape[1], outShape[3]};
    result = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get(shape, et), result,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
  }
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerConvImporters(OpImporterTable &table) {
  table["Conv"] = importConv;
}
