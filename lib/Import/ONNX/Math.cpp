//===- Math.cpp - Unary math, rounding, logical ops and Mod -----*- C++ -*-===//
//
// Neg, Abs, Reciprocal, Sign; Log, Sin, Cos, Floor, Ceil, Round; IsNaN,
// IsInf; And, Or, Xor, Not; Mod. Each is one linalg.generic over the
// (broadcast) operands.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// Defines output 0 as `body` applied to input 0, with result element kind
/// `resultKind` (the input's when Undefined).
LogicalResult defineUnary(NodeContext &ctx, ScalarBody body,
                          ElementKind resultKind = ElementKind::Undefined) {
  if (resultKind == ElementKind::Undefined)
    resultKind = ctx.inputKind(0);
  auto resultType =
      RankedTensorType::get(ctx.inputType(0).getShape(),
                            getElementType(ctx.getContext(), resultKind));
  ctx.setOutput(0,
                buildElementwise(ctx.builder(), ctx.loc(),
                                 ValueRange{ctx.operand(0)}, resultType, body),
                resultKind);
  return success();
}

LogicalResult requireFloatInput(NodeContext &ctx) {
  if (!isFloatKind(ctx.inputKind(0)))
    return ctx.emitError() << "element type "
                           << stringifyElementKind(ctx.inputKind(0))
                           << " is not supported (floating point only)";
  return success();
}

/// Fails unless input 0 is a float or (when `allowSigned`/`allowUnsigned`)
/// an integer of that signedness.
LogicalResult requireNumeric(NodeContext &ctx, bool allowSigned,
                             bool allowUnsigned) {
  ElementKind kind = ctx.inputKind(0);
  if (isFloatKind(kind) || (allowSigned && isSignedIntKind(kind)) ||
      (allowUnsigned && isUnsignedIntKind(kind)))
    return success();
  return ctx.emitError() << "element type " << stringifyElementKind(kind)
                         << " is not supported";
}

enum class FloatFn { Log, Sin, Cos, Floor, Ceil, Round, Reciprocal };

LogicalResult importFloatFn(NodeContext &ctx, FloatFn fn) {
  if (failed(ctx.checkAttributes({})) || failed(requireFloatInput(ctx)))
    return failure();
  return defineUnary(ctx, [&](OpBuilder &b, Location loc, ValueRange args) {
    Value x = args[0];
    switch (fn) {
    case FloatFn::Log:
      return Value(math::LogOp::create(b, loc, x));
    case FloatFn::Sin:
      return Value(math::SinOp::create(b, loc, x));
    case FloatFn::Cos:
      return Value(math::CosOp::create(b, loc, x));
    case FloatFn::Floor:
      return Value(math::FloorOp::create(b, loc, x));
    case FloatFn::Ceil:
      return Value(math::CeilOp::create(b, loc, x));
    case FloatFn::Round: // Halves round to even.
      return Value(math::RoundEvenOp::create(b, loc, x));
    case FloatFn::Reciprocal:
      return Value(arith::DivFOp::create(
          b, loc, scalarConstant(b, loc, x.getType(), 1.0), x));
    }
    llvm_unreachable("unknown function");
  });
}

LogicalResult importNeg(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) ||
      failed(requireNumeric(ctx, true, false)))
    return failure();
  // Fold integer constants (shape computations).
  const GraphValue &in = ctx.input(0);
  if (isSignedIntKind(in.kind) && isFoldableConstant(in)) {
    SmallVector<int64_t> values = elementsAsInts(in.constant);
    for (int64_t &v : values)
      v = -v;
    ctx.setConstantOutput(0, makeIntElements(in.type, values), in.kind);
    return success();
  }
  return defineUnary(ctx, [](OpBuilder &b, Location loc, ValueRange args) {
    Value x = args[0];
    if (isa<FloatType>(x.getType()))
      return Value(arith::NegFOp::create(b, loc, x));
    return Value(arith::SubIOp::create(
        b, loc, scalarConstant(b, loc, x.getType(), 0), x));
  });
}

