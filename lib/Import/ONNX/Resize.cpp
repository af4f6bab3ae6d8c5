//===- Resize.cpp - Resize and Upsample -------------------------*- C++ -*-===//
//
// Resize (nearest, linear, cubic; every coordinate_transformation_mode but
// tf_crop_and_resize; nearest_mode; scales (compile-time or run-time) or
// sizes with axes and keep_aspect_ratio_policy) and the older Upsample, as
// one linalg.generic over the output: each resized axis maps its output
// index to an input coordinate (in f64, as the ONNX reference computes it),
// then reads the nearest element or weighs its 2 (linear) or 4 (cubic)
// neighbours per axis; neighbours outside the input are clamped to its edge.
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

/// How one axis is resized.
struct ResizeAxis {
  bool resized = false;
  /// The input size and the output size (dynamic for a run-time scale).
  int64_t in = 0, out = 0;
  /// The scale factor, and the output width it implies (scale * in, which
  /// need not be an integer); `runtimeScale` >= 0 when the scale is element
  /// `runtimeScale` of the scales input instead.
  double scale = 1.0, outWidth = 0.0;
  int64_t runtimeScale = -1;
  /// tf_crop_and_resize: the position of this axis's start in roi.
  int64_t roi = -1;
};

enum class Interpolation { Nearest, Linear, Cubic };

struct ResizeMode {
  Interpolation interpolation = Interpolation::Nearest;
  std::string coordinates = "half_pixel";
  std::string nearest = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  /// The input holding run-time scales.
  size_t scalesInput = 2;
  /// tf_crop_and_resize: the number of resized axes (roi holds their
  /// starts, then their ends) and the value outside the crop.
  int64_t roiAxes = 0;
  double extrapolation = 0.0;
};

/// The weights of the 4 cubic neighbours at distance ratio - 1 .. ratio + 2
/// (ratio in (0, 1]), as the ONNX reference computes them.
SmallVector<Value> cubicWeights(OpBuilder &b, Location loc, Value ratio,
                                double a) {
  Type f64 = b.getF64Type();
  auto f = [&](double v) { return scalarConstant(b, loc, f64, v); };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, loc, x, y);
  };
  auto sub = [&](Value x, Value y) -> Value {
    return arith::SubFOp::create(b, loc, x, y);
  };
  // Outer neighbours: ((a*t - 5a)*t + 8a)*t - 4a with t in (1, 2].
  auto outer = [&](Value t) {
    return sub(mul(add(mul(sub(mul(f(a), t), f(5 * a)), t), f(8 * a)), t),
               f(4 * a));
  };
  // Inner neighbours: ((a+2)*t - (a+3))*t*t + 1 with t in [0, 1].
  auto inner = [&](Value t) {
    return add(mul(mul(sub(mul(f(a + 2), t), f(a + 3)), t), t), f(1));
  };
  Value oneMinus = sub(f(1), ratio);
  return {outer(add(ratio, f(1))), inner(ratio), inner(oneMinus),
          outer(add(oneMinus, f(1)))};
}

