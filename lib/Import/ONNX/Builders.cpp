//===- Builders.cpp - IR building helpers of the importer -------*- C++ -*-===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

bool mlir::sieve::onnx_import::isSignedIntKind(ElementKind kind) {
  return kind == ElementKind::Int8 || kind == ElementKind::Int16 ||
         kind == ElementKind::Int32 || kind == ElementKind::Int64;
}

bool mlir::sieve::onnx_import::isUnsignedIntKind(ElementKind kind) {
  return kind == ElementKind::UInt8 || kind == ElementKind::UInt16 ||
         kind == ElementKind::UInt32 || kind == ElementKind::UInt64;
}

SmallVector<Value> mlir::sieve::onnx_import::dynamicSizes(OpBuilder &b,
                                                          Location loc,
                                                          Value value) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, value, i));
  return sizes;
}

Value mlir::sieve::onnx_import::emptyTensor(OpBuilder &b, Location loc,
                                            RankedTensorType type,
                                            ValueRange dynamicDims) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicDims);
}

Value mlir::sieve::onnx_import::scalarConstant(OpBuilder &b, Location loc,
                                               Type type, double value) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

Value mlir::sieve::onnx_import::filledTensor(OpBuilder &b, Location loc,
                                             RankedTensorType type,
                                             ValueRange dynamicDims,
                                             Value fill) {
  Value empty = emptyTensor(b, loc, type, dynamicDims);
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

FailureOr<SmallVector<int64_t>>
mlir::sieve::onnx_import::broadcastShapes(ArrayRef<int64_t> a,
                                          ArrayRef<int64_t> b) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == 1)
      result[i] = db;
    else if (db == 1)
      result[i] = da;
    else if (ShapedType::isDynamic(da))
      result[i] = db;
    else if (ShapedType::isDynamic(db) || da == db)
      result[i] = da;
    else
      return failure();
  }
  return result;
}

SmallVector<Value>
mlir::sieve::onnx_import::broadcastDynamicSizes(OpBuilder &b, Location loc,
                                                RankedTensorType resultType,
                                                ValueRange operands) {
  SmallVector<Value> sizes;
  int64_t rank = resultType.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!resultType.isDynamicDim(i))
      continue;
    Value size;
    for (Value operand : operands) {
      auto type = cast<RankedTensorType>(operand.getType());
      int64_t j = i - (rank - type.getRank());
      if (j >= 0 && type.isDynamicDim(j)) {
        size = tensor::DimOp::create(b, loc, operand, j);
        break;
      }
    }
    assert(size && "a dynamic result dimension comes from an operand");
    sizes.push_back(size);
  }
  return sizes;
}

/// Collapses away the dimensions of `value` listed in `drop` (all of size
/// 1), merging each into a neighbouring kept dimension.
static Value dropUnitDims(OpBuilder &b, Location loc, Value value,
                          ArrayRef<bool> drop) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    pending.push_back(i);
    if (!drop[i]) {
      groups.push_back(pending);
      pending.clear();
      shape.push_back(type.getDimSize(i));
    }
  }
  if (!pending.empty() && !groups.empty())
    groups.back().append(pending.begin(), pending.end());
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  if (resultType == type)
    return value;
  return tensor::CollapseShapeOp::create(b, loc, resultType, value, groups);
}

