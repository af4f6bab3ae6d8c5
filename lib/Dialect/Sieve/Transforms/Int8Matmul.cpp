//===- Int8Matmul.cpp - 8-bit matmuls as dot-product kernels ----*- C++ -*-===//
//
// MatMulInteger and QLinearMatMul import as a linalg.matmul of int32
// operands, each an 8-bit tensor widened (and shifted by its zero point) by a
// linalg.generic. On a CPU with an 8-bit dot-product instruction (x86's VNNI
// `vpdpbusd`: four unsigned bytes times four signed bytes summed into each
// 32-bit lane) and a constant second operand, such a matmul becomes a kernel
// that reads the 8-bit values themselves:
//
//   C[m, n] = sum_k (ext(a[m, k]) - z[m]) * b[k, n]
//           = sum_k u[m, k] * b[k, n] - (o + z[m]) * colsum(b)[n]
//
// where u = a as unsigned bytes (o = 0) or, for a signed a, a + 128 (o = 128;
// the kernel flips each byte's top bit), b the constant weight minus its zero
// point, which must fit in a signed byte (the importer folds the zero point
// into the constant where it can). The weight is packed at compile time in
// panels of one vector of columns, four reduction steps per 32-bit lane
// ([panels, K / 4, lanes * 4] bytes, zero-padded), next to its column sums.
// A register tile of rows x panels accumulates in int32 vectors: per group of
// four reduction steps, one 32-bit broadcast of each row's four bytes and one
// vector load per panel feed rows x panels dot products.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
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
    Location loc = generic.getLoc();
    Value bytes;
    if (auto arg = dyn_cast<BlockArgument>(byte);
        arg && arg.getOwner() == &generic.getRegion().front() &&
        arg.getArgNumber() < generic.getNumDpsInputs() &&
        generic
            .getMatchingIndexingMap(
                generic.getDpsInputOperand(arg.getArgNumber()))
            .isIdentity()) {
      bytes = generic.getDpsInputOperand(arg.getArgNumber())->get();
    } else {
      Value init = generic.getDpsInits()[0];
      Value empty = tensor::EmptyOp::create(
          b, loc, tensor::getMixedSizes(b, loc, init), b.getI8Type());
      SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
      auto peeled = linalg::GenericOp::create(
          b, loc, TypeRange{empty.getType()}, generic.getDpsInputs(),
          ValueRange{empty}, maps, generic.getIteratorTypesArray(),
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            IRMapping mapping;
            Block &body = generic.getRegion().front();
            for (auto [from, to] :
                 llvm::zip(body.getArguments().drop_back(), args))
              mapping.map(from, to);
            for (Operation &op : body.without_terminator())
              nb.clone(op, mapping);
            linalg::YieldOp::create(nb, nloc, mapping.lookup(byte));
          });
      bytes = peeled->getResult(0);
    }
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

/// An i8 or i32 constant tensor of `shape` at the builder's insertion
/// point, written by `fill` into a dense_resource blob named `name`.
template <typename T>
Value blobConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                   StringRef name, function_ref<void(T *)> fill) {
  auto type = RankedTensorType::get(shape, b.getIntegerType(sizeof(T) * 8));
  AsmResourceBlob blob = HeapAsmResourceBlob::allocate(
      type.getNumElements() * sizeof(T), alignof(double),
      /*dataIsMutable=*/true);
  std::memset(blob.getMutableData().data(), 0, blob.getData().size());
  fill(reinterpret_cast<T *>(blob.getMutableData().data()));
  return arith::ConstantOp::create(
      b, loc, type,
      DenseResourceElementsAttr::get(type, name, std::move(blob)));
}

