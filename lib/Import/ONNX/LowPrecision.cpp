//===- LowPrecision.cpp - 8-, 4- and 2-bit element kinds --------*- C++ -*-===//
//
// FLOAT8E4M3FN, FLOAT8E4M3FNUZ, FLOAT8E5M2, FLOAT8E5M2FNUZ, FLOAT8E8M0,
// FLOAT4E2M1, INT4, UINT4, INT2 and UINT2. The LLVM backend cannot compute
// on f8/f4 types, so the compiled code keeps these tensors as i8: the 8-bit
// floats as their bit patterns, FLOAT4E2M1 as its 4-bit code in the low
// nibble, and the narrow integers one per byte, sign- or zero-extended
// (ONNX packs 2 or 4 of them per byte; HostTensor unpacks them). Casts
// decode and encode the bit patterns with integer arithmetic.
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

bool mlir::sieve::onnx_import::isLowPrecisionKind(ElementKind kind) {
  return isLowPrecisionFloatKind(kind) || isLowPrecisionIntKind(kind);
}

FailureOr<CastMode> mlir::sieve::onnx_import::readCastMode(NodeContext &ctx) {
  CastMode mode;
  mode.saturate = ctx.attrInt("saturate", 1) != 0;
  std::string rounding = ctx.attrString("round_mode", "up");
  if (rounding == "up")
    mode.rounding = E8M0Rounding::Up;
  else if (rounding == "down")
    mode.rounding = E8M0Rounding::Down;
  else if (rounding == "nearest")
    mode.rounding = E8M0Rounding::Nearest;
  else
    return ctx.emitError() << "round_mode '" << rounding
                           << "' is not supported (up, down or nearest)";
  return mode;
}

LogicalResult
mlir::sieve::onnx_import::checkLowPrecisionOperands(NodeContext &ctx) {
  // Ops that only move elements work on the i8 storage unchanged.
  static const llvm::StringRef movers[] = {
      "Cast",    "CastLike",  "Identity",  "Shape",  "Reshape", "Flatten",
      "Squeeze", "Unsqueeze", "Transpose", "Concat", "Gather"};
  // Ops that decode or encode the kinds themselves.
  static const llvm::StringRef coders[] = {"DequantizeLinear",
                                           "QuantizeLinear"};
  if (llvm::is_contained(movers, ctx.opType()) ||
      llvm::is_contained(coders, ctx.opType()))
    return success();
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i) || !isLowPrecisionKind(ctx.inputKind(i)))
      continue;
    return ctx.emitError() << "input #" << i << " has element type "
                           << stringifyElementKind(ctx.inputKind(i))
                           << ", which only Cast, CastLike, QuantizeLinear, "
                              "DequantizeLinear and ops that move data "
                              "support";
  }
  return success();
}

namespace {

/// Scalar arithmetic on one integer type, for bit manipulation.
struct Bits {
  OpBuilder &b;
  Location loc;
  Type type;

  Value c(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
  }
  Value lift(Value v) { return v; }
  Value lift(int64_t v) { return c(v); }

