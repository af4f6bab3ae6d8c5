//===- Int8Matmul.cpp - 8-bit matmuls as dot-product kernels ----*- C++ -*-===//
//
// MatMulInteger and QLinearMatMul import as a linalg.matmul of int32
// operands, each an 8-bit tensor widened (and shifted by its zero point) by a
// linalg.generic. On a CPU with an 8-bit dot-product instruction (x86's VNNI
// `vpdpbusd`, AArch64's `usdot`: four unsigned bytes times four signed bytes
// summed into each 32-bit lane) and a constant second operand, such a matmul
// becomes a kernel that reads the 8-bit values themselves:
//
//   C[m, n] = sum_k (ext(a[m, k]) - z[m]) * b[k, n]
//           = sum_k u[m, k] * b[k, n] - (o + z[m]) * colsum(b)[n]
//
// where u = a as unsigned bytes (o = 0) or, for a signed a, a + 128 (o = 128;
// the kernel flips each byte's top bit), b the constant weight minus its zero
// point (folded here, per tensor or per column), every difference within a
// signed byte. The kernel (DotKernel.h) packs the weight at compile time
// and accumulates register tiles of rows x two panels; QDQ convolutions
// (Int8Conv.cpp) run on the same kernel.
//
//===----------------------------------------------------------------------===//

#include "DotKernel.h"

#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <cstring>
#include <optional>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEINT8MATMULS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// An 8-bit tensor widened to int32 minus a zero point, as the importer
/// writes a quantized matmul's first operand: a linalg.generic yielding
/// ext(t) or ext(t) - ext(zp) for an 8-bit t (an input's element, or a
/// value the body computes: sieve-prepare-linalg fuses the QuantizeLinear
/// that produces the bytes into the widening), read directly or through a
/// collapse_shape (a batched operand as rows).
struct WidenedRows {
  linalg::GenericOp generic;
  /// The 8-bit value in the generic's body.
  Value byte;
  /// Whether ext is extsi (else extui).
  bool isSigned = false;
  /// The zero point: an input of the generic (its tensor and indexing
  /// map: for row m, the map's results with d0 = m, which must otherwise
  /// be constants), a constant, or neither (none).
  Value zeroPoint;
  AffineMap zeroPointMap;
  std::optional<int64_t> constantZeroPoint;
  /// The collapse_shape and then cast between the generic and the
  /// matmul, or null.
  tensor::CollapseShapeOp collapse;
  tensor::CastOp cast;

  /// The 8-bit tensor in the shape the matmul reads: the generic's input
  /// when `byte` is its element (identity map), else a copy of the
  /// generic that yields `byte` (at the builder's insertion point), then
  /// collapsed as the matmul's operand.
  Value materializeBytes(OpBuilder &b) {
    Value bytes = sieve::bytesOf(b, generic, byte);
    if (collapse) {
      auto type = RankedTensorType::get(collapse.getResultType().getShape(),
                                        b.getI8Type());
      bytes =
          tensor::CollapseShapeOp::create(b, collapse.getLoc(), type, bytes,
                                          collapse.getReassociationIndices());
    }
    if (cast)
      bytes = tensor::CastOp::create(
          b, cast.getLoc(),
          RankedTensorType::get(cast.getType().getShape(), b.getI8Type()),
          bytes);
    return bytes;
  }
};

/// The operand of `v` if it is an extsi (true) or extui (false) of an
/// 8-bit value.
std::optional<std::pair<Value, bool>> extOf(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtSIOp>();
      ext && ext.getIn().getType().isInteger(8))
    return std::make_pair(ext.getIn(), true);
  if (auto ext = v.getDefiningOp<arith::ExtUIOp>();
      ext && ext.getIn().getType().isInteger(8))
    return std::make_pair(ext.getIn(), false);
  return std::nullopt;
}

