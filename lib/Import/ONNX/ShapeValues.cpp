//===- ShapeValues.cpp - Shape arithmetic over dynamic dimensions -*- C++
//-*-===//
//
// Exporters compute the shapes that Reshape, Expand, ConstantOfShape and
// Slice take from Shape nodes: `Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape` (TorchScript), `Shape(start, end) -> Concat -> Reshape` (dynamo),
// with Add/Mul/Div/Equal/Where in between. With static dimensions all of it
// folds to constants. With dynamic batch or sequence dimensions the importer
// follows the same arithmetic element by element: a shape value keeps, per
// element, an index constant or an SSA `index` value (GraphValue::symbolic),
// so that its consumers know which dimensions are static and take their
// dynamic sizes from index values, not from a tensor read back at run time.
// A shape value that some other op reads as a tensor is materialized with
// tensor.from_elements (GraphImporter::materialize).
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"
#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/StringSwitch.h"

#include "onnx/onnx_pb.h"

#include <limits>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

Value mlir::sieve::onnx_import::indexValue(OpBuilder &b, Location loc,
                                           OpFoldResult ofr) {
  if (auto attr = dyn_cast<Attribute>(ofr))
    return arith::ConstantIndexOp::create(b, loc,
                                          cast<IntegerAttr>(attr).getInt());
  return cast<Value>(ofr);
}

namespace {

using Elements = SmallVector<OpFoldResult>;

enum class ShapeOp {
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Max,
  Min,
  Equal,
  Less,
  Greater,
  LessOrEqual,
  GreaterOrEqual,
  And,
  Or,
  Xor,
  Neg,
  Abs,
  Not,
  Where,
  Identity,
  Cast,
  Gather,
  Concat,
  Unsqueeze,
  Squeeze,
  Reshape,
  Slice,
  ReduceSum,
  ReduceProd,
  ReduceMax,
  ReduceMin,
  None
};

ShapeOp classify(llvm::StringRef type) {
  return llvm::StringSwitch<ShapeOp>(type)
      .Case("Add", ShapeOp::Add)
      .Case("Sub", ShapeOp::Sub)
      .Case("Mul", ShapeOp::Mul)
      .Case("Div", ShapeOp::Div)
      .Case("Mod", ShapeOp::Mod)
      .Case("Max", ShapeOp::Max)
      .Case("Min", ShapeOp::Min)
      .Case("Equal", ShapeOp::Equal)
      .Case("Less", ShapeOp::Less)
      .Case("Greater", ShapeOp::Greater)
      .Case("LessOrEqual", ShapeOp::LessOrEqual)
      .Case("GreaterOrEqual", ShapeOp::GreaterOrEqual)
      .Case("And", ShapeOp::And)
      .Case("Or", ShapeOp::Or)
      .Case("Xor", ShapeOp::Xor)
      .Case("Neg", ShapeOp::Neg)
      .Case("Abs", ShapeOp::Abs)
      .Case("Not", ShapeOp::Not)
      .Case("Where", ShapeOp::Where)
      .Case("Identity", ShapeOp::Identity)
      .Case("Cast", ShapeOp::Cast)
      .Case("Gather", ShapeOp::Gather)
      .Case("Concat", ShapeOp::Concat)
      .Case("Unsqueeze", ShapeOp::Unsqueeze)
      .Case("Squeeze", ShapeOp::Squeeze)
      .Case("Reshape", ShapeOp::Reshape)
      .Case("Slice", ShapeOp::Slice)
      .Case("ReduceSum", ShapeOp::ReduceSum)
      .Case("ReduceProd", ShapeOp::ReduceProd)
      .Case("ReduceMax", ShapeOp::ReduceMax)
      .Case("ReduceMin", ShapeOp::ReduceMin)
      .Default(ShapeOp::None);
}

bool isComparison(ShapeOp op) {
  return op == ShapeOp::Equal || op == ShapeOp::Less ||
         op == ShapeOp::Greater || op == ShapeOp::LessOrEqual ||
         op == ShapeOp::GreaterOrEqual;
}

/// Element-by-element arithmetic that folds constants and builds index
/// arithmetic for the rest. Bools are 0 and 1.
class ElementBuilder {
public:
  ElementBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  OpFoldResult constant(int64_t v) { return b.getIndexAttr(v); }
  Value value(OpFoldResult e) { return indexValue(b, loc, e); }

