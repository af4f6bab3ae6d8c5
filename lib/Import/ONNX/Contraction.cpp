//===- Contraction.cpp - MatMul and Gemm ------------------------*- C++ -*-===//
//
// MatMul (numpy semantics: 1-D operands, batched and broadcast batch
// dimensions) and Gemm (alpha, beta, transA, transB, broadcast C) as
// linalg.matmul / linalg.batch_matmul; Einsum as a linalg.generic. Transposed
// constant weights are transposed at import, so every weight reaches codegen
// row-major [K, N].
//
//===----------------------------------------------------------------------===//

#include "NodeContext.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cstring>
#include <map>
#include <vector>

using namespace mlir;
using namespace mlir::sieve::onnx_import;

namespace {

/// A zero-filled accumulator of `type`.
Value zeros(OpBuilder &b, Location loc, RankedTensorType type,
            ValueRange dynamicDims) {
  return filledTensor(b, loc, type, dynamicDims,
                      scalarConstant(b, loc, type.getElementType(), 0.0));
}

/// linalg.matmul of 2-D `lhs` [M, K] and `rhs` [K, N] accumulating into
/// `init` (or zeros).
Value buildMatmul(OpBuilder &b, Location loc, Value lhs, Value rhs,
                  Value init = {}) {
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  auto type = RankedTensorType::get({lt.getDimSize(0), rt.getDimSize(1)},
                                    lt.getElementType());
  if (!init) {
    SmallVector<Value> dyn;
    if (type.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(b, loc, lhs, 0));
    if (type.isDynamicDim(1))
      dyn.push_back(tensor::DimOp::create(b, loc, rhs, 1));
    init = zeros(b, loc, type, dyn);
  }
  return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                  ValueRange{lhs, rhs}, ValueRange{init})
      .getResult(0);
}

/// The transpose of 2-D `value`: on the host for constants, linalg.transpose
/// otherwise.
Value transpose2D(NodeContext &ctx, size_t input) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  const GraphValue &gv = ctx.input(input);
  RankedTensorType type = gv.type;
  auto resultType = RankedTensorType::get(
      {type.getDimSize(1), type.getDimSize(0)}, type.getElementType());
  if (gv.constant && type.hasStaticShape()) {
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    // Byte-wide elements are moved as bytes: no copy through doubles (a
    // large weight would take twice its size again).
    if (std::optional<ArrayRef<char>> bytes = constantBytes(gv.constant)) {
      size_t width = type.getElementTypeBitWidth() / 8;
      std::vector<char> transposed(bytes->size());
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c)
          std::memcpy(&transposed[(c * rows + r) * width],
                      bytes->data() + (r * cols + c) * width, width);
      return arith::ConstantOp::create(
          b, loc,
          cast<TypedAttr>(makeElementsFromBytes(resultType, transposed)));
    }
    SmallVector<double> values = elementsAsDoubles(gv.constant);
    SmallVector<double> transposed(values.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        transposed[c * rows + r] = values[r * cols + c];
    ElementsAttr attr = makeElements(resultType, transposed);
    return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
  }
  return transposeTo(b, loc, ctx.operand(input), {1, 0});
}

} // namespace

