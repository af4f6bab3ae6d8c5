//===- Normalization.cpp - Normalization ops --------------------*- C++ -*-===//
//
// BatchNormalization (inference), LRN; LayerNormalization,
// InstanceNormalization and GroupNormalization (statistics over the
// normalized axes: mean, then the mean of squared deviations).
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// Reshapes a per-channel vector [C] so that it broadcasts along dimension 1
/// of a rank-`rank` tensor: [C, 1, ..., 1].
Value perChannel(OpBuilder &b, Location loc, Value vector, int64_t rank) {
  auto t = cast<RankedTensorType>(vector.getType());
  SmallVector<int64_t> shape{t.getDimSize(0)};
  shape.append(rank - 2, 1);
  return reshapeTo(b, loc, vector,
                   RankedTensorType::get(shape, t.getElementType()));
}

LogicalResult importBatchNormalization(NodeContext &ctx) {
  if (failed(ctx.checkAttributes(
          {"epsilon", "momentum", "spatial", "training_mode", "is_test"})))
    return failure();
  if (ctx.attrInt("training_mode", 0) != 0 || ctx.hasOutput(1) ||
      ctx.hasOutput(2) || ctx.hasOutput(3) || ctx.hasOutput(4))
    return ctx.emitError() << "training mode (running statistics outputs) is "
                              "not supported; Sieve compiles inference";
  if (ctx.opset() < 9 && ctx.attrInt("spatial", 1) != 1)
    return ctx.emitError() << "spatial=0 is not supported";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  if (!isFloatKind(ctx.inputKind(0)) || xt.getRank() < 2)
    return ctx.emitError() << "expects a floating-point input of rank >= 2";
  int64_t channels = xt.getDimSize(1);
  Type et = xt.getElementType();
  for (size_t i = 1; i <= 4; ++i) {
    RankedTensorType t = ctx.inputType(i);
    if (t.getRank() != 1 || t.getDimSize(0) != channels)
      return ctx.emitError() << "input #" << i << " " << t << " does not match "
                             << channels << " channels";
    if (t.getElementType() != et)
      return ctx.emitError() << "mixed element types are not supported";
  }
  double epsilon = ctx.attrFloat("epsilon", 1e-5f);
  int64_t rank = xt.getRank();

  auto scale = ctx.constantFloats(1), bias = ctx.constantFloats(2),
       mean = ctx.constantFloats(3), var = ctx.constantFloats(4);
  Value result;
  if (scale && bias && mean && var) {
    // Fold to y = x * a + c with per-channel constants.
    SmallVector<double> a(channels), c(channels);
    for (int64_t i = 0; i < channels; ++i) {
      a[i] = (*scale)[i] / std::sqrt((*var)[i] + epsilon);
      c[i] = (*bias)[i] - (*mean)[i] * a[i];
    }
    auto vt = RankedTensorType::get({channels}, et);
    Value av = perChannel(
        b, loc,
        arith::ConstantOp::create(b, loc, cast<TypedAttr>(makeElements(vt, a))),
        rank);
    Value cv = perChannel(
        b, loc,
        arith::ConstantOp::create(b, loc, cast<TypedAttr>(makeElements(vt, c))),
        rank);
    result = buildElementwise(
        b, loc, ValueRange{ctx.operand(0), av, cv}, xt,
        [](OpBuilder &nb, Location nl, ValueRange args) {
          return arith::AddFOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, args[0], args[1]), args[2]);
        });
  } else {
    SmallVector<Value> operands{ctx.operand(0)};
    for (size_t i = 1; i <= 4; ++i)
      operands.push_back(perChannel(b, loc, ctx.operand(i), rank));
    result = buildElementwise(
        b, loc, operands, xt, [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value centered = arith::SubFOp::create(nb, nl, args[0], args[3]);
          Value denom = math::SqrtOp::create(
              nb, nl,
              arith::AddFOp::create(nb, nl, args[4],
                                    scalarConstant(nb, nl, et, epsilon)));
          Value normalized = arith::DivFOp::create(nb, nl, centered, denom);
          return arith::AddFOp::create(
              nb, nl, arith::MulFOp::create(nb, nl, normalized, args[1]),
              args[2]);
        });
  }
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

