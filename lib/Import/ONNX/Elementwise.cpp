//===- Elementwise.cpp - Elementwise ONNX ops -------------------*- C++ -*-===//
//
// Add, Sub, Mul, Div, Pow, Sum, Max, Min, Mean; Relu, LeakyRelu, PRelu,
// Clip, Sigmoid, HardSigmoid, HardSwish, Softplus, Tanh, Erf, Gelu, Sqrt,
// Exp; Softmax; Cast, CastLike; comparisons, Where; Identity, Dropout.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// The broadcast result type of inputs `lhs` and `rhs` with element type
/// `elementType`, or an error.
FailureOr<RankedTensorType> broadcastResultType(NodeContext &ctx,
                                                RankedTensorType lhs,
                                                RankedTensorType rhs,
                                                Type elementType) {
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(lhs.getShape(), rhs.getShape());
  if (failed(shape))
    return ctx.emitError() << "cannot broadcast " << lhs << " with " << rhs;
  return RankedTensorType::get(*shape, elementType);
}

/// Named linalg binary op on the broadcast of two operands.
template <typename NamedOp>
Value buildNamedBinary(OpBuilder &b, Location loc, Value lhs, Value rhs,
                       RankedTensorType resultType) {
  SmallVector<Value> dyn =
      broadcastDynamicSizes(b, loc, resultType, ValueRange{lhs, rhs});
  Value l = broadcastTo(b, loc, lhs, resultType, dyn);
  Value r = broadcastTo(b, loc, rhs, resultType, dyn);
  Value init = emptyTensor(b, loc, resultType, dyn);
  return NamedOp::create(b, loc, TypeRange{resultType}, ValueRange{l, r},
                         ValueRange{init})
      .getResult(0);
}

/// Named linalg unary op.
template <typename NamedOp>
Value buildNamedUnary(OpBuilder &b, Location loc, Value input) {
  auto type = cast<RankedTensorType>(input.getType());
  Value init = emptyTensor(b, loc, type, dynamicSizes(b, loc, input));
  return NamedOp::create(b, loc, TypeRange{type}, ValueRange{input},
                         ValueRange{init})
      .getResult(0);
}

LogicalResult checkSameKinds(NodeContext &ctx, size_t a, size_t b) {
  if (ctx.inputKind(a) != ctx.inputKind(b))
    return ctx.emitError() << "inputs have different element types ("
                           << stringifyElementKind(ctx.inputKind(a)) << " and "
                           << stringifyElementKind(ctx.inputKind(b)) << ")";
  return success();
}

LogicalResult requireFloat(NodeContext &ctx, size_t i) {
  if (!isFloatKind(ctx.inputKind(i)))
    return ctx.emitError() << "element type "
                           << stringifyElementKind(ctx.inputKind(i))
                           << " is not supported (floating point only)";
  return success();
}

enum class Arith { Add, Sub, Mul, Div };

/// Folds integer arithmetic on small constants (shape computations such as
/// `Shape -> Sub -> ConstantOfShape`); false when it does not apply.
bool foldIntArithmetic(NodeContext &ctx, Arith op,
                       RankedTensorType resultType) {
  const GraphValue &lhs = ctx.input(0), &rhs = ctx.input(1);
  ElementKind kind = lhs.kind;
  if (!isSignedIntKind(kind) && !isUnsignedIntKind(kind))
    return false;
  if (!isFoldableConstant(lhs) || !isFoldableConstant(rhs) ||
      !hasAtMostElements(resultType, 1024) ||
      (ctx.opset() < 7 && ctx.attrInt("broadcast", 0)))
    return false;
  SmallVector<int64_t> a = elementsAsInts(lhs.constant),
                       b = elementsAsInts(rhs.constant);
  ArrayRef<int64_t> shape = resultType.getShape();
  int64_t rank = shape.size();
  // The flat index of an operand element for result coordinates `coord`.
  auto index = [&](RankedTensorType type, ArrayRef<int64_t> coord) {
    int64_t flat = 0, offset = rank - type.getRank();
    for (int64_t d = 0; d < type.getRank(); ++d)
      flat = flat * type.getDimSize(d) +
             (type.getDimSize(d) == 1 ? 0 : coord[offset + d]);
    return flat;
  };
  SmallVector<int64_t> out, coord(rank, 0);
  for (int64_t n = 0; n < resultType.getNumElements(); ++n) {
    int64_t x = a[index(lhs.type, coord)], y = b[index(rhs.type, coord)];
    // Integer arithmetic wraps, as it does at run time: computed unsigned,
    // which is defined on overflow, unlike signed.
    uint64_t ux = static_cast<uint64_t>(x), uy = static_cast<uint64_t>(y);
    switch (op) {
    case Arith::Add:
      out.push_back(static_cast<int64_t>(ux + uy));
      break;
    case Arith::Sub:
      out.push_back(static_cast<int64_t>(ux - uy));
      break;
    case Arith::Mul:
      out.push_back(static_cast<int64_t>(ux * uy));
      break;
    case Arith::Div:
      if (y == 0)
        return false; // Left to run time, like any division by zero.
      // INT64_MIN / -1 wraps to INT64_MIN.
      out.push_back(y == -1 ? static_cast<int64_t>(0 - ux) : x / y);
      break;
    }
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++coord[d] < shape[d])
        break;
      coord[d] = 0;
    }
  }
  ctx.setConstantOutput(0, makeIntElements(resultType, out), kind);
  return true;
}