FailureOr<Value> mlir::sieve::onnx_import::buildMatMul(NodeContext &ctx,
                                                       Value lhs, Value rhs) {
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  auto lt = cast<RankedTensorType>(lhs.getType());
  auto rt = cast<RankedTensorType>(rhs.getType());
  RankedTensorType lhsType = lt, rhsType = rt;
  Type et = lt.getElementType();
  if (lt.getRank() == 0 || rt.getRank() == 0)
    return ctx.emitError() << "operands must have rank >= 1";

  // Promote 1-D operands to matrices; the extra dimension is dropped at the
  // end.
  bool lhsVector = lt.getRank() == 1, rhsVector = rt.getRank() == 1;
  if (lhsVector) {
    lt = RankedTensorType::get({1, lt.getDimSize(0)}, et);
    lhs = reshapeTo(b, loc, lhs, lt);
  }
  if (rhsVector) {
    rt = RankedTensorType::get({rt.getDimSize(0), 1}, et);
    rhs = reshapeTo(b, loc, rhs, rt);
  }
  int64_t k = lt.getShape().back(), k2 = rt.getShape()[rt.getRank() - 2];
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(k2) && k != k2)
    return ctx.emitError() << "cannot multiply " << lhsType << " by " << rhsType
                           << ": reduction sizes " << k << " and " << k2
                           << " differ";
  int64_t m = lt.getShape()[lt.getRank() - 2], n = rt.getShape().back();
  ArrayRef<int64_t> lb = lt.getShape().drop_back(2);
  ArrayRef<int64_t> rb = rt.getShape().drop_back(2);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes(lb, rb);
  if (failed(batch))
    return ctx.emitError() << "batch dimensions of " << lhsType << " and "
                           << rhsType << " do not broadcast";

  Value result;
  SmallVector<int64_t> resultShape(*batch);
  resultShape.push_back(m);
  resultShape.push_back(n);
  auto resultType = RankedTensorType::get(resultShape, et);
  if (rb.empty() || llvm::all_of(rb, [](int64_t d) { return d == 1; })) {
    // [batch..., M, K] x [K, N]: fold the batch into M.
    if (!rb.empty())
      rhs = reshapeTo(b, loc, rhs, RankedTensorType::get({k2, n}, et));
    if (lb.empty()) {
      result = buildMatmul(b, loc, lhs, rhs);
    } else {
      int64_t rows = ShapedType::isDynamic(m) ? ShapedType::kDynamic : m;
      for (int64_t d : lb)
        rows = ShapedType::isDynamic(d) || ShapedType::isDynamic(rows)
                   ? ShapedType::kDynamic
                   : rows * d;
      // [batch..., m] collapse into the rows (explicit groups: with dynamic
      // sizes the grouping is ambiguous from the types alone).
      ReassociationIndices rowGroup;
      for (int64_t i = 0; i + 1 < lt.getRank(); ++i)
        rowGroup.push_back(i);
      SmallVector<ReassociationIndices> groups{rowGroup, {lt.getRank() - 1}};
      Value flat = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({rows, k}, et), lhs, groups);
      Value product = buildMatmul(b, loc, flat, rhs);
      SmallVector<int64_t> shape(lb);
      shape.push_back(m);
      shape.push_back(n);
      // The rows expand back to [batch..., m]. With more than one dynamic
      // size among them (a symbolic batch and sequence length) their sizes
      // come from the left operand, through a tensor.reshape.
      auto resultType = RankedTensorType::get(shape, et);
      if (llvm::count_if(shape, ShapedType::isDynamic) <= 1) {
        result = reshapeTo(b, loc, product, resultType);
      } else {
        SmallVector<Value> sizes;
        for (int64_t i = 0; i + 1 < lt.getRank(); ++i)
          sizes.push_back(tensor::DimOp::create(b, loc, lhs, i));
        sizes.push_back(tensor::DimOp::create(b, loc, product, 1));
        for (Value &size : sizes)
          size = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
        Value shapeTensor = tensor::FromElementsOp::create(b, loc, sizes);
        result =
            tensor::ReshapeOp::create(b, loc, resultType, product, shapeTensor);
      }
    }
  } else {
    // Broadcast both operands to the common batch shape, collapse it to one
    // dimension, and use linalg.batch_matmul.
    int64_t total = 1;
    for (int64_t d : *batch)
      total = ShapedType::isDynamic(d) || ShapedType::isDynamic(total)
                  ? ShapedType::kDynamic
                  : total * d;
    Value lhsFull;
    auto expandBatch = [&](Value v, RankedTensorType t, Value other) {
      SmallVector<int64_t> shape(*batch);
      shape.append(t.getShape().take_back(2).begin(),
                   t.getShape().take_back(2).end());
      auto type = RankedTensorType::get(shape, et);
      // A dynamic batch size may come from the other operand (both are
      // [batch..., rows, cols], aligned from the right; v's own sizes come
      // first).
      SmallVector<Value> dyn = broadcastDynamicSizes(b, loc, type, {v, other});
      Value full = broadcastTo(b, loc, v, type, dyn);
      if (!lhsFull)
        lhsFull = full;
      auto flatType = RankedTensorType::get(
          {total, t.getShape()[t.getRank() - 2], t.getShape().back()}, et);
      // The batch dimensions collapse into one (explicit groups: with
      // dynamic sizes the grouping is ambiguous from the types alone).
      int64_t nb = batch->size();
      ReassociationIndices batchGroup;
      for (int64_t i = 0; i < nb; ++i)
        batchGroup.push_back(i);
      if (nb == 0)
        return reshapeTo(b, loc, full, flatType);
      SmallVector<ReassociationIndices> groups{batchGroup, {nb}, {nb + 1}};
      return Value(
          tensor::CollapseShapeOp::create(b, loc, flatType, full, groups));
    };
    Value l3 = expandBatch(lhs, lt, rhs), r3 = expandBatch(rhs, rt, lhs);
    auto flatResult = RankedTensorType::get({total, m, n}, et);
    SmallVector<Value> dyn;
    if (flatResult.isDynamicDim(0))
      dyn.push_back(tensor::DimOp::create(b, loc, l3, 0));
    if (flatResult.isDynamicDim(1))
      dyn.push_back(tensor::DimOp::create(b, loc, l3, 1));
    if (flatResult.isDynamicDim(2))
      dyn.push_back(tensor::DimOp::create(b, loc, r3, 2));
    Value init = zeros(b, loc, flatResult, dyn);
    Value product =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{flatResult},
                                      ValueRange{l3, r3}, ValueRange{init})
            .getResult(0);
    // The batch expands back with the sizes of the broadcast left operand.
    SmallVector<OpFoldResult> sizes;
    for (auto [i, d] : llvm::enumerate(*batch))
      sizes.push_back(
          ShapedType::isDynamic(d)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, lhsFull, i).getResult())
              : OpFoldResult(b.getIndexAttr(d)));
    for (int64_t i = 1; i < 3; ++i)
      sizes.push_back(
          flatResult.isDynamicDim(i)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, product, i).getResult())
              : OpFoldResult(b.getIndexAttr(flatResult.getDimSize(i))));
    result = reshapeToSizes(b, loc, product, resultType, sizes);
  }

  // Drop the dimensions added for 1-D operands.
  SmallVector<int64_t> finalShape(*batch);
  if (!lhsVector)
    finalShape.push_back(m);
  if (!rhsVector)
    finalShape.push_back(n);
  return reshapeTo(b, loc, result, RankedTensorType::get(finalShape, et));
}