Value mlir::sieve::onnx_import::broadcastTo(OpBuilder &b, Location loc,
                                            Value value,
                                            RankedTensorType resultType,
                                            ValueRange dynamicDims) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == resultType.getShape())
    return value;
  int64_t rank = resultType.getRank();
  int64_t offset = rank - type.getRank();
  SmallVector<bool> drop(type.getRank(), false);
  SmallVector<int64_t> addedDims;
  for (int64_t i = 0; i < offset; ++i)
    addedDims.push_back(i);
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (type.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1) {
      drop[i] = true;
      addedDims.push_back(offset + i);
    }
  }
  llvm::sort(addedDims);
  // The kept dimensions take the result's sizes: a dynamic one that the
  // result knows statically (from another operand: dynamic dimensions are
  // assumed not to broadcast), a static one that the result does not.
  auto castTo = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getShape() == shape)
      return v;
    return tensor::CastOp::create(b, loc, t.clone(shape), v);
  };
  if (addedDims.empty())
    return castTo(value, resultType.getShape());
  SmallVector<int64_t> keptShape;
  for (int64_t i = 0; i < rank; ++i)
    if (!llvm::is_contained(addedDims, i))
      keptShape.push_back(resultType.getDimSize(i));
  Value collapsed = castTo(dropUnitDims(b, loc, value, drop), keptShape);
  Value init = emptyTensor(b, loc, resultType, dynamicDims);
  return linalg::BroadcastOp::create(b, loc, collapsed, init, addedDims)
      .getResult()[0];
}

namespace {

/// The reassociation of a collapse_shape (`from` has the higher rank) or of
/// an expand_shape that infers its sizes (at most one dynamic size per
/// group) between the two types, if one exists.
std::optional<SmallVector<ReassociationIndices>>
directReassociation(RankedTensorType from, RankedTensorType to) {
  if (from.getRank() == to.getRank())
    return std::nullopt;
  auto groups = getReassociationIndicesForReshape(from, to);
  if (!groups || from.getRank() > to.getRank())
    return groups;
  for (const ReassociationIndices &g : *groups)
    if (llvm::count_if(g, [&](int64_t i) { return to.isDynamicDim(i); }) > 1)
      return std::nullopt;
  return groups;
}

/// The non-unit dimensions of `t`.
SmallVector<int64_t> nonUnitDims(RankedTensorType t) {
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < t.getRank(); ++i)
    if (t.getDimSize(i) != 1)
      dims.push_back(i);
  return dims;
}

/// Whether the two shapes agree after dropping unit dimensions.
bool alignedShapes(RankedTensorType from, RankedTensorType to) {
  SmallVector<int64_t> inDims = nonUnitDims(from), outDims = nonUnitDims(to);
  return inDims.size() == outDims.size() &&
         llvm::all_of(llvm::zip(inDims, outDims), [&](auto pair) {
           return from.getDimSize(std::get<0>(pair)) ==
                  to.getDimSize(std::get<1>(pair));
         });
}

} // namespace

bool mlir::sieve::onnx_import::reshapeInfersSizes(RankedTensorType from,
                                                  RankedTensorType to) {
  return from == to || directReassociation(from, to) ||
         (from.hasStaticShape() && to.hasStaticShape()) ||
         alignedShapes(from, to) ||
         llvm::count_if(to.getShape(), ShapedType::isDynamic) <= 1;
}

