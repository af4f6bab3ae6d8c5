//===- Shape.cpp - Shape and data-movement ops ------------------*- C++ -*-===//
//
// Constant, ConstantOfShape, Shape, Size, Reshape, Flatten, Squeeze, Unsqueeze,
// Transpose, Concat, Gather, Pad. Shape computations on constants (Shape ->
// Gather -> Concat -> Reshape, as PyTorch exports emit them) fold at import.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"
#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "onnx/onnx_pb.h"

#include <cstring>
#include <vector>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// Constants up to this many elements are folded by shape ops at import.
constexpr int64_t kFoldLimit = 1 << 16;

bool foldable(const GraphValue &gv) {
  return gv.constant && isa<DenseElementsAttr>(gv.constant) &&
         hasAtMostElements(gv.type, kFoldLimit);
}

/// Defines output 0 as `input(0)` reshaped to `shape` (folded for constants).
LogicalResult defineReshaped(NodeContext &ctx, ArrayRef<int64_t> shape) {
  const GraphValue &in = ctx.input(0);
  auto type = RankedTensorType::get(shape, in.type.getElementType());
  if (foldable(in) && type.hasStaticShape()) {
    ctx.setConstantOutput(0, cast<DenseElementsAttr>(in.constant).reshape(type),
                          in.kind);
    return success();
  }
  ctx.setOutput(0, reshapeTo(ctx.builder(), ctx.loc(), ctx.operand(0), type),
                in.kind);
  return success();
}

LogicalResult importConstant(NodeContext &ctx) {
  if (ctx.numOutputs() != 1)
    return ctx.emitError() << "expects one output";
  MLIRContext *mctx = ctx.getContext();
  OpBuilder &b = ctx.builder();
  if (const ::onnx::TensorProto *t = ctx.attrTensor("value")) {
    ElementKind kind;
    FailureOr<ElementsAttr> attr = ctx.graph().convertTensor(
        *t, ctx.loc(), "the value of node '" + ctx.nodeName().str() + "'",
        &kind);
    if (failed(attr))
      return failure();
    ctx.setConstantOutput(0, *attr, kind);
    return success();
  }
  if (ctx.hasAttr("value_float")) {
    auto type = RankedTensorType::get({}, b.getF32Type());
    ctx.setConstantOutput(0,
                          makeElements(type, {ctx.attrFloat("value_float", 0)}),
                          ElementKind::Float);
    return success();
  }
  if (auto floats = ctx.attrFloats("value_floats")) {
    auto type =
        RankedTensorType::get({(int64_t)floats->size()}, b.getF32Type());
    SmallVector<double> values(floats->begin(), floats->end());
    ctx.setConstantOutput(0, makeElements(type, values), ElementKind::Float);
    return success();
  }
  if (ctx.hasAttr("value_int")) {
    auto type = RankedTensorType::get({}, IntegerType::get(mctx, 64));
    ctx.setConstantOutput(0,
                          makeIntElements(type, {ctx.attrInt("value_int", 0)}),
                          ElementKind::Int64);
    return success();
  }
  if (auto ints = ctx.attrInts("value_ints")) {
    auto type = RankedTensorType::get({(int64_t)ints->size()},
                                      IntegerType::get(mctx, 64));
    ctx.setConstantOutput(0, makeIntElements(type, *ints), ElementKind::Int64);
    return success();
  }
  return ctx.emitError() << "only the value, value_float(s) and value_int(s) "
                            "attributes are supported";
}

LogicalResult importConstantOfShape(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"value"})))
    return failure();
  FailureOr<SmallVector<OpFoldResult>> symbolic =
      ctx.requireSymbolicInts(0, "shape");
  if (failed(symbolic))
    return failure();
  // Static dimensions, with kDynamic where the size is an index value.
  SmallVector<int64_t> staticShape;
  SmallVector<Value> dynamicSizes;
  for (OpFoldResult e : *symbolic) {
    std::optional<int64_t> d = getConstantIntValue(e);
    if (d && *d < 0)
      return ctx.emitError() << "shape has a negative dimension " << *d;
    staticShape.push_back(d ? *d : ShapedType::kDynamic);
    if (!d)
      dynamicSizes.push_back(cast<Value>(e));
  }
  auto shape = &staticShape;
  ElementKind kind = ElementKind::Float;
  double value = 0.0;
  if (const ::onnx::TensorProto *t = ctx.attrTensor("value")) {
    FailureOr<ElementsAttr> attr =
        ctx.graph().convertTensor(*t, ctx.loc(), "the value attribute", &kind);
    if (failed(attr))
      return failure();
    if (attr->getShapedType().getNumElements() != 1)
      return ctx.emitError() << "the value attribute must hold one element";
    value = elementsAsDoubles(*attr)[0];
  }
  Type elementType = getElementType(ctx.getContext(), kind);
  if (failed(ctx.checkShape(*shape, elementType, "the output")))
    return failure();
  auto type = RankedTensorType::get(*shape, elementType);
  if (!dynamicSizes.empty()) {
    OpBuilder &b = ctx.builder();
    Value fill = scalarConstant(b, ctx.loc(), elementType, value);
    ctx.setOutput(0, filledTensor(b, ctx.loc(), type, dynamicSizes, fill),
                  kind);
    return success();
  }
  Attribute element;
  if (auto ft = dyn_cast<FloatType>(type.getElementType()))
    element = FloatAttr::get(ft, value);
  else
    element =
        IntegerAttr::get(type.getElementType(), static_cast<int64_t>(value));
  ctx.setConstantOutput(0, DenseElementsAttr::get(type, element), kind);
  return success();
}

