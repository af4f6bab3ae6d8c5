//===- WeightOpsToSCF.cpp - Lower sieve.sparse_matmul -----------*- C++ -*-===//
//
// Two kernels over the packed columns of a sparse weight, both on tensors:
//
//  * one row (M == 1): for each output column, `group`-wide vectors of its
//    entries; the activations at the entries' rows are gathered
//    (`vector.gather`) and multiplied with the values, and the accumulator is
//    reduced once per column. The weight is read once, as packed.
//  * several rows: the input is transposed (K x M) so that the activations
//    of one reduction row for the whole batch are one contiguous vector; each
//    entry of a column is then a broadcast of its value times that vector,
//    accumulated into four independent vectors (to hide the FMA latency).
//    The result is produced transposed (N x M) and transposed back.
//
// With a dynamic batch both kernels are emitted behind `scf.if M == 1`.
//
//===----------------------------------------------------------------------===//

#include "sieve/Analysis/CostModel.h"
#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "ParallelChunks.h"
#include "RowVectors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace mlir::sieve {
#define GEN_PASS_DEF_CONVERTSIEVEWEIGHTOPSTOSCF
#include "sieve/Conversion/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// How far ahead (in entries) the batch kernel prefetches the packed rows
/// and values: 2 KiB of each.
constexpr int64_t kPrefetchEntries = 512;

Value constIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// `tensor[i]` of an integer tensor, read as unsigned, as an index.
Value extractIndex(OpBuilder &b, Location loc, Value tensor, Value i) {
  Value v = tensor::ExtractOp::create(b, loc, tensor, ValueRange{i});
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
}

/// The entries `[begin, end)` of packed column `n`.
std::pair<Value, Value> columnEntries(OpBuilder &b, Location loc, Value offsets,
                                      Value n) {
  Value next = arith::AddIOp::create(b, loc, n, constIndex(b, loc, 1));
  return {extractIndex(b, loc, offsets, n),
          extractIndex(b, loc, offsets, next)};
}

/// `source` (R x C) transposed into a new C x R tensor.
Value transpose(OpBuilder &b, Location loc, Value source) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  std::swap(sizes[0], sizes[1]);
  Value empty = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, source, empty,
                                     ArrayRef<int64_t>{1, 0})
      ->getResult(0);
}

struct LowerSparseMatmul : OpRewritePattern<SparseMatmulOp> {

  LowerSparseMatmul(MLIRContext *ctx, int64_t threads, int64_t minChunkCycles,
                    int64_t targetVectorWidth, bool scalableVectors)
      : OpRewritePattern(ctx), threads(threads), minChunkCycles(minChunkCycles),
        targetVectorWidth(targetVectorWidth), scalableVectors(scalableVectors) {
  }

  /// The packed column of result column `n` of a chunk whose columns start
  /// at `firstColumn` (null: 0).
  static Value packedColumn(OpBuilder &b, Location loc, Value firstColumn,
                            Value n) {
    return firstColumn ? arith::AddIOp::create(b, loc, firstColumn, n) : n;
  }