namespace {

LogicalResult importMatMul(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({})))
    return failure();
  if (ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "inputs have different element types";
  if (ctx.inputKind(0) == ElementKind::Bool)
    return ctx.emitError() << "bool inputs are not supported";
  FailureOr<Value> result = buildMatMul(ctx, ctx.operand(0), ctx.operand(1));
  if (failed(result))
    return failure();
  ctx.setOutput(0, *result, ctx.inputKind(0));
  return success();
}

LogicalResult importGemm(NodeContext &ctx) {
  if (failed(ctx.checkAttributes(
          {"alpha", "beta", "transA", "transB", "broadcast"})))
    return failure();
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  if (!isFloatKind(ctx.inputKind(0)) || ctx.inputKind(0) != ctx.inputKind(1))
    return ctx.emitError() << "inputs must be floating point of one type";
  if (ctx.inputType(0).getRank() != 2 || ctx.inputType(1).getRank() != 2)
    return ctx.emitError() << "A and B must be matrices, got "
                           << ctx.inputType(0) << " and " << ctx.inputType(1);
  double alpha = ctx.attrFloat("alpha", 1.0f);
  double beta = ctx.attrFloat("beta", 1.0f);
  Value a = ctx.attrInt("transA", 0) ? transpose2D(ctx, 0) : ctx.operand(0);
  Value w = ctx.attrInt("transB", 0) ? transpose2D(ctx, 1) : ctx.operand(1);
  auto at = cast<RankedTensorType>(a.getType());
  auto wt = cast<RankedTensorType>(w.getType());
  Type et = at.getElementType();
  int64_t k = at.getDimSize(1), k2 = wt.getDimSize(0);
  if (!ShapedType::isDynamic(k) && !ShapedType::isDynamic(k2) && k != k2)
    return ctx.emitError() << "A (" << ctx.inputType(0) << ") and B ("
                           << ctx.inputType(1)
                           << ") have different reduction sizes " << k
                           << " and " << k2;
  auto resultType =
      RankedTensorType::get({at.getDimSize(0), wt.getDimSize(1)}, et);
  SmallVector<Value> dyn;
  if (resultType.isDynamicDim(0))
    dyn.push_back(tensor::DimOp::create(b, loc, a, 0));
  if (resultType.isDynamicDim(1))
    dyn.push_back(tensor::DimOp::create(b, loc, w, 1));

  // The accumulator: beta * C broadcast to [M, N], or zeros.
  Value init;
  bool hasC = ctx.hasInput(2) && beta != 0.0;
  if (hasC) {
    RankedTensorType ct = ctx.inputType(2);
    if (ct.getElementType() != et)
      return ctx.emitError() << "C has a different element type";
    if (failed(broadcastShapes(ct.getShape(), resultType.getShape())) ||
        ct.getRank() > 2)
      return ctx.emitError()
             << "C (" << ct << ") does not broadcast to the result "
             << resultType;
    Value c = ctx.operand(2);
    if (beta != 1.0) {
      const GraphValue &cv = ctx.input(2);
      if (cv.constant) {
        SmallVector<double> values = elementsAsDoubles(cv.constant);
        for (double &v : values)
          v *= beta;
        c = arith::ConstantOp::create(
            b, loc, cast<TypedAttr>(makeElements(ct, values)));
      } else {
        c = buildElementwise(b, loc, ValueRange{c}, ct,
                             [&](OpBuilder &nb, Location nl, ValueRange args) {
                               return arith::MulFOp::create(
                                   nb, nl, args[0],
                                   scalarConstant(nb, nl, et, beta));
                             });
      }
    }
    // Tensors are values: accumulating into C does not change C.
    init = broadcastTo(b, loc, c, resultType, dyn);
  }
  if (alpha == 1.0) {
    ctx.setOutput(0, buildMatmul(b, loc, a, w, init ? init : Value()),
                  ctx.inputKind(0));
    return success();
  }
  Value product = buildMatmul(b, loc, a, w);
  SmallVector<Value> operands{product};
  if (init)
    operands.push_back(init);
  Value result = buildElementwise(
      b, loc, operands, resultType,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value scaled = arith::MulFOp::create(nb, nl, args[0],
                                             scalarConstant(nb, nl, et, alpha));
        return args.size() > 1 ? arith::AddFOp::create(nb, nl, scaled, args[1])
                               : scaled;
      });
  ctx.setOutput(0, result, ctx.inputKind(0));
  return success();
}