LogicalResult importShape(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"start", "end"})))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  auto clampIndex = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t start = clampIndex(ctx.attrInt("start", 0));
  int64_t end = clampIndex(ctx.attrInt("end", rank));
  SmallVector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(type.getDimSize(i));
  // Dynamic dimensions make a symbolic shape value (ShapeValues.cpp): its
  // static elements stay constants for the shape arithmetic downstream.
  OpBuilder &b = ctx.builder();
  SmallVector<OpFoldResult> elements;
  for (int64_t i = start; i < end; ++i) {
    if (type.isDynamicDim(i))
      elements.push_back(
          tensor::DimOp::create(b, ctx.loc(), ctx.operand(0), i).getResult());
    else
      elements.push_back(b.getIndexAttr(type.getDimSize(i)));
  }
  ctx.setSymbolicOutput(0, {(int64_t)elements.size()}, elements,
                        ElementKind::Int64);
  return success();
}

/// Size: the number of elements, a constant for static shapes.
LogicalResult importSize(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  RankedTensorType type = ctx.inputType(0);
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  OpFoldResult count = b.getIndexAttr(1);
  int64_t known = 1;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i)) {
      known *= type.getDimSize(i);
      continue;
    }
    Value dim = tensor::DimOp::create(b, loc, ctx.operand(0), i);
    count = isa<Attribute>(count)
                ? OpFoldResult(dim)
                : OpFoldResult(
                      arith::MulIOp::create(b, loc, cast<Value>(count), dim)
                          .getResult());
  }
  if (isa<Value>(count) && known != 1)
    count = arith::MulIOp::create(b, loc, cast<Value>(count),
                                  arith::ConstantIndexOp::create(b, loc, known))
                .getResult();
  else if (isa<Attribute>(count))
    count = b.getIndexAttr(known);
  ctx.setSymbolicOutput(0, {}, {count}, ElementKind::Int64);
  return success();
}

/// The tensor dimension that a dynamic size stands for, followed back
/// through the ops the importer builds around sizes: `tensor.dim` of a
/// destination-style op's result (its init's dimension), of tensor.cast,
/// tensor.empty, expand_shape and extract_slice (their size operands),
/// tensor.reshape by a from_elements shape (the element), a collapse_shape
/// group of one dynamic dimension, a pad that leaves the dimension alone,
/// and index casts. The pair is (tensor, dimension),
/// or (value, -1) for a size that is none of these.
std::pair<Value, int64_t> dimensionOrigin(Value value, int64_t dim) {
  // Iterative: a chain of layers can be thousands of ops long.
  for (int steps = 0; steps < 100000; ++steps) {
    if (dim < 0) {
      if (auto c = value.getDefiningOp<arith::IndexCastOp>()) {
        value = c.getIn();
        continue;
      }
      auto d = value.getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> index = d ? d.getConstantIndex() : std::nullopt;
      if (!index)
        break;
      value = d.getSource();
      dim = *index;
      continue;
    }
    Operation *op = value.getDefiningOp();
    if (auto dps = dyn_cast_or_null<DestinationStyleOpInterface>(op)) {
      value = dps.getTiedOpOperand(cast<OpResult>(value))->get();
    } else if (auto c = dyn_cast_or_null<tensor::CastOp>(op)) {
      value = c.getSource();
    } else if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(op)) {
      if (!empty.getType().isDynamicDim(dim))
        break;
      value = empty.getDynamicSize(dim);
      dim = -1;
    } else if (auto reshape = dyn_cast_or_null<tensor::ReshapeOp>(op)) {
      auto elements =
          reshape.getShape().getDefiningOp<tensor::FromElementsOp>();
      if (!elements)
        break;
      value = elements.getElements()[dim];
      dim = -1;
    } else if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(op)) {
      auto size = dyn_cast<Value>(expand.getMixedOutputShape()[dim]);
      if (!size)
        break;
      value = size;
      dim = -1;
    } else if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(op)) {
      // A group of one dynamic dimension and unit ones.
      auto source = collapse.getSrcType();
      ReassociationIndices group = collapse.getReassociationIndices()[dim];
      auto dynamic = llvm::make_filter_range(
          group, [&](int64_t d) { return source.isDynamicDim(d); });
      if (llvm::range_size(dynamic) != 1 || llvm::any_of(group, [&](int64_t d) {
            return !source.isDynamicDim(d) && source.getDimSize(d) != 1;
          }))
        break;
      value = collapse.getSrc();
      dim = *dynamic.begin();
    } else if (auto slice = dyn_cast_or_null<tensor::ExtractSliceOp>(op)) {
      auto size = slice.getSourceType().getRank() == slice.getType().getRank()
                      ? dyn_cast<Value>(slice.getMixedSizes()[dim])
                      : Value();
      if (!size)
        break;
      value = size;
      dim = -1;
    } else if (auto pad = dyn_cast_or_null<tensor::PadOp>(op)) {
      if (getConstantIntValue(pad.getMixedLowPad()[dim]) != 0 ||
          getConstantIntValue(pad.getMixedHighPad()[dim]) != 0)
        break;
      value = pad.getSource();
    } else {
      break;
    }
  }
  return {value, dim};
}