  /// Nullopt when the result is not representable (division by zero of
  /// constants: left to the op's importer, which computes it at run time).
  std::optional<OpFoldResult> binary(ShapeOp op, OpFoldResult x,
                                     OpFoldResult y) {
    std::optional<int64_t> cx = getConstantIntValue(x),
                           cy = getConstantIntValue(y);
    if (cx && cy) {
      std::optional<int64_t> r = fold(op, *cx, *cy);
      if (!r)
        return std::nullopt;
      return constant(*r);
    }
    // Identities that keep a dimension recognisable.
    if ((op == ShapeOp::Add && cy == 0) || (op == ShapeOp::Sub && cy == 0) ||
        ((op == ShapeOp::Mul || op == ShapeOp::Div) && cy == 1))
      return x;
    if ((op == ShapeOp::Add && cx == 0) || (op == ShapeOp::Mul && cx == 1))
      return y;
    if ((op == ShapeOp::Div || op == ShapeOp::Mod) && cy == 0)
      return std::nullopt;
    Value a = value(x), c = value(y);
    switch (op) {
    case ShapeOp::Add:
      return OpFoldResult(arith::AddIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Sub:
      return OpFoldResult(arith::SubIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Mul:
      return OpFoldResult(arith::MulIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Div:
      // ONNX integer Div truncates (as C and onnxruntime do).
      return OpFoldResult(arith::DivSIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Mod:
      // fmod=0: the result takes the divisor's sign (Python's %).
      return OpFoldResult(floorRemSI(b, loc, a, c));
    case ShapeOp::Max:
      return OpFoldResult(arith::MaxSIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Min:
      return OpFoldResult(arith::MinSIOp::create(b, loc, a, c).getResult());
    case ShapeOp::And:
      return OpFoldResult(arith::AndIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Or:
      return OpFoldResult(arith::OrIOp::create(b, loc, a, c).getResult());
    case ShapeOp::Xor:
      return OpFoldResult(arith::XOrIOp::create(b, loc, a, c).getResult());
    default:
      break;
    }
    arith::CmpIPredicate pred = arith::CmpIPredicate::eq;
    switch (op) {
    case ShapeOp::Less:
      pred = arith::CmpIPredicate::slt;
      break;
    case ShapeOp::Greater:
      pred = arith::CmpIPredicate::sgt;
      break;
    case ShapeOp::LessOrEqual:
      pred = arith::CmpIPredicate::sle;
      break;
    case ShapeOp::GreaterOrEqual:
      pred = arith::CmpIPredicate::sge;
      break;
    default:
      break;
    }
    return boolValue(arith::CmpIOp::create(b, loc, pred, a, c));
  }

  OpFoldResult unary(ShapeOp op, OpFoldResult x) {
    if (std::optional<int64_t> cx = getConstantIntValue(x)) {
      switch (op) {
      case ShapeOp::Neg:
        return constant(-*cx);
      case ShapeOp::Abs:
        return constant(*cx < 0 ? -*cx : *cx);
      default: // Not
        return constant(*cx == 0);
      }
    }
    Value a = value(x);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    switch (op) {
    case ShapeOp::Neg:
      return OpFoldResult(arith::SubIOp::create(b, loc, zero, a).getResult());
    case ShapeOp::Abs:
      return OpFoldResult(arith::MaxSIOp::create(
                              b, loc, a, arith::SubIOp::create(b, loc, zero, a))
                              .getResult());
    default:
      return boolValue(
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a, zero));
    }
  }

  OpFoldResult select(OpFoldResult cond, OpFoldResult x, OpFoldResult y) {
    if (std::optional<int64_t> c = getConstantIntValue(cond))
      return *c ? x : y;
    Value flag =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value(cond),
                              arith::ConstantIndexOp::create(b, loc, 0));
    return OpFoldResult(
        arith::SelectOp::create(b, loc, flag, value(x), value(y)).getResult());
  }

  OpFoldResult toBool(OpFoldResult x) {
    if (std::optional<int64_t> c = getConstantIntValue(x))
      return constant(*c != 0);
    return boolValue(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value(x),
                              arith::ConstantIndexOp::create(b, loc, 0)));
  }

private:
  OpFoldResult boolValue(Value flag) {
    return OpFoldResult(
        arith::IndexCastUIOp::create(b, loc, b.getIndexType(), flag)
            .getResult());
  }

  /// Folds as the int64 arithmetic it stands for (arith ops) computes at
  /// run time: two's complement, wrapping on overflow.
  static std::optional<int64_t> fold(ShapeOp op, int64_t x, int64_t y) {
    auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    switch (op) {
    case ShapeOp::Add:
      return wrap(uint64_t(x) + uint64_t(y));
    case ShapeOp::Sub:
      return wrap(uint64_t(x) - uint64_t(y));
    case ShapeOp::Mul:
      return wrap(uint64_t(x) * uint64_t(y));
    case ShapeOp::Div:
      if (y == 0)
        return std::nullopt;
      return x == kMin && y == -1 ? kMin : x / y;
    case ShapeOp::Mod: {
      if (y == 0)
        return std::nullopt;
      if (y == -1)
        return 0;
      int64_t r = x % y;
      return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
    }
    case ShapeOp::Max:
      return std::max(x, y);
    case ShapeOp::Min:
      return std::min(x, y);
    case ShapeOp::Equal:
      return x == y;
    case ShapeOp::Less:
      return x < y;
    case ShapeOp::Greater:
      return x > y;
    case ShapeOp::LessOrEqual:
      return x <= y;
    case ShapeOp::GreaterOrEqual:
      return x >= y;
    case ShapeOp::And:
      return (x != 0) && (y != 0);
    case ShapeOp::Or:
      return (x != 0) || (y != 0);
    case ShapeOp::Xor:
      return (x != 0) != (y != 0);
    default:
      return std::nullopt;
    }
  }

  OpBuilder &b;
  Location loc;
};

bool isIntegerOrBoolKind(ElementKind kind) {
  return kind == ElementKind::Bool || isSignedIntKind(kind) ||
         isUnsignedIntKind(kind);
}

/// The shape of the numpy broadcast of rank-0/1 operands, or nullopt.
std::optional<SmallVector<int64_t>>
broadcastSmall(ArrayRef<RankedTensorType> types) {
  int64_t rank = 0, size = 1;
  for (RankedTensorType t : types) {
    rank = std::max<int64_t>(rank, t.getRank());
    int64_t n = t.getRank() == 0 ? 1 : t.getDimSize(0);
    if (n == 1)
      continue;
    if (size != 1 && size != n)
      return std::nullopt;
    size = n;
  }
  if (rank == 0)
    return SmallVector<int64_t>{};
  return SmallVector<int64_t>{size};
}

OpFoldResult elementAt(ArrayRef<OpFoldResult> elements, int64_t i) {
  return elements.size() == 1 ? elements[0] : elements[i];
}

} // namespace

FailureOr<bool>
mlir::sieve::onnx_import::importSymbolicShapeOp(NodeContext &ctx) {
  ShapeOp op = classify(ctx.opType());
  if (op == ShapeOp::None || ctx.numOutputs() < 1)
    return false;
  // At least one input is a symbolic shape value, or every input is a
  // constant (a comparison, Where or Gather of constant shape values, as in
  // `Where(Equal(shape, -1), ones, shape)` once the shape is known, which
  // the ops' own importers would compute as tensors); every input that the
  // arithmetic reads is a small integer tensor known element by element.
  bool anySymbolic = false, allConstant = true;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    anySymbolic |= ctx.input(i).isSymbolic();
    allConstant &= static_cast<bool>(ctx.input(i).constant);
  }
  if (!anySymbolic && !allConstant)
    return false;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    if (ctx.hasInput(i) && (!isIntegerOrBoolKind(ctx.inputKind(i)) ||
                            ctx.inputType(i).getRank() > 1))
      return false;

  // Every present input must be known element by element (one computed by
  // a tensor op is not); otherwise the op's own importer runs. `all(i)`
  // points at input i's elements (null for an omitted one), which live
  // until the end of this function.
  SmallVector<std::optional<Elements>> inputs(ctx.numInputs());
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    inputs[i] = ctx.symbolicInts(i);
    if (!inputs[i])
      return false;
  }
  auto all = [&](size_t i) -> const Elements * {
    return i < inputs.size() && inputs[i] ? &*inputs[i] : nullptr;
  };
  ElementBuilder eb(ctx.builder(), ctx.loc());
  ElementKind kind = ctx.inputKind(0);
  RankedTensorType type0 = ctx.inputType(0);