LogicalResult buildResize(NodeContext &ctx, SmallVector<ResizeAxis> axes,
                          const ResizeMode &mode) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType xt = ctx.inputType(0);
  ElementKind kind = ctx.inputKind(0);
  bool nearest = mode.interpolation == Interpolation::Nearest;
  if (!nearest && !isFloatKind(kind))
    return ctx.emitError() << "linear and cubic modes need a floating-point "
                              "input";
  if (isLowPrecisionKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  int64_t rank = xt.getRank();
  Type f64 = b.getF64Type();
  Value x = ctx.operand(0);
  // Per axis, outside the loop: the scale and output width as f64 values
  // and the output size.
  SmallVector<Value> scale(rank), outWidth(rank), roiStart(rank), roiEnd(rank);
  SmallVector<int64_t> shape;
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < rank; ++d) {
    ResizeAxis &a = axes[d];
    if (!a.resized) {
      shape.push_back(xt.getDimSize(d));
      if (xt.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(b, loc, x, d));
      continue;
    }
    if (a.roi >= 0) {
      Value roi = ctx.operand(1);
      ElementKind roiKind = ctx.inputKind(1);
      auto element = [&](int64_t i) {
        Value v = tensor::ExtractOp::create(
            b, loc, roi, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
        return convertScalar(b, loc, v, roiKind, ElementKind::Double);
      };
      roiStart[d] = element(a.roi);
      roiEnd[d] = element(a.roi + mode.roiAxes);
    }
    if (a.runtimeScale < 0) {
      scale[d] = scalarConstant(b, loc, f64, a.scale);
      outWidth[d] = scalarConstant(b, loc, f64, a.outWidth);
      shape.push_back(a.out);
      continue;
    }
    Value index = arith::ConstantIndexOp::create(b, loc, a.runtimeScale);
    Value s =
        tensor::ExtractOp::create(b, loc, ctx.operand(mode.scalesInput), index);
    scale[d] = convertScalar(b, loc, s, ctx.inputKind(mode.scalesInput),
                             ElementKind::Double);
    outWidth[d] = arith::MulFOp::create(b, loc, scale[d],
                                        scalarConstant(b, loc, f64, a.in));
    Value out = arith::FPToSIOp::create(
        b, loc, b.getI64Type(), math::FloorOp::create(b, loc, outWidth[d]));
    shape.push_back(ShapedType::kDynamic);
    dyn.push_back(arith::IndexCastOp::create(b, loc, b.getIndexType(), out));
  }
  auto resultType = RankedTensorType::get(shape, xt.getElementType());
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{},
          ValueRange{emptyTensor(b, loc, resultType, dyn)}, maps, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange) {
            auto f = [&](double v) { return scalarConstant(nb, nl, f64, v); };
            // Index into [0, in - 1] from a float coordinate.
            auto clampToIndex = [&](Value v, int64_t in) -> Value {
              v = arith::MaximumFOp::create(nb, nl, v, f(0));
              v = arith::MinimumFOp::create(nb, nl, v, f(in - 1));
              Value i = arith::FPToSIOp::create(nb, nl, nb.getI64Type(), v);
              return arith::IndexCastOp::create(nb, nl, nb.getIndexType(), i);
            };
            // Per axis: the neighbours read and their weights (one
            // neighbour of weight 1 for nearest and unresized axes).
            SmallVector<SmallVector<Value>> taps(rank), weights(rank);
            Value outside; // tf_crop_and_resize: outside the crop.
            for (int64_t d = 0; d < rank; ++d) {
              Value out = linalg::IndexOp::create(nb, nl, d);
              if (!axes[d].resized) {
                taps[d] = {out};
                continue;
              }
              const ResizeAxis &a = axes[d];
              Value o = arith::SIToFPOp::create(
                  nb, nl, f64,
                  arith::IndexCastOp::create(nb, nl, nb.getI64Type(), out));
              auto widthIsOne = [&]() -> Value {
                return arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OEQ,
                                             outWidth[d], f(1));
              };
              Value c; // The input coordinate.
              const std::string &m = mode.coordinates;
              if (a.roi >= 0) {
                // start * (in - 1) + o * (end - start) * (in - 1) /
                // (outWidth - 1), or the crop's centre for one output.
                Value span = arith::MulFOp::create(
                    nb, nl,
                    arith::SubFOp::create(nb, nl, roiEnd[d], roiStart[d]),
                    f(a.in - 1));
                Value centre = arith::MulFOp::create(nb, nl, span, f(0.5));
                Value along = arith::DivFOp::create(
                    nb, nl, arith::MulFOp::create(nb, nl, o, span),
                    arith::SubFOp::create(nb, nl, outWidth[d], f(1)));
                c = arith::AddFOp::create(
                    nb, nl,
                    arith::SelectOp::create(nb, nl, widthIsOne(), centre,
                                            along),
                    arith::MulFOp::create(nb, nl, roiStart[d], f(a.in - 1)));
                Value out = arith::OrIOp::create(
                    nb, nl,
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLT, c,
                                          f(0)),
                    arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, c,
                                          f(a.in - 1)));
                outside =
                    outside ? Value(arith::OrIOp::create(nb, nl, outside, out))
                            : out;
              } else if (m == "asymmetric") {
                c = arith::DivFOp::create(nb, nl, o, scale[d]);
              } else if (m == "tf_half_pixel_for_nn") {
                c = arith::DivFOp::create(
                    nb, nl, arith::AddFOp::create(nb, nl, o, f(0.5)), scale[d]);
              } else if (m == "align_corners") {
                Value ratio = arith::DivFOp::create(
                    nb, nl, f(a.in - 1),
                    arith::SubFOp::create(nb, nl, outWidth[d], f(1)));
                c = arith::SelectOp::create(
                    nb, nl, widthIsOne(), f(0),
                    arith::MulFOp::create(nb, nl, o, ratio));
              } else {
                // half_pixel and its variants: (o + 0.5) / scale - 0.5.
                c = arith::SubFOp::create(
                    nb, nl,
                    arith::DivFOp::create(
                        nb, nl, arith::AddFOp::create(nb, nl, o, f(0.5)),
                        scale[d]),
                    f(0.5));
                if (m == "pytorch_half_pixel")
                  c = arith::SelectOp::create(nb, nl, widthIsOne(), f(-0.5), c);
                if (m == "half_pixel_symmetric") {
                  // offset = in/2 * (1 - out / outWidth)
                  Value outSize =
                      a.runtimeScale < 0
                          ? f(a.out)
                          : math::FloorOp::create(nb, nl, outWidth[d]);
                  Value adjustment =
                      arith::DivFOp::create(nb, nl, outSize, outWidth[d]);
                  c = arith::AddFOp::create(
                      nb, nl, c,
                      arith::MulFOp::create(
                          nb, nl, f(a.in / 2.0),
                          arith::SubFOp::create(nb, nl, f(1), adjustment)));
                }
              }
              switch (mode.interpolation) {
              case Interpolation::Nearest: {
                Value r;
                if (mode.nearest == "floor")
                  r = math::FloorOp::create(nb, nl, c);
                else if (mode.nearest == "ceil")
                  r = math::CeilOp::create(nb, nl, c);
                else if (mode.nearest == "round_prefer_ceil")
                  r = math::FloorOp::create(
                      nb, nl, arith::AddFOp::create(nb, nl, c, f(0.5)));
                else // round_prefer_floor
                  r = math::CeilOp::create(
                      nb, nl, arith::SubFOp::create(nb, nl, c, f(0.5)));
                taps[d] = {clampToIndex(r, a.in)};
                break;
              }
              case Interpolation::Linear: {
                Value fl = math::FloorOp::create(nb, nl, c);
                Value w = arith::SubFOp::create(nb, nl, c, fl);
                taps[d] = {clampToIndex(fl, a.in),
                           clampToIndex(arith::AddFOp::create(nb, nl, fl, f(1)),
                                        a.in)};
                weights[d] = {arith::SubFOp::create(nb, nl, f(1), w), w};
                break;
              }
              case Interpolation::Cubic: {
                // Neighbours base-1 .. base+2 with base = ceil(c) - 1, so
                // that the ratio c - base is in (0, 1].
                Value base = arith::SubFOp::create(
                    nb, nl, math::CeilOp::create(nb, nl, c), f(1));
                Value ratio = arith::SubFOp::create(nb, nl, c, base);
                weights[d] = cubicWeights(nb, nl, ratio, mode.cubicA);
                Value total = f(0);
                for (int64_t k = 0; k < 4; ++k) {
                  Value at = arith::AddFOp::create(nb, nl, base, f(k - 1));
                  taps[d].push_back(clampToIndex(at, a.in));
                  if (mode.excludeOutside) {
                    Value inside = arith::AndIOp::create(
                        nb, nl,
                        arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGE,
                                              at, f(0)),
                        arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE,
                                              at, f(a.in - 1)));
                    weights[d][k] = arith::SelectOp::create(
                        nb, nl, inside, weights[d][k], f(0));
                  }
                  total = arith::AddFOp::create(nb, nl, total, weights[d][k]);
                }
                if (mode.excludeOutside)
                  for (Value &w : weights[d])
                    w = arith::DivFOp::create(nb, nl, w, total);
                break;
              }
              }
            }
            Value v;
            if (nearest) {
              SmallVector<Value> coords;
              for (auto &t : taps)
                coords.push_back(t[0]);
              v = tensor::ExtractOp::create(nb, nl, x, coords);
            } else {
              // Sum over the neighbourhood: every combination of taps.
              Value sum = f(0);
              SmallVector<size_t> pick(rank, 0);
              while (true) {
                SmallVector<Value> coords;
                Value w = f(1);
                for (int64_t d = 0; d < rank; ++d) {
                  coords.push_back(taps[d][pick[d]]);
                  if (!weights[d].empty())
                    w = arith::MulFOp::create(nb, nl, w, weights[d][pick[d]]);
                }
                Value e = tensor::ExtractOp::create(nb, nl, x, coords);
                e = convertScalar(nb, nl, e, kind, ElementKind::Double);
                sum = arith::AddFOp::create(
                    nb, nl, sum, arith::MulFOp::create(nb, nl, w, e));
                int64_t d = rank - 1;
                for (; d >= 0; --d) {
                  if (++pick[d] < taps[d].size())
                    break;
                  pick[d] = 0;
                }
                if (d < 0)
                  break;
              }
              v = convertScalar(nb, nl, sum, ElementKind::Double, kind);
            }
            if (outside)
              v = arith::SelectOp::create(
                  nb, nl, outside,
                  scalarConstant(nb, nl, v.getType(), mode.extrapolation), v);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