/// The size of a Reshape's -1 when the other sizes' dynamic ones are the
/// input's dynamic dimensions (`[0, 32, -1]` of `[batch, 32, 799]`, or
/// `[Shape(x)[0], 16, 16, -1]` of `x: [batch, 256, 16]`): the quotient of
/// the static sizes, which the types then keep static.
std::optional<int64_t> staticInferredSize(Value source,
                                          ArrayRef<OpFoldResult> sizes,
                                          int64_t inferred) {
  auto in = cast<RankedTensorType>(source.getType());
  int64_t inputStatic = 1, targetStatic = 1;
  SmallVector<std::pair<Value, int64_t>> unmatched;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (in.isDynamicDim(i))
      unmatched.push_back(dimensionOrigin(source, i));
    else if (llvm::MulOverflow(inputStatic, in.getDimSize(i), inputStatic))
      return std::nullopt;
  }
  for (auto [i, size] : llvm::enumerate(sizes)) {
    if (static_cast<int64_t>(i) == inferred)
      continue;
    if (std::optional<int64_t> c = getConstantIntValue(size)) {
      if (llvm::MulOverflow(targetStatic, *c, targetStatic))
        return std::nullopt;
      continue;
    }
    auto *match = llvm::find(unmatched, dimensionOrigin(cast<Value>(size), -1));
    if (match == unmatched.end())
      return std::nullopt;
    unmatched.erase(match);
  }
  if (!unmatched.empty() || targetStatic <= 0 ||
      inputStatic % targetStatic != 0)
    return std::nullopt;
  return inputStatic / targetStatic;
}

/// Reshape to a shape computed from dynamic dimensions (ShapeValues.cpp):
/// its constant elements give static dimensions, the others dynamic ones
/// whose sizes are the elements' index values (taken to be positive).
LogicalResult reshapeSymbolic(NodeContext &ctx, ArrayRef<OpFoldResult> target) {
  RankedTensorType in = ctx.inputType(0);
  bool allowZero = ctx.attrInt("allowzero", 0) != 0;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> sizes;
  int64_t inferred = -1;
  for (auto [i, e] : llvm::enumerate(target)) {
    std::optional<int64_t> c = getConstantIntValue(e);
    if (!c) {
      shape.push_back(ShapedType::kDynamic);
      sizes.push_back(e);
    } else if (*c == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= in.getRank())
        return ctx.emitError() << "shape copies dimension " << i
                               << " of a rank-" << in.getRank() << " input";
      shape.push_back(in.getDimSize(i));
      sizes.push_back(
          in.isDynamicDim(i)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, source, i).getResult())
              : OpFoldResult(b.getIndexAttr(in.getDimSize(i))));
    } else if (*c == -1) {
      if (inferred >= 0)
        return ctx.emitError() << "shape has more than one -1";
      inferred = i;
      shape.push_back(ShapedType::kDynamic);
      sizes.push_back(OpFoldResult());
    } else if (*c < 0) {
      return ctx.emitError() << "shape has an invalid dimension " << *c;
    } else {
      shape.push_back(*c);
      sizes.push_back(b.getIndexAttr(*c));
    }
  }
  std::optional<int64_t> staticSize =
      inferred >= 0 ? staticInferredSize(source, sizes, inferred)
                    : std::nullopt;
  if (staticSize) {
    shape[inferred] = *staticSize;
    sizes[inferred] = b.getIndexAttr(*staticSize);
  } else if (inferred >= 0) {
    // The input's element count over the product of the other sizes.
    Value total = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t i = 0; i < in.getRank(); ++i)
      total = arith::MulIOp::create(b, loc, total,
                                    tensor::DimOp::create(b, loc, source, i));
    Value others = arith::ConstantIndexOp::create(b, loc, 1);
    for (auto [i, size] : llvm::enumerate(sizes))
      if (static_cast<int64_t>(i) != inferred)
        others =
            arith::MulIOp::create(b, loc, others, indexValue(b, loc, size));
    sizes[inferred] = arith::DivUIOp::create(b, loc, total, others).getResult();
  }
  auto resultType = RankedTensorType::get(shape, in.getElementType());
  if (failed(ctx.checkResultShape(resultType, "the reshaped output")))
    return failure();
  // A shape tensor, not an expand/collapse: nothing proves that a dynamic
  // size equals the source dimension a reassociation would pair it with.
  ctx.setOutput(0, reshapeThroughShape(b, loc, source, resultType, sizes),
                ctx.inputKind(0));
  return success();
}

