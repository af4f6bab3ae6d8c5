//===- Indexing.cpp - GatherElements, GatherND, ScatterND -------*- C++ -*-===//
//
// Ops that read or write elements at coordinates held in an index tensor.
// Each is one linalg.generic whose body reads the indices and the data with
// tensor.extract; negative indices count from the end of their dimension.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

LogicalResult requireIntegerIndices(NodeContext &ctx, size_t i) {
  ElementKind kind = ctx.inputKind(i);
  if (kind != ElementKind::Int32 && kind != ElementKind::Int64)
    return ctx.emitError() << "indices must be int32 or int64";
  return success();
}

/// `index` (an integer) as an index, wrapped into [0, size) when negative.
Value wrapIndex(OpBuilder &b, Location loc, Value index, Value size) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, negative,
                                 arith::AddIOp::create(b, loc, i, size), i);
}

Value dimOf(OpBuilder &b, Location loc, Value value, int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.isDynamicDim(d))
    return tensor::DimOp::create(b, loc, value, d);
  return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
}

/// Dynamic sizes of `type` taken from dimensions of other values:
/// `source(d)` names the value and dimension giving result dimension d.
SmallVector<Value>
dynamicFrom(OpBuilder &b, Location loc, RankedTensorType type,
            llvm::function_ref<std::pair<Value, int64_t>(int64_t)> source) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d)) {
      auto [value, dim] = source(d);
      dyn.push_back(tensor::DimOp::create(b, loc, value, dim));
    }
  return dyn;
}

SmallVector<utils::IteratorType> parallel(int64_t n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

/// GatherElements: out[i] = data[i with i[axis] = indices[i]].
LogicalResult importGatherElements(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})) ||
      failed(requireIntegerIndices(ctx, 1)))
    return failure();
  RankedTensorType dt = ctx.inputType(0), it = ctx.inputType(1);
  int64_t rank = dt.getRank();
  if (it.getRank() != rank)
    return ctx.emitError() << "data " << dt << " and indices " << it
                           << " must have the same rank";
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", 0), rank, "axis");
  if (failed(axis))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value data = ctx.operand(0), indices = ctx.operand(1);
  auto resultType = RankedTensorType::get(it.getShape(), dt.getElementType());
  Value init = emptyTensor(b, loc, resultType, dynamicSizes(b, loc, indices));
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init},
          maps, parallel(rank),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d)
              coords.push_back(
                  d == *axis
                      ? wrapIndex(nb, nl, args[0], dimOf(nb, nl, data, d))
                      : Value(linalg::IndexOp::create(nb, nl, d)));
            Value v = tensor::ExtractOp::create(nb, nl, data, coords);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// GatherND with batch_dims b: indices [..., k] address the dimensions