LogicalResult importArithmetic(NodeContext &ctx, Arith op) {
  if (failed(ctx.checkAttributes({"broadcast", "axis"})) ||
      failed(checkSameKinds(ctx, 0, 1)))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool)
    return ctx.emitError() << "bool operands are not supported";
  if (FailureOr<SmallVector<int64_t>> shape = broadcastShapes(
          ctx.inputType(0).getShape(), ctx.inputType(1).getShape());
      succeeded(shape) &&
      foldIntArithmetic(
          ctx, op,
          RankedTensorType::get(*shape, ctx.inputType(0).getElementType())))
    return success();
  FailureOr<Value> rhsOr = legacyBroadcastOperand(ctx);
  if (failed(rhsOr))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value lhs = ctx.operand(0), rhs = *rhsOr;
  FailureOr<RankedTensorType> resultType = broadcastResultType(
      ctx, ctx.inputType(0), cast<RankedTensorType>(rhs.getType()),
      ctx.inputType(0).getElementType());
  if (failed(resultType))
    return failure();
  Value result;
  switch (op) {
  case Arith::Add:
    result = buildNamedBinary<linalg::AddOp>(b, loc, lhs, rhs, *resultType);
    break;
  case Arith::Sub:
    result = buildNamedBinary<linalg::SubOp>(b, loc, lhs, rhs, *resultType);
    break;
  case Arith::Mul:
    result = buildNamedBinary<linalg::MulOp>(b, loc, lhs, rhs, *resultType);
    break;
  case Arith::Div:
    result =
        isUnsignedIntKind(kind)
            ? buildNamedBinary<linalg::DivUnsignedOp>(b, loc, lhs, rhs,
                                                      *resultType)
            : buildNamedBinary<linalg::DivOp>(b, loc, lhs, rhs, *resultType);
    break;
  }
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importSum(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  Value acc = ctx.operand(0);
  for (size_t i = 1; i < ctx.numInputs(); ++i) {
    if (failed(checkSameKinds(ctx, 0, i)))
      return failure();
    FailureOr<RankedTensorType> type = broadcastResultType(
        ctx, cast<RankedTensorType>(acc.getType()), ctx.inputType(i),
        ctx.inputType(0).getElementType());
    if (failed(type))
      return failure();
    acc = buildNamedBinary<linalg::AddOp>(ctx.builder(), ctx.loc(), acc,
                                          ctx.operand(i), *type);
  }
  ctx.setOutput(0, acc, ctx.inputKind(0));
  return success();
}

enum class Variadic { Max, Min, Mean };

