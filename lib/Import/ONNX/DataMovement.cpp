//===- DataMovement.cpp - Expand, Slice, Split, Tile, ... -------*- C++ -*-===//
//
// Ops that copy, select or accumulate elements along axes: Expand, Slice,
// Split, Tile, Range, Trilu, CumSum. Slice, Expand, Tile and Range of
// compile-time constants fold at import (they appear in the shape
// computations of PyTorch exports).
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// Row-major strides of a static shape.
SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Folds an op whose output element at coordinates `c` is input 0's element
/// at `source(c)`: defines output 0 as a constant.
void defineGathered(
    NodeContext &ctx, RankedTensorType resultType,
    llvm::function_ref<void(SmallVectorImpl<int64_t> &)> source) {
  const GraphValue &in = ctx.input(0);
  SmallVector<double> values = elementsAsDoubles(in.constant);
  SmallVector<int64_t> inStrides = stridesOf(in.type.getShape());
  ArrayRef<int64_t> shape = resultType.getShape();
  int64_t rank = shape.size();
  SmallVector<double> out;
  out.reserve(resultType.getNumElements());
  SmallVector<int64_t> coord(rank, 0), mapped;
  for (int64_t n = 0; n < resultType.getNumElements(); ++n) {
    mapped.assign(coord.begin(), coord.end());
    source(mapped);
    int64_t offset = 0;
    for (auto [c, s] : llvm::zip(mapped, inStrides))
      offset += c * s;
    out.push_back(values[offset]);
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < shape[d])
        break;
      coord[d] = 0;
    }
  }
  ctx.setConstantOutput(0, makeElements(resultType, out), in.kind);
}

/// Expand to a shape computed from dynamic dimensions (ShapeValues.cpp).
/// A dimension of the target that is an index value `v` gives size `v`
/// where the input's dimension is 1 and the input's size otherwise (the
/// two must then be equal or `v` 1, which is what broadcasting allows).
LogicalResult expandSymbolic(NodeContext &ctx, ArrayRef<OpFoldResult> target) {
  RankedTensorType in = ctx.inputType(0);
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  int64_t rank = std::max<int64_t>(in.getRank(), target.size());
  int64_t inOffset = rank - in.getRank();
  int64_t targetOffset = rank - static_cast<int64_t>(target.size());
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t inDim = d >= inOffset ? in.getDimSize(d - inOffset) : 1;
    if (d < targetOffset) {
      shape.push_back(inDim);
      if (ShapedType::isDynamic(inDim))
        dynamicSizes.push_back(
            tensor::DimOp::create(b, loc, source, d - inOffset));
      continue;
    }
    OpFoldResult t = target[d - targetOffset];
    std::optional<int64_t> c = getConstantIntValue(t);
    if (c && *c < 0)
      return ctx.emitError() << "shape has a negative dimension " << *c;
    if (inDim == 1 && !c) {
      shape.push_back(ShapedType::kDynamic);
      dynamicSizes.push_back(cast<Value>(t));
    } else if (inDim == 1 || (c && *c != 1 && ShapedType::isDynamic(inDim))) {
      shape.push_back(*c);
    } else if (c && *c != 1 && *c != inDim) {
      return ctx.emitError() << "cannot expand dimension " << d - inOffset
                             << " of " << in << " to " << *c;
    } else {
      shape.push_back(inDim);
      if (ShapedType::isDynamic(inDim))
        dynamicSizes.push_back(
            tensor::DimOp::create(b, loc, source, d - inOffset));
    }
  }
  auto resultType = RankedTensorType::get(shape, in.getElementType());
  if (failed(ctx.checkResultShape(resultType, "the expanded output")))
    return failure();
  Value result = broadcastTo(b, loc, source, resultType, dynamicSizes);
  if (result.getType() != resultType)
    result = tensor::CastOp::create(b, loc, resultType, result);
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// Expand: the bidirectional broadcast of the input to a shape.
LogicalResult importExpand(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (!ctx.constantInts(1)) {
    FailureOr<SmallVector<OpFoldResult>> symbolic =
        ctx.requireSymbolicInts(1, "shape");
    if (failed(symbolic))
      return failure();
    return expandSymbolic(ctx, *symbolic);
  }
  FailureOr<SmallVector<int64_t>> target = ctx.requireConstantInts(1, "shape");
  if (failed(target))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  for (int64_t d : *target)
    if (d < 0)
      return ctx.emitError() << "shape has a negative dimension " << d;
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(in.getShape(), *target);
  if (failed(shape))
    return ctx.emitError() << "cannot expand " << in << " to ["
                           << llvm::make_range(target->begin(), target->end())
                           << "]";
  auto resultType = RankedTensorType::get(*shape, in.getElementType());
  const GraphValue &input = ctx.input(0);
  if (failed(ctx.checkResultShape(resultType, "the expanded output")))
    return failure();
  if (isFoldableConstant(input) && hasAtMostElements(resultType, 1 << 16)) {
    int64_t offset = resultType.getRank() - in.getRank();
    defineGathered(ctx, resultType, [&](SmallVectorImpl<int64_t> &c) {
      c.erase(c.begin(), c.begin() + offset);
      for (auto [i, d] : llvm::enumerate(c))
        if (in.getDimSize(i) == 1)
          d = 0;
    });
    return success();
  }
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0)}, resultType,
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  ctx.setOutput(0, result, input.kind);
  return success();
}