/// The subscripts of one Einsum operand or of the output: a letter per
/// dimension, '.' standing for each dimension of an ellipsis.
struct EinsumTerm {
  SmallVector<char> letters;
  bool ellipsis = false;
};

/// Parses "ab,bc->ac" (spaces allowed); the output is implicit when "->" is
/// missing.
FailureOr<std::pair<SmallVector<EinsumTerm>, std::optional<EinsumTerm>>>
parseEinsum(NodeContext &ctx, llvm::StringRef equation) {
  std::string eq;
  for (char c : equation)
    if (c != ' ')
      eq.push_back(c);
  llvm::StringRef text(eq);
  auto [lhs, rhs] = text.split("->");
  bool explicitOutput = text.contains("->");
  auto parseTerm = [&](llvm::StringRef term) -> FailureOr<EinsumTerm> {
    EinsumTerm t;
    for (size_t i = 0; i < term.size(); ++i) {
      if (term.substr(i).starts_with("...")) {
        if (t.ellipsis)
          return failure();
        t.ellipsis = true;
        t.letters.push_back('.');
        i += 2;
      } else if (llvm::isAlpha(term[i])) {
        t.letters.push_back(term[i]);
      } else {
        return failure();
      }
    }
    return t;
  };
  SmallVector<EinsumTerm> inputs;
  SmallVector<llvm::StringRef> parts;
  lhs.split(parts, ',');
  for (llvm::StringRef part : parts) {
    FailureOr<EinsumTerm> t = parseTerm(part);
    if (failed(t))
      return ctx.emitError() << "cannot parse equation '" << equation << "'";
    inputs.push_back(*t);
  }
  std::optional<EinsumTerm> output;
  if (explicitOutput) {
    FailureOr<EinsumTerm> t = parseTerm(rhs);
    if (failed(t))
      return ctx.emitError() << "cannot parse equation '" << equation << "'";
    output = *t;
  }
  return std::make_pair(inputs, output);
}