/// The elementwise generic (i32 result, identity output map, no use of
/// the output's value) matched as WidenedRows without the collapse.
std::optional<WidenedRows> matchWidening(linalg::GenericOp generic) {
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  auto outType = dyn_cast<RankedTensorType>(generic->getResult(0).getType());
  Block &body = generic.getRegion().front();
  if (!outType || !outType.getElementType().isInteger(32) ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity() ||
      !body.getArguments().back().use_empty())
    return std::nullopt;
  Value result = cast<linalg::YieldOp>(body.getTerminator()).getValues()[0];
  WidenedRows w;
  w.generic = generic;
  Value zp;
  if (auto sub = result.getDefiningOp<arith::SubIOp>()) {
    result = sub.getLhs();
    zp = sub.getRhs();
  }
  std::optional<std::pair<Value, bool>> ext = extOf(result);
  if (!ext)
    return std::nullopt;
  std::tie(w.byte, w.isSigned) = *ext;
  if (!zp)
    return w;
  // A constant zero point, widened by the canonicalizer already.
  APInt folded;
  if (matchPattern(zp, m_ConstantInt(&folded))) {
    w.constantZeroPoint = folded.getSExtValue();
    return w;
  }
  std::optional<std::pair<Value, bool>> zpExt = extOf(zp);
  if (!zpExt || zpExt->second != w.isSigned)
    return std::nullopt;
  Value z = zpExt->first;
  APInt value;
  if (matchPattern(z, m_ConstantInt(&value))) {
    w.constantZeroPoint =
        w.isSigned ? value.getSExtValue() : int64_t(value.getZExtValue());
    return w;
  }
  auto arg = dyn_cast<BlockArgument>(z);
  if (!arg || arg.getOwner() != &body ||
      arg.getArgNumber() >= generic.getNumDpsInputs())
    return std::nullopt;
  OpOperand *operand = generic.getDpsInputOperand(arg.getArgNumber());
  w.zeroPoint = operand->get();
  w.zeroPointMap = generic.getMatchingIndexingMap(operand);
  return w;
}

/// A matmul's first operand as WidenedRows: the widening generic, or a
/// collapse_shape of one (then only a zero point whose indices do not
/// depend on the row), either possibly through a tensor.cast.
std::optional<WidenedRows> matchRows(Value lhs) {
  auto cast = lhs.getDefiningOp<tensor::CastOp>();
  Value collapsed = cast ? cast.getSource() : lhs;
  auto collapse = collapsed.getDefiningOp<tensor::CollapseShapeOp>();
  Value widened = collapse ? collapse.getSrc() : collapsed;
  std::optional<WidenedRows> w =
      matchWidening(widened.getDefiningOp<linalg::GenericOp>());
  if (!w)
    return std::nullopt;
  w->collapse = collapse;
  w->cast = cast;
  if (w->zeroPoint) {
    for (AffineExpr e : w->zeroPointMap.getResults()) {
      if (isa<AffineConstantExpr>(e))
        continue;
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (collapse || !dim || dim.getPosition() != 0)
        return std::nullopt;
    }
  }
  return w;
}

/// The values of a constant i8 tensor, or nothing.
std::optional<SmallVector<int8_t>> constantBytes(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  auto type = cst ? dyn_cast<RankedTensorType>(cst.getType()) : nullptr;
  if (!type || !type.hasStaticShape() || !type.getElementType().isInteger(8))
    return std::nullopt;
  SmallVector<int8_t> values(type.getNumElements());
  if (auto dense = dyn_cast<DenseIntElementsAttr>(cst.getValue())) {
    int64_t i = 0;
    for (const APInt &v : dense.getValues<APInt>())
      values[i++] = static_cast<int8_t>(v.getSExtValue());
    if (dense.isSplat())
      std::fill(values.begin(), values.end(), values.front());
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    ArrayRef<char> data = resource.getData();
    if (int64_t(data.size()) != type.getNumElements())
      return std::nullopt;
    std::memcpy(values.data(), data.data(), data.size());
    return values;
  }
  return std::nullopt;
}

