//===- Normalization.cpp - BatchNormalization and LRN -----------*- C++ -*-===//

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
  if (size <= 0)
    return ctx.emitError() << "size must be positive";
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

} // namespace

void mlir::sieve::onnx_import::registerNormalizationImporters(
    OpImporterTable &table) {
  table["BatchNormalization"] = importBatchNormalization;
  table["LRN"] = importLRN;
}