/// Einsum as one linalg.generic: a loop per subscript letter (ellipsis
/// dimensions included), parallel for the output's letters and reductions
/// for the rest, multiplying the operands and summing. A repeated letter in
/// an operand reads its diagonal; a size-1 dimension broadcasts.
LogicalResult importEinsum(NodeContext &ctx) {
  if (failed(ctx.checkAttributes({"equation"})))
    return failure();
  std::string equation = ctx.attrString("equation", "");
  auto parsed = parseEinsum(ctx, equation);
  if (failed(parsed))
    return failure();
  auto &[inputs, explicitOutput] = *parsed;
  if (inputs.size() != ctx.numInputs())
    return ctx.emitError() << "equation '" << equation << "' has "
                           << inputs.size() << " operands, the node "
                           << ctx.numInputs();
  ElementKind kind = ctx.inputKind(0);
  if (kind == ElementKind::Bool || isLowPrecisionKind(kind))
    return ctx.emitError() << "element type " << stringifyElementKind(kind)
                           << " is not supported";
  // Ellipsis dimensions become the letters '0', '1', ... (right-aligned).
  int64_t ellipsisRank = 0;
  for (auto [i, term] : llvm::enumerate(inputs)) {
    if (ctx.inputKind(i) != kind)
      return ctx.emitError() << "operands have different element types";
    int64_t rank = ctx.inputType(i).getRank();
    int64_t named = term.letters.size() - (term.ellipsis ? 1 : 0);
    if (term.ellipsis ? named > rank : named != rank)
      return ctx.emitError()
             << "operand " << i << " " << ctx.inputType(i)
             << " does not match its subscripts in '" << equation << "'";
    if (term.ellipsis)
      ellipsisRank = std::max(ellipsisRank, rank - named);
  }
  auto expand = [&](const EinsumTerm &term, int64_t rank) {
    SmallVector<char> letters;
    for (char c : term.letters) {
      if (c != '.') {
        letters.push_back(c);
        continue;
      }
      int64_t n = rank - (term.letters.size() - 1);
      for (int64_t j = ellipsisRank - n; j < ellipsisRank; ++j)
        letters.push_back('0' + j);
    }
    return letters;
  };
  SmallVector<SmallVector<char>> operandLetters;
  for (auto [i, term] : llvm::enumerate(inputs))
    operandLetters.push_back(expand(term, ctx.inputType(i).getRank()));
  SmallVector<char> outLetters;
  if (explicitOutput) {
    for (char c : explicitOutput->letters) {
      if (c != '.') {
        outLetters.push_back(c);
        continue;
      }
      for (int64_t j = 0; j < ellipsisRank; ++j)
        outLetters.push_back('0' + j);
    }
  } else {
    // Implicit: the ellipsis, then the letters used once, alphabetically.
    for (int64_t j = 0; j < ellipsisRank; ++j)
      outLetters.push_back('0' + j);
    std::map<char, int> counts;
    for (auto &letters : operandLetters)
      for (char c : letters)
        if (llvm::isAlpha(c))
          ++counts[c];
    for (auto [c, n] : counts)
      if (n == 1)
        outLetters.push_back(c);
  }
  // Loop order: output letters, then the reduced ones.
  SmallVector<char> loops(outLetters);
  for (auto &letters : operandLetters)
    for (char c : letters)
      if (!llvm::is_contained(loops, c))
        loops.push_back(c);
  for (char c : outLetters)
    if (llvm::count(outLetters, c) != 1 ||
        !llvm::any_of(operandLetters,
                      [&](auto &l) { return llvm::is_contained(l, c); }))
      return ctx.emitError() << "output subscript '" << c
                             << "' must appear once and in an operand";
  // Loop sizes: the largest static size (1 broadcasts), else dynamic.
  int64_t n = loops.size();
  SmallVector<int64_t> sizes(n, 1);
  SmallVector<std::pair<int64_t, int64_t>> dynamicSource(n, {-1, -1});
  for (auto [i, letters] : llvm::enumerate(operandLetters)) {
    RankedTensorType t = ctx.inputType(i);
    for (auto [d, c] : llvm::enumerate(letters)) {
      int64_t loop = llvm::find(loops, c) - loops.begin();
      int64_t size = t.getDimSize(d);
      if (ShapedType::isDynamic(size)) {
        if (dynamicSource[loop].first < 0)
          dynamicSource[loop] = {i, d};
        continue;
      }
      if (size != 1 && sizes[loop] != 1 && sizes[loop] != size)
        return ctx.emitError() << "subscript '" << c << "' has sizes "
                               << sizes[loop] << " and " << size;
      if (size != 1)
        sizes[loop] = size;
    }
  }
  for (int64_t l = 0; l < n; ++l)
    if (sizes[l] == 1 && dynamicSource[l].first >= 0)
      sizes[l] = ShapedType::kDynamic;
  OpBuilder &b = ctx.builder();
  Location loc = ctx.loc();
  MLIRContext *mctx = b.getContext();
  SmallVector<AffineMap> maps;
  SmallVector<Value> operands;
  for (auto [i, letters] : llvm::enumerate(operandLetters)) {
    RankedTensorType t = ctx.inputType(i);
    SmallVector<AffineExpr> exprs;
    for (auto [d, c] : llvm::enumerate(letters)) {
      int64_t loop = llvm::find(loops, c) - loops.begin();
      exprs.push_back(t.getDimSize(d) == 1 && sizes[loop] != 1
                          ? getAffineConstantExpr(0, mctx)
                          : getAffineDimExpr(loop, mctx));
    }
    maps.push_back(AffineMap::get(n, 0, exprs, mctx));
    operands.push_back(ctx.operand(i));
  }
  SmallVector<int64_t> outShape;
  SmallVector<Value> dyn;
  SmallVector<AffineExpr> outExprs;
  for (int64_t l = 0; l < static_cast<int64_t>(outLetters.size()); ++l) {
    outShape.push_back(sizes[l]);
    outExprs.push_back(getAffineDimExpr(l, mctx));
    if (ShapedType::isDynamic(sizes[l]))
      dyn.push_back(tensor::DimOp::create(
          b, loc, operands[dynamicSource[l].first], dynamicSource[l].second));
  }
  maps.push_back(AffineMap::get(n, 0, outExprs, mctx));
  Type et = ctx.inputType(0).getElementType();
  auto outType = RankedTensorType::get(outShape, et);
  SmallVector<utils::IteratorType> iterators(n, utils::IteratorType::reduction);
  for (size_t l = 0; l < outLetters.size(); ++l)
    iterators[l] = utils::IteratorType::parallel;
  bool isFloat = isFloatKind(kind);
  Value init = zeros(b, loc, outType, dyn);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{outType}, operands, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value product = args[0];
            for (Value v : args.drop_front().drop_back())
              product = isFloat
                            ? Value(arith::MulFOp::create(nb, nl, product, v))
                            : Value(arith::MulIOp::create(nb, nl, product, v));
            Value sum =
                isFloat
                    ? Value(arith::AddFOp::create(nb, nl, args.back(), product))
                    : Value(
                          arith::AddIOp::create(nb, nl, args.back(), product));
            linalg::YieldOp::create(nb, nl, sum);
          })
          .getResult(0);
  ctx.setOutput(0, result, kind);
  return success();
}

} // namespace

void mlir::sieve::onnx_import::registerContractionImporters(
    OpImporterTable &table) {
  table["MatMul"] = importMatMul;
  table["Gemm"] = importGemm;
  table["Einsum"] = importEinsum;
}