/// Max, Min and Mean of any number of broadcast inputs.
LogicalResult importVariadic(NodeContext &ctx, Variadic op) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (ctx.numInputs() == 0)
    return ctx.emitError() << "needs at least one input";
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool || (op == Variadic::Mean && !isFloatKind(kind)))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  SmallVector<int64_t> shape(ctx.inputType(0).getShape());
  SmallVector<Value> operands;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (failed(checkSameKinds(ctx, 0, i)))
      return failure();
    FailureOr<SmallVector<int64_t>> next =
        broadcastShapes(shape, ctx.inputType(i).getShape());
    if (failed(next))
      return ctx.emitError() << "inputs do not broadcast";
    shape = *next;
    operands.push_back(ctx.operand(i));
  }
  Type et = ctx.inputType(0).getElementType();
  bool isFloat = isFloatKind(kind), isUnsigned = isUnsignedIntKind(kind);
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), operands, RankedTensorType::get(shape, et),
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value acc = args[0];
        for (Value x : args.drop_front()) {
          switch (op) {
          case Variadic::Max:
            acc = isFloat ? Value(arith::MaximumFOp::create(b, loc, acc, x))
                  : isUnsigned ? Value(arith::MaxUIOp::create(b, loc, acc, x))
                               : Value(arith::MaxSIOp::create(b, loc, acc, x));
            break;
          case Variadic::Min:
            acc = isFloat ? Value(arith::MinimumFOp::create(b, loc, acc, x))
                  : isUnsigned ? Value(arith::MinUIOp::create(b, loc, acc, x))
                               : Value(arith::MinSIOp::create(b, loc, acc, x));
            break;
          case Variadic::Mean:
            acc = arith::AddFOp::create(b, loc, acc, x);
            break;
          }
        }
        if (op == Variadic::Mean)
          acc = arith::DivFOp::create(b, loc, acc,
                                      scalarConstant(b, loc, et, args.size()));
        return acc;
      });
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importPow(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"broadcast", "axis"})))
    return failure();
  ElementKind baseKind = ctx.inputKind(0), expKind = ctx.inputKind(1);
  if (baseKind == ElementKind::Bool || expKind == ElementKind::Bool)
    return ctx.emitError() << "bool operands are not supported";
  FailureOr<Value> exponent = legacyBroadcastOperand(ctx);
  if (failed(exponent))
    return failure();
  Type baseType = ctx.inputType(0).getElementType();
  FailureOr<RankedTensorType> resultType = broadcastResultType(
      ctx, ctx.inputType(0), cast<RankedTensorType>(exponent->getType()),
      baseType);
  if (failed(resultType))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (isFloatKind(baseKind) && baseKind == expKind) {
    ctx.setOutput(0,
                  buildNamedBinary<linalg::PowFOp>(b, loc, ctx.operand(0),
                                                   *exponent, *resultType),
                  baseKind);
    return success();
  }
  // Mixed types: compute in the base's float type (double for integer
  // bases) and convert back.
  ElementKind computeKind =
      isFloatKind(baseKind) ? baseKind : ElementKind::Double;
  Value result = buildElementwise(
      b, loc, ValueRange{ctx.operand(0), *exponent}, *resultType,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value base = convertScalar(nb, nloc, args[0], baseKind, computeKind);
        Value exp = convertScalar(nb, nloc, args[1], expKind, computeKind);
        Value pow = math::PowFOp::create(nb, nloc, base, exp);
        return convertScalar(nb, nloc, pow, computeKind, baseKind);
      });
  ctx.setOutput(0, result, baseKind);
  return success();
}

enum class Unary { Sqrt, Exp, Tanh, Erf };