/// An index constant or a tensor.dim of `value`.
Value dimValue(OpBuilder &b, Location loc, Value value, int64_t d) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.isDynamicDim(d))
    return tensor::DimOp::create(b, loc, value, d);
  return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
}

/// One axis of a Slice: the first element, the step and the element count.
struct SliceAxis {
  int64_t start = 0, step = 1, size = 0;
};

/// ONNX's clamping of a slice of a static dimension of size `dim`.
SliceAxis clampSlice(int64_t start, int64_t end, int64_t step, int64_t dim) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  SliceAxis axis;
  axis.step = step;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    axis.size = end > start ? (end - start + step - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    axis.size = start > end ? (start - end - step - 1) / -step : 0;
  }
  // An empty slice starts at 0 (an offset at the end is out of bounds).
  axis.start = axis.size == 0 ? 0 : start;
  return axis;
}

/// Slice: starts/ends/axes attributes before opset 10, compile-time constant
/// inputs (with optional axes and steps) from then on. Static dimensions are
/// clamped at import; a dynamic dimension may be sliced with step 1 (its
/// bounds are clamped at run time).
LogicalResult importSlice(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"starts", "ends", "axes"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  int64_t rank = in.getRank();
  SmallVector<int64_t> starts, ends, axes, steps;
  // Starts and ends computed from dynamic dimensions (ShapeValues.cpp):
  // index values where not constant (then the constant ones are in
  // starts/ends too, and the others are placeholders).
  SmallVector<OpFoldResult> symbolicStarts, symbolicEnds;
  if (ctx.opset() >= 10 && (!ctx.constantInts(1) || !ctx.constantInts(2))) {
    FailureOr<SmallVector<OpFoldResult>> s =
        ctx.requireSymbolicInts(1, "starts");
    if (failed(s))
      return failure();
    FailureOr<SmallVector<OpFoldResult>> e = ctx.requireSymbolicInts(2, "ends");
    if (failed(e))
      return failure();
    symbolicStarts = *s;
    symbolicEnds = *e;
    for (OpFoldResult v : symbolicStarts)
      starts.push_back(getConstantIntValue(v).value_or(0));
    for (OpFoldResult v : symbolicEnds)
      ends.push_back(getConstantIntValue(v).value_or(0));
  }
  if (!symbolicStarts.empty()) {
    // Axes and steps below.
  } else if (ctx.opset() < 10) {
    auto s = ctx.attrInts("starts"), e = ctx.attrInts("ends");
    if (!s || !e)
      return ctx.emitError() << "the starts and ends attributes are required";
    starts = *s;
    ends = *e;
    if (auto a = ctx.attrInts("axes"))
      axes = *a;
  } else {
    FailureOr<SmallVector<int64_t>> s = ctx.requireConstantInts(1, "starts");
    if (failed(s))
      return failure();
    FailureOr<SmallVector<int64_t>> e = ctx.requireConstantInts(2, "ends");
    if (failed(e))
      return failure();
    starts = *s;
    ends = *e;
  }
  if (ctx.opset() >= 10) {
    if (ctx.hasInput(3)) {
      FailureOr<SmallVector<int64_t>> a = ctx.requireConstantInts(3, "axes");
      if (failed(a))
        return failure();
      axes = *a;
    }
    if (ctx.hasInput(4)) {
      FailureOr<SmallVector<int64_t>> st = ctx.requireConstantInts(4, "steps");
      if (failed(st))
        return failure();
      steps = *st;
    }
  }
  if (starts.size() != ends.size())
    return ctx.emitError() << "starts and ends have different lengths";
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    return ctx.emitError() << "starts, ends, axes and steps have different "
                              "lengths";

  // Per dimension: static start/step/size, or (dynamic) run-time bounds.
  SmallVector<SliceAxis> dims(rank);
  SmallVector<std::optional<std::pair<OpFoldResult, OpFoldResult>>>
      dynamicBounds(rank);
  OpBuilder &b = ctx.builder();
  auto symbolicBound = [&](ArrayRef<OpFoldResult> symbolic,
                           ArrayRef<int64_t> constant, size_t i) {
    return symbolic.empty() ? OpFoldResult(b.getI64IntegerAttr(constant[i]))
                            : symbolic[i];
  };
  auto isSymbolicAt = [&](size_t i) {
    return (!symbolicStarts.empty() &&
            !getConstantIntValue(symbolicStarts[i])) ||
           (!symbolicEnds.empty() && !getConstantIntValue(symbolicEnds[i]));
  };
  SmallVector<bool> seen(rank, false);
  for (int64_t d = 0; d < rank; ++d)
    dims[d].size = in.getDimSize(d);
  bool negativeStep = false;
  for (size_t i = 0; i < axes.size(); ++i) {
    FailureOr<int64_t> axis = normalizeAxis(ctx, axes[i], rank, "axis");
    if (failed(axis))
      return failure();
    if (seen[*axis])
      return ctx.emitError() << "axis " << *axis << " is sliced twice";
    seen[*axis] = true;
    if (steps[i] == 0)
      return ctx.emitError() << "steps must not be zero";
    if (in.isDynamicDim(*axis) || isSymbolicAt(i)) {
      if (steps[i] != 1) {
        if (in.isDynamicDim(*axis))
          return ctx.emitError()
                 << "a step of " << steps[i] << " on dynamic dimension "
                 << *axis << " is not supported (step 1 only)";
        return ctx.emitError()
               << "a step of " << steps[i] << " on dimension " << *axis
               << " with bounds computed from dynamic dimensions is not "
                  "supported (step 1 only)";
      }
      dynamicBounds[*axis] =
          std::make_pair(symbolicBound(symbolicStarts, starts, i),
                         symbolicBound(symbolicEnds, ends, i));
      dims[*axis].size = ShapedType::kDynamic;
      continue;
    }
    dims[*axis] =
        clampSlice(starts[i], ends[i], steps[i], in.getDimSize(*axis));
    negativeStep |= steps[i] < 0;
  }
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(dims[d].size);
  auto resultType = RankedTensorType::get(shape, in.getElementType());

  const GraphValue &input = ctx.input(0);
  if (isFoldableConstant(input) && resultType.hasStaticShape()) {
    defineGathered(ctx, resultType, [&](SmallVectorImpl<int64_t> &c) {
      for (int64_t d = 0; d < rank; ++d)
        c[d] = dims[d].start + c[d] * dims[d].step;
    });
    return success();
  }

  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  if (negativeStep) {
    if (llvm::any_of(dynamicBounds,
                     [](const auto &b) { return b.has_value(); }))
      return ctx.emitError() << "a negative step together with a sliced "
                                "dynamic dimension is not supported";
    // tensor.extract_slice has no negative strides: gather element-wise.
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(b, loc, source, d));
    SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value result =
        linalg::GenericOp::create(
            b, loc, TypeRange{resultType}, ValueRange{},
            ValueRange{emptyTensor(b, loc, resultType, dyn)}, maps, iterators,
            [&](OpBuilder &nb, Location nl, ValueRange) {
              SmallVector<Value> coords;
              for (int64_t d = 0; d < rank; ++d) {
                Value i = linalg::IndexOp::create(nb, nl, d);
                Value scaled = arith::MulIOp::create(
                    nb, nl, i,
                    arith::ConstantIndexOp::create(nb, nl, dims[d].step));
                coords.push_back(arith::AddIOp::create(
                    nb, nl, scaled,
                    arith::ConstantIndexOp::create(nb, nl, dims[d].start)));
              }
              Value v = tensor::ExtractOp::create(nb, nl, source, coords);
              linalg::YieldOp::create(nb, nl, v);
            })
            .getResult(0);
    ctx.setOutput(0, result, input.kind);
    return success();
  }
  SmallVector<OpFoldResult> offsets, sizes, strides;
  for (int64_t d = 0; d < rank; ++d) {
    strides.push_back(b.getIndexAttr(dims[d].step));
    if (!dynamicBounds[d]) {
      offsets.push_back(b.getIndexAttr(dims[d].start));
      if (in.isDynamicDim(d))
        sizes.push_back(dimValue(b, loc, source, d));
      else
        sizes.push_back(b.getIndexAttr(dims[d].size));
      continue;
    }
    // Run-time clamping: start and end into [0, dim], size end - start >= 0.
    Value dim = dimValue(b, loc, source, d);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    auto bound = [&](OpFoldResult ofr) -> Value {
      std::optional<int64_t> known = getConstantIntValue(ofr);
      if (!known) {
        // Computed at run time: negative counts from the end, then clamp.
        Value v = cast<Value>(ofr);
        Value fromEnd = arith::AddIOp::create(b, loc, v, dim);
        Value negative =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v, zero);
        v = arith::SelectOp::create(b, loc, negative, fromEnd, v);
        v = arith::MaxSIOp::create(b, loc, v, zero);
        return arith::MinSIOp::create(b, loc, v, dim);
      }
      int64_t v = *known;
      // Beyond the index range means "to the end" (INT64_MAX is common).
      int64_t limit = std::numeric_limits<int32_t>::max();
      if (v >= limit)
        return dim;
      if (v <= -limit)
        return zero;
      Value c = arith::ConstantIndexOp::create(b, loc, v);
      if (v < 0)
        c = arith::AddIOp::create(b, loc, c, dim);
      c = arith::MaxSIOp::create(b, loc, c, zero);
      return arith::MinSIOp::create(b, loc, c, dim);
    };
    Value start = bound(dynamicBounds[d]->first);
    Value end = bound(dynamicBounds[d]->second);
    Value size = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, end, start), zero);
    offsets.push_back(start);
    sizes.push_back(size);
  }
  Value result =
      extractSlice(b, loc, resultType, source, offsets, sizes, strides);
  ctx.setOutput(0, result, input.kind);
  return success();
}

