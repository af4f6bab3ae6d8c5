//===- DotKernel.cpp - Register tiles of 8-bit dot products -----*- C++ -*-===//

#include "DotKernel.h"

#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using mlir::sieve::DotKernelShape;
using mlir::sieve::DotKernelSource;

namespace {

class DotKernelBuilder {
public:
  DotKernelBuilder(OpBuilder &b, Location loc, DotKernelSource &source,
                   ArrayRef<int8_t> weight, int64_t k,
                   const DotKernelShape &shape)
      : b(b), loc(loc), source(source), shape(shape), lanes(shape.lanes) {
    n = shape.n;
    panels = llvm::divideCeil(n, lanes);
    groups = shape.taps * shape.groupsPerTap;
    i8 = b.getI8Type();
    i32 = b.getI32Type();
    packed = sieve::blobConstant<int8_t>(
        b, loc, {panels, groups, 4 * lanes}, "sieve_int8_panels", i8,
        [&](int8_t *out) {
          for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < n; ++c)
              out[((c / lanes) * groups + r / 4) * 4 * lanes + (c % lanes) * 4 +
                  r % 4] = weight[r * n + c];
        });
    columnSums = sieve::blobConstant<int32_t>(
        b, loc, {panels * lanes}, "sieve_int8_column_sums", i32,
        [&](int32_t *out) {
          for (int64_t r = 0; r < k; ++r)
            for (int64_t c = 0; c < n; ++c)
              out[c] += weight[r * n + c];
        });
    accType = VectorType::get({lanes}, i32);
    byteType = VectorType::get({4 * lanes}, i8);
  }