/// The matmul's second operand [K, N] minus its zero point as signed
/// bytes: a constant 8-bit tensor widened by a generic, with no zero
/// point, a constant one, or one from a constant input (per tensor or
/// per column); every difference must fit a signed byte. Nothing
/// otherwise.
std::optional<SmallVector<int8_t>> matchWeight(Value rhs) {
  std::optional<WidenedRows> w =
      matchWidening(rhs.getDefiningOp<linalg::GenericOp>());
  if (!w)
    return std::nullopt;
  linalg::GenericOp generic = w->generic;
  auto arg = dyn_cast<BlockArgument>(w->byte);
  if (!arg || arg.getOwner() != &generic.getRegion().front() ||
      arg.getArgNumber() >= generic.getNumDpsInputs())
    return std::nullopt;
  OpOperand *input = generic.getDpsInputOperand(arg.getArgNumber());
  auto type = cast<RankedTensorType>(input->get().getType());
  if (!generic.getMatchingIndexingMap(input).isIdentity() ||
      type.getRank() != 2)
    return std::nullopt;
  std::optional<SmallVector<int8_t>> values = constantBytes(input->get());
  if (!values)
    return std::nullopt;
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  auto widen = [&](int8_t v) -> int64_t {
    return w->isSigned ? int64_t(v) : int64_t(uint8_t(v));
  };
  // The zero point of each column (the map's results may only be
  // constants or the column).
  SmallVector<int64_t> zeroPoints(n, w->constantZeroPoint.value_or(0));
  if (w->zeroPoint) {
    std::optional<SmallVector<int8_t>> zp = constantBytes(w->zeroPoint);
    auto zpType = cast<RankedTensorType>(w->zeroPoint.getType());
    if (!zp)
      return std::nullopt;
    for (int64_t c = 0; c < n; ++c) {
      int64_t linear = 0;
      for (auto [d, e] : llvm::enumerate(w->zeroPointMap.getResults())) {
        int64_t i;
        if (auto cst = dyn_cast<AffineConstantExpr>(e))
          i = cst.getValue();
        else if (auto dim = dyn_cast<AffineDimExpr>(e);
                 dim && dim.getPosition() == 1)
          i = c;
        else
          return std::nullopt;
        linear = linear * zpType.getDimSize(d) + i;
      }
      zeroPoints[c] = widen((*zp)[linear]);
    }
  }
  SmallVector<int8_t> result(k * n);
  for (int64_t r = 0; r < k; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int64_t v = widen((*values)[r * n + c]) - zeroPoints[c];
      if (v < -128 || v > 127)
        return std::nullopt;
      result[r * n + c] = static_cast<int8_t>(v);
    }
  return result;
}

/// A matmul's rows for the dot kernel: row m reads the bytes of row m,
/// and subtracts (o + its zero point) times the column sums.
class MatmulSource : public sieve::DotKernelSource {
public:
  MatmulSource(OpBuilder &b, WidenedRows &rows)
      : widened(rows), byteTensor(rows.materializeBytes(b)) {}