Value mlir::sieve::onnx_import::reshapeTo(OpBuilder &b, Location loc,
                                          Value value,
                                          RankedTensorType resultType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type == resultType)
    return value;
  if (auto groups = directReassociation(type, resultType)) {
    if (type.getRank() > resultType.getRank())
      return tensor::CollapseShapeOp::create(b, loc, resultType, value,
                                             *groups);
    return tensor::ExpandShapeOp::create(b, loc, resultType, value, *groups);
  }
  // General case: through a flat tensor.
  if (type.hasStaticShape() && resultType.hasStaticShape()) {
    auto flatType =
        RankedTensorType::get({type.getNumElements()}, type.getElementType());
    Value flat = value;
    if (type.getRank() != 1) {
      ReassociationIndices all;
      for (int64_t i = 0; i < type.getRank(); ++i)
        all.push_back(i);
      flat = tensor::CollapseShapeOp::create(
          b, loc, flatType, value, ArrayRef<ReassociationIndices>{all});
    }
    if (resultType.getRank() == 1)
      return flat;
    if (resultType.getRank() == 0)
      return tensor::CollapseShapeOp::create(b, loc, resultType, flat,
                                             ArrayRef<ReassociationIndices>{});
    ReassociationIndices all;
    for (int64_t i = 0; i < resultType.getRank(); ++i)
      all.push_back(i);
    return tensor::ExpandShapeOp::create(b, loc, resultType, flat,
                                         ArrayRef<ReassociationIndices>{all});
  }
  // Dynamic shapes: the sizes of the result's dynamic dimensions. When the
  // two shapes agree after dropping unit dimensions, each dynamic size is
  // the matching input dimension; with a single dynamic dimension it is the
  // element count over the static sizes.
  if (!reshapeInfersSizes(type, resultType)) {
    std::string types;
    llvm::raw_string_ostream os(types);
    os << type << " to " << resultType;
    llvm::report_fatal_error(
        llvm::Twine("importer bug: reshapeTo cannot infer the sizes of a "
                    "reshape with several dynamic dimensions (") +
        types + "); the caller must use reshapeToSizes");
  }
  SmallVector<OpFoldResult> sizes;
  bool aligned = alignedShapes(type, resultType);
  SmallVector<int64_t> inDims = nonUnitDims(type);
  int64_t known = 1;
  for (int64_t d : resultType.getShape())
    if (!ShapedType::isDynamic(d))
      known *= d;
  size_t next = 0;
  for (int64_t i = 0; i < resultType.getRank(); ++i) {
    int64_t d = resultType.getDimSize(i);
    if (aligned && d != 1) {
      int64_t from = inDims[next++];
      sizes.push_back(
          ShapedType::isDynamic(d)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, value, from).getResult())
              : OpFoldResult(b.getIndexAttr(d)));
      continue;
    }
    if (!ShapedType::isDynamic(d)) {
      sizes.push_back(b.getIndexAttr(d));
      continue;
    }
    Value total = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t j = 0; j < type.getRank(); ++j)
      total = arith::MulIOp::create(b, loc, total,
                                    tensor::DimOp::create(b, loc, value, j));
    sizes.push_back(
        arith::DivUIOp::create(
            b, loc, total,
            arith::ConstantIndexOp::create(b, loc, std::max<int64_t>(known, 1)))
            .getResult());
  }
  return reshapeToSizes(b, loc, value, resultType, sizes);
}

Value mlir::sieve::onnx_import::reshapeToSizes(OpBuilder &b, Location loc,
                                               Value value,
                                               RankedTensorType resultType,
                                               ArrayRef<OpFoldResult> sizes) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type == resultType)
    return value;
  if (type.getRank() < resultType.getRank()) {
    // An expand_shape where each group holds at most one dynamic size.
    if (auto groups = getReassociationIndicesForReshape(type, resultType)) {
      bool simple = llvm::all_of(*groups, [&](const ReassociationIndices &g) {
        return llvm::count_if(g, [&](int64_t i) {
                 return resultType.isDynamicDim(i);
               }) <= 1;
      });
      if (simple)
        return tensor::ExpandShapeOp::create(b, loc, resultType, value, *groups,
                                             sizes);
    }
  }
  return reshapeThroughShape(b, loc, value, resultType, sizes);
}

Value mlir::sieve::onnx_import::reshapeThroughShape(
    OpBuilder &b, Location loc, Value value, RankedTensorType resultType,
    ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> elements;
  for (OpFoldResult size : sizes)
    elements.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(),
                                                  indexValue(b, loc, size)));
  // A scalar result: an empty shape (from_elements infers its type from
  // the first element, so it cannot build one).
  Value shape = elements.empty()
                    ? Value(arith::ConstantOp::create(
                          b, loc,
                          DenseElementsAttr::get(
                              RankedTensorType::get({0}, b.getI64Type()),
                              ArrayRef<int64_t>{})))
                    : Value(tensor::FromElementsOp::create(b, loc, elements));
  return tensor::ReshapeOp::create(b, loc, resultType, value, shape);
}