LogicalResult importUnary(NodeContext &ctx, Unary op) {
  if (failed(ctx.checkAttributes({})) || failed(requireFloat(ctx, 0)))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value input = ctx.operand(0);
  Value result;
  switch (op) {
  case Unary::Sqrt:
    result = buildNamedUnary<linalg::SqrtOp>(b, loc, input);
    break;
  case Unary::Exp:
    result = buildNamedUnary<linalg::ExpOp>(b, loc, input);
    break;
  case Unary::Tanh:
    result = buildNamedUnary<linalg::TanhOp>(b, loc, input);
    break;
  case Unary::Erf:
    result = buildNamedUnary<linalg::ErfOp>(b, loc, input);
    break;
  }
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// Relu as linalg.max with a zero-filled tensor: the form that Sieve's
/// activation-site analysis recognizes.
LogicalResult importRelu(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  if (isUnsignedIntKind(kind) || kind == ElementKind::Bool)
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Value input = ctx.operand(0);
  auto type = ctx.inputType(0);
  SmallVector<Value> dyn = dynamicSizes(b, loc, input);
  Value zero = scalarConstant(b, loc, type.getElementType(), 0.0);
  Value zeros = filledTensor(b, loc, type, dyn, zero);
  Value init = emptyTensor(b, loc, type, dyn);
  Value result =
      linalg::MaxOp::create(b, loc, TypeRange{type}, ValueRange{input, zeros},
                            ValueRange{init})
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importFloatElementwise(NodeContext &ctx,
                                     ArrayRef<llvm::StringRef> attrs,
                                     ScalarBody body) {
  if (failed(ctx.checkAttributes(attrs)) || failed(requireFloat(ctx, 0)))
    return failure();
  Value result =
      buildElementwise(ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0)},
                       ctx.inputType(0), body);
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

LogicalResult importLeakyRelu(NodeContext &ctx) {
  double alpha = ctx.attrFloat("alpha", 0.01f);
  return importFloatElementwise(
      ctx, {"alpha"}, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = args[0];
        Value zero = scalarConstant(b, loc, x.getType(), 0.0);
        Value scaled = arith::MulFOp::create(
            b, loc, x, scalarConstant(b, loc, x.getType(), alpha));
        Value negative =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        return arith::SelectOp::create(b, loc, negative, scaled, x);
      });
}

LogicalResult importSoftplus(NodeContext &ctx) {
  return importFloatElementwise(
      ctx, {}, [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        // log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), exact for large |x|.
        Value x = args[0];
        Value zero = scalarConstant(b, loc, x.getType(), 0.0);
        Value negAbs =
            arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
        Value tail =
            math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, negAbs));
        return arith::AddFOp::create(
            b, loc, arith::MaximumFOp::create(b, loc, x, zero), tail);
      });
}

/// max(0, min(1, alpha * x + beta)).
Value hardSigmoid(OpBuilder &b, Location loc, Value x, double alpha,
                  double beta) {
  Type t = x.getType();
  Value y = arith::AddFOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, x, scalarConstant(b, loc, t, alpha)),
      scalarConstant(b, loc, t, beta));
  y = arith::MinimumFOp::create(b, loc, y, scalarConstant(b, loc, t, 1.0));
  return arith::MaximumFOp::create(b, loc, y, scalarConstant(b, loc, t, 0.0));
}

LogicalResult importHardSigmoid(NodeContext &ctx) {
  double alpha = ctx.attrFloat("alpha", 0.2f);
  double beta = ctx.attrFloat("beta", 0.5f);
  return importFloatElementwise(
      ctx, {"alpha", "beta", "consumed_inputs"},
      [&](OpBuilder &b, Location loc, ValueRange args) {
        return hardSigmoid(b, loc, args[0], alpha, beta);
      });
}

LogicalResult importHardSwish(NodeContext &ctx) {
  return importFloatElementwise(
      ctx, {}, [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        return arith::MulFOp::create(
            b, loc, args[0], hardSigmoid(b, loc, args[0], 1.0 / 6.0, 0.5));
      });
}

/// PRelu: x < 0 ? slope * x : x, with the slope broadcast to x.
LogicalResult importPRelu(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"consumed_inputs"})) ||
      failed(checkSameKinds(ctx, 0, 1)))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  if (!isFloatKind(kind) && !isSignedIntKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  RankedTensorType xt = ctx.inputType(0), st = ctx.inputType(1);
  Value slope = ctx.operand(1);
  // Before opset 7 a 1-D slope of C elements applies per channel (dim 1).
  if (ctx.opset() < 7 && st.getRank() == 1 && xt.getRank() > 2 &&
      st.getDimSize(0) != 1) {
    SmallVector<int64_t> shape{st.getDimSize(0)};
    shape.append(xt.getRank() - 2, 1);
    slope = reshapeTo(ctx.builder(), ctx.loc(), slope,
                      RankedTensorType::get(shape, st.getElementType()));
  }
  auto slopeType = cast<RankedTensorType>(slope.getType());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(xt.getShape(), slopeType.getShape());
  if (failed(shape) || *shape != SmallVector<int64_t>(xt.getShape()))
    return ctx.emitError() << "slope " << slopeType << " does not broadcast to "
                           << xt;
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0), slope}, xt,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0];
        Value zero = scalarConstant(b, loc, x.getType(), 0.0);
        if (isa<FloatType>(x.getType())) {
          Value neg =
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
          return arith::SelectOp::create(
              b, loc, neg, arith::MulFOp::create(b, loc, x, args[1]), x);
        }
        Value neg =
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
        return arith::SelectOp::create(
            b, loc, neg, arith::MulIOp::create(b, loc, x, args[1]), x);
      });
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importSigmoid(NodeContext &ctx) {
  return importFloatElementwise(
      ctx, {}, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = args[0];
        Value one = scalarConstant(b, loc, x.getType(), 1.0);
        Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
        return arith::DivFOp::create(b, loc, one,
                                     arith::AddFOp::create(b, loc, one, e));
      });
}