/// Emits the kernel for one matmul.
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, WidenedRows &rows,
                ArrayRef<int8_t> weight, int64_t k, int64_t n, int64_t lanes,
                int64_t tileRows, int64_t tilePanels)
      : b(b), loc(loc), rows(rows), k(k), n(n), lanes(lanes),
        tileRows(tileRows), tilePanels(tilePanels) {
    bytes = rows.materializeBytes(b);
    panels = llvm::divideCeil(n, lanes);
    groups = llvm::divideCeil(k, 4);
    packed = blobConstant<int8_t>(
        b, loc, {panels, groups, 4 * lanes}, "sieve_int8_panels",
        [&](int8_t *out) {
          for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < n; ++c)
              out[((c / lanes) * groups + r / 4) * 4 * lanes + (c % lanes) * 4 +
                  r % 4] = weight[r * n + c];
        });
    columnSums = blobConstant<int32_t>(
        b, loc, {panels * lanes}, "sieve_int8_column_sums", [&](int32_t *out) {
          for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < n; ++c)
              out[c] += weight[r * n + c];
        });
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    accType = VectorType::get({lanes}, i32);
    byteType = VectorType::get({4 * lanes}, i8);
  }

  /// The product into `init` (an empty [M, N] i32 tensor). With
  /// `threads` > 1, the whole pairs of panels are shared among parallel
  /// chunks (scf.forall) when the rows make them worth `minChunkCycles`
  /// each (counted at run time: one dot product per cycle); a single chunk
  /// runs without the threads (sieve-guard-parallel-regions).
  Value build(Value init, int64_t threads, int64_t minChunkCycles) {
    Value m = tensor::DimOp::create(b, loc, bytes, 0);
    Value r = index(tileRows);
    Value mainRows =
        arith::SubIOp::create(b, loc, m, arith::RemUIOp::create(b, loc, m, r));
    Value out = init;
    int64_t full = n / lanes;
    int64_t paired = full - full % tilePanels;
    // Panels [begin, end) in steps of `step` into `dest`, whose column 0
    // is panel `base`'s first.
    auto panelRange = [&](Value dest, Value base, Value begin, Value end,
                          int64_t step, bool inBounds) {
      auto loop =
          scf::ForOp::create(b, loc, begin, end, index(step), ValueRange{dest});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value o = rowLoops(loop.getRegionIterArgs()[0], loop.getInductionVar(),
                         base, step, inBounds, mainRows, m);
      scf::YieldOp::create(b, loc, o);
      return loop.getResult(0);
    };
    int64_t pairs = paired / tilePanels;
    if (pairs > 1 && threads > 1) {
      out = parallelPairs(out, m, pairs, threads, minChunkCycles, panelRange);
    } else if (pairs > 0) {
      out =
          panelRange(out, index(0), index(0), index(paired), tilePanels, true);
    }
    if (paired < full)
      out = panelRange(out, index(0), index(paired), index(full), 1, true);
    if (full < panels)
      out = panelRange(out, index(0), index(full), index(panels), 1, false);
    return out;
  }