Value mlir::sieve::onnx_import::floorRemSI(OpBuilder &b, Location loc, Value x,
                                           Value y) {
  Value r = arith::RemSIOp::create(b, loc, x, y);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(x.getType()));
  Value nonZero =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
  Value rNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
  Value yNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
  Value differ = arith::XOrIOp::create(b, loc, rNeg, yNeg);
  Value fix = arith::AndIOp::create(b, loc, nonZero, differ);
  return arith::SelectOp::create(b, loc, fix,
                                 arith::AddIOp::create(b, loc, r, y), r);
}

Value mlir::sieve::onnx_import::convertScalar(OpBuilder &b, Location loc,
                                              Value value, ElementKind from,
                                              ElementKind to) {
  if (isLowPrecisionKind(from) || isLowPrecisionKind(to))
    return convertLowPrecision(b, loc, value, from, to, CastMode{});
  Type dstType = getElementType(b.getContext(), to);
  Type srcType = value.getType();
  if (from == to ||
      (srcType == dstType && !isFloatKind(from) && !isFloatKind(to) &&
       from != ElementKind::Bool && to != ElementKind::Bool))
    return value;
  if (to == ElementKind::Bool) {
    Value zero = scalarConstant(b, loc, srcType, 0);
    if (isFloatKind(from))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value,
                                   zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
  }
  bool srcFloat = isFloatKind(from);
  bool dstFloat = isFloatKind(to);
  bool srcUnsigned = isUnsignedIntKind(from) || from == ElementKind::Bool;
  if (srcFloat && dstFloat) {
    unsigned sw = srcType.getIntOrFloatBitWidth();
    unsigned dw = dstType.getIntOrFloatBitWidth();
    if (sw < dw)
      return arith::ExtFOp::create(b, loc, dstType, value);
    if (sw > dw)
      return arith::TruncFOp::create(b, loc, dstType, value);
    // f16 <-> bf16: through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, dstType, wide);
  }
  if (srcFloat)
    return isUnsignedIntKind(to)
               ? Value(arith::FPToUIOp::create(b, loc, dstType, value))
               : Value(arith::FPToSIOp::create(b, loc, dstType, value));
  if (dstFloat)
    return srcUnsigned ? Value(arith::UIToFPOp::create(b, loc, dstType, value))
                       : Value(arith::SIToFPOp::create(b, loc, dstType, value));
  unsigned sw = srcType.getIntOrFloatBitWidth();
  unsigned dw = dstType.getIntOrFloatBitWidth();
  if (sw < dw)
    return srcUnsigned ? Value(arith::ExtUIOp::create(b, loc, dstType, value))
                       : Value(arith::ExtSIOp::create(b, loc, dstType, value));
  if (sw > dw)
    return arith::TruncIOp::create(b, loc, dstType, value);
  return value;
}

FailureOr<int64_t>
mlir::sieve::onnx_import::normalizeAxis(NodeContext &ctx, int64_t axis,
                                        int64_t rank, llvm::StringRef what) {
  int64_t normalized = axis < 0 ? axis + rank : axis;
  // A scalar (rank 0) has no axis: every value is out of range.
  if (normalized < 0 || normalized >= rank)
    return ctx.emitError() << what << " " << axis
                           << " is out of range for rank " << rank;
  return normalized;
}

/// Raw little-endian bytes of a dense or dense_resource attribute, and
/// whether the attribute is a splat.
static ArrayRef<char> rawData(ElementsAttr attr, bool &isSplat) {
  isSplat = false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    isSplat = dense.isSplat();
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return resource.getData();
  return {};
}