LogicalResult importGelu(NodeContext &ctx) {
  std::string approximate = ctx.attrString("approximate", "none");
  if (approximate != "none" && approximate != "tanh")
    return ctx.emitError() << "approximate='" << approximate
                           << "' is not supported (none or tanh)";
  bool useTanh = approximate == "tanh";
  return importFloatElementwise(
      ctx, {"approximate"}, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value x = args[0];
        Type t = x.getType();
        Value half = scalarConstant(b, loc, t, 0.5);
        Value one = scalarConstant(b, loc, t, 1.0);
        Value inner;
        if (useTanh) {
          Value x3 = arith::MulFOp::create(b, loc, x,
                                           arith::MulFOp::create(b, loc, x, x));
          Value poly = arith::AddFOp::create(
              b, loc, x,
              arith::MulFOp::create(b, loc, scalarConstant(b, loc, t, 0.044715),
                                    x3));
          inner = math::TanhOp::create(
              b, loc,
              arith::MulFOp::create(
                  b, loc, scalarConstant(b, loc, t, std::sqrt(2.0 / M_PI)),
                  poly));
        } else {
          inner = math::ErfOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, x,
                                    scalarConstant(b, loc, t, M_SQRT1_2)));
        }
        return arith::MulFOp::create(b, loc,
                                     arith::MulFOp::create(b, loc, half, x),
                                     arith::AddFOp::create(b, loc, one, inner));
      });
}

LogicalResult importClip(NodeContext &ctx) {
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool)
    return ctx.emitError() << "bool input is not supported";
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  Type et = ctx.inputType(0).getElementType();
  bool isFloat = isFloatKind(kind);
  bool isUnsigned = isUnsignedIntKind(kind);

  // Bounds: attributes before opset 11, optional scalar inputs after.
  SmallVector<Value> operands{ctx.operand(0)};
  std::optional<double> lo, hi;
  int loArg = -1, hiArg = -1;
  if (ctx.opset() < 11) {
    if (failed(ctx.checkAttributes({"min", "max"})))
      return failure();
    if (ctx.hasAttr("min"))
      lo = ctx.attrFloat("min", 0.0f);
    if (ctx.hasAttr("max"))
      hi = ctx.attrFloat("max", 0.0f);
  } else {
    if (failed(ctx.checkAttributes({})))
      return failure();
    for (size_t i = 1; i <= 2; ++i) {
      if (!ctx.hasInput(i))
        continue;
      if (sieve::checkedNumElements(ctx.inputType(i).getShape()) != 1)
        return ctx.emitError() << "the " << (i == 1 ? "min" : "max")
                               << " bound must be a scalar";
      if (ctx.inputKind(i) != kind)
        return ctx.emitError() << "bounds must have the input's type";
      if (auto values = ctx.constantFloats(i)) {
        (i == 1 ? lo : hi) = (*values)[0];
        continue;
      }
      (i == 1 ? loArg : hiArg) = operands.size();
      operands.push_back(
          reshapeTo(b, loc, ctx.operand(i), RankedTensorType::get({}, et)));
    }
  }
  Value result = buildElementwise(
      b, loc, operands, ctx.inputType(0),
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value x = args[0];
        auto bound = [&](std::optional<double> c, int arg) -> Value {
          if (c)
            return scalarConstant(nb, nloc, et, *c);
          if (arg >= 0)
            return args[arg];
          return {};
        };
        if (Value l = bound(lo, loArg))
          x = isFloat      ? Value(arith::MaximumFOp::create(nb, nloc, x, l))
              : isUnsigned ? Value(arith::MaxUIOp::create(nb, nloc, x, l))
                           : Value(arith::MaxSIOp::create(nb, nloc, x, l));
        if (Value h = bound(hi, hiArg))
          x = isFloat      ? Value(arith::MinimumFOp::create(nb, nloc, x, h))
              : isUnsigned ? Value(arith::MinUIOp::create(nb, nloc, x, h))
                           : Value(arith::MinSIOp::create(nb, nloc, x, h));
        return x;
      });
  ctx.setOutput(0, result, kind);
  return success();
}