LogicalResult importLRN(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"alpha", "beta", "bias", "size"})))
    return failure();
  if (!ctx.hasAttr("size"))
    return ctx.emitError() << "the size attribute is required";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  if (!isFloatKind(ctx.inputKind(0)) || xt.getRank() < 3)
    return ctx.emitError() << "expects a floating-point input of rank >= 3";
  int64_t size = ctx.attrInt("size", 1);
  // The channel window: padded by size - 1, which must stay a size.
  constexpr int64_t kMaxWindow = int64_t(1) << 31;
  if (size <= 0 || size > kMaxWindow)
    return ctx.emitError() << "size must be in [1, " << kMaxWindow << "], got "
                           << size;
  double alpha = ctx.attrFloat("alpha", 1e-4f);
  double beta = ctx.attrFloat("beta", 0.75f);
  double bias = ctx.attrFloat("bias", 1.0f);
  Type et = xt.getElementType();
  int64_t rank = xt.getRank();
  Value x = ctx.operand(0);

  Value squares =
      buildElementwise(b, loc, ValueRange{x}, xt,
                       [](OpBuilder &nb, Location nl, ValueRange args) {
                         return arith::MulFOp::create(nb, nl, args[0], args[0]);
                       });
  // Zero-pad the channel dimension by the window's reach.
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
      high(rank, b.getIndexAttr(0));
  low[1] = b.getIndexAttr(before);
  high[1] = b.getIndexAttr(after);
  SmallVector<int64_t> paddedShape(xt.getShape());
  if (!xt.isDynamicDim(1))
    paddedShape[1] += size - 1;
  if (failed(ctx.checkShape(paddedShape, et, "the padded squares")))
    return failure();
  Value padded = tensor::PadOp::create(
      b, loc, RankedTensorType::get(paddedShape, et), squares, low, high,
      scalarConstant(b, loc, et, 0.0));

  // sum[n, c, ...] = sum_k padded[n, c + k, ...]
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t i = 0; i < rank; ++i) {
    AffineExpr d = getAffineDimExpr(i, mctx);
    outExprs.push_back(d);
    inExprs.push_back(i == 1 ? d + getAffineDimExpr(rank, mctx) : d);
  }
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, inExprs, mctx),
      AffineMap::get(rank + 1, 0, {getAffineDimExpr(rank, mctx)}, mctx),
      AffineMap::get(rank + 1, 0, outExprs, mctx)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  SmallVector<Value> dyn = dynamicSizes(b, loc, x);
  Value init = filledTensor(b, loc, xt, dyn, scalarConstant(b, loc, et, 0.0));
  Value window = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{size}, et);
  Value sums = linalg::GenericOp::create(
                   b, loc, TypeRange{xt}, ValueRange{padded, window},
                   ValueRange{init}, maps, iterators,
                   [](OpBuilder &nb, Location nl, ValueRange args) {
                     Value sum =
                         arith::AddFOp::create(nb, nl, args[0], args[2]);
                     linalg::YieldOp::create(nb, nl, sum);
                   })
                   .getResult(0);
  Value result = buildElementwise(
      b, loc, ValueRange{x, sums}, xt,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value scaled = arith::MulFOp::create(
            nb, nl, args[1], scalarConstant(nb, nl, et, alpha / size));
        Value base = arith::AddFOp::create(nb, nl, scaled,
                                           scalarConstant(nb, nl, et, bias));
        Value denom = math::PowFOp::create(nb, nl, base,
                                           scalarConstant(nb, nl, et, beta));
        return arith::DivFOp::create(nb, nl, args[0], denom);
      });
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// The mean of `x` over `axes` and 1 / sqrt(variance + epsilon), both with
/// the axes kept as size 1.
std::pair<Value, Value> moments(OpBuilder &b, Location loc, Value x,
                                ElementKind kind, ArrayRef<int64_t> axes,
                                double epsilon) {
  auto xt = cast<RankedTensorType>(x.getType());
  Type et = xt.getElementType();
  Value mean = buildReduction(b, loc, x, kind, axes, true, Reduction::Mean);
  Value squares =
      buildElementwise(b, loc, ValueRange{x, mean}, xt,
                       [](OpBuilder &nb, Location nl, ValueRange args) {
                         Value d =
                             arith::SubFOp::create(nb, nl, args[0], args[1]);
                         return arith::MulFOp::create(nb, nl, d, d);
                       });
  Value var =
      buildReduction(b, loc, squares, kind, axes, true, Reduction::Mean);
  Value invStd = buildElementwise(
      b, loc, ValueRange{var}, cast<RankedTensorType>(var.getType()),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return math::RsqrtOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, args[0],
                                  scalarConstant(nb, nl, et, epsilon)));
      });
  return {mean, invStd};
}