  template <typename X, typename Y> Value add(X x, Y y) {
    return arith::AddIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value sub(X x, Y y) {
    return arith::SubIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value andi(X x, Y y) {
    return arith::AndIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value ori(X x, Y y) {
    return arith::OrIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value xori(X x, Y y) {
    return arith::XOrIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value shl(X x, Y y) {
    return arith::ShLIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value shr(X x, Y y) {
    return arith::ShRUIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value maxs(X x, Y y) {
    return arith::MaxSIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y> Value mins(X x, Y y) {
    return arith::MinSIOp::create(b, loc, lift(x), lift(y));
  }
  template <typename X, typename Y>
  Value cmp(arith::CmpIPredicate p, X x, Y y) {
    return arith::CmpIOp::create(b, loc, p, lift(x), lift(y));
  }
  template <typename X, typename Y> Value eq(X x, Y y) {
    return cmp(arith::CmpIPredicate::eq, x, y);
  }
  template <typename X, typename Y> Value ugt(X x, Y y) {
    return cmp(arith::CmpIPredicate::ugt, x, y);
  }
  template <typename X, typename Y> Value select(Value cond, X x, Y y) {
    return arith::SelectOp::create(b, loc, cond, lift(x), lift(y));
  }
  Value orb(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value andb(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value fromBool(Value flag) {
    return arith::ExtUIOp::create(b, loc, type, flag);
  }
};

/// How NaN and infinity are encoded.
enum class Specials {
  IEEE,       // All-ones exponent: infinity (mantissa 0) or NaN (E5M2).
  AllOnesNaN, // S.1111.111 is NaN, no infinity (E4M3FN).
  NegZeroNaN, // 0x80 is the only NaN, no infinity or -0 (FNUZ).
  None,       // Finite values only (E2M1).
};

/// A small binary float format with a sign bit.
struct MiniFloat {
  unsigned expBits, manBits;
  int64_t bias;
  Specials specials;
  /// The largest finite magnitude, as a code without the sign bit.
  int64_t maxCode;

  unsigned signShift() const { return expBits + manBits; }
};

MiniFloat miniFloatFormat(ElementKind kind) {
  switch (kind) {
  case ElementKind::Float8E4M3FN:
    return {4, 3, 7, Specials::AllOnesNaN, 0x7E};
  case ElementKind::Float8E4M3FNUZ:
    return {4, 3, 8, Specials::NegZeroNaN, 0x7F};
  case ElementKind::Float8E5M2:
    return {5, 2, 15, Specials::IEEE, 0x7B};
  case ElementKind::Float8E5M2FNUZ:
    return {5, 2, 16, Specials::NegZeroNaN, 0x7F};
  default:
    assert(kind == ElementKind::Float4E2M1 && "not a mini float");
    return {2, 1, 1, Specials::None, 0x7};
  }
}

constexpr int64_t kF32QuietNaN = 0x7FC00000;
constexpr int64_t kF32Infinity = 0x7F800000;

/// The f32 value of a mini float code (exact).
Value decodeMiniFloat(OpBuilder &b, Location loc, Value code,
                      const MiniFloat &f) {
  Type f32 = b.getF32Type();
  Bits i{b, loc, b.getI32Type()};
  Value x = i.andi(arith::ExtUIOp::create(b, loc, i.type, code),
                   (int64_t(1) << (f.signShift() + 1)) - 1);
  Value exp = i.andi(i.shr(x, f.manBits), (int64_t(1) << f.expBits) - 1);
  Value man = i.andi(x, (int64_t(1) << f.manBits) - 1);
  Value normal =
      i.ori(i.shl(i.add(exp, 127 - f.bias), 23), i.shl(man, 23 - f.manBits));
  // Subnormals: man * 2^(1 - bias - manBits), exact in f32.
  Value scale = arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(std::ldexp(1.0f, int(1 - f.bias - f.manBits))));
  Value subnormal = arith::BitcastOp::create(
      b, loc, i.type,
      arith::MulFOp::create(b, loc, arith::UIToFPOp::create(b, loc, f32, man),
                            scale));
  Value magnitude = i.select(i.eq(exp, 0), subnormal, normal);
  int64_t expOnes = (int64_t(1) << f.expBits) - 1;
  if (f.specials == Specials::IEEE)
    magnitude =
        i.select(i.eq(exp, expOnes),
                 i.select(i.eq(man, 0), kF32Infinity, kF32QuietNaN), magnitude);
  int64_t magMask = (int64_t(1) << f.signShift()) - 1;
  if (f.specials == Specials::AllOnesNaN)
    magnitude =
        i.select(i.eq(i.andi(x, magMask), magMask), kF32QuietNaN, magnitude);
  Value bits = i.ori(magnitude, i.shl(i.shr(x, f.signShift()), 31));
  if (f.specials == Specials::NegZeroNaN)
    bits = i.select(i.eq(x, int64_t(1) << f.signShift()), kF32QuietNaN, bits);
  return arith::BitcastOp::create(b, loc, f32, bits);
}

/// The f32 value of a FLOAT8E8M0 code: 2^(code - 127), 0xFF is NaN.
Value decodeE8M0(OpBuilder &b, Location loc, Value code) {
  Bits i{b, loc, b.getI32Type()};
  Value x = arith::ExtUIOp::create(b, loc, i.type, code);
  Value bits = i.shl(x, 23);
  bits = i.select(i.eq(x, 0), 0x00400000, bits); // 2^-127, an f32 subnormal.
  bits = i.select(i.eq(x, 0xFF), kF32QuietNaN, bits);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
}

/// The fields of an IEEE binary float (f32 or f64) as integers.
struct SourceFloat {
  Bits i;
  unsigned width, manBits;
  int64_t bias, infBits;
  Value sign, abs, isNaN, isInf;
};

SourceFloat splitFloat(OpBuilder &b, Location loc, Value x) {
  auto type = cast<FloatType>(x.getType());
  unsigned width = type.getWidth();
  unsigned manBits = type.getFPMantissaWidth() - 1;
  unsigned expBits = width - 1 - manBits;
  SourceFloat s{Bits{b, loc, b.getIntegerType(width)}, width, manBits,
                (int64_t(1) << (expBits - 1)) - 1,
                ((int64_t(1) << expBits) - 1) << manBits};
  Value u = arith::BitcastOp::create(b, loc, s.i.type, x);
  s.sign = s.i.shr(u, width - 1);
  s.abs = s.i.andi(u, static_cast<int64_t>((uint64_t(1) << (width - 1)) -
                                           1)); // Drop the sign.
  s.isNaN = s.i.ugt(s.abs, s.infBits);
  s.isInf = s.i.eq(s.abs, s.infBits);
  return s;
}

/// Rounds an f32 or f64 to the nearest mini float code (ties to even), with
/// ONNX's handling of overflow, infinity and NaN.
Value encodeMiniFloat(OpBuilder &b, Location loc, Value x, const MiniFloat &f,
                      bool saturate) {
  SourceFloat s = splitFloat(b, loc, x);
  Bits &i = s.i;
  int64_t hidden = int64_t(1) << s.manBits;
  Value srcExp = i.shr(s.abs, s.manBits);
  Value srcMan = i.andi(s.abs, hidden - 1);
  Value full = i.select(i.eq(srcExp, 0), srcMan, i.ori(srcMan, hidden));
  // The target's biased exponent if the value is normal there; below 1, the
  // value is a target subnormal and loses that many more mantissa bits.
  Value exp = i.add(i.maxs(srcExp, 1), f.bias - s.bias);
  Value extra = i.maxs(i.sub(1, exp), 0);
  Value shift = i.mins(i.add(extra, int64_t(s.manBits - f.manBits)),
                       int64_t(s.manBits + 2));
  Value q = i.shr(full, shift);
  Value rem = i.andi(full, i.sub(i.shl(1, shift), 1));
  Value half = i.shl(1, i.sub(shift, 1));
  Value odd = i.eq(i.andi(q, 1), 1);
  Value roundUp = i.orb(i.ugt(rem, half), i.andb(i.eq(rem, half), odd));
  q = i.add(q, i.fromBool(roundUp));
  // A carry out of the mantissa bumps the exponent field, as it should.
  Value magnitude = i.add(i.shl(i.sub(i.maxs(exp, 1), 1), f.manBits), q);

  Value overflow = i.orb(s.isInf, i.ugt(magnitude, f.maxCode));
  bool nanOnOverflow =
      !saturate && f.specials != Specials::IEEE && f.specials != Specials::None;
  int64_t overflowCode = f.maxCode;
  if (!saturate && f.specials == Specials::IEEE)
    overflowCode = f.maxCode + 1;                      // Infinity.
  int64_t nanCode = (int64_t(1) << f.signShift()) - 1; // S.1111.111
  if (f.specials == Specials::IEEE)                    // Quiet NaN: S.11111.10
    nanCode = (f.maxCode + 1) | (int64_t(1) << (f.manBits - 1));
  if (nanOnOverflow)
    overflowCode = nanCode;
  magnitude = i.select(overflow, overflowCode, magnitude);
  magnitude = i.select(s.isNaN, nanCode, magnitude);
  Value signBit = i.shl(s.sign, f.signShift());
  Value code = i.ori(magnitude, signBit);
  if (f.specials == Specials::NegZeroNaN) {
    // One NaN (0x80) and no negative zero.
    Value isNaN = s.isNaN;
    if (nanOnOverflow)
      isNaN = i.orb(isNaN, overflow);
    code = i.select(i.eq(magnitude, 0), 0, code);
    code = i.select(isNaN, int64_t(1) << f.signShift(), code);
  } else if (f.specials == Specials::None) {
    // E2M1 has no NaN. Like ONNX's reference implementation (ml_dtypes),
    // NaN becomes the zero of the opposite sign.
    code =
        i.select(s.isNaN, i.xori(signBit, int64_t(1) << f.signShift()), code);
  }
  return arith::TruncIOp::create(b, loc, b.getI8Type(), code);
}

/// Rounds the magnitude of an f32 or f64 to a power of two, FLOAT8E8M0.
Value encodeE8M0(OpBuilder &b, Location loc, Value x, const CastMode &mode) {
  SourceFloat s = splitFloat(b, loc, x);
  Bits &i = s.i;
  // Scale subnormals into the normal range (exactly) to read an exponent.
  Value absFloat = arith::BitcastOp::create(b, loc, x.getType(), s.abs);
  Value scaled = arith::BitcastOp::create(
      b, loc, i.type,
      arith::MulFOp::create(
          b, loc, absFloat,
          arith::ConstantOp::create(
              b, loc, b.getFloatAttr(x.getType(), std::ldexp(1.0, 64)))));
  Value isSubnormal = i.eq(i.shr(s.abs, s.manBits), 0);
  Value y = i.select(isSubnormal, scaled, s.abs);
  Value exp = i.sub(i.shr(y, s.manBits), i.select(isSubnormal, 64, 0));
  Value man = i.andi(y, (int64_t(1) << s.manBits) - 1);
  Value increment = i.c(0);
  if (mode.rounding == E8M0Rounding::Up)
    increment = i.fromBool(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, man, i.c(0)));
  else if (mode.rounding == E8M0Rounding::Nearest)
    increment = i.andi(i.shr(man, s.manBits - 1), 1); // Ties round up.
  Value code = i.add(i.sub(exp, s.bias - 127), increment);
  Value tooLarge = i.cmp(arith::CmpIPredicate::sgt, code, 254);
  Value tooSmall = i.cmp(arith::CmpIPredicate::slt, code, 0);
  if (mode.rounding == E8M0Rounding::Up) {
    // Rounding up does not underflow: tiny values become 2^-127.
    code = i.maxs(code, 0);
    tooSmall = i.eq(s.abs, 0);
  }
  if (mode.saturate) {
    code = i.select(i.orb(tooLarge, s.isInf), 254, code);
    code = i.select(tooSmall, 0, code);
  } else {
    code = i.select(i.orb(i.orb(tooLarge, tooSmall), s.isInf), 0xFF, code);
  }
  code = i.select(s.isNaN, 0xFF, code);
  return arith::TruncIOp::create(b, loc, b.getI8Type(), code);
}

/// Wraps an i8 into the range of a narrow integer kind (discarding the high
/// bits, two's complement for the signed kinds).
Value wrapLowInt(OpBuilder &b, Location loc, Value v, ElementKind kind) {
  Bits i{b, loc, b.getI8Type()};
  int64_t bits =
      kind == ElementKind::Int4 || kind == ElementKind::UInt4 ? 4 : 2;
  if (kind == ElementKind::UInt4 || kind == ElementKind::UInt2)
    return i.andi(v, (int64_t(1) << bits) - 1);
  return arith::ShRSIOp::create(b, loc, i.shl(v, 8 - bits), i.c(8 - bits));
}

/// `value` of a standard `from` kind as f32 or f64, for encoding.
Value toEncodableFloat(OpBuilder &b, Location loc, Value value,
                       ElementKind from) {
  if (from == ElementKind::Float || from == ElementKind::Double)
    return value;
  if (isFloatKind(from))
    return arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  return convertScalar(b, loc, value, from, ElementKind::Double);
}

/// `value` of a standard `from` kind cast to a narrow integer kind.
Value toLowInt(OpBuilder &b, Location loc, Value value, ElementKind from,
               ElementKind to) {
  Value byte;
  if (isFloatKind(from)) {
    if (from != ElementKind::Float && from != ElementKind::Double)
      value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    // Through i64 so that values outside the narrow range wrap like
    // integers do (ONNX's reference casts -1.0 to UINT4 15).
    Value wide = arith::FPToSIOp::create(b, loc, b.getI64Type(), value);
    byte = arith::TruncIOp::create(b, loc, b.getI8Type(), wide);
  } else {
    byte = convertScalar(b, loc, value, from, ElementKind::Int8);
  }
  return wrapLowInt(b, loc, byte, to);
}

} // namespace

Value mlir::sieve::onnx_import::convertLowPrecision(OpBuilder &b, Location loc,
                                                    Value value,
                                                    ElementKind from,
                                                    ElementKind to,
                                                    const CastMode &mode) {
  if (from == to)
    return value;
  // Bring the source to a kind that arith computes on.
  if (from == ElementKind::Float8E8M0) {
    value = decodeE8M0(b, loc, value);
    from = ElementKind::Float;
  } else if (isLowPrecisionFloatKind(from)) {
    value = decodeMiniFloat(b, loc, value, miniFloatFormat(from));
    from = ElementKind::Float;
  } else if (isLowPrecisionIntKind(from)) {
    // Stored extended to i8.
    from = from == ElementKind::Int4 || from == ElementKind::Int2
               ? ElementKind::Int8
               : ElementKind::UInt8;
  }
  if (from == to)
    return value;
  if (to == ElementKind::Float8E8M0)
    return encodeE8M0(b, loc, toEncodableFloat(b, loc, value, from), mode);
  if (isLowPrecisionFloatKind(to))
    return encodeMiniFloat(b, loc, toEncodableFloat(b, loc, value, from),
                           miniFloatFormat(to), mode.saturate);
  if (isLowPrecisionIntKind(to))
    return toLowInt(b, loc, value, from, to);
  return convertScalar(b, loc, value, from, to);
}