  Value bytes() override { return byteTensor; }
  Value rows(OpBuilder &b, Location loc) override {
    return tensor::DimOp::create(b, loc, byteTensor, 0);
  }
  bool isSigned() override { return widened.isSigned; }
  SmallVector<Value> rowState(OpBuilder &, Location, Value row) override {
    return {row};
  }
  SmallVector<Value> rowIndices(OpBuilder &, Location, ArrayRef<Value> state,
                                Value) override {
    return SmallVector<Value>(state);
  }
  Value epilogue(OpBuilder &b, Location loc, Value acc, Value sums, Value row,
                 Value) override {
    Value correction = rowCorrection(b, loc, row);
    if (!correction)
      return acc;
    Value splat =
        vector::BroadcastOp::create(b, loc, acc.getType(), correction);
    return arith::SubIOp::create(b, loc, acc,
                                 arith::MulIOp::create(b, loc, splat, sums));
  }

private:
  /// The i32 correction of row `row`: o + its zero point, or null when
  /// it is zero.
  Value rowCorrection(OpBuilder &b, Location loc, Value row) {
    Type i32 = b.getI32Type();
    Value c;
    if (widened.zeroPoint) {
      SmallVector<Value> indices;
      for (AffineExpr e : widened.zeroPointMap.getResults())
        indices.push_back(
            isa<AffineDimExpr>(e)
                ? row
                : arith::ConstantIndexOp::create(
                      b, loc, cast<AffineConstantExpr>(e).getValue()));
      Value zp = tensor::ExtractOp::create(b, loc, widened.zeroPoint, indices);
      c = widened.isSigned ? Value(arith::ExtSIOp::create(b, loc, i32, zp))
                           : Value(arith::ExtUIOp::create(b, loc, i32, zp));
    }
    int64_t offset =
        (widened.isSigned ? 128 : 0) + widened.constantZeroPoint.value_or(0);
    if (offset != 0) {
      Value o = arith::ConstantIntOp::create(b, loc, i32, offset);
      c = c ? Value(arith::AddIOp::create(b, loc, c, o)) : o;
    }
    return c;
  }

  WidenedRows &widened;
  Value byteTensor;
};

struct SieveInt8MatmulsPass
    : sieve::impl::SieveInt8MatmulsBase<SieveInt8MatmulsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (int8DotBits != 512 && int8DotBits != 256 && int8DotBits != 128) {
      if (int8DotBits != 0) {
        getOperation().emitError()
            << "sieve-int8-matmuls: int8-dot-bits must be 0, 128, 256 or "
               "512, got "
            << int8DotBits;
        signalPassFailure();
      }
      return;
    }
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation().walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp op : matmuls)
      rewrite(op);
    sieve::rewriteInt8Convs(getOperation(), kernelShape(0), threads,
                            minChunkCycles);
  }

  void rewrite(linalg::MatmulOp op) {
    auto outType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!op.hasPureTensorSemantics() || !outType ||
        !outType.getElementType().isInteger(32) ||
        !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
      return;
    auto fill = op.getOutputs()[0].getDefiningOp<linalg::FillOp>();
    if (!fill || !matchPattern(fill.getInputs()[0], m_Zero()))
      return;
    std::optional<WidenedRows> rows = matchRows(op.getInputs()[0]);
    if (!rows)
      return;
    auto rhsType = cast<RankedTensorType>(op.getInputs()[1].getType());
    if (!rhsType.hasStaticShape())
      return;
    std::optional<SmallVector<int8_t>> weight = matchWeight(op.getInputs()[1]);
    if (!weight)
      return;
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    OpBuilder b(op);
    MatmulSource source(b, *rows);
    sieve::DotKernelShape shape = kernelShape(n);
    shape.groupsPerTap = llvm::divideCeil(k, 4);
    shape.tail = k % 4 != 0;
    Value result =
        sieve::buildDotKernel(b, op.getLoc(), source, *weight, k, shape,
                              fill.getOutputs()[0], threads, minChunkCycles);
    Operation *lhs = op.getInputs()[0].getDefiningOp();
    Operation *rhs = op.getInputs()[1].getDefiningOp();
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    sieve::eraseUnused({fill, lhs, rhs});
  }

  /// The register tile: the f32 kernels' rows (at most half the registers
  /// hold accumulators, as sieve-tile-and-vectorize's), two vectors of
  /// columns.
  sieve::DotKernelShape kernelShape(int64_t n) const {
    sieve::DotKernelShape shape;
    shape.n = n;
    shape.lanes = int8DotBits / 32;
    shape.tileRows = std::max<int64_t>(tileM, 1);
    shape.tilePanels = 2;
    return shape;
  }
};

} // namespace