FailureOr<ResizeMode> readMode(NodeContext &ctx) {
  ResizeMode mode;
  std::string m = ctx.attrString("mode", "nearest");
  if (m == "linear" || m == "bilinear")
    mode.interpolation = Interpolation::Linear;
  else if (m == "cubic")
    mode.interpolation = Interpolation::Cubic;
  else if (m != "nearest")
    return ctx.emitError() << "mode='" << m
                           << "' is not supported (nearest, linear, cubic)";
  mode.cubicA = ctx.attrFloat("cubic_coeff_a", -0.75f);
  mode.excludeOutside = ctx.attrInt("exclude_outside", 0) != 0;
  return mode;
}

/// Axes from scales: out = floor(in * scale).
LogicalResult axesFromScales(NodeContext &ctx, ArrayRef<double> scales,
                             SmallVectorImpl<ResizeAxis> &axes,
                             bool keepUnscaled = false) {
  RankedTensorType xt = ctx.inputType(0);
  for (auto [d, a] : llvm::enumerate(axes)) {
    double s = scales[d];
    if (s <= 0)
      return ctx.emitError() << "scales must be positive";
    if (s == 1.0 && !keepUnscaled)
      continue;
    if (xt.isDynamicDim(d))
      return ctx.emitError()
             << "resizing dynamic dimension " << d << " is not supported";
    a.resized = true;
    a.in = xt.getDimSize(d);
    a.scale = s;
    a.outWidth = s * a.in;
    a.out = static_cast<int64_t>(std::floor(a.outWidth));
  }
  return success();
}