  Value build(Value init, int64_t threads, int64_t minChunkCycles) {
    Value m = source.rows(b, loc);
    Value mainRows = arith::SubIOp::create(
        b, loc, m, arith::RemUIOp::create(b, loc, m, index(shape.tileRows)));
    Value out = init;
    int64_t full = n / lanes;
    int64_t paired = full - full % shape.tilePanels;
    // Panels [begin, end) in steps of `step` into `dest`, whose column 0
    // is panel `base`'s first.
    auto panelRange = [&](Value dest, Value base, Value begin, Value end,
                          int64_t step, bool inBounds) {
      return forLoop(begin, end, step, dest, [&](Value p, ValueRange carried) {
        return SmallVector<Value>{
            rowLoops(carried[0], p, base, step, inBounds, mainRows, m)};
      })[0];
    };
    int64_t pairs = paired / shape.tilePanels;
    if (pairs > 1 && threads > 1) {
      out = parallelPairs(out, m, pairs, threads, minChunkCycles, panelRange);
    } else if (pairs > 0) {
      out = panelRange(out, index(0), index(0), index(paired), shape.tilePanels,
                       true);
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
    int64_t rowCycles = pairs * shape.tilePanels * groups;
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
        arith::MulIOp::create(b, loc, firstPair(c), index(shape.tilePanels));
    Value end = arith::MulIOp::create(
        b, loc, firstPair(arith::AddIOp::create(b, loc, c, index(1))),
        index(shape.tilePanels));
    Value firstColumn = arith::MulIOp::create(b, loc, begin, index(lanes));
    Value columns = arith::MulIOp::create(
        b, loc, arith::SubIOp::create(b, loc, end, begin), index(lanes));
    SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), firstColumn};
    SmallVector<OpFoldResult> sizes{m, columns};
    SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
    Value done = panelRange(slice, begin, begin, end, shape.tilePanels, true);
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
      out = forLoop(begin, end, step, out, [&](Value row, ValueRange carried) {
        return SmallVector<Value>{
            tile(carried[0], row, step, p, base, count, inBounds)};
      })[0];
    };
    loop(index(0), mainRows, shape.tileRows);
    if (shape.tileRows > 1)
      loop(mainRows, m, 1);
    return out;
  }

  /// Four bytes at `indices` broadcast to every 32-bit lane, as unsigned
  /// bytes; `inBounds` false reads past the reduction as zeros.
  Value broadcastBytes(ValueRange indices, bool inBounds) {
    auto four = VectorType::get({4}, i8);
    Value zero = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value quad = vector::TransferReadOp::create(
        b, loc, four, source.bytes(), indices, zero, ArrayRef<bool>{inBounds});
    Value word =
        vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), quad);
    Value splat = vector::BroadcastOp::create(b, loc, accType, word);
    Value result = vector::BitCastOp::create(b, loc, byteType, splat);
    if (source.isSigned()) {
      Value top = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(byteType, b.getI8IntegerAttr(-128)));
      result = arith::XOrIOp::create(b, loc, result, top);
    }
    return result;
  }

  /// The accumulators after group `c` of every row's window at `windows`
  /// (group `g` of the weight; read with padding when `tail`).
  SmallVector<Value> accumulate(ValueRange accs, Value g, Value c,
                                ArrayRef<SmallVector<Value>> windows, Value p,
                                int64_t count, bool tail) {
    SmallVector<Value> weights;
    Value zeroByte = arith::ConstantIntOp::create(b, loc, i8, 0);
    Value zero = index(0);
    for (int64_t j = 0; j < count; ++j) {
      Value panel = arith::AddIOp::create(b, loc, p, index(j));
      weights.push_back(vector::TransferReadOp::create(
          b, loc, byteType, packed, ValueRange{panel, g, zero}, zeroByte,
          ArrayRef<bool>{true}));
    }
    Value col = arith::MulIOp::create(b, loc, c, index(4));
    SmallVector<Value> result(accs);
    for (auto [i, window] : llvm::enumerate(windows)) {
      SmallVector<Value> indices(window);
      indices.push_back(col);
      Value a = broadcastBytes(indices, !tail);
      for (int64_t j = 0; j < count; ++j) {
        Value &acc = result[i * count + j];
        acc = sieve::DotBytesOp::create(b, loc, accType, acc, a, weights[j]);
      }
    }
    return result;
  }

  /// A loop over [begin, end) in steps of `step` carrying `init`;
  /// `body(iv, carried)` yields the next values. Returns the last ones.
  SmallVector<Value>
  forLoop(Value begin, Value end, int64_t step, ValueRange init,
          function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    auto loop = scf::ForOp::create(b, loc, begin, end, index(step), init);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    scf::YieldOp::create(
        b, loc, body(loop.getInductionVar(), loop.getRegionIterArgs()));
    return SmallVector<Value>(loop.getResults());
  }

  /// forLoop over [0, trips).
  SmallVector<Value>
  loopCarrying(int64_t trips, ValueRange init,
               function_ref<SmallVector<Value>(Value, ValueRange)> body) {
    return forLoop(index(0), index(trips), 1, init, body);
  }

  /// The register tile of `rowCount` rows from `m` by `count` panels
  /// from `p`, written into `out` (column 0: panel `base`'s first).
  Value tile(Value out, Value m, int64_t rowCount, Value p, Value base,
             int64_t count, bool inBounds) {
    Value zeroAcc = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(accType, b.getI32IntegerAttr(0)));
    SmallVector<Value> accs(rowCount * count, zeroAcc);
    SmallVector<SmallVector<Value>> states;
    for (int64_t i = 0; i < rowCount; ++i)
      states.push_back(
          source.rowState(b, loc, arith::AddIOp::create(b, loc, m, index(i))));
    auto windowsAt = [&](Value tap) {
      SmallVector<SmallVector<Value>> windows;
      for (const SmallVector<Value> &state : states)
        windows.push_back(source.rowIndices(b, loc, state, tap));
      return windows;
    };
    int64_t wholeGroups = shape.groupsPerTap - (shape.tail ? 1 : 0);
    if (shape.taps == 1) {
      SmallVector<SmallVector<Value>> windows = windowsAt(index(0));
      if (wholeGroups > 0)
        accs =
            loopCarrying(wholeGroups, accs, [&](Value c, ValueRange carried) {
              return accumulate(carried, c, c, windows, p, count, false);
            });
      if (shape.tail)
        accs = accumulate(accs, index(wholeGroups), index(wholeGroups), windows,
                          p, count, true);
    } else {
      accs = loopCarrying(shape.taps, accs, [&](Value tap, ValueRange carried) {
        SmallVector<SmallVector<Value>> windows = windowsAt(tap);
        Value first =
            arith::MulIOp::create(b, loc, tap, index(shape.groupsPerTap));
        return loopCarrying(
            shape.groupsPerTap, carried, [&](Value c, ValueRange inner) {
              Value g = arith::AddIOp::create(b, loc, first, c);
              return accumulate(inner, g, c, windows, p, count, false);
            });
      });
    }
    Value zeroInt = arith::ConstantIntOp::create(b, loc, i32, 0);
    for (int64_t i = 0; i < rowCount; ++i) {
      Value row = arith::AddIOp::create(b, loc, m, index(i));
      for (int64_t j = 0; j < count; ++j) {
        Value panel = arith::AddIOp::create(b, loc, p, index(j));
        Value col = arith::MulIOp::create(b, loc, panel, index(lanes));
        Value outCol = arith::MulIOp::create(
            b, loc, arith::SubIOp::create(b, loc, panel, base), index(lanes));
        Value sums = vector::TransferReadOp::create(b, loc, accType, columnSums,
                                                    ValueRange{col}, zeroInt,
                                                    ArrayRef<bool>{true});
        Value result =
            source.epilogue(b, loc, accs[i * count + j], sums, row, panel);
        out = vector::TransferWriteOp::create(b, loc, result, out,
                                              ValueRange{row, outCol},
                                              ArrayRef<bool>{inBounds})
                  .getResult();
      }
    }
    return out;
  }

  OpBuilder &b;
  Location loc;
  DotKernelSource &source;
  const DotKernelShape &shape;
  int64_t lanes, n = 0, panels = 0, groups = 0;
  Value packed, columnSums;
  Type i8, i32;
  VectorType accType, byteType;
};

} // namespace