  /// `acc` (the one-row result) with the lanes of `sum` added into its
  /// column `n`: a tree reduction (reassoc), where a strictly ordered one
  /// is a chain of dependent adds per column.
  static Value addColumnSum(OpBuilder &b, Location loc, Value acc, Value n,
                            Value sum) {
    Value zero = constIndex(b, loc, 0);
    Value prev = tensor::ExtractOp::create(b, loc, acc, ValueRange{zero, n});
    Value total =
        vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, sum,
                                    prev, arith::FastMathFlags::reassoc);
    return tensor::InsertOp::create(b, loc, total, acc, ValueRange{zero, n});
  }

  /// The one-row kernel: result[0, n] = init[0, n] + sum over the entries of
  /// column n of values[j] * input[0, rows[j]], for the columns of `init`
  /// (those from `firstColumn` on; null: 0).
  Value oneRow(OpBuilder &b, Location loc, SparseMatmulOp op, Value init,
               Value firstColumn) const {
    Value x = op.getInput(), values = op.getValues(), rows = op.getRows(),
          offsets = op.getOffsets();
    int64_t group = op.getGroup();
    Type et = cast<RankedTensorType>(x.getType()).getElementType();
    Type it = cast<RankedTensorType>(rows.getType()).getElementType();
    auto vecType = VectorType::get({group}, et);
    auto idxType = VectorType::get({group}, it);
    auto maskType = VectorType::get({group}, b.getI1Type());
    Value zero = constIndex(b, loc, 0), one = constIndex(b, loc, 1),
          step = constIndex(b, loc, group);
    Value columns = tensor::DimOp::create(b, loc, init, 1);
    Value zeroVec = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, b.getZeroAttr(et)));
    Value allTrue = arith::ConstantOp::create(
        b, loc, maskType, DenseElementsAttr::get(maskType, true));
    auto loop = scf::ForOp::create(
        b, loc, zero, columns, one, ValueRange{init},
        [&](OpBuilder &cb, Location cl, Value n, ValueRange acc) {
          auto [begin, end] = columnEntries(
              cb, cl, offsets, packedColumn(cb, cl, firstColumn, n));
          auto entries = scf::ForOp::create(
              cb, cl, begin, end, step, ValueRange{zeroVec},
              [&](OpBuilder &eb, Location el, Value j, ValueRange vacc) {
                Value idx = vector::TransferReadOp::create(
                    eb, el, idxType, rows, ValueRange{j},
                    /*padding=*/std::nullopt, ArrayRef<bool>{true});
                // Narrow (e.g. 16-bit) rows are unsigned; gathers take
                // 32-bit offsets.
                if (it.getIntOrFloatBitWidth() < 32)
                  idx = arith::ExtUIOp::create(
                      eb, el, VectorType::get({group}, eb.getI32Type()), idx);
                Value w = vector::TransferReadOp::create(
                    eb, el, vecType, values, ValueRange{j},
                    /*padding=*/std::nullopt, ArrayRef<bool>{true});
                Value xs = vector::GatherOp::create(eb, el, vecType, x,
                                                    ValueRange{zero, zero}, idx,
                                                    allTrue, zeroVec);
                Value f = vector::FMAOp::create(eb, el, xs, w, vacc[0]);
                scf::YieldOp::create(eb, el, f);
              });
          scf::YieldOp::create(
              cb, cl, addColumnSum(cb, cl, acc[0], n, entries.getResult(0)));
        });
    return loop.getResult(0);
  }

  /// The one-row kernel in SVE's scalable vectors: each column's entries
  /// `kScalableRowLanes x vscale` at a time (as many lanes as the CPU's
  /// vectors hold, four registers per step), the last, partial step of a
  /// column under a mask of its remaining entries (`vector.create_mask`):
  /// the packed `group` need not be a multiple of the vector length, which
  /// is known only at run time. f32 values with rows of at
  /// most 32 bits (the gather's offsets).
  Value oneRowScalable(OpBuilder &b, Location loc, SparseMatmulOp op,
                       Value init, Value firstColumn) const {
    Value x = op.getInput(), values = op.getValues(), rows = op.getRows(),
          offsets = op.getOffsets();
    Type et = cast<RankedTensorType>(x.getType()).getElementType();
    Type it = cast<RankedTensorType>(rows.getType()).getElementType();
    // Four registers per step on a 128-bit SVE CPU: four independent
    // gathers and FMA chains.
    RowVectors vectors{kScalableRowLanes, /*scalable=*/true};
    VectorType vecType = vectors.type(et);
    Value zero = constIndex(b, loc, 0), one = constIndex(b, loc, 1);
    Value step = vectors.step(b, loc);
    Value columns = tensor::DimOp::create(b, loc, init, 1);
    Value zeroVec = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, b.getZeroAttr(et)));
    auto maskType = VectorType::get(vecType.getShape(), b.getI1Type(),
                                    vecType.getScalableDims());
    Value allTrue = arith::ConstantOp::create(
        b, loc, maskType, DenseElementsAttr::get(maskType, true));
    auto loop = scf::ForOp::create(
        b, loc, zero, columns, one, ValueRange{init},
        [&](OpBuilder &cb, Location cl, Value n, ValueRange acc) {
          auto [begin, end] = columnEntries(
              cb, cl, offsets, packedColumn(cb, cl, firstColumn, n));
          // Whole vectors, then at most one masked step.
          Value entries = buildRowSteps(
              cb, cl, vecType, begin, wholeStepsEnd(cb, cl, begin, end, step),
              end, step, zeroVec, /*maskedTail=*/true,
              [&](OpBuilder &eb, Location el, Value j, ValueRange vacc,
                  Value mask) -> SmallVector<Value> {
                Value idx = readRow(eb, el, vectors.type(it), rows,
                                    ValueRange{j}, mask);
                if (it.getIntOrFloatBitWidth() < 32)
                  idx = arith::ExtUIOp::create(
                      eb, el, vectors.type(eb.getI32Type()), idx);
                Value w = readRow(eb, el, vecType, values, ValueRange{j}, mask);
                Value xs = vector::GatherOp::create(
                    eb, el, vecType, x, ValueRange{zero, zero}, idx,
                    mask ? mask : allTrue, zeroVec);
                return {vector::FMAOp::create(eb, el, xs, w, vacc[0])};
              })[0];
          scf::YieldOp::create(cb, cl,
                               addColumnSum(cb, cl, acc[0], n, entries));
        });
    return loop.getResult(0);
  }

  /// Whether the one-row kernel takes scalable vectors: asked for, f32
  /// values, rows of at most 32 bits.
  bool useScalable(SparseMatmulOp op) const {
    return scalableVectors &&
           op.getValues().getType().getElementType().isF32() &&
           op.getRows().getType().getElementTypeBitWidth() <= 32;
  }

  /// The batch kernel: with xT = input^T (K x M), column n of the result is
  /// init[:, n] + sum over the entries j of values[j] * xT[rows[j], :],
  /// computed `width` rows of the batch at a time; the columns in `chunks`
  /// of `chunkSize` in parallel (null: one loop).
  Value batch(OpBuilder &b, Location loc, SparseMatmulOp op, int64_t width,
              Value chunks = nullptr, Value chunkSize = nullptr) const {
    Value values = op.getValues(), rows = op.getRows(),
          offsets = op.getOffsets();
    int64_t group = op.getGroup();
    Type et = cast<RankedTensorType>(values.getType()).getElementType();
    auto vecType = VectorType::get({width}, et);
    Value zero = constIndex(b, loc, 0), one = constIndex(b, loc, 1),
          step = constIndex(b, loc, group),
          widthStep = constIndex(b, loc, width);
    // The packed weight is streamed once, but each entry costs a few
    // instructions (scalar row and value, a vector load, an FMA), so the
    // out-of-order window covers too few entries to hide memory latency:
    // prefetch both streams a fixed distance ahead (4096x4096 at 90% zeros,
    // batch 8, caches flushed between runs: 1.19 ms -> 0.71 ms).
    auto bufferOf = [&](Value tensor) -> Value {
      auto type = cast<RankedTensorType>(tensor.getType());
      return bufferization::ToBufferOp::create(
          b, loc, MemRefType::get(type.getShape(), type.getElementType()),
          tensor, b.getUnitAttr());
    };
    Value rowsBuffer = bufferOf(rows), valuesBuffer = bufferOf(values);
    Value distance = constIndex(b, loc, kPrefetchEntries);
    // The last entry: prefetches near the end stay inside the arrays (the
    // loop does not run when there are no entries).
    Value lastEntry = arith::SubIOp::create(
        b, loc, tensor::DimOp::create(b, loc, rows, 0), one);
    Value xT = transpose(b, loc, op.getInput());
    Value yT = transpose(b, loc, op.getInit());
    Value batchRows = tensor::DimOp::create(b, loc, op.getInit(), 0);
    Value columns = tensor::DimOp::create(b, loc, op.getInit(), 1);
    Value zeroVec = arith::ConstantOp::create(
        b, loc, vecType, DenseElementsAttr::get(vecType, b.getZeroAttr(et)));
    Value zeroF = arith::ConstantOp::create(b, loc, b.getZeroAttr(et));
    // Whole vectors when the static batch is a multiple of the width;
    // otherwise the last vector of a column is masked.
    int64_t staticRows = op.getInit().getType().getDimSize(0);
    bool inBounds =
        !ShapedType::isDynamic(staticRows) && staticRows % width == 0;
    constexpr int64_t kAccumulators = 4;

    // Columns of yT from `firstColumn` (null: 0) on, `count` of them.
    auto columnLoop = [&](OpBuilder &b, Location loc, Value yT, Value count,
                          Value firstColumn) {
      auto perColumn = scf::ForOp::create(
          b, loc, zero, count, one, ValueRange{yT},
          [&](OpBuilder &cb, Location cl, Value n, ValueRange cacc) {
            auto [first, last] = columnEntries(
                cb, cl, offsets, packedColumn(cb, cl, firstColumn, n));
            // Named values: lambdas below capture them.
            Value begin = first, end = last;
            auto perChunk = scf::ForOp::create(
                cb, cl, zero, batchRows, widthStep, ValueRange{cacc[0]},
                [&](OpBuilder &mb, Location ml, Value m0, ValueRange macc) {
                  SmallVector<Value> init(kAccumulators, zeroVec);
                  auto entries = scf::ForOp::create(
                      mb, ml, begin, end, step, init,
                      [&](OpBuilder &eb, Location el, Value j,
                          ValueRange vacc) {
                        Value ahead = arith::MinUIOp::create(
                            eb, el, arith::AddIOp::create(eb, el, j, distance),
                            lastEntry);
                        for (Value buffer : {rowsBuffer, valuesBuffer})
                          memref::PrefetchOp::create(eb, el, buffer, ahead,
                                                     /*isWrite=*/false,
                                                     /*localityHint=*/3,
                                                     /*isDataCache=*/true);
                        SmallVector<Value> accs(vacc.begin(), vacc.end());
                        for (int64_t u = 0; u < group; ++u) {
                          Value ju = arith::AddIOp::create(
                              eb, el, j, constIndex(eb, el, u));
                          Value k = extractIndex(eb, el, rows, ju);
                          Value w = tensor::ExtractOp::create(eb, el, values,
                                                              ValueRange{ju});
                          Value wv =
                              vector::BroadcastOp::create(eb, el, vecType, w);
                          Value xv = vector::TransferReadOp::create(
                              eb, el, vecType, xT, ValueRange{k, m0}, zeroF,
                              ArrayRef<bool>{inBounds});
                          Value &a = accs[u % kAccumulators];
                          a = vector::FMAOp::create(eb, el, xv, wv, a);
                        }
                        scf::YieldOp::create(eb, el, accs);
                      });
                  Value sum = vector::TransferReadOp::create(
                      mb, ml, vecType, macc[0], ValueRange{n, m0}, zeroF,
                      ArrayRef<bool>{inBounds});
                  for (Value partial : entries.getResults())
                    sum = arith::AddFOp::create(mb, ml, sum, partial);
                  Value next = vector::TransferWriteOp::create(
                                   mb, ml, sum, macc[0], ValueRange{n, m0},
                                   ArrayRef<bool>{inBounds})
                                   .getResult();
                  scf::YieldOp::create(mb, ml, next);
                });
            scf::YieldOp::create(cb, cl, perChunk.getResult(0));
          });
      return perColumn.getResult(0);
    };
    Value result =
        chunks
            ? buildParallelChunks(
                  b, loc, yT, /*dim=*/0, chunks, chunkSize,
                  [&](OpBuilder &cb, Location cl, Value slice, Value offset) {
                    return columnLoop(cb, cl, slice,
                                      tensor::DimOp::create(cb, cl, slice, 0),
                                      offset);
                  })
            : columnLoop(b, loc, yT, columns, nullptr);
    return transpose(b, loc, result);
  }

  /// The one-row kernel over all columns, in `chunks` of `chunkSize` in
  /// parallel (null: one loop).
  Value oneRowChunked(OpBuilder &b, Location loc, SparseMatmulOp op,
                      Value chunks, Value chunkSize) const {
    auto kernel = [&](OpBuilder &kb, Location kl, Value init,
                      Value firstColumn) {
      return useScalable(op) ? oneRowScalable(kb, kl, op, init, firstColumn)
                             : oneRow(kb, kl, op, init, firstColumn);
    };
    if (!chunks)
      return kernel(b, loc, op.getInit(), nullptr);
    return buildParallelChunks(
        b, loc, op.getInit(), /*dim=*/1, chunks, chunkSize,
        [&](OpBuilder &cb, Location cl, Value slice, Value offset) {
          return kernel(cb, cl, slice, offset);
        });
  }

  LogicalResult matchAndRewrite(SparseMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rowsStatic = op.getInit().getType().getDimSize(0);
    // An empty batch or reduction: the product is `init`.
    if (rowsStatic == 0 || op.getInput().getType().getDimSize(1) == 0) {
      rewriter.replaceOp(op, op.getInit());
      return success();
    }
    // Batch rows per vector: 16 (one AVX-512 register of f32) when the batch
    // fills it, else the smallest power of two that holds the batch; 8 for
    // a dynamic batch.
    int64_t width = 8;
    if (!ShapedType::isDynamic(rowsStatic))
      width = std::min<int64_t>(16, llvm::PowerOf2Ceil(rowsStatic));
    // With threads: chunks of output columns, from the estimated cycles
    // (the packed entries times the batch rows as multiply-adds, a dynamic
    // batch counting as one row, or the packed values and rows streamed).
    Value chunks, chunkSize;
    int64_t columnsStatic = op.getInit().getType().getDimSize(1);
    int64_t entries = op.getRows().getType().getDimSize(0);
    if (threads > 1 && !ShapedType::isDynamic(columnsStatic) &&
        !ShapedType::isDynamic(entries) && columnsStatic > 0) {
      int64_t batchRows = ShapedType::isDynamic(rowsStatic) ? 1 : rowsStatic;
      int64_t entryBytes = (op.getValues().getType().getElementTypeBitWidth() +
                            op.getRows().getType().getElementTypeBitWidth()) /
                           8;
      int64_t cycles = kernelCycles(entries * batchRows, entries * entryBytes,
                                    targetVectorWidth);
      int64_t count = planParallelChunks(columnsStatic, cycles / columnsStatic,
                                         threads, minChunkCycles);
      if (count > 1) {
        chunks = constIndex(rewriter, loc, count);
        chunkSize = constIndex(rewriter, loc, columnsStatic / count);
      }
    }
    Value result;
    if (rowsStatic == 1) {
      result = oneRowChunked(rewriter, loc, op, chunks, chunkSize);
    } else if (!ShapedType::isDynamic(rowsStatic)) {
      result = batch(rewriter, loc, op, width, chunks, chunkSize);
    } else {
      Value batchRows = tensor::DimOp::create(rewriter, loc, op.getInit(), 0);
      Value isOne =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                batchRows, constIndex(rewriter, loc, 1));
      auto choice = scf::IfOp::create(
          rewriter, loc, isOne,
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l,
                                 oneRowChunked(b, l, op, chunks, chunkSize));
          },
          [&](OpBuilder &b, Location l) {
            scf::YieldOp::create(b, l,
                                 batch(b, l, op, width, chunks, chunkSize));
          });
      result = choice.getResult(0);
    }
    rewriter.replaceOp(op, result);
    return success();
  }

  int64_t threads, minChunkCycles, targetVectorWidth;
  bool scalableVectors;
};

struct ConvertSieveWeightOpsToSCFPass
    : sieve::impl::ConvertSieveWeightOpsToSCFBase<
          ConvertSieveWeightOpsToSCFPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerSparseMatmul>(&getContext(), threads, minChunkCycles,
                                    targetVectorWidth, scalableVectors);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