private:
  /// The pairs of panels [0, pairs) in parallel chunks of whole pairs:
  /// min(threads, pairs, M * cycles per row / minChunkCycles) chunks, at
  /// least one, each a slice of the columns of `out`.
  template <typename PanelRange>
  Value parallelPairs(Value out, Value m, int64_t pairs, int64_t threads,
                      int64_t minChunkCycles, PanelRange &panelRange) {
    int64_t rowCycles = pairs * tilePanels * groups;
    Value work = arith::MulIOp::create(b, loc, m, index(rowCycles));
    Value wanted = arith::DivUIOp::create(
        b, loc, work, index(std::max<int64_t>(minChunkCycles, 1)));
    Value chunks = arith::MaxUIOp::create(
        b, loc, index(1),
        arith::MinUIOp::create(b, loc, wanted,
                               index(std::min(threads, pairs))));
    auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{chunks},
                                        ValueRange{out}, std::nullopt);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(forall.getBody());
    Value c = forall.getInductionVars()[0];
    Value shared = forall.getRegionIterArgs()[0];
    // Chunk c: pairs [c * pairs / chunks, (c + 1) * pairs / chunks).
    auto firstPair = [&](Value chunk) {
      return arith::DivUIOp::create(
          b, loc, arith::MulIOp::create(b, loc, chunk, index(pairs)), chunks);
    };
    Value begin =
        arith::MulIOp::create(b, loc, firstPair(c), index(tilePanels));
    Value end = arith::MulIOp::create(
        b, loc, firstPair(arith::AddIOp::create(b, loc, c, index(1))),
        index(tilePanels));
    Value firstColumn = arith::MulIOp::create(b, loc, begin, index(lanes));
    Value columns = arith::MulIOp::create(
        b, loc, arith::SubIOp::create(b, loc, end, begin), index(lanes));
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), firstColumn};
    SmallVector<OpFoldResult> sizes{m, columns};
    SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
    Value done = panelRange(slice, begin, begin, end, tilePanels, true);
    b.setInsertionPointToStart(forall.getTerminator().getBody());
    tensor::ParallelInsertSliceOp::create(b, loc, done, shared, offsets, sizes,
                                          strides);
    return forall.getResult(0);
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }

  /// Every row of the panels [p, p + count) into `out`, whose column 0 is
  /// panel `base`'s first: tiles of tileRows rows up to `mainRows`, then
  /// one row at a time.
  Value rowLoops(Value out, Value p, Value base, int64_t count, bool inBounds,
                 Value mainRows, Value m) {
    auto loop = [&](Value begin, Value end, int64_t step) {
      auto rowLoop =
          scf::ForOp::create(b, loc, begin, end, index(step), ValueRange{out});
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rowLoop.getBody());
      Value o = tile(rowLoop.getRegionIterArgs()[0], rowLoop.getInductionVar(),
                     step, p, base, count, inBounds);
      scf::YieldOp::create(b, loc, o);
      b.setInsertionPointAfter(rowLoop);
      out = rowLoop.getResult(0);
    };
    loop(index(0), mainRows, tileRows);
    if (tileRows > 1)
      loop(mainRows, m, 1);
    return out;
  }

  /// Four bytes of row `row` at column `col` broadcast to every 32-bit
  /// lane, as unsigned bytes; `inBounds` false reads past K as zeros.
  Value broadcastRow(Value row, Value col, bool inBounds) {
    auto four = VectorType::get({4}, i8);
    Value zero = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value quad = vector::TransferReadOp::create(b, loc, four, bytes,
                                                ValueRange{row, col}, zero,
                                                ArrayRef<bool>{inBounds});
    Value word =
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), quad);
    Value splat = vector::BroadcastOp::create(b, loc, accType, word);
    Value result = vector::BitCastOp::create(b, loc, byteType, splat);
    if (rows.isSigned) {
      Value top = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(byteType, b.getI8IntegerAttr(-128)));
      result = arith::XOrIOp::create(b, loc, result, top);
    }
    return result;
  }

  /// The accumulators after the groups of four reduction steps [g0, g1)
  /// (one group, read with padding, when `tail`).
  SmallVector<Value> accumulate(ValueRange accs, Value g, Value m, Value p,
                                int64_t count, int64_t rowCount, bool tail) {
    SmallVector<Value> weights;
    Value zeroByte = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value zero = index(0);
    for (int64_t j = 0; j < count; ++j) {
      Value panel = arith::AddIOp::create(b, loc, p, index(j));
      weights.push_back(vector::TransferReadOp::create(
          b, loc, byteType, packed, ValueRange{panel, g, zero}, zeroByte,
          ArrayRef<bool>{true}));
    }
    Value col = arith::MulIOp::create(b, loc, g, index(4));
    SmallVector<Value> result(accs);
    for (int64_t i = 0; i < rowCount; ++i) {
      Value row = arith::AddIOp::create(b, loc, m, index(i));
      Value a = broadcastRow(row, col, !tail);
      for (int64_t j = 0; j < count; ++j) {
        Value &acc = result[i * count + j];
        acc = sieve::DotBytesOp::create(b, loc, accType, acc, a, weights[j]);
      }
    }
    return result;
  }

  /// The i32 correction of row `row`: o + its zero point, or null when
  /// it is zero.
  Value rowCorrection(Value row) {
    Value c;
    if (rows.zeroPoint) {
      SmallVector<Value> indices;
      for (AffineExpr e : rows.zeroPointMap.getResults())
        indices.push_back(isa<AffineDimExpr>(e)
                              ? row
                              : index(cast<AffineConstantExpr>(e).getValue()));
      Value zp = tensor::ExtractOp::create(b, loc, rows.zeroPoint, indices);
      c = rows.isSigned ? Value(arith::ExtSIOp::create(b, loc, i32, zp))
                        : Value(arith::ExtUIOp::create(b, loc, i32, zp));
    }
    int64_t offset =
        (rows.isSigned ? 128 : 0) + rows.constantZeroPoint.value_or(0);
    if (offset != 0) {
      Value o = arith::ConstantIntOp::create(b, loc, i32, offset);
      c = c ? Value(arith::AddIOp::create(b, loc, c, o)) : o;
    }
    return c;
  }

  /// The register tile of `rowCount` rows from `m` by `count` panels
  /// from `p`, written into `out` (column 0: panel `base`'s first).
  Value tile(Value out, Value m, int64_t rowCount, Value p, Value base,
             int64_t count, bool inBounds) {
    Value zeroAcc = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(accType, b.getI32IntegerAttr(0)));
    SmallVector<Value> accs(rowCount * count, zeroAcc);
    int64_t wholeGroups = k / 4;
    if (wholeGroups > 0) {
      auto loop = scf::ForOp::create(b, loc, index(0), index(wholeGroups),
                                     index(1), accs);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(loop.getBody());
      SmallVector<Value> next =
          accumulate(loop.getRegionIterArgs(), loop.getInductionVar(), m, p,
                     count, rowCount, /*tail=*/false);
      scf::YieldOp::create(b, loc, next);
      b.setInsertionPointAfter(loop);
      accs.assign(loop.getResults().begin(), loop.getResults().end());
    }
    if (k % 4 != 0)
      accs = accumulate(accs, index(wholeGroups), m, p, count, rowCount,
                        /*tail=*/true);
    Value zeroInt = arith::ConstantIntOp::create(b, loc, i32, 0);
    for (int64_t i = 0; i < rowCount; ++i) {
      Value row = arith::AddIOp::create(b, loc, m, index(i));
      Value correction = rowCorrection(row);
      Value splat =
          correction ? vector::BroadcastOp::create(b, loc, accType, correction)
                           .getResult()
                     : Value();
      for (int64_t j = 0; j < count; ++j) {
        Value panel = arith::AddIOp::create(b, loc, p, index(j));
        Value col = arith::MulIOp::create(b, loc, panel, index(lanes));
        Value outCol = arith::MulIOp::create(
            b, loc, arith::SubIOp::create(b, loc, panel, base), index(lanes));
        Value acc = accs[i * count + j];
        if (splat) {
          Value sums = vector::TransferReadOp::create(
              b, loc, accType, columnSums, ValueRange{col}, zeroInt,
              ArrayRef<bool>{true});
          acc = arith::SubIOp::create(
              b, loc, acc, arith::MulIOp::create(b, loc, splat, sums));
        }
        out = vector::TransferWriteOp::create(b, loc, acc, out,
                                              ValueRange{row, outCol},
                                              ArrayRef<bool>{inBounds})
                  .getResult();
      }
    }
    return out;
  }

  OpBuilder &b;
  Location loc;
  WidenedRows &rows;
  int64_t k, n, lanes, tileRows, tilePanels;
  int64_t panels = 0, groups = 0;
  Value bytes, packed, columnSums;
  Type i8, i32;
  VectorType accType, byteType;
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
    int64_t lanes = int8DotBits / 32;
    // The f32 register tile's rows; two vectors of columns (accumulators:
    // at most half the registers, as sieve-tile-and-vectorize's).
    OpBuilder b(op);
    KernelBuilder kernel(b, op.getLoc(), *rows, *weight, k, n, lanes,
                         std::max<int64_t>(tileM, 1), /*tilePanels=*/2);
    Value result = kernel.build(fill.getOutputs()[0], threads, minChunkCycles);
    Operation *lhs = op.getInputs()[0].getDefiningOp();
    Operation *rhs = op.getInputs()[1].getDefiningOp();
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    eraseUnused({fill, lhs, rhs});
  }

  /// Erases the ops of `roots` that are unused and the producers they
  /// alone used (the widening generics and collapse_shapes the kernel
  /// replaces); constants stay (the canonicalizer removes dead ones).
  static void eraseUnused(ArrayRef<Operation *> roots) {
    SmallVector<Operation *> worklist(roots);
    llvm::SmallPtrSet<Operation *, 8> erased;
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (!op || erased.contains(op) || !isOpTriviallyDead(op))
        continue;
      for (Value operand : op->getOperands())
        if (Operation *def = operand.getDefiningOp();
            def && !isa<arith::ConstantOp>(def))
          worklist.push_back(def);
      erased.insert(op);
      op->erase();
    }
  }
};

} // namespace