Value sieve::buildDotKernel(OpBuilder &b, Location loc, DotKernelSource &source,
                            ArrayRef<int8_t> weight, int64_t k,
                            const DotKernelShape &shape, Value init,
                            int64_t threads, int64_t minChunkCycles) {
  DotKernelBuilder kernel(b, loc, source, weight, k, shape);
  return kernel.build(init, threads, minChunkCycles);
}

Value sieve::bytesOf(OpBuilder &b, linalg::GenericOp generic, Value byte) {
  if (auto arg = dyn_cast<BlockArgument>(byte);
      arg && arg.getOwner() == &generic.getRegion().front() &&
      arg.getArgNumber() < generic.getNumDpsInputs() &&
      generic
          .getMatchingIndexingMap(
              generic.getDpsInputOperand(arg.getArgNumber()))
          .isIdentity())
    return generic.getDpsInputOperand(arg.getArgNumber())->get();
  Location loc = generic.getLoc();
  Value empty = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, generic.getDpsInits()[0]),
      b.getI8Type());
  auto copy = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, generic.getDpsInputs(),
      ValueRange{empty}, generic.getIndexingMapsArray(),
      generic.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        IRMapping mapping;
        Block &body = generic.getRegion().front();
        for (auto [from, to] : llvm::zip(body.getArguments().drop_back(), args))
          mapping.map(from, to);
        for (Operation &op : body.without_terminator())
          nb.clone(op, mapping);
        linalg::YieldOp::create(nb, nloc, mapping.lookup(byte));
      });
  return copy->getResult(0);
}

void sieve::eraseUnused(ArrayRef<Operation *> roots) {
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