/// (x - mean) * invStd * scale + bias, the statistics and the optional bias
/// broadcast to x; scale and bias are converted from `paramKind`.
Value normalizeAffine(OpBuilder &b, Location loc, Value x, ElementKind kind,
                      Value mean, Value invStd, Value scale, Value bias,
                      ElementKind paramKind) {
  SmallVector<Value> operands{x, mean, invStd, scale};
  if (bias)
    operands.push_back(bias);
  return buildElementwise(
      b, loc, operands, cast<RankedTensorType>(x.getType()),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value y = arith::MulFOp::create(
            nb, nl, arith::SubFOp::create(nb, nl, args[0], args[1]), args[2]);
        y = arith::MulFOp::create(
            nb, nl, y, convertScalar(nb, nl, args[3], paramKind, kind));
        if (args.size() > 4)
          y = arith::AddFOp::create(
              nb, nl, y, convertScalar(nb, nl, args[4], paramKind, kind));
        return y;
      });
}

/// Converts every element of `value` from `from` to `to`.
Value convertTensor(OpBuilder &b, Location loc, Value value, ElementKind from,
                    ElementKind to) {
  if (from == to)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  return buildElementwise(
      b, loc, ValueRange{value},
      RankedTensorType::get(type.getShape(),
                            getElementType(b.getContext(), to)),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        return convertScalar(nb, nl, args[0], from, to);
      });
}

/// LayerNormalization over the axes from `axis` on; the statistics are
/// computed in `stash_type` (float: half-precision inputs are widened).
LogicalResult importLayerNormalization(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis", "epsilon", "stash_type"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  // X, Scale and B share one floating-point type (T in the ONNX schema).
  if (!isFloatKind(kind) || ctx.inputKind(1) != kind ||
      (ctx.hasInput(2) && ctx.inputKind(2) != kind))
    return ctx.emitError()
           << "expects X, Scale and B of one floating-point type";
  int64_t rank = xt.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", -1), rank, "axis");
  if (failed(axis))
    return failure();
  auto stash = static_cast<ElementKind>(
      ctx.attrInt("stash_type", static_cast<int64_t>(ElementKind::Float)));
  if (!isFloatKind(stash))
    return ctx.emitError() << "stash_type " << static_cast<int>(stash)
                           << " is not supported (a floating-point type)";
  SmallVector<int64_t> axes;
  for (int64_t i = *axis; i < rank; ++i) {
    if (xt.isDynamicDim(i))
      return ctx.emitError()
             << "normalized dimension " << i << " must be static";
    axes.push_back(i);
  }
  for (size_t i = 1; i < 3 && ctx.hasInput(i); ++i) {
    FailureOr<SmallVector<int64_t>> shape = broadcastShapes(
        xt.getShape().drop_front(*axis), ctx.inputType(i).getShape());
    if (failed(shape) ||
        ArrayRef<int64_t>(*shape) != xt.getShape().drop_front(*axis))
      return ctx.emitError() << "input #" << i << " " << ctx.inputType(i)
                             << " does not broadcast to the normalized shape";
  }
  Value x = convertTensor(b, loc, ctx.operand(0), kind, stash);
  auto [mean, invStd] =
      moments(b, loc, x, stash, axes, ctx.attrFloat("epsilon", 1e-5f));
  Value y = normalizeAffine(b, loc, x, stash, mean, invStd, ctx.operand(1),
                            ctx.hasInput(2) ? ctx.operand(2) : Value(),
                            ctx.inputKind(1));
  ctx.setOutput(0, convertTensor(b, loc, y, stash, kind), kind);
  ctx.setOutput(1, mean, stash);
  ctx.setOutput(2, invStd, stash);
  return success();
}