/// b..b+k-1 of data; the result is indices.shape[:-1] + data.shape[b+k:].
LogicalResult importGatherND(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"batch_dims"})) ||
      failed(requireIntegerIndices(ctx, 1)))
    return failure();
  RankedTensorType dt = ctx.inputType(0), it = ctx.inputType(1);
  int64_t batch = ctx.attrInt("batch_dims", 0);
  int64_t q = it.getRank(), r = dt.getRank();
  if (q < 1 || it.isDynamicDim(q - 1))
    return ctx.emitError() << "the last dimension of indices " << it
                           << " must be static";
  int64_t k = it.getDimSize(q - 1);
  if (batch < 0 || batch >= std::min(q, r) || batch + k > r)
    return ctx.emitError() << "batch_dims=" << batch << " and " << k
                           << "-element indices do not fit data " << dt;
  SmallVector<int64_t> shape(it.getShape().drop_back());
  shape.append(dt.getShape().begin() + batch + k, dt.getShape().end());
  auto resultType = RankedTensorType::get(shape, dt.getElementType());
  int64_t outRank = resultType.getRank();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value data = ctx.operand(0), indices = ctx.operand(1);
  SmallVector<Value> dyn = dynamicFrom(
      b, loc, resultType, [&](int64_t d) -> std::pair<Value, int64_t> {
        if (d < q - 1)
          return {indices, d};
        return {data, d - (q - 1) + batch + k};
      });
  Value init = emptyTensor(b, loc, resultType, dyn);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(outRank)};
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init}, maps,
          parallel(outRank),
          [&](OpBuilder &nb, Location nl, ValueRange) {
            SmallVector<Value> prefix;
            for (int64_t d = 0; d < q - 1; ++d)
              prefix.push_back(linalg::IndexOp::create(nb, nl, d));
            SmallVector<Value> coords(prefix.begin(), prefix.begin() + batch);
            for (int64_t j = 0; j < k; ++j) {
              SmallVector<Value> at(prefix);
              at.push_back(arith::ConstantIndexOp::create(nb, nl, j));
              Value raw = tensor::ExtractOp::create(nb, nl, indices, at);
              coords.push_back(
                  wrapIndex(nb, nl, raw, dimOf(nb, nl, data, batch + j)));
            }
            for (int64_t d = q - 1; d < outRank; ++d)
              coords.push_back(linalg::IndexOp::create(nb, nl, d));
            Value v = tensor::ExtractOp::create(nb, nl, data, coords);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// ScatterND: the data with the slices that indices [..., k] address
/// replaced by (or combined with, per `reduction`) the updates. Lowered as a
/// gather: each output element scans the update positions (a reduction
/// dimension, in order, so a later duplicate wins), which costs
/// output size x number of updates.
LogicalResult importScatterND(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"reduction"})) ||
      failed(requireIntegerIndices(ctx, 1)))
    return failure();
  std::string reduction = ctx.attrString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" &&
      reduction != "max" && reduction != "min")
    return ctx.emitError() << "reduction='" << reduction
                           << "' is not supported (none, add, mul, max, min)";
  RankedTensorType dt = ctx.inputType(0), it = ctx.inputType(1),
                   ut = ctx.inputType(2);
  ElementKind kind = ctx.inputKind(0);
  if (ctx.inputKind(2) != kind)
    return ctx.emitError() << "data and updates must have one element type";
  int64_t q = it.getRank(), r = dt.getRank();
  if (q < 1 || it.isDynamicDim(q - 1))
    return ctx.emitError() << "the last dimension of indices " << it
                           << " must be static";
  int64_t k = it.getDimSize(q - 1);
  // updates: indices.shape[:-1] + data.shape[k:] (dynamic sizes are taken
  // to agree).
  auto clash = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  bool mismatch = k > r || ut.getRank() != q - 1 + r - k;
  for (int64_t i = 0; !mismatch && i < q - 1; ++i)
    mismatch = clash(ut.getDimSize(i), it.getDimSize(i));
  for (int64_t d = k; !mismatch && d < r; ++d)
    mismatch = clash(ut.getDimSize(q - 1 + d - k), dt.getDimSize(d));
  if (mismatch)
    return ctx.emitError() << "updates " << ut << " do not match indices " << it
                           << " and data " << dt
                           << " (expected indices.shape[:-1] + data.shape[" << k
                           << ":])";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value data = ctx.operand(0), indices = ctx.operand(1),
        updates = ctx.operand(2);
  // Iteration space: the output's r dimensions, then the q - 1 update
  // positions (reductions).
  int64_t n = r + q - 1;
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < r; ++d)
    outExprs.push_back(getAffineDimExpr(d, mctx));
  SmallVector<AffineExpr> updExprs;
  for (int64_t d = 0; d < q - 1; ++d)
    updExprs.push_back(getAffineDimExpr(r + d, mctx));
  for (int64_t d = k; d < r; ++d)
    updExprs.push_back(getAffineDimExpr(d, mctx));
  SmallVector<AffineMap> maps{AffineMap::get(n, 0, updExprs, mctx),
                              AffineMap::get(n, 0, outExprs, mctx)};
  SmallVector<utils::IteratorType> iterators = parallel(r);
  iterators.append(q - 1, utils::IteratorType::reduction);
  bool isFloat = isFloatKind(kind), isUnsigned = isUnsignedIntKind(kind);
  // Copy the data so that the scatter does not write into its operand.
  Value init = buildElementwise(
      b, loc, ValueRange{data}, dt,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{dt}, ValueRange{updates}, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value update = args[0], acc = args[1];
            SmallVector<Value> at;
            for (int64_t d = 0; d < q - 1; ++d)
              at.push_back(linalg::IndexOp::create(nb, nl, r + d));
            Value match =
                arith::ConstantOp::create(nb, nl, nb.getBoolAttr(true));
            for (int64_t j = 0; j < k; ++j) {
              SmallVector<Value> pos(at);
              pos.push_back(arith::ConstantIndexOp::create(nb, nl, j));
              Value raw = tensor::ExtractOp::create(nb, nl, indices, pos);
              Value idx = wrapIndex(nb, nl, raw, dimOf(nb, nl, data, j));
              Value eq =
                  arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, idx,
                                        linalg::IndexOp::create(nb, nl, j));
              match = arith::AndIOp::create(nb, nl, match, eq);
            }
            Value combined = update;
            if (reduction == "add")
              combined =
                  isFloat ? Value(arith::AddFOp::create(nb, nl, acc, update))
                          : Value(arith::AddIOp::create(nb, nl, acc, update));
            else if (reduction == "mul")
              combined =
                  isFloat ? Value(arith::MulFOp::create(nb, nl, acc, update))
                          : Value(arith::MulIOp::create(nb, nl, acc, update));
            else if (reduction == "max")
              combined =
                  isFloat
                      ? Value(arith::MaximumFOp::create(nb, nl, acc, update))
                  : isUnsigned
                      ? Value(arith::MaxUIOp::create(nb, nl, acc, update))
                      : Value(arith::MaxSIOp::create(nb, nl, acc, update));
            else if (reduction == "min")
              combined =
                  isFloat
                      ? Value(arith::MinimumFOp::create(nb, nl, acc, update))
                  : isUnsigned
                      ? Value(arith::MinUIOp::create(nb, nl, acc, update))
                      : Value(arith::MinSIOp::create(nb, nl, acc, update));
            Value v = arith::SelectOp::create(nb, nl, match, combined, acc);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerIndexingImporters(
    OpImporterTable &table) {
  table["GatherElements"] = importGatherElements;
  table["GatherND"] = importGatherND;
  table["ScatterND"] = importScatterND;
}