template <typename T>
static T readAs(ElementsAttr attr, int64_t index, bool isSplat,
                ArrayRef<char> data) {
  Type et = attr.getShapedType().getElementType();
  unsigned width = et.getIntOrFloatBitWidth();
  int64_t i = isSplat ? 0 : index;
  auto load = [&](auto tag) {
    decltype(tag) v;
    std::memcpy(&v, data.data() + i * sizeof(v), sizeof(v));
    return v;
  };
  if (et.isF32())
    return static_cast<T>(load(float()));
  if (et.isF64())
    return static_cast<T>(load(double()));
  if (isa<Float16Type, BFloat16Type>(et)) {
    uint16_t bits = load(uint16_t());
    APFloat value(cast<FloatType>(et).getFloatSemantics(), APInt(16, bits));
    bool lost;
    value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    return static_cast<T>(value.convertToDouble());
  }
  switch (width) {
  case 8:
    return static_cast<T>(load(int8_t()));
  case 16:
    return static_cast<T>(load(int16_t()));
  case 32:
    return static_cast<T>(load(int32_t()));
  default:
    return static_cast<T>(load(int64_t()));
  }
}

/// The elements of a constant converted to T.
template <typename T> static SmallVector<T> readElements(ElementsAttr attr) {
  SmallVector<T> values;
  int64_t n = attr.getShapedType().getNumElements();
  if (attr.getShapedType().getElementType().isInteger(1)) {
    for (bool v : cast<DenseElementsAttr>(attr).getValues<bool>())
      values.push_back(v);
    return values;
  }
  bool isSplat;
  ArrayRef<char> data = rawData(attr, isSplat);
  values.reserve(n);
  for (int64_t i = 0; i < n; ++i)
    values.push_back(readAs<T>(attr, i, isSplat, data));
  return values;
}

SmallVector<double>
mlir::sieve::onnx_import::elementsAsDoubles(ElementsAttr attr) {
  return readElements<double>(attr);
}

SmallVector<int64_t>
mlir::sieve::onnx_import::elementsAsInts(ElementsAttr attr) {
  return readElements<int64_t>(attr);
}

ElementsAttr
mlir::sieve::onnx_import::makeResourceElements(RankedTensorType type,
                                               ArrayRef<char> bytes) {
  AsmResourceBlob blob =
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(double));
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, "sieve_constant", std::move(blob)));
}

/// Constants above this many elements become dense_resource blobs.
static constexpr int64_t kResourceThreshold = 64;

ElementsAttr mlir::sieve::onnx_import::makeElements(RankedTensorType type,
                                                    ArrayRef<double> values) {
  Type et = type.getElementType();
  if (et.isF32() && type.getNumElements() > kResourceThreshold) {
    SmallVector<float> floats(values.begin(), values.end());
    return makeResourceElements(
        type, ArrayRef<char>(reinterpret_cast<const char *>(floats.data()),
                             floats.size() * sizeof(float)));
  }
  if (auto floatType = dyn_cast<FloatType>(et)) {
    SmallVector<APFloat> floats;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      floats.push_back(f);
    }
    return DenseElementsAttr::get(type, floats);
  }
  SmallVector<int64_t> ints(values.begin(), values.end());
  return makeIntElements(type, ints);
}

std::optional<ArrayRef<char>>
mlir::sieve::onnx_import::constantBytes(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 != 0)
    return std::nullopt;
  size_t size = type.getNumElements() * (bits / 8);
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat() || dense.getRawData().size() != size)
      return std::nullopt;
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    ArrayRef<char> data = resource.getData();
    if (data.size() != size)
      return std::nullopt;
    return data;
  }
  return std::nullopt;
}