LogicalResult importReshape(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"allowzero", "shape"})))
    return failure();
  SmallVector<int64_t> target;
  if (ctx.opset() < 5) {
    auto attr = ctx.attrInts("shape");
    if (!attr)
      return ctx.emitError() << "the shape attribute is required";
    target = *attr;
  } else if (std::optional<SmallVector<int64_t>> shape = ctx.constantInts(1)) {
    target = *shape;
  } else {
    FailureOr<SmallVector<OpFoldResult>> symbolic =
        ctx.requireSymbolicInts(1, "shape");
    if (failed(symbolic))
      return failure();
    return reshapeSymbolic(ctx, *symbolic);
  }
  RankedTensorType in = ctx.inputType(0);
  bool allowZero = ctx.attrInt("allowzero", 0) != 0;
  int64_t inferred = -1;
  int64_t known = 1;
  SmallVector<int64_t> shape;
  for (auto [i, d] : llvm::enumerate(target)) {
    if (d == 0 && !allowZero) {
      if (static_cast<int64_t>(i) >= in.getRank())
        return ctx.emitError() << "shape copies dimension " << i
                               << " of a rank-" << in.getRank() << " input";
      d = in.getDimSize(i);
    } else if (d == -1) {
      if (inferred >= 0)
        return ctx.emitError() << "shape has more than one -1";
      inferred = i;
    } else if (d < -1) {
      return ctx.emitError() << "shape has an invalid dimension " << d;
    }
    shape.push_back(d);
    if (d != -1) {
      if (ShapedType::isDynamic(d))
        known = ShapedType::kDynamic;
      else if (!ShapedType::isDynamic(known) &&
               llvm::MulOverflow(known, d, known))
        return ctx.emitError()
               << "the shape ["
               << llvm::make_range(target.begin(), target.end())
               << "] has more elements than a 64-bit size can count";
    }
  }
  if (inferred >= 0) {
    if (in.hasStaticShape() && !ShapedType::isDynamic(known)) {
      if (known == 0 || in.getNumElements() % known != 0)
        return ctx.emitError()
               << "cannot reshape " << in << " to ["
               << llvm::make_range(target.begin(), target.end()) << "]";
      shape[inferred] = in.getNumElements() / known;
    } else {
      shape[inferred] = ShapedType::kDynamic;
    }
  } else if (in.hasStaticShape() && !ShapedType::isDynamic(known) &&
             known != in.getNumElements()) {
    return ctx.emitError() << "cannot reshape " << in << " ("
                           << in.getNumElements() << " elements) to " << known
                           << " elements";
  }
  // Several dynamic sizes that the types alone do not determine (a `0` copy
  // of a dynamic dimension next to a `-1`): computed from the input's sizes.
  auto resultType = RankedTensorType::get(shape, in.getElementType());
  if (!(foldable(ctx.input(0)) && resultType.hasStaticShape()) &&
      !reshapeInfersSizes(in, resultType)) {
    // `target` as reshapeSymbolic reads it: -1 where inferred, 0 (copy)
    // where the loop above copied a dynamic input dimension.
    SmallVector<OpFoldResult> symbolic;
    for (auto [i, d] : llvm::enumerate(shape))
      symbolic.push_back(
          ctx.builder().getIndexAttr(static_cast<int64_t>(i) == inferred ? -1
                                     : ShapedType::isDynamic(d)          ? 0
                                                                         : d));
    return reshapeSymbolic(ctx, symbolic);
  }
  return defineReshaped(ctx, shape);
}

LogicalResult importFlatten(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  int64_t rank = in.getRank();
  int64_t axis = ctx.attrInt("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis > rank)
    return ctx.emitError() << "axis " << ctx.attrInt("axis", 1)
                           << " is out of range for rank " << rank;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t &p = i < axis ? outer : inner;
    p = ShapedType::isDynamic(p) || in.isDynamicDim(i) ? ShapedType::kDynamic
                                                       : p * in.getDimSize(i);
  }
  if (!ShapedType::isDynamic(outer) || !ShapedType::isDynamic(inner))
    return defineReshaped(ctx, {outer, inner});
  // Dynamic sizes on both sides of the axis (so 0 < axis < rank): the two
  // groups collapse, which needs no size computation.
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t i = 0; i < rank; ++i)
    groups[i < axis ? 0 : 1].push_back(i);
  auto type = RankedTensorType::get({outer, inner}, in.getElementType());
  ctx.setOutput(0,
                tensor::CollapseShapeOp::create(ctx.builder(), ctx.loc(), type,
                                                ctx.operand(0), groups),
                ctx.inputKind(0));
  return success();
}