  switch (op) {
  case ShapeOp::Identity: {
    ctx.setSymbolicOutput(0, type0.getShape(), *all(0), kind);
    return true;
  }
  case ShapeOp::Cast: {
    auto to = static_cast<ElementKind>(ctx.attrInt("to", 0));
    if (!isIntegerOrBoolKind(to) || !getElementType(ctx.getContext(), to))
      return false; // A float shape value: the Cast importer converts it.
    Elements out;
    for (OpFoldResult e : *all(0))
      out.push_back(to == ElementKind::Bool ? eb.toBool(e) : e);
    ctx.setSymbolicOutput(0, type0.getShape(), out, to);
    return true;
  }
  case ShapeOp::Neg:
  case ShapeOp::Abs:
  case ShapeOp::Not: {
    Elements out;
    for (OpFoldResult e : *all(0))
      out.push_back(eb.unary(op, e));
    ctx.setSymbolicOutput(0, type0.getShape(), out, kind);
    return true;
  }
  case ShapeOp::Where: {
    if (ctx.inputKind(1) != ctx.inputKind(2))
      return false;
    std::optional<SmallVector<int64_t>> shape =
        broadcastSmall({ctx.inputType(0), ctx.inputType(1), ctx.inputType(2)});
    auto c = all(0), x = all(1), y = all(2);
    if (!shape || !c || !x || !y)
      return false;
    int64_t n = shape->empty() ? 1 : (*shape)[0];
    Elements out;
    for (int64_t i = 0; i < n; ++i)
      out.push_back(
          eb.select(elementAt(*c, i), elementAt(*x, i), elementAt(*y, i)));
    ctx.setSymbolicOutput(0, *shape, out, ctx.inputKind(1));
    return true;
  }
  case ShapeOp::Gather: {
    if (type0.getRank() != 1)
      return false;
    int64_t axis = ctx.attrInt("axis", 0);
    if (axis != 0 && axis != -1)
      return false;
    std::optional<SmallVector<int64_t>> indices = ctx.constantInts(1);
    if (!indices)
      return false;
    Elements data = *all(0), out;
    int64_t n = data.size();
    for (int64_t i : *indices) {
      if (i < -n || i >= n)
        return ctx.emitError()
               << "index " << i << " is out of range for a shape of " << n
               << " dimensions";
      out.push_back(data[i < 0 ? i + n : i]);
    }
    ctx.setSymbolicOutput(0, ctx.inputType(1).getShape(), out, kind);
    return true;
  }
  case ShapeOp::Concat: {
    Elements out;
    for (size_t i = 0; i < ctx.numInputs(); ++i) {
      if (ctx.inputType(i).getRank() != 1 || ctx.inputKind(i) != kind)
        return false;
      auto e = all(i);
      if (!e)
        return false;
      out.append(*e);
    }
    ctx.setSymbolicOutput(0, {(int64_t)out.size()}, out, kind);
    return true;
  }
  case ShapeOp::Unsqueeze:
  case ShapeOp::Squeeze:
  case ShapeOp::Reshape: {
    // Only between rank 0 and rank 1 (one element) or rank 1 to rank 1:
    // larger ranks are not shape values.
    Elements data = *all(0);
    int64_t n = data.size();
    SmallVector<int64_t> shape;
    if (op == ShapeOp::Unsqueeze) {
      if (type0.getRank() != 0)
        return false;
      shape = {1};
    } else if (op == ShapeOp::Squeeze) {
      if (type0.getRank() != 1 || n != 1)
        return false;
    } else {
      if (ctx.opset() < 5)
        return false;
      std::optional<SmallVector<int64_t>> target = ctx.constantInts(1);
      if (!target || target->size() > 1)
        return false;
      if (target->empty()) {
        if (n != 1)
          return false;
      } else {
        int64_t t = (*target)[0];
        if (t != -1 && t != n && !(t == 0 && type0.getRank() == 1))
          return false;
        shape = {n};
      }
    }
    ctx.setSymbolicOutput(0, shape, data, kind);
    return true;
  }
  case ShapeOp::Slice: {
    if (type0.getRank() != 1)
      return false;
    SmallVector<int64_t> starts, ends, axes, steps;
    if (ctx.opset() < 10) {
      auto s = ctx.attrInts("starts"), e = ctx.attrInts("ends");
      if (!s || !e)
        return false;
      starts = *s;
      ends = *e;
      if (auto a = ctx.attrInts("axes"))
        axes = *a;
    } else {
      auto s = ctx.constantInts(1), e = ctx.constantInts(2);
      if (!s || !e)
        return false;
      starts = *s;
      ends = *e;
      if (ctx.hasInput(3)) {
        auto a = ctx.constantInts(3);
        if (!a)
          return false;
        axes = *a;
      }
      if (ctx.hasInput(4)) {
        auto st = ctx.constantInts(4);
        if (!st)
          return false;
        steps = *st;
      }
    }
    if (starts.size() != 1 || ends.size() != 1 || axes.size() > 1 ||
        steps.size() > 1 || (!axes.empty() && axes[0] != 0 && axes[0] != -1))
      return false;
    int64_t step = steps.empty() ? 1 : steps[0];
    if (step == 0)
      return false;
    Elements data = *all(0), out;
    int64_t n = data.size(), start = starts[0], end = ends[0];
    if (start < 0)
      start += n;
    if (end < 0)
      end += n;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, n);
      end = std::clamp<int64_t>(end, 0, n);
      for (int64_t i = start; i < end; i += step)
        out.push_back(data[i]);
    } else {
      start = std::clamp<int64_t>(start, 0, n - 1);
      end = std::clamp<int64_t>(end, -1, n - 1);
      for (int64_t i = start; i > end; i += step)
        out.push_back(data[i]);
    }
    if (out.empty())
      return false;
    ctx.setSymbolicOutput(0, {(int64_t)out.size()}, out, kind);
    return true;
  }
  case ShapeOp::ReduceSum:
  case ShapeOp::ReduceProd:
  case ShapeOp::ReduceMax:
  case ShapeOp::ReduceMin: {
    if (type0.getRank() != 1)
      return false;
    FailureOr<SmallVector<int64_t>> axes =
        ctx.axesOperand(1, op == ShapeOp::ReduceSum ? 13 : 18);
    if (failed(axes))
      return failure();
    bool keepDims = ctx.attrInt("keepdims", 1) != 0;
    Elements data = *all(0);
    if (axes->empty() && ctx.attrInt("noop_with_empty_axes", 0)) {
      ctx.setSymbolicOutput(0, type0.getShape(), data, kind);
      return true;
    }
    if (axes->size() > 1 ||
        (axes->size() == 1 && (*axes)[0] != 0 && (*axes)[0] != -1))
      return false;
    ShapeOp combine = op == ShapeOp::ReduceSum    ? ShapeOp::Add
                      : op == ShapeOp::ReduceProd ? ShapeOp::Mul
                      : op == ShapeOp::ReduceMax  ? ShapeOp::Max
                                                  : ShapeOp::Min;
    if (data.empty())
      return false;
    OpFoldResult acc = data[0];
    for (size_t i = 1; i < data.size(); ++i)
      acc = *eb.binary(combine, acc, data[i]);
    SmallVector<int64_t> shape;
    if (keepDims)
      shape = {1};
    ctx.setSymbolicOutput(0, shape, {acc}, kind);
    return true;
  }
  default:
    break;
  }

  // Binary (and variadic Max/Min) elementwise ops with broadcasting.
  // (Mod with fmod=1, C's remainder, is left to the Mod importer.)
  if ((ctx.opset() < 7 && ctx.attrInt("broadcast", 0)) ||
      (op == ShapeOp::Mod && ctx.attrInt("fmod", 0)))
    return false;
  SmallVector<RankedTensorType> types;
  SmallVector<Elements> operands;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (ctx.inputKind(i) != kind)
      return false;
    auto e = all(i);
    if (!e)
      return false;
    types.push_back(ctx.inputType(i));
    operands.push_back(*e);
  }
  if (operands.size() < 2 ||
      (operands.size() > 2 && op != ShapeOp::Max && op != ShapeOp::Min))
    return false;
  std::optional<SmallVector<int64_t>> shape = broadcastSmall(types);
  if (!shape)
    return false;
  int64_t n = shape->empty() ? 1 : (*shape)[0];
  Elements out;
  for (int64_t i = 0; i < n; ++i) {
    OpFoldResult acc = elementAt(operands[0], i);
    for (size_t k = 1; k < operands.size(); ++k) {
      std::optional<OpFoldResult> r =
          eb.binary(op, acc, elementAt(operands[k], i));
      if (!r)
        return false;
      acc = *r;
    }
    out.push_back(acc);
  }
  ElementKind resultKind = isComparison(op) ? ElementKind::Bool : kind;
  ctx.setSymbolicOutput(0, *shape, out, resultKind);
  return true;
}