ElementsAttr
mlir::sieve::onnx_import::makeElementsFromBytes(RankedTensorType type,
                                                ArrayRef<char> bytes) {
  if (type.getElementType().isF32() &&
      type.getNumElements() > kResourceThreshold)
    return makeResourceElements(type, bytes);
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

ElementsAttr
mlir::sieve::onnx_import::makeIntElements(RankedTensorType type,
                                          ArrayRef<int64_t> values) {
  Type et = type.getElementType();
  if (isa<FloatType>(et)) {
    SmallVector<double> doubles(values.begin(), values.end());
    return makeElements(type, doubles);
  }
  if (et.isInteger(1)) {
    SmallVector<bool> flags;
    for (int64_t v : values)
      flags.push_back(v != 0);
    return DenseElementsAttr::get(type, flags);
  }
  SmallVector<APInt> ints;
  for (int64_t v : values)
    ints.push_back(APInt(et.getIntOrFloatBitWidth(), v, /*isSigned=*/true,
                         /*implicitTrunc=*/true));
  return DenseElementsAttr::get(type, ints);
}

Value mlir::sieve::onnx_import::buildElementwise(OpBuilder &b, Location loc,
                                                 ValueRange operands,
                                                 RankedTensorType resultType,
                                                 ScalarBody body) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps;
  for (Value operand : operands) {
    auto type = cast<RankedTensorType>(operand.getType());
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1)
        exprs.push_back(b.getAffineConstantExpr(0));
      else
        exprs.push_back(b.getAffineDimExpr(offset + i));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, b.getContext()));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<Value> dynamicDims =
      broadcastDynamicSizes(b, loc, resultType, operands);
  Value init = emptyTensor(b, loc, resultType, dynamicDims);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, operands, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value result = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

FailureOr<WindowGeometry> mlir::sieve::onnx_import::computeWindow(
    NodeContext &ctx, ArrayRef<int64_t> spatialInput, ArrayRef<int64_t> kernel,
    bool ceilMode) {
  size_t n = spatialInput.size();
  WindowGeometry g;
  g.kernel.assign(kernel.begin(), kernel.end());
  if (g.kernel.size() != n)
    return ctx.emitError() << "kernel_shape has " << g.kernel.size()
                           << " dimensions but the input has " << n
                           << " spatial dimensions";
  for (int64_t d : spatialInput)
    if (ShapedType::isDynamic(d))
      return ctx.emitError() << "dynamic spatial dimensions are not supported";
  for (int64_t k : g.kernel)
    if (k <= 0)
      return ctx.emitError() << "kernel sizes must be positive";
  auto readList = [&](llvm::StringRef name, size_t size, int64_t fill,
                      SmallVector<int64_t> &out) -> LogicalResult {
    if (auto values = ctx.attrInts(name)) {
      if (values->size() != size)
        return ctx.emitError() << name << " has " << values->size()
                               << " values, expected " << size;
      out = *values;
    } else {
      out.assign(size, fill);
    }
    return success();
  };
  SmallVector<int64_t> pads;
  if (failed(readList("strides", n, 1, g.strides)) ||
      failed(readList("dilations", n, 1, g.dilations)) ||
      failed(readList("pads", 2 * n, 0, pads)))
    return failure();
  // Bounded so that the window arithmetic below cannot overflow (spatial
  // sizes are bounded by the tensor size limit).
  constexpr int64_t kMaxWindowValue = int64_t(1) << 31;
  for (ArrayRef<int64_t> list :
       {ArrayRef<int64_t>(g.kernel), ArrayRef<int64_t>(g.strides),
        ArrayRef<int64_t>(g.dilations), ArrayRef<int64_t>(pads)})
    for (int64_t v : list)
      if (v > kMaxWindowValue)
        return ctx.emitError()
               << "kernel_shape, strides, dilations and pads must be at most "
               << kMaxWindowValue << ", got " << v;
  for (size_t i = 0; i < n; ++i)
    if (g.strides[i] <= 0 || g.dilations[i] <= 0 || pads[i] < 0 ||
        pads[n + i] < 0)
      return ctx.emitError()
             << "strides and dilations must be positive, pads non-negative";
  std::string autoPad = ctx.attrString("auto_pad", "NOTSET");
  g.padBegin.assign(pads.begin(), pads.begin() + n);
  g.padEnd.assign(pads.begin() + n, pads.end());
  g.extraEnd.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    int64_t in = spatialInput[i];
    int64_t span = g.dilations[i] * (g.kernel[i] - 1) + 1;
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (in + g.strides[i] - 1) / g.strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * g.strides[i] + span - in);
      int64_t small = total / 2, large = total - small;
      g.padBegin[i] = autoPad == "SAME_UPPER" ? small : large;
      g.padEnd[i] = autoPad == "SAME_UPPER" ? large : small;
    } else if (autoPad == "VALID") {
      g.padBegin[i] = g.padEnd[i] = 0;
    } else if (autoPad != "NOTSET") {
      return ctx.emitError() << "auto_pad '" << autoPad << "' is not supported";
    }
    int64_t padded = in + g.padBegin[i] + g.padEnd[i];
    if (padded < span)
      return ctx.emitError()
             << "the window (" << span << ") is larger than the padded input ("
             << padded << ")";
    int64_t out;
    if (ceilMode) {
      out = (padded - span + g.strides[i] - 1) / g.strides[i] + 1;
      // The last window must start inside the input or its begin padding.
      if ((out - 1) * g.strides[i] >= in + g.padBegin[i])
        --out;
      g.extraEnd[i] =
          std::max<int64_t>(0, (out - 1) * g.strides[i] + span - padded);
    } else {
      out = (padded - span) / g.strides[i] + 1;
    }
    g.output.push_back(out);
  }
  return g;
}