FailureOr<SmallVector<int64_t>> readAxes(NodeContext &ctx, int64_t rank) {
  FailureOr<SmallVector<int64_t>> read = ctx.axesOperand(1, 13);
  if (failed(read))
    return failure();
  SmallVector<int64_t> axes = *read;
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(ctx, a, rank, "axis");
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return ctx.emitError() << "axes contain duplicates";
  return axes;
}

LogicalResult importSqueeze(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axes"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  FailureOr<SmallVector<int64_t>> axes = readAxes(ctx, in.getRank());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    bool listed = llvm::is_contained(*axes, i);
    if (listed && in.getDimSize(i) != 1)
      return ctx.emitError() << "cannot squeeze dimension " << i << " of " << in
                             << " (size is not 1)";
    if (listed || (axes->empty() && in.getDimSize(i) == 1))
      continue;
    shape.push_back(in.getDimSize(i));
  }
  return defineReshaped(ctx, shape);
}

LogicalResult importUnsqueeze(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axes"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  if (ctx.opset() >= 13 && !ctx.hasInput(1))
    return ctx.emitError() << "the axes input is missing";
  FailureOr<SmallVector<int64_t>> raw = ctx.axesOperand(1, 13);
  if (failed(raw))
    return failure();
  int64_t count = raw->size();
  if (count == 0)
    return ctx.emitError() << "axes must not be empty";
  int64_t rank = in.getRank() + count;
  FailureOr<SmallVector<int64_t>> axes = readAxes(ctx, rank);
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  int64_t next = 0;
  for (int64_t i = 0; i < rank; ++i)
    shape.push_back(llvm::is_contained(*axes, i) ? 1 : in.getDimSize(next++));
  return defineReshaped(ctx, shape);
}

/// Calls `move(to, from)` for every element of the transpose by `perm` of
/// a row-major tensor of `shape`: its flat index in the result and the
/// flat index of its source.
void forEachTransposed(ArrayRef<int64_t> shape, ArrayRef<int64_t> perm,
                       function_ref<void(size_t, int64_t)> move) {
  int64_t rank = shape.size();
  SmallVector<int64_t> strides(rank, 1), outShape;
  for (int64_t i = rank - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  for (int64_t p : perm)
    outShape.push_back(shape[p]);
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  SmallVector<int64_t> index(rank, 0);
  for (int64_t to = 0; to < count; ++to) {
    int64_t from = 0;
    for (int64_t d = 0; d < rank; ++d)
      from += index[d] * strides[perm[d]];
    move(to, from);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < outShape[d])
        break;
      index[d] = 0;
    }
  }
}

LogicalResult importTranspose(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"perm"})))
    return failure();
  const GraphValue &in = ctx.input(0);
  int64_t rank = in.type.getRank();
  SmallVector<int64_t> perm;
  if (auto attr = ctx.attrInts("perm"))
    perm = *attr;
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  bool permutation = static_cast<int64_t>(sorted.size()) == rank;
  for (int64_t i = 0; permutation && i < rank; ++i)
    permutation = sorted[i] == i;
  if (!permutation)
    return ctx.emitError() << "perm ["
                           << llvm::make_range(perm.begin(), perm.end())
                           << "] is not a permutation of the " << rank
                           << " dimensions of " << in.type;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(in.type.getDimSize(p));
  auto resultType = RankedTensorType::get(shape, in.type.getElementType());
  // A constant of whole-byte elements is transposed on the host whatever
  // its size (a weight transposed for a MatMul, as exporters write a
  // Linear whose weight is tied to an embedding: GPT-2's and OPT's output
  // projections), moved as bytes: a linalg.transpose would copy it on
  // every call. The result is as large as the input, so this at most
  // doubles a constant that other nodes also read (onnxruntime's constant
  // folding does the same).
  if (in.constant && in.type.hasStaticShape())
    if (std::optional<ArrayRef<char>> bytes = constantBytes(in.constant)) {
      size_t width = in.type.getElementTypeBitWidth() / 8;
      std::vector<char> out(bytes->size());
      forEachTransposed(in.type.getShape(), perm, [&](size_t to, int64_t from) {
        std::memcpy(&out[to * width], bytes->data() + from * width, width);
      });
      ctx.setConstantOutput(0, makeElementsFromBytes(resultType, out), in.kind);
      return success();
    }
  // Other small constants (booleans) through doubles.
  if (foldable(in)) {
    SmallVector<double> values = elementsAsDoubles(in.constant);
    SmallVector<double> out(values.size());
    forEachTransposed(in.type.getShape(), perm,
                      [&](size_t to, int64_t from) { out[to] = values[from]; });
    ctx.setConstantOutput(0, makeElements(resultType, out), in.kind);
    return success();
  }
  ctx.setOutput(0, transposeTo(ctx.builder(), ctx.loc(), ctx.operand(0), perm),
                in.kind);
  return success();
}