/// Axes `which` resized by the run-time scales of input `input`: their
/// output sizes are dynamic.
LogicalResult axesFromRuntimeScales(NodeContext &ctx, ArrayRef<int64_t> which,
                                    size_t input,
                                    SmallVectorImpl<ResizeAxis> &axes) {
  RankedTensorType xt = ctx.inputType(0), st = ctx.inputType(input);
  if (!isFloatKind(ctx.inputKind(input)) || st.getRank() != 1 ||
      st.getDimSize(0) != static_cast<int64_t>(which.size()))
    return ctx.emitError() << "scales must be " << which.size()
                           << " floating-point values";
  for (auto [i, d] : llvm::enumerate(which)) {
    if (xt.isDynamicDim(d))
      return ctx.emitError()
             << "resizing dynamic dimension " << d << " is not supported";
    axes[d].resized = true;
    axes[d].in = xt.getDimSize(d);
    axes[d].runtimeScale = i;
  }
  return success();
}

LogicalResult importResize(NodeContext &ctx) {
  if (failed(ctx.checkAttributes(
          {"mode", "coordinate_transformation_mode", "nearest_mode",
           "cubic_coeff_a", "exclude_outside", "extrapolation_value",
           "antialias", "axes", "keep_aspect_ratio_policy"})))
    return failure();
  FailureOr<ResizeMode> mode = readMode(ctx);
  if (failed(mode))
    return failure();
  if (ctx.attrInt("antialias", 0) != 0)
    return ctx.emitError() << "antialias=1 is not supported";
  RankedTensorType xt = ctx.inputType(0);
  int64_t rank = xt.getRank();
  SmallVector<ResizeAxis> axes(rank);
  if (ctx.opset() < 11) {
    // Resize-10: X and scales; asymmetric coordinates, nearest rounds down.
    mode->coordinates = "asymmetric";
    mode->nearest = "floor";
    mode->scalesInput = 1;
    auto scales = ctx.constantFloats(1);
    if (!scales) {
      auto all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
      if (failed(axesFromRuntimeScales(ctx, all, 1, axes)))
        return failure();
      return buildResize(ctx, axes, *mode);
    }
    if (static_cast<int64_t>(scales->size()) != rank)
      return ctx.emitError() << "scales must have " << rank << " values";
    if (failed(axesFromScales(ctx, *scales, axes)))
      return failure();
    return buildResize(ctx, axes, *mode);
  }
  mode->coordinates =
      ctx.attrString("coordinate_transformation_mode", "half_pixel");
  mode->nearest = ctx.attrString("nearest_mode", "round_prefer_floor");
  static const char *const kCoordinates[] = {
      "half_pixel",        "half_pixel_symmetric", "pytorch_half_pixel",
      "align_corners",     "asymmetric",           "tf_half_pixel_for_nn",
      "tf_crop_and_resize"};
  if (!llvm::is_contained(kCoordinates, mode->coordinates))
    return ctx.emitError() << "coordinate_transformation_mode='"
                           << mode->coordinates << "' is not supported";
  static const char *const kNearest[] = {"round_prefer_floor",
                                         "round_prefer_ceil", "floor", "ceil"};
  if (!llvm::is_contained(kNearest, mode->nearest))
    return ctx.emitError() << "nearest_mode='" << mode->nearest
                           << "' is not supported";
  // The resized axes: all, or the axes attribute (opset 18).
  SmallVector<int64_t> which;
  if (auto attr = ctx.attrInts("axes")) {
    for (int64_t a : *attr) {
      FailureOr<int64_t> axis = normalizeAxis(ctx, a, rank, "axis");
      if (failed(axis))
        return failure();
      which.push_back(*axis);
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      which.push_back(d);
  }
  // tf_crop_and_resize: every listed axis reads its part of roi.
  bool crop = mode->coordinates == "tf_crop_and_resize";
  if (crop) {
    if (!ctx.hasInput(1) ||
        sieve::checkedNumElements(ctx.inputType(1).getShape()) !=
            2 * static_cast<int64_t>(which.size()))
      return ctx.emitError() << "tf_crop_and_resize needs a roi of "
                             << 2 * which.size() << " values";
    mode->roiAxes = which.size();
    mode->extrapolation = ctx.attrFloat("extrapolation_value", 0.0f);
  }
  auto finish = [&]() {
    if (crop)
      for (auto [i, d] : llvm::enumerate(which)) {
        ResizeAxis &a = axes[d];
        a.roi = i;
        if (!a.resized) {
          a.resized = true;
          a.in = a.out = xt.getDimSize(d);
          a.outWidth = a.in;
        }
      }
    return buildResize(ctx, axes, *mode);
  };
  auto present = [&](size_t i) {
    // A dynamic size counts as present (it is not known to be empty).
    return ctx.hasInput(i) &&
           sieve::checkedNumElements(ctx.inputType(i).getShape()) != 0;
  };
  if (present(2) == present(3))
    return ctx.emitError() << "exactly one of scales and sizes must be given";
  if (present(2)) {
    auto given = ctx.constantFloats(2);
    if (!given) {
      if (failed(axesFromRuntimeScales(ctx, which, 2, axes)))
        return failure();
      return finish();
    }
    if (given->size() != which.size())
      return ctx.emitError()
             << "scales must have " << which.size() << " values";
    SmallVector<double> scales(rank, 1.0);
    for (auto [i, d] : llvm::enumerate(which))
      scales[d] = (*given)[i];
    if (failed(axesFromScales(ctx, scales, axes)))
      return failure();
    return finish();
  }
  FailureOr<SmallVector<int64_t>> given = ctx.requireConstantInts(3, "sizes");
  if (failed(given))
    return failure();
  if (given->size() != which.size())
    return ctx.emitError() << "sizes must have " << which.size() << " values";
  for (int64_t d : which)
    if (xt.isDynamicDim(d))
      return ctx.emitError()
             << "resizing dynamic dimension " << d << " is not supported";
  std::string policy = ctx.attrString("keep_aspect_ratio_policy", "stretch");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    return ctx.emitError() << "keep_aspect_ratio_policy='" << policy
                           << "' is not supported";
  std::optional<double> common;
  for (auto [i, d] : llvm::enumerate(which)) {
    double s = static_cast<double>((*given)[i]) / xt.getDimSize(d);
    if (policy == "not_larger")
      common = common ? std::min(*common, s) : s;
    else if (policy == "not_smaller")
      common = common ? std::max(*common, s) : s;
  }
  for (auto [i, d] : llvm::enumerate(which)) {
    ResizeAxis &a = axes[d];
    a.in = xt.getDimSize(d);
    if (common) {
      a.scale = *common;
      a.out = static_cast<int64_t>(*common * a.in + 0.5);
    } else {
      a.out = (*given)[i];
      a.scale = static_cast<double>(a.out) / a.in;
    }
    if (a.out <= 0)
      return ctx.emitError() << "sizes must be positive";
    a.outWidth = a.scale * a.in;
    a.resized = a.out != a.in || a.scale != 1.0;
  }
  return finish();
}

/// Upsample (deprecated since opset 10): scales as an attribute (opset 7)
/// or an input (opset 9), asymmetric coordinates.
LogicalResult importUpsample(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"mode", "scales"})))
    return failure();
  FailureOr<ResizeMode> mode = readMode(ctx);
  if (failed(mode))
    return failure();
  mode->coordinates = "asymmetric";
  mode->nearest = "floor";
  int64_t rank = ctx.inputType(0).getRank();
  SmallVector<double> scales;
  if (auto attr = ctx.attrFloats("scales")) {
    scales.assign(attr->begin(), attr->end());
  } else if (ctx.hasInput(1)) {
    auto values = ctx.constantFloats(1);
    if (!values) {
      mode->scalesInput = 1;
      SmallVector<ResizeAxis> axes(rank);
      auto all = llvm::to_vector(llvm::seq<int64_t>(0, rank));
      if (failed(axesFromRuntimeScales(ctx, all, 1, axes)))
        return failure();
      return buildResize(ctx, axes, *mode);
    }
    scales = *values;
  } else {
    return ctx.emitError() << "scales are required";
  }
  if (static_cast<int64_t>(scales.size()) != rank)
    return ctx.emitError() << "scales must have " << rank << " values";
  SmallVector<ResizeAxis> axes(rank);
  if (failed(axesFromScales(ctx, scales, axes)))
    return failure();
  return buildResize(ctx, axes, *mode);
}

} // namespace

void mlir::sieve::onnx_import::registerResizeImporters(OpImporterTable &table) {
  table["Resize"] = importResize;
  table["Upsample"] = importUpsample;
}