/// Split along an axis: sizes from the `split` attribute (opset < 13) or
/// input, else num_outputs (opset 18) or the number of outputs, with a
/// smaller last part when the size does not divide.
LogicalResult importSplit(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis", "split", "num_outputs"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", 0), in.getRank(), "axis");
  if (failed(axis))
    return failure();
  if (in.isDynamicDim(*axis))
    return ctx.emitError() << "splitting dynamic dimension " << *axis
                           << " is not supported";
  int64_t dim = in.getDimSize(*axis);
  int64_t outputs = ctx.numOutputs();
  SmallVector<int64_t> parts;
  if (ctx.opset() < 13) {
    if (auto split = ctx.attrInts("split"))
      parts = *split;
  } else if (ctx.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> split = ctx.requireConstantInts(1, "split");
    if (failed(split))
      return failure();
    parts = *split;
  }
  if (parts.empty()) {
    int64_t n =
        ctx.hasAttr("num_outputs") ? ctx.attrInt("num_outputs", 1) : outputs;
    if (n <= 0 || n != outputs)
      return ctx.emitError() << "num_outputs=" << n << " does not match the "
                             << outputs << " outputs";
    int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0; i < n; ++i)
      parts.push_back(std::clamp<int64_t>(dim - i * chunk, 0, chunk));
  }
  if (static_cast<int64_t>(parts.size()) != outputs)
    return ctx.emitError() << parts.size() << " split sizes for " << outputs
                           << " outputs";
  int64_t total = 0;
  for (int64_t p : parts) {
    if (p < 0)
      return ctx.emitError() << "split sizes must not be negative";
    if (llvm::AddOverflow(total, p, total))
      return ctx.emitError() << "split sizes add up to more than a 64-bit "
                                "size can count";
  }
  if (total != dim)
    return ctx.emitError() << "split sizes add up to " << total
                           << ", not to dimension size " << dim;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  int64_t offset = 0;
  for (auto [i, p] : llvm::enumerate(parts)) {
    SmallVector<OpFoldResult> offsets, sizes,
        strides(in.getRank(), b.getIndexAttr(1));
    SmallVector<int64_t> shape(in.getShape());
    shape[*axis] = p;
    for (int64_t d = 0; d < in.getRank(); ++d) {
      offsets.push_back(b.getIndexAttr(d == *axis ? offset : 0));
      sizes.push_back(d == *axis ? b.getIndexAttr(p)
                      : in.isDynamicDim(d)
                          ? OpFoldResult(dimValue(b, loc, source, d))
                          : b.getIndexAttr(in.getDimSize(d)));
    }
    offset += p;
    Value part =
        extractSlice(b, loc, RankedTensorType::get(shape, in.getElementType()),
                     source, offsets, sizes, strides);
    ctx.setOutput(i, part, ctx.inputKind(0));
  }
  return success();
}