LogicalResult importConcat(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  if (!ctx.hasAttr("axis") && ctx.opset() >= 4)
    return ctx.emitError() << "the axis attribute is required";
  RankedTensorType first = ctx.inputType(0);
  int64_t rank = first.getRank();
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", 1), rank, "axis");
  if (failed(axis))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  shape[*axis] = 0;
  bool allConstant = true;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    RankedTensorType t = ctx.inputType(i);
    if (t.getRank() != rank || ctx.inputKind(i) != ctx.inputKind(0))
      return ctx.emitError() << "input #" << i << " " << t
                             << " does not match input #0 " << first;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == *axis)
        continue;
      if (!ShapedType::isDynamic(t.getDimSize(d)) &&
          !ShapedType::isDynamic(shape[d]) && t.getDimSize(d) != shape[d])
        return ctx.emitError()
               << "input #" << i << " " << t << " does not match input #0 "
               << first << " outside the axis";
    }
    shape[*axis] = ShapedType::isDynamic(shape[*axis]) || t.isDynamicDim(*axis)
                       ? ShapedType::kDynamic
                       : shape[*axis] + t.getDimSize(*axis);
    allConstant &= foldable(ctx.input(i));
  }
  auto resultType = RankedTensorType::get(shape, first.getElementType());
  if (allConstant && resultType.hasStaticShape()) {
    // Row-major concatenation: blocks of `inner` elements per outer index.
    int64_t outer = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= shape[d];
    SmallVector<SmallVector<double>> parts;
    SmallVector<int64_t> blocks;
    for (size_t i = 0; i < ctx.numInputs(); ++i) {
      parts.push_back(elementsAsDoubles(ctx.input(i).constant));
      blocks.push_back(outer ? parts.back().size() / std::max<int64_t>(outer, 1)
                             : 0);
    }
    SmallVector<double> out;
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < parts.size(); ++i)
        out.append(parts[i].begin() + o * blocks[i],
                   parts[i].begin() + (o + 1) * blocks[i]);
    ctx.setConstantOutput(0, makeElements(resultType, out), ctx.inputKind(0));
    return success();
  }
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  SmallVector<Value> dyn;
  Value offset = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> operands;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    operands.push_back(ctx.operand(i));
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d != *axis) {
      dyn.push_back(tensor::DimOp::create(b, loc, operands[0], d));
      continue;
    }
    Value total = arith::ConstantIndexOp::create(b, loc, 0);
    for (Value v : operands)
      total = arith::AddIOp::create(b, loc, total,
                                    tensor::DimOp::create(b, loc, v, d));
    dyn.push_back(total);
  }
  Value result = emptyTensor(b, loc, resultType, dyn);
  for (Value v : operands) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes,
        strides(rank, b.getIndexAttr(1));
    offsets[*axis] = offset;
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(
          t.isDynamicDim(d)
              ? OpFoldResult(tensor::DimOp::create(b, loc, v, d).getResult())
              : OpFoldResult(b.getIndexAttr(t.getDimSize(d))));
    result = insertSlice(b, loc, v, result, offsets, sizes, strides);
    Value size = t.isDynamicDim(*axis)
                     ? Value(tensor::DimOp::create(b, loc, v, *axis))
                     : Value(arith::ConstantIndexOp::create(
                           b, loc, t.getDimSize(*axis)));
    offset = arith::AddIOp::create(b, loc, offset, size);
  }
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