LogicalResult importAbs(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) ||
      failed(requireNumeric(ctx, true, true)))
    return failure();
  bool isUnsigned = isUnsignedIntKind(ctx.inputKind(0));
  return defineUnary(ctx, [&](OpBuilder &b, Location loc, ValueRange args) {
    Value x = args[0];
    if (isa<FloatType>(x.getType()))
      return Value(math::AbsFOp::create(b, loc, x));
    if (isUnsigned)
      return x;
    return Value(math::AbsIOp::create(b, loc, x));
  });
}

/// Sign: -1, 0 or 1 (NaN stays NaN).
LogicalResult importSign(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) ||
      failed(requireNumeric(ctx, true, true)))
    return failure();
  bool isUnsigned = isUnsignedIntKind(ctx.inputKind(0));
  return defineUnary(ctx, [&](OpBuilder &b, Location loc, ValueRange args) {
    Value x = args[0];
    Type t = x.getType();
    Value zero = scalarConstant(b, loc, t, 0),
          one = scalarConstant(b, loc, t, 1);
    if (isa<FloatType>(t)) {
      Value minusOne = scalarConstant(b, loc, t, -1);
      Value pos =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, zero);
      Value neg =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
      Value r = arith::SelectOp::create(b, loc, neg, minusOne, x);
      // x is 0 or NaN here unless positive or negative: keep it.
      return Value(arith::SelectOp::create(b, loc, pos, one, r));
    }
    Value nonZero =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, zero);
    Value magnitude = arith::SelectOp::create(b, loc, nonZero, one, zero);
    if (isUnsigned)
      return magnitude;
    Value neg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
    return Value(arith::SelectOp::create(
        b, loc, neg, scalarConstant(b, loc, t, -1), magnitude));
  });
}

LogicalResult importIsNaN(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})) || failed(requireFloatInput(ctx)))
    return failure();
  return defineUnary(
      ctx,
      [](OpBuilder &b, Location loc, ValueRange args) {
        return Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                           args[0], args[0]));
      },
      ElementKind::Bool);
}

LogicalResult importIsInf(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"detect_negative", "detect_positive"})) ||
      failed(requireFloatInput(ctx)))
    return failure();
  bool negative = ctx.attrInt("detect_negative", 1) != 0;
  bool positive = ctx.attrInt("detect_positive", 1) != 0;
  return defineUnary(
      ctx,
      [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0];
        auto ft = cast<FloatType>(x.getType());
        auto inf = [&](bool neg) -> Value {
          return arith::ConstantOp::create(
              b, loc,
              b.getFloatAttr(ft, APFloat::getInf(ft.getFloatSemantics(), neg)));
        };
        Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
        if (positive)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                    inf(false)));
        if (negative)
          result = arith::OrIOp::create(
              b, loc, result,
              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, x,
                                    inf(true)));
        return result;
      },
      ElementKind::Bool);
}