Value mlir::sieve::onnx_import::padSpatial(OpBuilder &b, Location loc,
                                           Value value,
                                           ArrayRef<int64_t> padBegin,
                                           ArrayRef<int64_t> padEnd,
                                           Value padValue) {
  if (llvm::all_of(padBegin, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(padEnd, [](int64_t p) { return p == 0; }))
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> low(2, 0), high(2, 0), shape;
  low.append(padBegin.begin(), padBegin.end());
  high.append(padEnd.begin(), padEnd.end());
  for (int64_t i = 0; i < type.getRank(); ++i)
    shape.push_back(type.isDynamicDim(i)
                        ? ShapedType::kDynamic
                        : type.getDimSize(i) + low[i] + high[i]);
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  SmallVector<OpFoldResult> lowOfr, highOfr;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    lowOfr.push_back(b.getIndexAttr(low[i]));
    highOfr.push_back(b.getIndexAttr(high[i]));
  }
  return tensor::PadOp::create(b, loc, resultType, value, lowOfr, highOfr,
                               padValue);
}

Value mlir::sieve::onnx_import::extractSlice(OpBuilder &b, Location loc,
                                             RankedTensorType resultType,
                                             Value source,
                                             ArrayRef<OpFoldResult> offsets,
                                             ArrayRef<OpFoldResult> sizes,
                                             ArrayRef<OpFoldResult> strides) {
  if (llvm::is_contained(resultType.getShape(), 0)) {
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < resultType.getRank(); ++i)
      if (resultType.isDynamicDim(i))
        dyn.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
    return emptyTensor(b, loc, resultType, dyn);
  }
  return tensor::ExtractSliceOp::create(b, loc, resultType, source, offsets,
                                        sizes, strides);
}

Value mlir::sieve::onnx_import::insertSlice(OpBuilder &b, Location loc,
                                            Value source, Value dest,
                                            ArrayRef<OpFoldResult> offsets,
                                            ArrayRef<OpFoldResult> sizes,
                                            ArrayRef<OpFoldResult> strides) {
  if (llvm::is_contained(cast<RankedTensorType>(source.getType()).getShape(),
                         0))
    return dest;
  return tensor::InsertSliceOp::create(b, loc, source, dest, offsets, sizes,
                                       strides);
}

Value mlir::sieve::onnx_import::transposeTo(OpBuilder &b, Location loc,
                                            Value value,
                                            ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(value.getType());
  // An identity permutation (every rank-0 and rank-1 one) moves nothing;
  // linalg.transpose of a rank-0 tensor would not even verify.
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return value;
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (int64_t p : perm) {
    shape.push_back(type.getDimSize(p));
    if (type.isDynamicDim(p))
      dyn.push_back(tensor::DimOp::create(b, loc, value, p));
  }
  Value init = emptyTensor(
      b, loc, RankedTensorType::get(shape, type.getElementType()), dyn);
  return linalg::TransposeOp::create(b, loc, value, init, perm).getResult()[0];
}