LogicalResult importGather(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})))
    return failure();
  const GraphValue &data = ctx.input(0);
  const GraphValue &indices = ctx.input(1);
  if (isFloatKind(indices.kind) || indices.kind == ElementKind::Bool)
    return ctx.emitError() << "indices must be integers";
  int64_t rank = data.type.getRank();
  if (rank == 0)
    return ctx.emitError() << "data must have rank >= 1";
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", 0), rank, "axis");
  if (failed(axis))
    return failure();
  int64_t axisSize = data.type.getDimSize(*axis);
  SmallVector<int64_t> shape(data.type.getShape().take_front(*axis));
  shape.append(indices.type.getShape().begin(), indices.type.getShape().end());
  shape.append(data.type.getShape().begin() + *axis + 1,
               data.type.getShape().end());
  auto resultType = RankedTensorType::get(shape, data.type.getElementType());

  if (foldable(data) && foldable(indices)) {
    SmallVector<double> values = elementsAsDoubles(data.constant);
    SmallVector<int64_t> idx = elementsAsInts(indices.constant);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < *axis; ++d)
      outer *= data.type.getDimSize(d);
    for (int64_t d = *axis + 1; d < rank; ++d)
      inner *= data.type.getDimSize(d);
    SmallVector<double> out;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i : idx) {
        int64_t j = i < 0 ? i + axisSize : i;
        if (j < 0 || j >= axisSize)
          return ctx.emitError() << "index " << i << " is out of range for "
                                 << "dimension size " << axisSize;
        for (int64_t k = 0; k < inner; ++k)
          out.push_back(values[(o * axisSize + j) * inner + k]);
      }
    ctx.setConstantOutput(0, makeElements(resultType, out), data.kind);
    return success();
  }

  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  Value index = ctx.operand(1);
  int64_t outRank = resultType.getRank();
  int64_t idxRank = indices.type.getRank();
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < outRank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d < *axis)
      dyn.push_back(tensor::DimOp::create(b, loc, source, d));
    else if (d < *axis + idxRank)
      dyn.push_back(tensor::DimOp::create(b, loc, index, d - *axis));
    else
      dyn.push_back(tensor::DimOp::create(b, loc, source, d - idxRank + 1));
  }
  SmallVector<AffineExpr> idxExprs;
  for (int64_t d = 0; d < idxRank; ++d)
    idxExprs.push_back(b.getAffineDimExpr(*axis + d));
  SmallVector<AffineMap> maps{
      AffineMap::get(outRank, 0, idxExprs, b.getContext()),
      b.getMultiDimIdentityMap(outRank)};
  SmallVector<utils::IteratorType> iterators(outRank,
                                             utils::IteratorType::parallel);
  Value init = emptyTensor(b, loc, resultType, dyn);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{index}, ValueRange{init},
          maps, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value i =
                arith::IndexCastOp::create(nb, nl, nb.getIndexType(), args[0]);
            Value size = tensor::DimOp::create(nb, nl, source, *axis);
            Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
            Value negative = arith::CmpIOp::create(
                nb, nl, arith::CmpIPredicate::slt, i, zero);
            Value wrapped = arith::AddIOp::create(nb, nl, i, size);
            i = arith::SelectOp::create(nb, nl, negative, wrapped, i);
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d) {
              if (d < *axis)
                coords.push_back(linalg::IndexOp::create(nb, nl, d));
              else if (d == *axis)
                coords.push_back(i);
              else
                coords.push_back(
                    linalg::IndexOp::create(nb, nl, d - 1 + idxRank));
            }
            Value v = tensor::ExtractOp::create(nb, nl, source, coords);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, data.kind);
  return success();
}