LogicalResult importSoftmax(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"axis"})) || failed(requireFloat(ctx, 0)))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  RankedTensorType type = ctx.inputType(0);
  int64_t rank = type.getRank();
  if (rank == 0)
    return ctx.emitError() << "needs an input of rank >= 1";
  int64_t defaultAxis = ctx.opset() >= 13 ? -1 : 1;
  FailureOr<int64_t> axis =
      normalizeAxis(ctx, ctx.attrInt("axis", defaultAxis), rank, "axis");
  if (failed(axis))
    return failure();
  Value input = ctx.operand(0);

  if (ctx.opset() >= 13) {
    Value init = emptyTensor(b, loc, type, dynamicSizes(b, loc, input));
    Value result =
        linalg::SoftmaxOp::create(b, loc, TypeRange{type}, input, init, *axis)
            .getResult()[0];
    ctx.setOutput(0, result, ctx.inputKind(0));
    return success();
  }
  // Before opset 13 the input is coerced to 2-D at `axis`.
  if (!type.hasStaticShape())
    return ctx.emitError()
           << "dynamic shapes are not supported before opset 13";
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < *axis ? outer : inner) *= type.getDimSize(i);
  auto flatType = RankedTensorType::get({outer, inner}, type.getElementType());
  Value flat = reshapeTo(b, loc, input, flatType);
  Value init = emptyTensor(b, loc, flatType, {});
  Value soft =
      linalg::SoftmaxOp::create(b, loc, TypeRange{flatType}, flat, init, 1)
          .getResult()[0];
  ctx.setOutput(0, reshapeTo(b, loc, soft, type), ctx.inputKind(0));
  return success();
}

LogicalResult importCast(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"to", "saturate", "round_mode"})))
    return failure();
  FailureOr<CastMode> mode = readCastMode(ctx);
  if (failed(mode))
    return failure();
  auto to = static_cast<ElementKind>(ctx.attrInt("to", 0));
  ElementKind from = ctx.inputKind(0);
  Type dstType = getElementType(ctx.getContext(), to);
  if (!dstType)
    return ctx.emitError() << "casting to data type " << static_cast<int>(to)
                           << " is not supported";
  auto resultType = RankedTensorType::get(ctx.inputType(0).getShape(), dstType);
  // Fold casts of constants (shape computations).
  if (ctx.input(0).constant && !isFloatKind(from) && !isFloatKind(to) &&
      !isLowPrecisionKind(from) && !isLowPrecisionKind(to)) {
    ctx.setConstantOutput(
        0, makeIntElements(resultType, elementsAsInts(ctx.input(0).constant)),
        to);
    return success();
  }
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0)}, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        return convertLowPrecision(b, loc, args[0], from, to, *mode);
      });
  ctx.setOutput(0, result, to);
  return success();
}

/// CastLike: Cast to the element type of the second input.
LogicalResult importCastLike(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"saturate", "round_mode"})))
    return failure();
  FailureOr<CastMode> mode = readCastMode(ctx);
  if (failed(mode))
    return failure();
  ElementKind from = ctx.inputKind(0), to = ctx.inputKind(1);
  auto resultType = RankedTensorType::get(ctx.inputType(0).getShape(),
                                          ctx.inputType(1).getElementType());
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0)}, resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        return convertLowPrecision(b, loc, args[0], from, to, *mode);
      });
  ctx.setOutput(0, result, to);
  return success();
}

enum class Compare { Equal, Less, LessOrEqual, Greater, GreaterOrEqual };