/// Defines output 0 as `body` over the broadcast of inputs 0 and 1.
LogicalResult defineBinary(NodeContext &ctx, ElementKind resultKind,
                           ScalarBody body) {
  if (ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "inputs have different element types ("
                           << stringifyElementKind(ctx.inputKind(0)) << " and "
                           << stringifyElementKind(ctx.inputKind(1)) << ")";
  FailureOr<Value> rhs = legacyBroadcastOperand(ctx);
  if (failed(rhs))
    return failure();
  auto rt = cast<RankedTensorType>(rhs->getType());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(ctx.inputType(0).getShape(), rt.getShape());
  if (failed(shape))
    return ctx.emitError() << "cannot broadcast " << ctx.inputType(0)
                           << " with " << rt;
  auto resultType = RankedTensorType::get(
      *shape, getElementType(ctx.getContext(), resultKind));
  ctx.setOutput(0,
                buildElementwise(ctx.builder(), ctx.loc(),
                                 ValueRange{ctx.operand(0), *rhs}, resultType,
                                 body),
                resultKind);
  return success();
}

enum class Logic { And, Or, Xor };

LogicalResult importLogic(NodeContext &ctx, Logic op) {
  if (failed(ctx.checkAttributes({"broadcast", "axis"})))
    return failure();
  if (ctx.inputKind(0) != ElementKind::Bool)
    return ctx.emitError() << "element type "
                           << stringifyElementKind(ctx.inputKind(0))
                           << " is not supported (bool only)";
  return defineBinary(
      ctx, ElementKind::Bool, [&](OpBuilder &b, Location loc, ValueRange args) {
        switch (op) {
        case Logic::And:
          return Value(arith::AndIOp::create(b, loc, args[0], args[1]));
        case Logic::Or:
          return Value(arith::OrIOp::create(b, loc, args[0], args[1]));
        case Logic::Xor:
          return Value(arith::XOrIOp::create(b, loc, args[0], args[1]));
        }
        llvm_unreachable("unknown logical op");
      });
}

LogicalResult importNot(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (ctx.inputKind(0) != ElementKind::Bool)
    return ctx.emitError() << "element type "
                           << stringifyElementKind(ctx.inputKind(0))
                           << " is not supported (bool only)";
  return defineUnary(ctx, [](OpBuilder &b, Location loc, ValueRange args) {
    Value one = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
    return Value(arith::XOrIOp::create(b, loc, args[0], one));
  });
}

/// Mod: fmod=1 is C's fmod (the dividend's sign); fmod=0, integers only, is
/// Python's % (the divisor's sign).
LogicalResult importMod(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"fmod"})))
    return failure();
  ElementKind kind = ctx.inputKind(0);
  int64_t fmod = ctx.attrInt("fmod", 0);
  if (fmod != 0 && fmod != 1)
    return ctx.emitError() << "fmod=" << fmod << " is not supported (0 or 1)";
  if (isFloatKind(kind) && fmod == 0)
    return ctx.emitError() << "floating-point inputs need fmod=1";
  if (!isFloatKind(kind) && !isSignedIntKind(kind) && !isUnsignedIntKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  bool isUnsigned = isUnsignedIntKind(kind);
  return defineBinary(
      ctx, kind, [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
        Value x = args[0], y = args[1];
        if (isa<FloatType>(x.getType()))
          return arith::RemFOp::create(b, loc, x, y);
        if (isUnsigned)
          return arith::RemUIOp::create(b, loc, x, y);
        if (fmod == 1)
          return arith::RemSIOp::create(b, loc, x, y);
        // Python's %: the result takes the divisor's sign.
        return floorRemSI(b, loc, x, y);
      });
}

} // namespace

void mlir::sieve::onnx_import::registerMathImporters(OpImporterTable &table) {
  table["Neg"] = importNeg;
  table["Abs"] = importAbs;
  table["Sign"] = importSign;
  table["Reciprocal"] = [](NodeContext &c) {
    return importFloatFn(c, FloatFn::Reciprocal);
  };
  table["Log"] = [](NodeContext &c) { return importFloatFn(c, FloatFn::Log); };
  table["Sin"] = [](NodeContext &c) { return importFloatFn(c, FloatFn::Sin); };
  table["Cos"] = [](NodeContext &c) { return importFloatFn(c, FloatFn::Cos); };
  table["Floor"] = [](NodeContext &c) {
    return importFloatFn(c, FloatFn::Floor);
  };
  table["Ceil"] = [](NodeContext &c) {
    return importFloatFn(c, FloatFn::Ceil);
  };
  table["Round"] = [](NodeContext &c) {
    return importFloatFn(c, FloatFn::Round);
  };
  table["IsNaN"] = importIsNaN;
  table["IsInf"] = importIsInf;
  table["And"] = [](NodeContext &c) { return importLogic(c, Logic::And); };
  table["Or"] = [](NodeContext &c) { return importLogic(c, Logic::Or); };
  table["Xor"] = [](NodeContext &c) { return importLogic(c, Logic::Xor); };
  table["Not"] = importNot;
  table["Mod"] = importMod;
}