/// Tile: broadcast [d0, d1, ...] to [r0, d0, r1, d1, ...] and collapse.
LogicalResult importTile(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (ctx.opset() < 6)
    return ctx.emitError() << "the opset < 6 form (tiles, axis) is not "
                              "supported";
  RankedTensorType in = ctx.inputType(0);
  int64_t rank = in.getRank();
  FailureOr<SmallVector<int64_t>> repeats =
      ctx.requireConstantInts(1, "repeats");
  if (failed(repeats))
    return failure();
  if (static_cast<int64_t>(repeats->size()) != rank)
    return ctx.emitError() << repeats->size() << " repeats for rank " << rank;
  SmallVector<int64_t> shape, wideShape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> addedDims;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t r = (*repeats)[d];
    if (r < 0)
      return ctx.emitError() << "repeats must not be negative";
    int64_t size = in.getDimSize(d), tiled = size;
    if (!ShapedType::isDynamic(size) && llvm::MulOverflow(size, r, tiled))
      return ctx.emitError() << "repeating dimension " << d << " (" << size
                             << ") " << r << " times overflows";
    shape.push_back(tiled);
    addedDims.push_back(2 * d);
    wideShape.append({r, size});
    groups.push_back({2 * d, 2 * d + 1});
  }
  auto resultType = RankedTensorType::get(shape, in.getElementType());
  const GraphValue &input = ctx.input(0);
  if (failed(ctx.checkResultShape(resultType, "the tiled output")))
    return failure();
  if (isFoldableConstant(input) && hasAtMostElements(resultType, 1 << 16)) {
    defineGathered(ctx, resultType, [&](SmallVectorImpl<int64_t> &c) {
      for (int64_t d = 0; d < rank; ++d)
        c[d] %= in.getDimSize(d);
    });
    return success();
  }
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  auto wideType = RankedTensorType::get(wideShape, in.getElementType());
  SmallVector<Value> dyn = dynamicSizes(b, loc, source);
  Value wide =
      linalg::BroadcastOp::create(b, loc, source,
                                  emptyTensor(b, loc, wideType, dyn), addedDims)
          .getResult()[0];
  Value result =
      tensor::CollapseShapeOp::create(b, loc, resultType, wide, groups);
  ctx.setOutput(0, result, input.kind);
  return success();
}