/// InstanceNormalization: per sample and channel over the spatial axes.
LogicalResult importInstanceNormalization(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"epsilon"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  if (!isFloatKind(kind) || xt.getRank() < 3)
    return ctx.emitError() << "expects a floating-point input of rank >= 3";
  int64_t rank = xt.getRank();
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < rank; ++i) {
    if (xt.isDynamicDim(i))
      return ctx.emitError() << "spatial dimension " << i << " must be static";
    axes.push_back(i);
  }
  for (size_t i = 1; i <= 2; ++i)
    if (ctx.inputType(i).getRank() != 1 ||
        ctx.inputType(i).getDimSize(0) != xt.getDimSize(1) ||
        ctx.inputKind(i) != kind)
      return ctx.emitError()
             << "input #" << i << " " << ctx.inputType(i) << " does not match "
             << xt.getDimSize(1) << " channels";
  Value x = ctx.operand(0);
  auto [mean, invStd] =
      moments(b, loc, x, kind, axes, ctx.attrFloat("epsilon", 1e-5f));
  Value y = normalizeAffine(b, loc, x, kind, mean, invStd,
                            perChannel(b, loc, ctx.operand(1), rank),
                            perChannel(b, loc, ctx.operand(2), rank), kind);
  ctx.setOutput(0, y, kind);
  return success();
}

/// GroupNormalization: [N, C, ...] viewed as [N, G, C/G, ...], normalized
/// over all but the first two axes; scale and bias are per channel (per
/// group before opset 21).
LogicalResult importGroupNormalization(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"epsilon", "num_groups", "stash_type"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  if (!isFloatKind(kind) || xt.getRank() < 3)
    return ctx.emitError() << "expects a floating-point input of rank >= 3";
  if (!ctx.hasAttr("num_groups"))
    return ctx.emitError() << "the num_groups attribute is required";
  int64_t groups = ctx.attrInt("num_groups", 1);
  int64_t rank = xt.getRank(), channels = xt.getDimSize(1);
  if (groups <= 0 || ShapedType::isDynamic(channels) || channels % groups)
    return ctx.emitError() << "num_groups=" << groups
                           << " does not divide the channels of " << xt;
  auto stash = static_cast<ElementKind>(
      ctx.attrInt("stash_type", static_cast<int64_t>(ElementKind::Float)));
  if (!isFloatKind(stash))
    return ctx.emitError() << "stash_type " << static_cast<int>(stash)
                           << " is not supported (a floating-point type)";
  for (int64_t i = 2; i < rank; ++i)
    if (xt.isDynamicDim(i))
      return ctx.emitError() << "spatial dimension " << i << " must be static";
  int64_t paramSize = ctx.opset() < 21 ? groups : channels;
  for (size_t i = 1; i <= 2; ++i)
    if (ctx.inputType(i).getRank() != 1 ||
        ctx.inputType(i).getDimSize(0) != paramSize)
      return ctx.emitError() << "input #" << i << " " << ctx.inputType(i)
                             << " must have " << paramSize << " elements";
  // [N, G, C/G, ...]
  SmallVector<int64_t> groupedShape{xt.getDimSize(0), groups,
                                    channels / groups};
  groupedShape.append(xt.getShape().begin() + 2, xt.getShape().end());
  Value x = convertTensor(b, loc, ctx.operand(0), kind, stash);
  Type st = getElementType(ctx.getContext(), stash);
  auto groupedType = RankedTensorType::get(groupedShape, st);
  Value grouped = reshapeTo(b, loc, x, groupedType);
  SmallVector<int64_t> axes;
  for (int64_t i = 2; i < rank + 1; ++i)
    axes.push_back(i);
  auto [mean, invStd] =
      moments(b, loc, grouped, stash, axes, ctx.attrFloat("epsilon", 1e-5f));
  // Scale and bias as [G, C/G, 1, ...] (per channel) or [G, 1, 1, ...].
  SmallVector<int64_t> paramShape{groups, paramSize / groups};
  paramShape.append(rank - 2, 1);
  auto param = [&](size_t i) {
    RankedTensorType t = ctx.inputType(i);
    return reshapeTo(b, loc, ctx.operand(i),
                     RankedTensorType::get(paramShape, t.getElementType()));
  };
  Value y = normalizeAffine(b, loc, grouped, stash, mean, invStd, param(1),
                            param(2), ctx.inputKind(1));
  y = reshapeTo(b, loc, y, RankedTensorType::get(xt.getShape(), st));
  ctx.setOutput(0, convertTensor(b, loc, y, stash, kind), kind);
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerNormalizationImporters(
    OpImporterTable &table) {
  table["BatchNormalization"] = importBatchNormalization;
  table["LRN"] = importLRN;
  table["LayerNormalization"] = importLayerNormalization;
  table["InstanceNormalization"] = importInstanceNormalization;
  table["GroupNormalization"] = importGroupNormalization;
}