LogicalResult importCompare(NodeContext &ctx, Compare op) {
  if (failed(ctx.checkAttributes({"broadcast", "axis"})) ||
      failed(checkSameKinds(ctx, 0, 1)))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  FailureOr<Value> rhs = legacyBroadcastOperand(ctx);
  if (failed(rhs))
    return failure();
  FailureOr<RankedTensorType> resultType = broadcastResultType(
      ctx, ctx.inputType(0), cast<RankedTensorType>(rhs->getType()),
      ctx.builder().getI1Type());
  if (failed(resultType))
    return failure();
  bool isFloat = isFloatKind(kind);
  bool isUnsigned = isUnsignedIntKind(kind) || kind == ElementKind::Bool;
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(), ValueRange{ctx.operand(0), *rhs}, *resultType,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        if (isFloat) {
          arith::CmpFPredicate p;
          switch (op) {
          case Compare::Equal:
            p = arith::CmpFPredicate::OEQ;
            break;
          case Compare::Less:
            p = arith::CmpFPredicate::OLT;
            break;
          case Compare::LessOrEqual:
            p = arith::CmpFPredicate::OLE;
            break;
          case Compare::Greater:
            p = arith::CmpFPredicate::OGT;
            break;
          case Compare::GreaterOrEqual:
            p = arith::CmpFPredicate::OGE;
            break;
          }
          return arith::CmpFOp::create(b, loc, p, args[0], args[1]);
        }
        arith::CmpIPredicate p;
        switch (op) {
        case Compare::Equal:
          p = arith::CmpIPredicate::eq;
          break;
        case Compare::Less:
          p = isUnsigned ? arith::CmpIPredicate::ult
                         : arith::CmpIPredicate::slt;
          break;
        case Compare::LessOrEqual:
          p = isUnsigned ? arith::CmpIPredicate::ule
                         : arith::CmpIPredicate::sle;
          break;
        case Compare::Greater:
          p = isUnsigned ? arith::CmpIPredicate::ugt
                         : arith::CmpIPredicate::sgt;
          break;
        case Compare::GreaterOrEqual:
          p = isUnsigned ? arith::CmpIPredicate::uge
                         : arith::CmpIPredicate::sge;
          break;
        }
        return arith::CmpIOp::create(b, loc, p, args[0], args[1]);
      });
  ctx.setOutput(0, result, ElementKind::Bool);
  return success();
}

LogicalResult importWhere(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) || failed(checkSameKinds(ctx, 1, 2)))
    return failure();
  if (ctx.inputKind(0) != ElementKind::Bool)
    return ctx.emitError() << "the condition must be bool";
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(ctx.inputType(0).getShape(), ctx.inputType(1).getShape());
  if (succeeded(shape))
    shape = broadcastShapes(*shape, ctx.inputType(2).getShape());
  if (failed(shape))
    return ctx.emitError() << "inputs do not broadcast";
  auto resultType =
      RankedTensorType::get(*shape, ctx.inputType(1).getElementType());
  Value result = buildElementwise(
      ctx.builder(), ctx.loc(),
      ValueRange{ctx.operand(0), ctx.operand(1), ctx.operand(2)}, resultType,
      [](OpBuilder &b, Location loc, ValueRange args) {
        return arith::SelectOp::create(b, loc, args[0], args[1], args[2]);
      });
  ctx.setOutput(0, result, ctx.inputKind(1));
  return success();
}

LogicalResult importIdentity(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  const GraphValue &in = ctx.input(0);
  if (in.constant)
    ctx.setConstantOutput(0, in.constant, in.kind);
  else
    ctx.setOutput(0, ctx.operand(0), in.kind);
  return success();
}

