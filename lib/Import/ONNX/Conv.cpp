//===- Conv.cpp - Convolutions ----------------------------------*- C++ -*-===//
//
// Conv (1-D, 2-D, 3-D; groups including depthwise; explicit pads and
// auto_pad; strides; dilations; bias) as linalg convolution named ops on
// zero-padded inputs. The bias, broadcast, is the accumulator.
// ConvTranspose as such a convolution of the stride-dilated input with the
// flipped kernel.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// The convolution of the padded input `x` [N, C, ...] with `w`
/// [F, C/group, ...] plus the optional `bias` [F]: linalg's named conv ops
/// (1-D as 2-D over a unit height; depthwise and grouped 2-D).
FailureOr<Value> buildConvolution(NodeContext &ctx, Value x, Value w,
                                  Value bias, ArrayRef<int64_t> stridesIn,
                                  ArrayRef<int64_t> dilationsIn, int64_t group,
                                  ArrayRef<int64_t> outputIn) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  Type et = xt.getElementType();
  int64_t rank = xt.getRank();
  int64_t channels = xt.getDimSize(1), filters = wt.getDimSize(0);
  SmallVector<int64_t> strides(stridesIn), dilations(dilationsIn),
      output(outputIn);
  Value zero = scalarConstant(b, loc, et, 0.0);
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
    strides.insert(strides.begin(), 1);
    dilations.insert(dilations.begin(), 1);
    output.insert(output.begin(), 1);
  }
  int64_t spatialRank = oneD ? 2 : rank - 2;

  SmallVector<int64_t> outShape{xt.getDimSize(0), filters};
  outShape.append(output.begin(), output.end());
  auto outType = RankedTensorType::get(outShape, et);
  SmallVector<Value> dyn;
  if (outType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, x, 0));

  // Accumulator: the bias broadcast over batch and space, or zeros.
  Value init;
  if (bias) {
    auto bt = cast<RankedTensorType>(bias.getType());
    if (bt.getRank() != 1 || bt.getDimSize(0) != filters)
      return ctx.emitError() << "bias " << bt << " does not match " << filters
                             << " output channels";
    SmallVector<int64_t> dims{0};
    for (int64_t i = 0; i < spatialRank; ++i)
      dims.push_back(2 + i);
    init = linalg::BroadcastOp::create(b, loc, bias,
                                       emptyTensor(b, loc, outType, dyn), dims)
               .getResult()[0];
  } else {
    init = filledTensor(b, loc, outType, dyn, zero);
  }

  SmallVector<NamedAttribute> attrs{
      b.getNamedAttr("strides", b.getI64TensorAttr(strides)),
      b.getNamedAttr("dilations", b.getI64TensorAttr(dilations))};
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
  return result;
}

} // namespace

FailureOr<Value> mlir::sieve::onnx_import::buildConv(NodeContext &ctx, Value x,
                                                     Value w, Value bias) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto xt = cast<RankedTensorType>(x.getType());
  auto wt = cast<RankedTensorType>(w.getType());
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

  Value zero = scalarConstant(b, loc, et, 0.0);
  x = padSpatial(b, loc, x, g->padBegin, g->padEnd, zero);
  if (failed(ctx.checkResultShape(cast<RankedTensorType>(x.getType()),
                                  "the padded input")))
    return failure();
  return buildConvolution(ctx, x, w, bias, g->strides, g->dilations, group,
                          g->output);
}

namespace {

LogicalResult importConv(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "dilations", "group",
                                  "kernel_shape", "pads", "strides"})))
    return failure();
  if (!isFloatKind(ctx.inputKind(0)) || ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "X and W must be floating point of one type";
  FailureOr<Value> result =
      buildConv(ctx, ctx.operand(0), ctx.operand(1),
                ctx.hasInput(2) ? ctx.operand(2) : Value());
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.inputKind(0));
  return success();
}