LogicalResult importPad(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"mode", "pads", "value"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType in = ctx.inputType(0);
  int64_t rank = in.getRank();
  Type et = in.getElementType();
  std::string mode = ctx.attrString("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    return ctx.emitError() << "mode '" << mode << "' is not supported";

  SmallVector<int64_t> pads;
  double padValue = 0.0;
  Value padScalar;
  if (ctx.opset() < 11) {
    auto attr = ctx.attrInts("pads");
    if (!attr)
      return ctx.emitError() << "the pads attribute is required";
    pads = *attr;
    padValue = ctx.attrFloat("value", 0.0f);
  } else {
    FailureOr<SmallVector<int64_t>> values = ctx.requireConstantInts(1, "pads");
    if (failed(values))
      return failure();
    pads = *values;
    if (ctx.hasInput(2)) {
      if (auto c = ctx.constantFloats(2))
        padValue = c->empty() ? 0.0 : (*c)[0];
      else
        padScalar = tensor::ExtractOp::create(
            b, loc,
            reshapeTo(b, loc, ctx.operand(2), RankedTensorType::get({}, et)),
            ValueRange{});
    }
  }
  // Optional axes (opset 18): pads lists begin/end for those axes only.
  SmallVector<int64_t> axes;
  if (ctx.hasInput(3)) {
    FailureOr<SmallVector<int64_t>> values = ctx.requireConstantInts(3, "axes");
    if (failed(values))
      return failure();
    for (int64_t a : *values) {
      FailureOr<int64_t> axis = normalizeAxis(ctx, a, rank, "axis");
      if (failed(axis))
        return failure();
      axes.push_back(*axis);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  int64_t n = axes.size();
  if (static_cast<int64_t>(pads.size()) != 2 * n)
    return ctx.emitError() << "pads has " << pads.size() << " values, expected "
                           << 2 * n;
  SmallVector<int64_t> low(rank, 0), high(rank, 0);
  for (int64_t i = 0; i < n; ++i) {
    low[axes[i]] = pads[i];
    high[axes[i]] = pads[n + i];
  }
  bool negative = llvm::any_of(low, [](int64_t p) { return p < 0; }) ||
                  llvm::any_of(high, [](int64_t p) { return p < 0; });
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d) {
    if (in.isDynamicDim(d)) {
      // A dynamic dimension grows by its pads at run time (tensor.pad); the
      // other modes read the source at indices that need it non-empty (and
      // reflect: longer than the pads), which only a static size shows.
      if ((low[d] || high[d]) && (mode != "constant" || negative))
        return ctx.emitError()
               << "padding dynamic dimension " << d << " is supported in "
               << "constant mode with non-negative pads only (mode '" << mode
               << "')";
      shape.push_back(ShapedType::kDynamic);
      continue;
    }
    int64_t size = in.getDimSize(d) + low[d] + high[d];
    if (size < 0)
      return ctx.emitError()
             << "pads remove more than dimension " << d << " holds";
    if (mode != "constant" && in.getDimSize(d) == 0 && (low[d] || high[d]))
      return ctx.emitError() << "cannot " << mode << "-pad an empty dimension";
    if (mode == "reflect" &&
        (low[d] >= in.getDimSize(d) || high[d] >= in.getDimSize(d)) &&
        (low[d] > 0 || high[d] > 0))
      return ctx.emitError() << "reflect padding must be smaller than the "
                                "dimension";
    shape.push_back(size);
  }
  auto resultType = RankedTensorType::get(shape, et);
  Value source = ctx.operand(0);
  Value fill = padScalar ? padScalar : scalarConstant(b, loc, et, padValue);
  if (mode == "constant" && !negative) {
    SmallVector<OpFoldResult> lo, hi;
    for (int64_t d = 0; d < rank; ++d) {
      lo.push_back(b.getIndexAttr(low[d]));
      hi.push_back(b.getIndexAttr(high[d]));
    }
    ctx.setOutput(
        0, tensor::PadOp::create(b, loc, resultType, source, lo, hi, fill),
        ctx.inputKind(0));
    return success();
  }
  // General case: each output element reads a clamped/reflected/wrapped
  // source index.
  SmallVector<Value> dyn = dynamicSizes(b, loc, source);
  Value init = emptyTensor(b, loc, resultType, dyn);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
          SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank)}, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange) {
            Value inside = arith::ConstantIntOp::create(nb, nl, 1, 1);
            SmallVector<Value> coords;
            for (int64_t d = 0; d < rank; ++d) {
              Value i = linalg::IndexOp::create(nb, nl, d);
              Value size = tensor::DimOp::create(nb, nl, source, d);
              Value j = arith::SubIOp::create(
                  nb, nl, i, arith::ConstantIndexOp::create(nb, nl, low[d]));
              Value zero = arith::ConstantIndexOp::create(nb, nl, 0);
              Value one = arith::ConstantIndexOp::create(nb, nl, 1);
              Value last = arith::SubIOp::create(nb, nl, size, one);
              Value below = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::slt, j, zero);
              Value above = arith::CmpIOp::create(
                  nb, nl, arith::CmpIPredicate::sgt, j, last);
              Value clamped = arith::MaxSIOp::create(
                  nb, nl, zero, arith::MinSIOp::create(nb, nl, j, last));
              if (mode == "constant" || mode == "edge") {
                if (mode == "constant") {
                  Value out = arith::OrIOp::create(nb, nl, below, above);
                  Value in = arith::XOrIOp::create(
                      nb, nl, out, arith::ConstantIntOp::create(nb, nl, 1, 1));
                  inside = arith::AndIOp::create(nb, nl, inside, in);
                }
                coords.push_back(clamped);
              } else if (mode == "reflect") {
                Value neg = arith::SubIOp::create(nb, nl, zero, j);
                Value twice = arith::SubIOp::create(
                    nb, nl, arith::AddIOp::create(nb, nl, last, last), j);
                Value r = arith::SelectOp::create(nb, nl, below, neg, j);
                r = arith::SelectOp::create(nb, nl, above, twice, r);
                coords.push_back(r);
              } else { // wrap
                Value m = arith::RemSIOp::create(nb, nl, j, size);
                Value wrapped = arith::SelectOp::create(
                    nb, nl,
                    arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, m,
                                          zero),
                    arith::AddIOp::create(nb, nl, m, size), m);
                coords.push_back(wrapped);
              }
            }
            Value v = tensor::ExtractOp::create(nb, nl, source, coords);
            if (mode == "constant")
              v = arith::SelectOp::create(nb, nl, inside, v, fill);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

} // namespace

bool mlir::sieve::onnx_import::isFoldableConstant(const GraphValue &gv) {
  return foldable(gv);
}

void mlir::sieve::onnx_import::registerShapeImporters(OpImporterTable &table) {
  table["Constant"] = importConstant;
  table["ConstantOfShape"] = importConstantOfShape;
  table["Shape"] = importShape;
  table["Size"] = importSize;
  table["Reshape"] = importReshape;
  table["Flatten"] = importFlatten;
  table["Squeeze"] = importSqueeze;
  table["Unsqueeze"] = importUnsqueeze;
  table["Transpose"] = importTranspose;
  table["Concat"] = importConcat;
  table["Gather"] = importGather;
  table["Pad"] = importPad;
}