/// Range: start, start + delta, ... before limit. Folds for constant
/// operands; otherwise the length is computed at run time.
LogicalResult importRange(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  if (!isFloatKind(kind) && !isSignedIntKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  for (size_t i = 0; i < 3; ++i) {
    if (ctx.inputKind(i) != kind)
      return ctx.emitError() << "start, limit and delta must have one type";
    if (sieve::checkedNumElements(ctx.inputType(i).getShape()) != 1)
      return ctx.emitError() << "start, limit and delta must be scalars";
  }
  Type et = ctx.inputType(0).getElementType();
  bool isFloat = isFloatKind(kind);
  auto start = ctx.constantFloats(0), limit = ctx.constantFloats(1),
       delta = ctx.constantFloats(2);
  if (start && limit && delta) {
    double s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
    if (d == 0)
      return ctx.emitError() << "delta must not be zero";
    // The element count, computed where it cannot overflow: in double for
    // floats (NaN or a negative count is empty), in 128 bits for integers.
    constexpr int64_t kMaxCount = int64_t(1) << 62;
    int64_t n = 0;
    if (isFloat) {
      double q = std::ceil((l - s) / d);
      if (q > double(kMaxCount))
        return ctx.emitError() << "the range from " << s << " to " << l
                               << " by " << d << " has too many elements";
      n = q > 0 ? int64_t(q) : 0;
    } else {
      __int128 si = (*ctx.constantInts(0))[0], li = (*ctx.constantInts(1))[0],
               di = (*ctx.constantInts(2))[0];
      __int128 span = li - si;
      __int128 q = span / di + (span % di != 0 && (span > 0) == (di > 0));
      if (q > kMaxCount)
        return ctx.emitError() << "the range has too many elements";
      n = q > 0 ? int64_t(q) : 0;
    }
    auto type = RankedTensorType::get({n}, et);
    if (failed(ctx.checkResultShape(type, "the range")))
      return failure();
    if (isFloat) {
      SmallVector<double> values;
      for (int64_t i = 0; i < n; ++i)
        values.push_back(s + i * d);
      ctx.setConstantOutput(0, makeElements(type, values), kind);
    } else {
      SmallVector<int64_t> ints;
      // In range by construction (between start and limit); unsigned
      // arithmetic keeps the steps defined.
      uint64_t si = (*ctx.constantInts(0))[0], di = (*ctx.constantInts(2))[0];
      for (int64_t i = 0; i < n; ++i)
        ints.push_back(int64_t(si + uint64_t(i) * di));
      ctx.setConstantOutput(0, makeIntElements(type, ints), kind);
    }
    return success();
  }
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto scalar = [&](size_t i) -> Value {
    Value v = reshapeTo(b, loc, ctx.operand(i), RankedTensorType::get({}, et));
    return tensor::ExtractOp::create(b, loc, v, ValueRange{});
  };
  Value s = scalar(0), l = scalar(1), d = scalar(2);
  Value n;
  if (isFloat) {
    Value steps = math::CeilOp::create(
        b, loc,
        arith::DivFOp::create(b, loc, arith::SubFOp::create(b, loc, l, s), d));
    steps = arith::MaximumFOp::create(b, loc, steps,
                                      scalarConstant(b, loc, et, 0.0));
    n = arith::FPToSIOp::create(b, loc, b.getI64Type(), steps);
  } else {
    Value steps = arith::CeilDivSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, l, s), d);
    n = arith::MaxSIOp::create(b, loc, steps, scalarConstant(b, loc, et, 0));
  }
  n = arith::IndexCastOp::create(b, loc, b.getIndexType(), n);
  auto type = RankedTensorType::get({ShapedType::kDynamic}, et);
  Value init = emptyTensor(b, loc, type, ValueRange{n});
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(1)};
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps,
          SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location nl, ValueRange) {
            Value i = arith::IndexCastOp::create(
                nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, 0));
            Value v;
            if (isFloat) {
              Value fi = arith::SIToFPOp::create(nb, nl, et, i);
              v = arith::AddFOp::create(nb, nl, s,
                                        arith::MulFOp::create(nb, nl, fi, d));
            } else {
              Value ii = convertScalar(nb, nl, i, ElementKind::Int64, kind);
              v = arith::AddIOp::create(nb, nl, s,
                                        arith::MulIOp::create(nb, nl, ii, d));
            }
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