/// ConvTranspose as a convolution: the input dilated by the strides
/// (zeros between elements), padded by dilation * (kernel - 1) - pads on
/// each side (output_padding at the end; negative amounts crop), convolved
/// with stride 1 by the kernel flipped in space with its input and output
/// channels swapped per group.
LogicalResult importConvTranspose(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"auto_pad", "dilations", "group",
                                  "kernel_shape", "output_padding",
                                  "output_shape", "pads", "strides"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0), wt = ctx.inputType(1);
  if (!isFloatKind(ctx.inputKind(0)) || ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "X and W must be floating point of one type";
  int64_t rank = xt.getRank(), spatial = rank - 2;
  if (rank < 3 || rank > 5 || wt.getRank() != rank)
    return ctx.emitError() << "expects X and W of equal rank 3 to 5, got " << xt
                           << " and " << wt;
  if (!wt.hasStaticShape())
    return ctx.emitError() << "the weight must have a static shape";
  for (int64_t i = 1; i < rank; ++i)
    if (xt.isDynamicDim(i))
      return ctx.emitError() << "dimension " << i << " of X must be static";
  Type et = xt.getElementType();
  int64_t group = ctx.attrInt("group", 1);
  int64_t channels = xt.getDimSize(1);
  if (group <= 0 || channels % group != 0 || wt.getDimSize(0) != channels)
    return ctx.emitError() << "group " << group << " does not fit X " << xt
                           << " and W " << wt;
  int64_t filters = wt.getDimSize(1) * group;
  SmallVector<int64_t> kernel(wt.getShape().drop_front(2));
  if (auto attr = ctx.attrInts("kernel_shape"))
    if (ArrayRef<int64_t>(*attr) != ArrayRef<int64_t>(kernel))
      return ctx.emitError() << "kernel_shape does not match W " << wt;
  auto ints = [&](llvm::StringRef name, int64_t fill,
                  size_t size) -> FailureOr<SmallVector<int64_t>> {
    auto attr = ctx.attrInts(name);
    if (!attr)
      return SmallVector<int64_t>(size, fill);
    if (attr->size() != size)
      return ctx.emitError() << name << " must have " << size << " values";
    return *attr;
  };
  auto strides = ints("strides", 1, spatial);
  auto dilations = ints("dilations", 1, spatial);
  auto outputPadding = ints("output_padding", 0, spatial);
  auto pads = ints("pads", 0, 2 * spatial);
  if (failed(strides) || failed(dilations) || failed(outputPadding) ||
      failed(pads))
    return failure();
  // Bounded, as computeWindow bounds Conv's, so that the output arithmetic
  // below cannot overflow (spatial sizes are bounded by the tensor limit).
  constexpr int64_t kMaxWindowValue = int64_t(1) << 31;
  for (int64_t i = 0; i < spatial; ++i) {
    if (xt.isDynamicDim(2 + i))
      return ctx.emitError() << "dynamic spatial dimensions are not supported";
    // An empty image has no stride-dilated form ((0 - 1) * stride + 1).
    if (xt.getDimSize(2 + i) == 0)
      return ctx.emitError() << "X " << xt << " has an empty spatial dimension";
  }
  for (ArrayRef<int64_t> list :
       {ArrayRef<int64_t>(kernel), ArrayRef<int64_t>(*strides),
        ArrayRef<int64_t>(*dilations), ArrayRef<int64_t>(*outputPadding),
        ArrayRef<int64_t>(*pads)})
    for (int64_t v : list)
      if (v < 0 || v > kMaxWindowValue)
        return ctx.emitError() << "kernel_shape, strides, dilations, pads and "
                                  "output_padding must be in [0, "
                               << kMaxWindowValue << "], got " << v;
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  if (autoPad != "NOTSET" && autoPad != "VALID" && autoPad != "SAME_UPPER" &&
      autoPad != "SAME_LOWER")
    return ctx.emitError() << "auto_pad='" << autoPad << "' is not supported";
  std::optional<SmallVector<int64_t>> outputShape =
      ctx.attrInts("output_shape");
  if (outputShape)
    for (int64_t v : *outputShape)
      if (v <= 0 || v > kMaxWindowValue)
        return ctx.emitError() << "output_shape values must be in [1, "
                               << kMaxWindowValue << "], got " << v;
  if (outputShape && outputShape->size() != static_cast<size_t>(spatial)) {
    // output_shape may include the batch and channel dimensions.
    if (outputShape->size() == static_cast<size_t>(rank))
      outputShape->erase(outputShape->begin(), outputShape->begin() + 2);
    else
      return ctx.emitError()
             << "output_shape must have " << spatial << " values";
  }
  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (same && !outputShape) {
    outputShape.emplace();
    for (int64_t i = 0; i < spatial; ++i)
      outputShape->push_back(xt.getDimSize(2 + i) * (*strides)[i]);
  }
  // Begin and end padding of the output, as ONNX defines them.
  SmallVector<int64_t> padBegin(spatial), padEnd(spatial), output(spatial);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t in = xt.getDimSize(2 + i), s = (*strides)[i], d = (*dilations)[i],
            k = kernel[i], op = (*outputPadding)[i];
    if (s <= 0 || d <= 0)
      return ctx.emitError() << "strides and dilations must be positive";
    int64_t full = s * (in - 1) + op + (k - 1) * d + 1;
    if (outputShape) {
      int64_t total = full - (*outputShape)[i];
      auto floorDiv2 = [](int64_t v) {
        return v >= 0 ? v / 2 : -((-v + 1) / 2);
      };
      if (autoPad == "SAME_UPPER") {
        padBegin[i] = floorDiv2(total);
        padEnd[i] = total - floorDiv2(total);
      } else {
        padBegin[i] = total - floorDiv2(total);
        padEnd[i] = floorDiv2(total);
      }
    } else if (autoPad == "NOTSET") {
      padBegin[i] = (*pads)[i];
      padEnd[i] = (*pads)[spatial + i];
    }
    output[i] = full - padBegin[i] - padEnd[i];
    if (output[i] <= 0)
      return ctx.emitError() << "the output would be empty along spatial "
                                "dimension "
                             << i;
  }

  // Dilate: zeros with the input at every stride-th position.
  Value zero = scalarConstant(b, loc, et, 0.0);
  Value x = ctx.operand(0);
  SmallVector<int64_t> dilatedShape(xt.getShape());
  for (int64_t i = 0; i < spatial; ++i)
    dilatedShape[2 + i] = (xt.getDimSize(2 + i) - 1) * (*strides)[i] + 1;
  SmallVector<Value> dyn = dynamicSizes(b, loc, x);
  auto dilatedType = RankedTensorType::get(dilatedShape, et);
  if (llvm::any_of(*strides, [](int64_t s) { return s != 1; })) {
    Value zeros = filledTensor(b, loc, dilatedType, dyn, zero);
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        steps(rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i) {
      sizes.push_back(
          xt.isDynamicDim(i)
              ? OpFoldResult(tensor::DimOp::create(b, loc, x, i).getResult())
              : OpFoldResult(b.getIndexAttr(xt.getDimSize(i))));
      if (i >= 2)
        steps[i] = b.getIndexAttr((*strides)[i - 2]);
    }
    x = tensor::InsertSliceOp::create(b, loc, x, zeros, offsets, sizes, steps);
  }
  // Pad (or crop where the amount is negative).
  SmallVector<int64_t> lo(spatial), hi(spatial);
  bool crop = false;
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t reach = (*dilations)[i] * (kernel[i] - 1);
    lo[i] = reach - padBegin[i];
    hi[i] = reach - padEnd[i] + (*outputPadding)[i];
    crop |= lo[i] < 0 || hi[i] < 0;
  }
  SmallVector<int64_t> padLo, padHi;
  for (int64_t i = 0; i < spatial; ++i) {
    padLo.push_back(std::max<int64_t>(lo[i], 0));
    padHi.push_back(std::max<int64_t>(hi[i], 0));
  }
  x = padSpatial(b, loc, x, padLo, padHi, zero);
  if (failed(ctx.checkResultShape(cast<RankedTensorType>(x.getType()),
                                  "the padded input")))
    return failure();
  if (crop) {
    auto pt = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape(pt.getShape());
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        steps(rank, b.getIndexAttr(1));
    for (int64_t i = 0; i < rank; ++i) {
      if (i >= 2) {
        int64_t j = i - 2;
        offsets[i] = b.getIndexAttr(padLo[j] - lo[j]);
        shape[i] = pt.getDimSize(i) - (padLo[j] - lo[j]) - (padHi[j] - hi[j]);
      }
      sizes.push_back(
          pt.isDynamicDim(i)
              ? OpFoldResult(tensor::DimOp::create(b, loc, x, i).getResult())
              : OpFoldResult(b.getIndexAttr(shape[i])));
    }
    x = tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get(shape, et),
                                       x, offsets, sizes, steps);
  }
  // Kernel: W [C, F/g, k...] -> W' [F, C/g, k...], flipped in space:
  // W'[g*Fg + f, c, k] = W[g*Cg + c, f, K-1-k].
  int64_t cg = channels / group, fg = filters / group;
  SmallVector<int64_t> flippedShape{filters, cg};
  flippedShape.append(kernel.begin(), kernel.end());
  auto flippedType = RankedTensorType::get(flippedShape, et);
  auto sourceIndex = [&](ArrayRef<int64_t> at, SmallVectorImpl<int64_t> &src) {
    int64_t gi = at[0] / fg, f = at[0] % fg, c = at[1];
    src.assign({gi * cg + c, f});
    for (int64_t i = 0; i < spatial; ++i)
      src.push_back(kernel[i] - 1 - at[2 + i]);
  };
  Value w;
  if (ctx.input(1).constant) {
    SmallVector<double> values = elementsAsDoubles(ctx.input(1).constant);
    SmallVector<int64_t> wStrides(rank, 1);
    for (int64_t i = rank - 2; i >= 0; --i)
      wStrides[i] = wStrides[i + 1] * wt.getDimSize(i + 1);
    SmallVector<double> flipped;
    flipped.reserve(flippedType.getNumElements());
    SmallVector<int64_t> at(rank, 0), src;
    for (int64_t n = 0; n < flippedType.getNumElements(); ++n) {
      sourceIndex(at, src);
      int64_t offset = 0;
      for (int64_t i = 0; i < rank; ++i)
        offset += src[i] * wStrides[i];
      flipped.push_back(values[offset]);
      for (int64_t d = rank - 1; d >= 0; --d) {
        if (++at[d] < flippedShape[d])
          break;
        at[d] = 0;
      }
    }
    w = arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(makeElements(flippedType, flipped)));
  } else {
    Value source = ctx.operand(1);
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    w = linalg::GenericOp::create(
            b, loc, TypeRange{flippedType}, ValueRange{},
            ValueRange{emptyTensor(b, loc, flippedType, {})}, maps, iterators,
            [&](OpBuilder &nb, Location nl, ValueRange) {
              auto idx = [&](int64_t v) {
                return arith::ConstantIndexOp::create(nb, nl, v);
              };
              Value f = linalg::IndexOp::create(nb, nl, 0);
              Value c = linalg::IndexOp::create(nb, nl, 1);
              Value gi = arith::DivUIOp::create(nb, nl, f, idx(fg));
              SmallVector<Value> coords{
                  arith::AddIOp::create(
                      nb, nl, arith::MulIOp::create(nb, nl, gi, idx(cg)), c),
                  arith::RemUIOp::create(nb, nl, f, idx(fg))};
              for (int64_t i = 0; i < spatial; ++i)
                coords.push_back(arith::SubIOp::create(
                    nb, nl, idx(kernel[i] - 1),
                    linalg::IndexOp::create(nb, nl, 2 + i)));
              Value v = tensor::ExtractOp::create(nb, nl, source, coords);
              linalg::YieldOp::create(nb, nl, v);
            })
            .getResult(0);
  }
  Value bias = ctx.hasInput(2) ? ctx.operand(2) : Value();
  SmallVector<int64_t> ones(spatial, 1);
  FailureOr<Value> result =
      buildConvolution(ctx, x, w, bias, ones, *dilations, group, output);
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.inputKind(0));
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerConvImporters(OpImporterTable &table) {
  table["Conv"] = importConv;
  table["ConvTranspose"] = importConvTranspose;
}