LogicalResult importDropout(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"ratio", "is_test", "seed"})))
    return failure();
  if (ctx.opset() < 7 && ctx.attrInt("is_test", 0) == 0)
    return ctx.emitError() << "training mode (is_test=0) is not supported";
  if (ctx.hasInput(2)) {
    std::optional<SmallVector<int64_t>> training = ctx.constantInts(2);
    if (!training)
      return ctx.emitError() << "training_mode must be a compile-time constant";
    if (!training->empty() && (*training)[0] != 0)
      return ctx.emitError() << "training mode is not supported "
                                "(inference only)";
  }
  const GraphValue &in = ctx.input(0);
  if (in.constant)
    ctx.setConstantOutput(0, in.constant, in.kind);
  else
    ctx.setOutput(0, ctx.operand(0), in.kind);
  if (ctx.hasOutput(1)) {
    // The mask of an inference-mode dropout keeps everything.
    if (!in.type.hasStaticShape())
      return ctx.emitError() << "the mask output needs a static shape";
    auto maskType =
        RankedTensorType::get(in.type.getShape(), ctx.builder().getI1Type());
    ctx.setConstantOutput(1, DenseElementsAttr::get(maskType, true),
                          ElementKind::Bool);
  }
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerElementwiseImporters(
    OpImporterTable &table) {
  table["Add"] = [](NodeContext &c) { return importArithmetic(c, Arith::Add); };
  table["Sub"] = [](NodeContext &c) { return importArithmetic(c, Arith::Sub); };
  table["Mul"] = [](NodeContext &c) { return importArithmetic(c, Arith::Mul); };
  table["Div"] = [](NodeContext &c) { return importArithmetic(c, Arith::Div); };
  table["Sum"] = importSum;
  table["Pow"] = importPow;
  table["Max"] = [](NodeContext &c) {
    return importVariadic(c, Variadic::Max);
  };
  table["Min"] = [](NodeContext &c) {
    return importVariadic(c, Variadic::Min);
  };
  table["Mean"] = [](NodeContext &c) {
    return importVariadic(c, Variadic::Mean);
  };
  table["Sqrt"] = [](NodeContext &c) { return importUnary(c, Unary::Sqrt); };
  table["Exp"] = [](NodeContext &c) { return importUnary(c, Unary::Exp); };
  table["Tanh"] = [](NodeContext &c) { return importUnary(c, Unary::Tanh); };
  table["Erf"] = [](NodeContext &c) { return importUnary(c, Unary::Erf); };
  table["Relu"] = importRelu;
  table["LeakyRelu"] = importLeakyRelu;
  table["Sigmoid"] = importSigmoid;
  table["Softplus"] = importSoftplus;
  table["HardSigmoid"] = importHardSigmoid;
  table["HardSwish"] = importHardSwish;
  table["PRelu"] = importPRelu;
  table["Gelu"] = importGelu;
  table["Clip"] = importClip;
  table["Softmax"] = importSoftmax;
  table["Cast"] = importCast;
  table["CastLike"] = importCastLike;
  table["Equal"] = [](NodeContext &c) {
    return importCompare(c, Compare::Equal);
  };
  table["Less"] = [](NodeContext &c) {
    return importCompare(c, Compare::Less);
  };
  table["LessOrEqual"] = [](NodeContext &c) {
    return importCompare(c, Compare::LessOrEqual);
  };
  table["Greater"] = [](NodeContext &c) {
    return importCompare(c, Compare::Greater);
  };
  table["GreaterOrEqual"] = [](NodeContext &c) {
    return importCompare(c, Compare::GreaterOrEqual);
  };
  table["Where"] = importWhere;
  table["Identity"] = importIdentity;
  table["Dropout"] = importDropout;
}

/// The second operand, with legacy (opset < 7) broadcasting applied: with
/// broadcast=1, B's dimensions align with A's starting at `axis` instead of
/// at the end.
FailureOr<Value>
mlir::sieve::onnx_import::legacyBroadcastOperand(NodeContext &ctx) {
  Value rhs = ctx.operand(1);
  if (ctx.opset() >= 7 || !ctx.attrInt("broadcast", 0))
    return rhs;
  RankedTensorType lt = ctx.inputType(0), rt = ctx.inputType(1);
  int64_t axis = ctx.attrInt("axis", lt.getRank() - rt.getRank());
  if (axis < 0)
    axis += lt.getRank();
  if (axis < 0 || axis + rt.getRank() > lt.getRank())
    return ctx.emitError() << "axis " << axis << " does not place " << rt
                           << " inside " << lt;
  SmallVector<int64_t> shape(rt.getShape());
  shape.append(lt.getRank() - axis - rt.getRank(), 1);
  return reshapeTo(ctx.builder(), ctx.loc(), rhs,
                   RankedTensorType::get(shape, rt.getElementType()));
}