/// Trilu: keeps the elements on and above (upper=1) or below (upper=0) the
/// k-th diagonal of the last two dimensions, zeroing the rest.
LogicalResult importTrilu(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"upper"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  if (in.getRank() < 2)
    return ctx.emitError() << "needs an input of rank >= 2";
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    FailureOr<SmallVector<int64_t>> kv = ctx.requireConstantInts(1, "k");
    if (failed(kv))
      return failure();
    if (kv->size() != 1)
      return ctx.emitError() << "k must be a scalar";
    k = (*kv)[0];
  }
  bool upper = ctx.attrInt("upper", 1) != 0;
  int64_t rank = in.getRank();
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0)}, in,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value row = linalg::IndexOp::create(b, loc, rank - 2);
        Value col = linalg::IndexOp::create(b, loc, rank - 1);
        // col - row >= k (upper) or col - row <= k (lower).
        Value diff = arith::SubIOp::create(b, loc, col, row);
        Value kc = arith::ConstantIndexOp::create(b, loc, k);
        Value keep = arith::CmpIOp::create(b, loc,
                                           upper ? arith::CmpIPredicate::sge
                                                 : arith::CmpIPredicate::sle,
                                           diff, kc);
        Value zero = scalarConstant(b, loc, args[0].getType(), 0);
        return arith::SelectOp::create(b, loc, keep, args[0], zero);
      });
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// CumSum along a constant axis: a linalg.generic over (output index,
/// source index) that adds the source elements at or before (after, with
/// reverse=1) the output index; exclusive=1 leaves out the element itself.
/// Quadratic in the axis length.
LogicalResult importCumSum(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"exclusive", "reverse"})))
    return failure();
  RankedTensorType in = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  if (!isFloatKind(kind) && !isSignedIntKind(kind) && !isUnsignedIntKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  FailureOr<SmallVector<int64_t>> axisValue =
      ctx.requireConstantInts(1, "axis");
  if (failed(axisValue))
    return failure();
  if (axisValue->size() != 1)
    return ctx.emitError() << "axis must be a scalar";
  int64_t rank = in.getRank();
  FailureOr<int64_t> axis = normalizeAxis(ctx, (*axisValue)[0], rank, "axis");
  if (failed(axis))
    return failure();
  bool exclusive = ctx.attrInt("exclusive", 0) != 0;
  bool reverse = ctx.attrInt("reverse", 0) != 0;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value source = ctx.operand(0);
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineExpr> inExprs;
  for (int64_t d = 0; d < rank; ++d)
    inExprs.push_back(getAffineDimExpr(d == *axis ? rank : d, mctx));
  SmallVector<AffineMap> maps{
      AffineMap::get(rank + 1, 0, inExprs, mctx),
      b.getMultiDimIdentityMap(rank + 1).getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Type et = in.getElementType();
  bool isFloat = isFloatKind(kind);
  Value init = filledTensor(b, loc, in, dynamicSizes(b, loc, source),
                            scalarConstant(b, loc, et, 0.0));
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{in}, ValueRange{source}, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value out = linalg::IndexOp::create(nb, nl, *axis);
            Value src = linalg::IndexOp::create(nb, nl, rank);
            arith::CmpIPredicate p =
                reverse ? (exclusive ? arith::CmpIPredicate::sgt
                                     : arith::CmpIPredicate::sge)
                        : (exclusive ? arith::CmpIPredicate::slt
                                     : arith::CmpIPredicate::sle);
            Value take = arith::CmpIOp::create(nb, nl, p, src, out);
            Value x = arith::SelectOp::create(nb, nl, take, args[0],
                                              scalarConstant(nb, nl, et, 0.0));
            Value sum = isFloat
                            ? Value(arith::AddFOp::create(nb, nl, args[1], x))
                            : Value(arith::AddIOp::create(nb, nl, args[1], x));
            linalg::YieldOp::create(nb, nl, sum);
          })
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerDataMovementImporters(
    OpImporterTable &table) {
  table["Expand"] = importExpand;
  table["Slice"] = importSlice;
  table["Split"] = importSplit;
  table["Tile"] = importTile;
  table["Range"] = importRange;
  table["Trilu"] = importTrilu;
  table["CumSum"] = importCumSum;
}
