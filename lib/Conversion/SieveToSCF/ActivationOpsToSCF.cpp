//===- ActivationOpsToSCF.cpp - Lower the activation gather ops -*- C++ -*-===//

#include "sieve/Analysis/CostModel.h"
#include "sieve/Conversion/Passes.h"

#include "ParallelChunks.h"
#include "RowVectors.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"
#include "sieve/Dialect/Sieve/Transforms/PackPanels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_CONVERTSIEVEACTIVATIONOPSTOSCF
#include "sieve/Conversion/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

Value dim(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  return tensor::DimOp::create(b, loc, tensor, i);
}

Value constIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The parallel chunks a gather kernel is worth at run time: one per
/// `minChunkCycles` of its estimated cycles (kernelCycles: `count` weight
/// rows of `rowElements` elements of `et` times `rows` input rows of
/// multiply-adds at one `targetVectorWidth` FMA per cycle, or those weight
/// rows' bytes streamed, whichever is more), at most `limit`, at least 1.
Value wantedChunks(OpBuilder &b, Location loc, Value count, Value rowElements,
                   Value rows, Type et, int64_t targetVectorWidth,
                   int64_t minChunkCycles, Value limit) {
  auto div = [&](Value a, int64_t d) {
    return arith::DivUIOp::create(b, loc, a, constIndex(b, loc, d)).getResult();
  };
  Value weightElements = arith::MulIOp::create(b, loc, count, rowElements);
  Value computeCycles = div(arith::MulIOp::create(b, loc, weightElements, rows),
                            targetVectorWidth);
  Value streamCycles = div(
      arith::MulIOp::create(b, loc, weightElements,
                            constIndex(b, loc, et.getIntOrFloatBitWidth() / 8)),
      kStreamBytesPerCycle);
  Value cycles = arith::MaxUIOp::create(b, loc, computeCycles, streamCycles);
  return arith::MaxUIOp::create(
      b, loc, constIndex(b, loc, 1),
      arith::MinUIOp::create(b, loc, div(cycles, minChunkCycles), limit));
}

/// The indices `k` in `[0, neurons)` for which `isActive(m, k)` holds for
/// some row `m` in `[0, rows)`, in ascending order, by a compaction loop, as
/// a tensor of `resultType`.
Value buildCompaction(
    OpBuilder &builder, Location loc, Value neurons, Value rows,
    Type resultType,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> isActive) {
  Value zero = constIndex(builder, loc, 0), one = constIndex(builder, loc, 1);
  Value buffer = tensor::EmptyOp::create(
      builder, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
      builder.getIndexType(), ValueRange{neurons});
  auto loop = scf::ForOp::create(
      builder, loc, zero, neurons, one, ValueRange{zero, buffer},
      [&](OpBuilder &b, Location l, Value k, ValueRange args) {
        Value falseVal = arith::ConstantIntOp::create(b, l, 0, 1);
        auto any = scf::ForOp::create(
            b, l, zero, rows, one, ValueRange{falseVal},
            [&](OpBuilder &ib, Location il, Value m, ValueRange acc) {
              Value result =
                  arith::OrIOp::create(ib, il, acc[0], isActive(ib, il, m, k));
              scf::YieldOp::create(ib, il, result);
            });
        auto append = scf::IfOp::create(
            b, l, any.getResult(0),
            [&](OpBuilder &tb, Location tl) {
              Value stored =
                  tensor::InsertOp::create(tb, tl, k, args[1], args[0]);
              Value next = arith::AddIOp::create(tb, tl, args[0], one);
              scf::YieldOp::create(tb, tl, ValueRange{next, stored});
            },
            [&](OpBuilder &eb, Location el) {
              scf::YieldOp::create(eb, el, ValueRange{args[0], args[1]});
            });
        scf::YieldOp::create(b, l, append.getResults());
      });
  Value count = loop.getResult(0);
  Value indices = tensor::ExtractSliceOp::create(
      builder, loc, loop.getResult(1), ArrayRef<OpFoldResult>{zero},
      ArrayRef<OpFoldResult>{count}, ArrayRef<OpFoldResult>{one});
  if (indices.getType() != resultType)
    indices = tensor::CastOp::create(builder, loc, resultType, indices);
  return indices;
}

/// Indices of the active neurons, by a compaction loop.
struct LowerActiveSet : OpRewritePattern<ActiveSetOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ActiveSetOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value h = op.getInput();
    auto ht = cast<RankedTensorType>(h.getType());
    bool batched = ht.getRank() == 2;
    Type et = ht.getElementType();
    Value neurons = dim(rewriter, loc, h, ht.getRank() - 1);
    Value rows =
        batched ? dim(rewriter, loc, h, 0) : constIndex(rewriter, loc, 1);
    Value threshold = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getFloatAttr(et, op.getThreshold().convertToDouble()));
    rewriter.replaceOp(
        op, buildCompaction(
                rewriter, loc, neurons, rows, op.getType(),
                [&](OpBuilder &b, Location l, Value m, Value k) -> Value {
                  SmallVector<Value> coords;
                  if (batched)
                    coords.push_back(m);
                  coords.push_back(k);
                  Value v = tensor::ExtractOp::create(b, l, h, coords);
                  Value mag = math::AbsFOp::create(b, l, v);
                  return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               mag, threshold);
                }));
    return success();
  }
};

/// The product `a @ b` of 2-D tensors as a linalg.matmul into a zero-filled
/// tensor (tiled and vectorized later like every matmul).
Value buildMatmul(OpBuilder &b, Location loc, Value a, Value bm) {
  auto at = cast<RankedTensorType>(a.getType());
  auto bt = cast<RankedTensorType>(bm.getType());
  Type et = at.getElementType();
  SmallVector<Value> dynamicSizes;
  if (at.isDynamicDim(0))
    dynamicSizes.push_back(dim(b, loc, a, 0));
  if (bt.isDynamicDim(1))
    dynamicSizes.push_back(dim(b, loc, bm, 1));
  auto type = RankedTensorType::get({at.getDimSize(0), bt.getDimSize(1)}, et);
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), et, dynamicSizes);
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(et, 0.0));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  return linalg::MatmulOp::create(b, loc, TypeRange{type}, ValueRange{a, bm},
                                  ValueRange{init})
      .getResult(0);
}

/// The predictor's scores `(x @ u) @ v` as two matmuls (the small one first),
/// then the neurons whose score exceeds their threshold in some row.
struct LowerPredict : OpRewritePattern<PredictOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(PredictOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = op.getInput();
    auto xt = cast<RankedTensorType>(x.getType());
    if (xt.getRank() == 1)
      x = tensor::ExpandShapeOp::create(
          rewriter, loc,
          RankedTensorType::get({1, xt.getDimSize(0)}, xt.getElementType()), x,
          ArrayRef<ReassociationIndices>{{0, 1}});
    Value scores = buildMatmul(
        rewriter, loc, buildMatmul(rewriter, loc, x, op.getU()), op.getV());
    Value thresholds = op.getThresholds();
    Value neurons = dim(rewriter, loc, op.getV(), 1);
    Value rows = dim(rewriter, loc, x, 0);
    rewriter.replaceOp(
        op, buildCompaction(
                rewriter, loc, neurons, rows, op.getType(),
                [&](OpBuilder &b, Location l, Value m, Value k) -> Value {
                  Value s =
                      tensor::ExtractOp::create(b, l, scores, ValueRange{m, k});
                  Value t = tensor::ExtractOp::create(b, l, thresholds,
                                                      ValueRange{k});
                  return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT,
                                               s, t);
                }));
    return success();
  }
};

/// The selected neurons whose weight rows the gather kernels read at once.
constexpr int64_t kNeuronGroup = 4;

/// The coordinates of column `n` of row `m`: (m, n) in a batch, (n) for
/// one row.
SmallVector<Value> rowCoords(bool batched, Value m, Value n) {
  if (batched)
    return {m, n};
  return {n};
}

/// One step of a gather kernel over the selected neurons `ks`: the new
/// values of the accumulators `accs`; with `prefetch` (a neuron), its
/// weight row is prefetched alongside.
using GroupStep = llvm::function_ref<SmallVector<Value>(
    OpBuilder &, Location, ValueRange ks, Value prefetch, ValueRange accs)>;

/// Loops over the selected neurons idx[jBegin, jEnd), threading `accs`
/// through `step`: `kNeuronGroup` neurons at a time (no prefetch), then the
/// rest one at a time with the neuron after it as `prefetch` (the last
/// neuron, for the last). Returns the final accumulators.
SmallVector<Value> forSelectedGroups(OpBuilder &builder, Location loc,
                                     Value idx, Value jBegin, Value jEnd,
                                     ValueRange accs, GroupStep step) {
  Value one = constIndex(builder, loc, 1);
  Value group = constIndex(builder, loc, kNeuronGroup);
  Value lastIndex = arith::SubIOp::create(
      builder, loc, tensor::DimOp::create(builder, loc, idx, 0), one);
  Value groupEnd = arith::AddIOp::create(
      builder, loc, jBegin,
      arith::MulIOp::create(
          builder, loc,
          arith::DivUIOp::create(
              builder, loc, arith::SubIOp::create(builder, loc, jEnd, jBegin),
              group),
          group));
  auto groups = scf::ForOp::create(
      builder, loc, jBegin, groupEnd, group, accs,
      [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
        SmallVector<Value> ks;
        for (int64_t i = 0; i < kNeuronGroup; ++i) {
          Value at = i ? arith::AddIOp::create(b, l, j, constIndex(b, l, i))
                             .getResult()
                       : j;
          ks.push_back(tensor::ExtractOp::create(b, l, idx, ValueRange{at}));
        }
        scf::YieldOp::create(b, l, step(b, l, ks, /*prefetch=*/{}, acc));
      });
  auto rest = scf::ForOp::create(
      builder, loc, groupEnd, jEnd, one, groups.getResults(),
      [&](OpBuilder &b, Location l, Value j, ValueRange acc) {
        Value k = tensor::ExtractOp::create(b, l, idx, ValueRange{j});
        Value nextJ = arith::MinUIOp::create(
            b, l, arith::AddIOp::create(b, l, j, one), lastIndex);
        Value nextK = tensor::ExtractOp::create(b, l, idx, ValueRange{nextJ});
        scf::YieldOp::create(b, l, step(b, l, k, nextK, acc));
      });
  return llvm::to_vector_of<Value>(rest.getResults());
}

/// The AXPY step of `sieve.gather_matmul`: acc[m, :] += h[m, k] * w[k,
/// firstColumn + :] for the selected neurons `k` of a step (their rows read
/// in the same loop) and every batch row `m`; `columns` of `acc` (all of
/// them), whole vectors then a scalar loop (scalable vectors: one masked
/// step). With `prefetch`, the weight row of neuron `prefetch` is
/// prefetched alongside (one prefetch per vector).
struct RowAxpyStep {
  RowAxpyStep(OpBuilder &builder, Location loc, Value w, bool batched, Type et,
              RowVectors vectors, Value columns, Value firstColumn)
      : w(w), batched(batched), columns(columns), firstColumn(firstColumn),
        scalable(vectors.scalable), vecType(vectors.type(et)) {
    zero = constIndex(builder, loc, 0);
    one = constIndex(builder, loc, 1);
    step = vectors.step(builder, loc);
    vectorEnd = arith::MulIOp::create(
        builder, loc, arith::DivUIOp::create(builder, loc, columns, step),
        step);
    auto wt = cast<RankedTensorType>(w.getType());
    wBuffer = bufferization::ToBufferOp::create(
        builder, loc, MemRefType::get(wt.getShape(), wt.getElementType()), w,
        builder.getUnitAttr());
  }

  /// The weight column of accumulator column `n`.
  Value weightColumn(OpBuilder &b, Location l, Value n) const {
    return firstColumn ? arith::AddIOp::create(b, l, firstColumn, n) : n;
  }

  /// `acc` plus the products of `h`'s neurons `ks` ([M, N] or [N]).
  Value add(OpBuilder &b, Location l, Value h, ValueRange ks, Value prefetch,
            Value acc) const {
    Value rows = batched ? dim(b, l, h, 0) : one;
    auto perRow = scf::ForOp::create(
        b, l, zero, rows, one, ValueRange{acc},
        [&](OpBuilder &rb, Location rl, Value m, ValueRange racc) {
          auto coords = [&](Value n) { return rowCoords(batched, m, n); };
          SmallVector<Value> hks, hvs;
          for (Value k : ks) {
            hks.push_back(tensor::ExtractOp::create(rb, rl, h, coords(k)));
            hvs.push_back(
                vector::BroadcastOp::create(rb, rl, vecType, hks.back()));
          }
          // One step of the row at column `n`, all lanes or `mask`'s.
          auto body = [&](OpBuilder &vb, Location vl, Value n, Value acc,
                          Value mask) -> Value {
            Value wn = weightColumn(vb, vl, n);
            if (prefetch)
              memref::PrefetchOp::create(vb, vl, wBuffer,
                                         ValueRange{prefetch, wn},
                                         /*isWrite=*/false,
                                         /*localityHint=*/3,
                                         /*isDataCache=*/true);
            Value yv = readRow(vb, vl, vecType, acc, coords(n), mask);
            for (auto [k, hv] : llvm::zip(ks, hvs)) {
              Value wv = readRow(vb, vl, vecType, w, ValueRange{k, wn}, mask);
              yv = vector::FMAOp::create(vb, vl, hv, wv, yv);
            }
            return writeRow(vb, vl, yv, acc, coords(n), mask);
          };
          // Whole vectors, then (scalable) one masked step or (fixed) the
          // scalar loop below.
          Value row = buildRowSteps(rb, rl, vecType, zero, vectorEnd, columns,
                                    step, racc[0], scalable,
                                    [&](OpBuilder &vb, Location vl, Value n,
                                        ValueRange args,
                                        Value mask) -> SmallVector<Value> {
                                      return {body(vb, vl, n, args[0], mask)};
                                    })[0];
          if (scalable) {
            scf::YieldOp::create(rb, rl, row);
            return;
          }
          auto scalarLoop = scf::ForOp::create(
              rb, rl, vectorEnd, columns, one, ValueRange{row},
              [&](OpBuilder &sb, Location sl, Value n, ValueRange sacc) {
                Value y = tensor::ExtractOp::create(sb, sl, sacc[0], coords(n));
                for (auto [k, hk] : llvm::zip(ks, hks)) {
                  Value wk = tensor::ExtractOp::create(
                      sb, sl, w, ValueRange{k, weightColumn(sb, sl, n)});
                  y = math::FmaOp::create(sb, sl, hk, wk, y);
                }
                Value t =
                    tensor::InsertOp::create(sb, sl, y, sacc[0], coords(n));
                scf::YieldOp::create(sb, sl, t);
              });
          scf::YieldOp::create(rb, rl, scalarLoop.getResult(0));
        });
    return perRow.getResult(0);
  }

  Value w;
  bool batched;
  Value columns, firstColumn;
  bool scalable;
  VectorType vecType;
  Value zero, one, step, vectorEnd, wBuffer;
};

/// A zero-filled tensor of `type` whose dynamic sizes are `dynamicSizes`.
Value zeroFilled(OpBuilder &b, Location loc, RankedTensorType type,
                 ValueRange dynamicSizes) {
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType(), dynamicSizes);
  Value zero = arith::ConstantOp::create(
      b, loc, b.getFloatAttr(type.getElementType(), 0.0));
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

/// max(v, 0): the ReLU of a hidden value.
Value reluOf(OpBuilder &b, Location loc, Value v) {
  Value zero =
      arith::ConstantOp::create(b, loc, b.getFloatAttr(v.getType(), 0.0));
  return arith::MaximumFOp::create(b, loc, v, zero);
}

/// Runs the selected neurons idx[jBegin, jEnd) of a gather kernel, adding
/// their products into `init` (a zero output of the kernel's result type).
using NeuronRun = llvm::function_ref<Value(OpBuilder &, Location, Value jBegin,
                                           Value jEnd, Value init)>;

/// A gather kernel's result of type `type` (dynamic sizes `sizes`) over the
/// `count` selected neurons, in parallel: chunks of consecutive selected
/// neurons (one per `minChunkCycles` of the estimated cycles, wantedChunks
/// over `rowElements` weight elements per neuron and `rows` batch rows; at
/// most one per thread and per neuron, at least one), each running `run`
/// over its neurons into its row of the partial outputs [chunks, ...type]
/// (zeroed, and the sums added in place),
/// then their sum over the chunks (a linalg.generic). Each thread reads
/// whole weight rows: split by output columns instead, every thread read
/// part of every selected row, shorter runs the memory system streams
/// worse (docs/sparsity.md).
Value sumOfNeuronChunks(OpBuilder &builder, Location loc, RankedTensorType type,
                        ValueRange sizes, Value count, Value rowElements,
                        Value rows, int64_t threads, int64_t minChunkCycles,
                        int64_t targetVectorWidth, NeuronRun run) {
  Type et = type.getElementType();
  Value one = constIndex(builder, loc, 1);
  auto ceilDiv = [&](Value a, Value b) {
    return arith::CeilDivUIOp::create(builder, loc, a, b).getResult();
  };
  Value wanted =
      wantedChunks(builder, loc, count, rowElements, rows, et,
                   targetVectorWidth, minChunkCycles,
                   arith::MinUIOp::create(builder, loc, count,
                                          constIndex(builder, loc, threads)));
  Value per = arith::MaxUIOp::create(builder, loc, one, ceilDiv(count, wanted));
  Value chunks = arith::MaxUIOp::create(builder, loc, one, ceilDiv(count, per));
  SmallVector<int64_t> partialShape{ShapedType::kDynamic};
  llvm::append_range(partialShape, type.getShape());
  SmallVector<Value> partialSizes{chunks};
  llvm::append_range(partialSizes, sizes);
  int64_t rank = partialShape.size();
  Value partial = buildParallelChunks(
      builder, loc,
      tensor::EmptyOp::create(builder, loc, partialShape, et, partialSizes),
      /*dim=*/0, chunks, one,
      [&](OpBuilder &b, Location l, Value slice, Value i) -> Value {
        Value jBegin = arith::MulIOp::create(b, l, i, per);
        Value jEnd = arith::MinUIOp::create(
            b, l, arith::AddIOp::create(b, l, jBegin, per), count);
        // The chunk's output: the slice's one row, zeroed, then its sums.
        SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
            sliceSizes = tensor::getMixedSizes(b, l, slice),
            strides(rank, b.getIndexAttr(1));
        sliceSizes[0] = b.getIndexAttr(1);
        Value row = tensor::ExtractSliceOp::create(b, l, type, slice, offsets,
                                                   sliceSizes, strides);
        Value zero = arith::ConstantOp::create(b, l, b.getFloatAttr(et, 0.0));
        Value out = run(b, l, jBegin, jEnd,
                        linalg::FillOp::create(b, l, zero, row).getResult(0));
        return tensor::InsertSliceOp::create(b, l, out, slice, offsets,
                                             sliceSizes, strides)
            .getResult();
      });
  SmallVector<AffineMap> maps{
      builder.getMultiDimIdentityMap(rank),
      builder.getMultiDimIdentityMap(rank).dropResult(0)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[0] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             builder, loc, TypeRange{type}, ValueRange{partial},
             ValueRange{zeroFilled(builder, loc, type, sizes)}, maps, iterators,
             [&](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   b, l,
                   ValueRange{arith::AddFOp::create(b, l, args[1], args[0])});
             })
      .getResult(0);
}

/// For each selected neuron and batch row: y[m, :] += h[m, k] * w[k, :].
/// With several threads, chunks of the selected neurons run in parallel
/// into partial outputs (sumOfNeuronChunks).
struct LowerGatherMatmul : OpRewritePattern<GatherMatmulOp> {
  LowerGatherMatmul(MLIRContext *ctx, RowVectors vectors, int64_t threads,
                    int64_t minChunkCycles, int64_t targetVectorWidth)
      : OpRewritePattern(ctx), vectors(vectors), threads(threads),
        minChunkCycles(minChunkCycles), targetVectorWidth(targetVectorWidth) {}

  LogicalResult matchAndRewrite(GatherMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value h = op.getInput(), w = op.getWeight(), idx = op.getIndices();
    auto ht = cast<RankedTensorType>(h.getType());
    auto rt = cast<RankedTensorType>(op.getType());
    bool batched = ht.getRank() == 2;
    Type et = rt.getElementType();
    Value one = constIndex(rewriter, loc, 1);
    Value rows = batched ? dim(rewriter, loc, h, 0) : one;
    Value columns = dim(rewriter, loc, w, 1);
    SmallVector<Value> sizes;
    if (rt.isDynamicDim(0))
      sizes.push_back(batched ? rows : columns);
    if (batched && rt.isDynamicDim(1))
      sizes.push_back(columns);

    // The selected neurons idx[jBegin, jEnd) into a zero output. Their rows
    // are read `kNeuronGroup` at a time, each contiguous but at
    // unpredictable distances: several rows streaming at once keep more of
    // them in flight than one row and its prefetched successor (1.6-1.7x on
    // 16 KiB rows from memory, docs/sparsity.md).
    auto run = [&](OpBuilder &b, Location l, Value jBegin, Value jEnd,
                   Value init) -> Value {
      RowAxpyStep axpy(b, l, w, batched, et, vectors, columns,
                       /*firstColumn=*/nullptr);
      return forSelectedGroups(
          b, l, idx, jBegin, jEnd, init,
          [&](OpBuilder &b, Location l, ValueRange ks, Value prefetch,
              ValueRange accs) -> SmallVector<Value> {
            return {axpy.add(b, l, h, ks, prefetch, accs[0])};
          })[0];
    };
    Value count = dim(rewriter, loc, idx, 0);
    rewriter.replaceOp(
        op, threads <= 1
                ? run(rewriter, loc, constIndex(rewriter, loc, 0), count,
                      zeroFilled(rewriter, loc, rt, sizes))
                : sumOfNeuronChunks(rewriter, loc, rt, sizes, count, columns,
                                    rows, threads, minChunkCycles,
                                    targetVectorWidth, run));
    return success();
  }

  RowVectors vectors;
  int64_t threads, minChunkCycles, targetVectorWidth;
};

/// What every selected-dots kernel shares: the operands and the epilogue.
/// The dot products run over `reduction` columns of `w` from `firstColumn`
/// (null: all of them, from 0; a bundled weight's rows hold more).
struct SelectedDots {
  RowVectors vectors;
  Value x, w, idx, bias;
  RankedTensorType resultType;
  llvm::function_ref<Value(OpBuilder &, Location, ValueRange, Value)> epilogue;
  Value reduction = {}, firstColumn = {};
};

/// The step of a selected-dots kernel: for each selected neuron `k` of the
/// step and row `m`, the dot product of the input row `x[m, :]` with the
/// contiguous weight row `w[k, :]` (plus `bias[k]`), through the epilogue,
/// at `acc[m, k - firstNeuron]` (`acc`'s neuron column 0 is neuron
/// `firstNeuron`). The neurons of a step stream their rows together (one
/// load of the input vector for all); with `prefetch`, the weight row of
/// that neuron is prefetched while they stream, one prefetch per cache line.
struct DotsStep {
  DotsStep(OpBuilder &builder, Location loc, const SelectedDots &dots,
           Value firstNeuron)
      : dots(dots), firstNeuron(firstNeuron) {
    auto wt = cast<RankedTensorType>(dots.w.getType());
    batched = dots.resultType.getRank() == 2;
    Type et = dots.resultType.getElementType();
    zero = constIndex(builder, loc, 0);
    one = constIndex(builder, loc, 1);
    step = dots.vectors.step(builder, loc);
    reduction = dots.reduction ? dots.reduction : dim(builder, loc, dots.w, 1);
    vectorEnd = arith::MulIOp::create(
        builder, loc, arith::DivUIOp::create(builder, loc, reduction, step),
        step);
    vecType = dots.vectors.type(et);
    zeroVec = arith::ConstantOp::create(
        builder, loc, vecType,
        DenseElementsAttr::get(vecType, builder.getFloatAttr(et, 0.0)));
    wBuffer = bufferization::ToBufferOp::create(
        builder, loc, MemRefType::get(wt.getShape(), wt.getElementType()),
        dots.w, builder.getUnitAttr());
    lineElements = std::max<int64_t>(
        1, 64 / std::max<int64_t>(1, et.getIntOrFloatBitWidth() / 8));
  }

  /// The weight column of reduction step `n`.
  Value weightColumn(OpBuilder &b, Location l, Value n) const {
    return dots.firstColumn ? arith::AddIOp::create(b, l, dots.firstColumn, n)
                            : n;
  }

  /// `acc` with the dots of the selected neurons `ks`.
  Value add(OpBuilder &b, Location l, ValueRange ks, Value prefetch,
            Value acc) const {
    Value x = dots.x, w = dots.w;
    SmallVector<Value> columns, biases;
    for (Value k : ks) {
      std::optional<int64_t> first = getConstantIntValue(firstNeuron);
      columns.push_back(
          first && *first == 0
              ? k
              : arith::SubIOp::create(b, l, k, firstNeuron).getResult());
      biases.push_back(
          dots.bias ? tensor::ExtractOp::create(b, l, dots.bias, ValueRange{k})
                          .getResult()
                    : Value());
    }
    Value rows = batched ? dim(b, l, acc, 0) : one;
    auto perRow = scf::ForOp::create(
        b, l, zero, rows, one, ValueRange{acc},
        [&](OpBuilder &rb, Location rl, Value m, ValueRange racc) {
          auto coords = [&](Value n) { return rowCoords(batched, m, n); };
          SmallVector<Value> inits(ks.size(), zeroVec);
          // One step of the dots at column `n`, all lanes or `mask`'s.
          auto body = [&](OpBuilder &vb, Location vl, Value n, ValueRange vacc,
                          Value mask) {
            for (int64_t line = 0; prefetch && line < dots.vectors.lanes;
                 line += lineElements) {
              Value at = line ? arith::AddIOp::create(vb, vl, n,
                                                      constIndex(vb, vl, line))
                                    .getResult()
                              : n;
              memref::PrefetchOp::create(
                  vb, vl, wBuffer,
                  ValueRange{prefetch, weightColumn(vb, vl, at)},
                  /*isWrite=*/false,
                  /*localityHint=*/3,
                  /*isDataCache=*/true);
            }
            Value xv = readRow(vb, vl, vecType, x, coords(n), mask);
            SmallVector<Value> sums;
            for (auto [k, a] : llvm::zip(ks, vacc)) {
              Value wv = readRow(vb, vl, vecType, w,
                                 ValueRange{k, weightColumn(vb, vl, n)}, mask);
              sums.push_back(vector::FMAOp::create(vb, vl, xv, wv, a));
            }
            return sums;
          };
          // Whole vectors, then (scalable) one masked step whose zero
          // lanes add nothing, or (fixed) the scalar loops below.
          SmallVector<Value> dotsSoFar =
              buildRowSteps(rb, rl, vecType, zero, vectorEnd, reduction, step,
                            inits, dots.vectors.scalable, body);
          Value result = racc[0];
          for (auto [i, neuron] : llvm::enumerate(ks)) {
            Value k = neuron; // captured by the scalar loop's body
            // Any order of the sum: the dense matmul's differs too.
            Value sum = vector::ReductionOp::create(
                rb, rl, vector::CombiningKind::ADD, dotsSoFar[i],
                arith::FastMathFlags::reassoc);
            // The remainder of the row in a scalar loop (scalable vectors:
            // in the masked step above).
            Value dot = sum;
            if (!dots.vectors.scalable)
              dot =
                  scf::ForOp::create(
                      rb, rl, vectorEnd, reduction, one, ValueRange{sum},
                      [&](OpBuilder &sb, Location sl, Value n,
                          ValueRange sacc) {
                        Value wk = tensor::ExtractOp::create(
                            sb, sl, w, ValueRange{k, weightColumn(sb, sl, n)});
                        Value xk =
                            tensor::ExtractOp::create(sb, sl, x, coords(n));
                        Value f = math::FmaOp::create(sb, sl, xk, wk, sacc[0]);
                        scf::YieldOp::create(sb, sl, f);
                      })
                      .getResult(0);
            if (biases[i])
              dot = arith::AddFOp::create(rb, rl, dot, biases[i]);
            Value h = dots.epilogue(rb, rl, coords(k), dot);
            result =
                tensor::InsertOp::create(rb, rl, h, result, coords(columns[i]));
          }
          scf::YieldOp::create(rb, rl, result);
        });
    return perRow.getResult(0);
  }

  const SelectedDots &dots;
  Value firstNeuron;
  bool batched;
  Value zero, one, step, reduction, vectorEnd, zeroVec, wBuffer;
  VectorType vecType;
  int64_t lineElements;
};

/// The selected neurons idx[jBegin, jEnd) of `dots` into `acc`, whose
/// neuron (last) column 0 is neuron `firstNeuron` (DotsStep, over
/// forSelectedGroups).
Value selectedDotsLoop(OpBuilder &builder, Location loc,
                       const SelectedDots &dots, Value acc, Value jBegin,
                       Value jEnd, Value firstNeuron) {
  DotsStep step(builder, loc, dots, firstNeuron);
  return forSelectedGroups(builder, loc, dots.idx, jBegin, jEnd, acc,
                           [&](OpBuilder &b, Location l, ValueRange ks,
                               Value prefetch,
                               ValueRange accs) -> SmallVector<Value> {
                             return {step.add(b, l, ks, prefetch, accs[0])};
                           })[0];
}

/// The selected dots (selectedDotsLoop) into a zero-filled result of
/// `dots.resultType` (dynamic sizes those of `shapeOf`); every other neuron
/// stays zero. With threads > 1, the selected neurons (ascending) run in
/// up to `threads` parallel chunks of consecutive ones, one per
/// `minChunkCycles` of the estimated cycles (kernelCycles: selected
/// neurons x rows x reduction multiply-adds at one `targetVectorWidth` FMA
/// per cycle, or their weight rows' bytes streamed); each chunk owns the
/// result's neurons from its first selected one to the next chunk's (the
/// first from 0, the last to the end), so the chunks write disjoint
/// slices.
Value buildSelectedDots(OpBuilder &builder, Location loc,
                        const SelectedDots &dots, Value shapeOf,
                        int64_t threads, int64_t minChunkCycles,
                        int64_t targetVectorWidth) {
  RankedTensorType resultType = dots.resultType;
  Type et = resultType.getElementType();
  // Rows as `shapeOf`'s, neurons as the weight's rows.
  int64_t last = resultType.getRank() - 1;
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i <= last; ++i)
    if (resultType.isDynamicDim(i))
      dynamicSizes.push_back(i == last ? dim(builder, loc, dots.w, 0)
                                       : dim(builder, loc, shapeOf, i));
  Value init = zeroFilled(builder, loc, resultType, dynamicSizes);
  Value zero = constIndex(builder, loc, 0), one = constIndex(builder, loc, 1);
  Value count = dim(builder, loc, dots.idx, 0);
  if (threads <= 1)
    return selectedDotsLoop(builder, loc, dots, init, zero, count, zero);

  auto index = [&](int64_t v) { return constIndex(builder, loc, v); };
  auto ceilDiv = [&](Value a, Value b) {
    return arith::CeilDivUIOp::create(builder, loc, a, b).getResult();
  };
  Value rows = last == 1 ? dim(builder, loc, init, 0) : one;
  Value wanted =
      wantedChunks(builder, loc, count, dim(builder, loc, dots.w, 1), rows, et,
                   targetVectorWidth, minChunkCycles,
                   arith::MinUIOp::create(builder, loc, count, index(threads)));
  // Whole chunks of `per` selected neurons; no chunk is empty.
  Value per = arith::MaxUIOp::create(builder, loc, one, ceilDiv(count, wanted));
  Value chunks = arith::MaxUIOp::create(builder, loc, one, ceilDiv(count, per));

  // No selected neuron: the zeros (the chunks below read idx[0]).
  Value any = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ne,
                                    count, zero);
  auto ifAny = scf::IfOp::create(builder, loc, TypeRange{init.getType()}, any,
                                 /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(ifAny.elseBlock());
  scf::YieldOp::create(builder, loc, init);
  builder.setInsertionPointToStart(ifAny.thenBlock());
  // Chunk i runs the selected neurons idx[i*per, min((i+1)*per, count)) and
  // owns the result's neurons from its first selected one (0 for the first
  // chunk) to the next chunk's first (every neuron for the last).
  Value lastSelected = arith::SubIOp::create(builder, loc, count, one);
  auto selectedOr = [&](OpBuilder &b, Location l, Value edge, Value j,
                        Value fallback) -> Value {
    Value at = tensor::ExtractOp::create(
        b, l, dots.idx,
        ValueRange{arith::MinUIOp::create(b, l, j, lastSelected)});
    return arith::SelectOp::create(b, l, edge, fallback, at);
  };
  Value jBegin, jEnd; // The running chunk's, set by its range.
  Value result = buildParallelChunks(
      builder, loc, init, last, chunks,
      [&](OpBuilder &b, Location l, Value i, Value size) {
        jBegin = arith::MulIOp::create(b, l, i, per);
        jEnd = arith::MinUIOp::create(
            b, l, arith::AddIOp::create(b, l, jBegin, per), count);
        Value isFirst =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, i, zero);
        Value isLast =
            arith::CmpIOp::create(b, l, arith::CmpIPredicate::uge, jEnd, count);
        Value begin = selectedOr(b, l, isFirst, jBegin, zero);
        Value end = selectedOr(b, l, isLast, jEnd, size);
        return std::pair<Value, Value>(begin,
                                       arith::SubIOp::create(b, l, end, begin));
      },
      [&](OpBuilder &b, Location l, Value slice, Value begin) {
        return selectedDotsLoop(b, l, dots, slice, jBegin, jEnd, begin);
      });
  scf::YieldOp::create(builder, loc, result);
  return ifAny.getResult(0);
}

/// The options of the selected-dots patterns.
struct SelectedDotsOptions {
  RowVectors vectors;
  int64_t threads, minChunkCycles, targetVectorWidth;
};

/// The gated up projection: each selected dot product times the gate.
struct LowerGatedGatherMatmul : OpRewritePattern<GatedGatherMatmulOp> {
  LowerGatedGatherMatmul(MLIRContext *ctx, SelectedDotsOptions options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(GatedGatherMatmulOp op,
                                PatternRewriter &rewriter) const override {
    Value gate = op.getGate();
    auto epilogue = [&](OpBuilder &b, Location l, ValueRange at, Value up) {
      Value g = tensor::ExtractOp::create(b, l, gate, at);
      return arith::MulFOp::create(b, l, g, up).getResult();
    };
    SelectedDots dots{options.vectors, op.getInput(),
                      op.getWeight(),  op.getIndices(),
                      op.getBias(),    cast<RankedTensorType>(op.getType()),
                      epilogue};
    rewriter.replaceOp(op, buildSelectedDots(rewriter, op.getLoc(), dots, gate,
                                             options.threads,
                                             options.minChunkCycles,
                                             options.targetVectorWidth));
    return success();
  }

  SelectedDotsOptions options;
};

/// The selected columns of a projection: each selected dot product, through
/// the ReLU when asked.
struct LowerColumnGatherMatmul : OpRewritePattern<ColumnGatherMatmulOp> {
  LowerColumnGatherMatmul(MLIRContext *ctx, SelectedDotsOptions options)
      : OpRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(ColumnGatherMatmulOp op,
                                PatternRewriter &rewriter) const override {
    bool relu = op.getRelu();
    auto rt = cast<RankedTensorType>(op.getType());
    auto epilogue = [&](OpBuilder &b, Location l, ValueRange,
                        Value dot) -> Value {
      return relu ? reluOf(b, l, dot) : dot;
    };
    SelectedDots dots{options.vectors, op.getInput(), op.getWeight(),
                      op.getIndices(), op.getBias(),  rt,
                      epilogue};
    rewriter.replaceOp(op, buildSelectedDots(rewriter, op.getLoc(), dots,
                                             op.getInput(), options.threads,
                                             options.minChunkCycles,
                                             options.targetVectorWidth));
    return success();
  }

  SelectedDotsOptions options;
};

/// The tensor an elementwise `generic` transforms and the block argument
/// that reads it, or nulls: one result, every loop parallel and every map
/// the identity, one operand besides an unread output (the activations
/// applied in place on their input have no other) of the result's type, a
/// body of arith and math ops.
std::pair<Value, BlockArgument> elementwiseSource(linalg::GenericOp generic) {
  if (generic->getNumResults() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumDpsInputs() > 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isIdentity(); }))
    return {};
  Block *body = generic.getBody();
  for (Operation &inner : body->without_terminator())
    if (inner.getNumRegions() ||
        !isa<arith::ArithDialect, math::MathDialect>(inner.getDialect()))
      return {};
  OpOperand *init = generic.getDpsInitOperand(0);
  OpOperand *source = init;
  if (generic.getNumDpsInputs() == 1) {
    if (!generic.getMatchingBlockArgument(init).use_empty())
      return {};
    source = generic.getDpsInputOperand(0);
  }
  if (source->get().getType() != generic->getResult(0).getType())
    return {};
  return {source->get(), generic.getMatchingBlockArgument(source)};
}

/// A selected FFN in one pass over its neurons: `gather`
/// (the down projection, `sieve.gather_matmul`) whose input is the only use
/// of a selected-dots op over the same indices (the up projection,
/// `sieve.column_gather_matmul`, or `sieve.gated_gather_matmul` together
/// with the column gather of its gate when that is one, as a predictor's
/// gated FFN has), possibly through an elementwise activation
/// (elementwiseSource: ReLU6, a square), applied to each hidden value. The
/// weights go into one constant whose row k is neuron k's gate row, up row and
/// down row one after another (createBundledRowsConstant), and each step of
/// `kNeuronGroup` selected neurons computes their gate and hidden values
/// (DotsStep) and at once adds their down rows to the output (RowAxpyStep):
/// each neuron's weights are one contiguous run, read once, where the separate
/// kernels read two or three runs at different times (on a Zen 4 VM, 16 + 16
/// KiB rows of 23% of 11008 neurons from memory: 2.9-3.0 ms against 3.4 ms,
/// docs/sparsity.md). With `threads` > 1, chunks of consecutive selected
/// neurons run the pass in parallel, each into an output of its own, and
/// the partial outputs are summed. Fails (nothing changed) when the ops or
/// weights do not fit: f32 constants of the same neurons only.
LogicalResult fuseSelectedFFN(IRRewriter &rewriter, GatherMatmulOp gather,
                              RowVectors vectors, int64_t threads,
                              int64_t minChunkCycles,
                              int64_t targetVectorWidth) {
  Value h = gather.getInput();
  Operation *producer = h.getDefiningOp();
  // An elementwise activation between the gathers (ReLU6, a square),
  // applied to each hidden value as the up step computes it.
  linalg::GenericOp activation;
  BlockArgument activationArg;
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(producer);
      generic && h.hasOneUse()) {
    auto [source, arg] = elementwiseSource(generic);
    if (!source)
      return failure();
    activation = generic;
    activationArg = arg;
    h = source;
    producer = h.getDefiningOp();
  }
  if (!producer || !h.hasOneUse())
    return failure();
  auto ht = cast<RankedTensorType>(h.getType());
  auto rt = cast<RankedTensorType>(gather.getType());
  Type et = rt.getElementType();
  Value idx = gather.getIndices();
  Value x, wUp, bias, gate;
  bool relu = false;
  ColumnGatherMatmulOp gateOp; // The gate's column gather, fused too.
  if (auto column = dyn_cast<ColumnGatherMatmulOp>(producer)) {
    x = column.getInput();
    wUp = column.getWeight();
    bias = column.getBias();
    relu = column.getRelu();
    if (column.getIndices() != idx)
      return failure();
  } else if (auto gated = dyn_cast<GatedGatherMatmulOp>(producer)) {
    x = gated.getInput();
    wUp = gated.getWeight();
    bias = gated.getBias();
    gate = gated.getGate();
    if (gated.getIndices() != idx)
      return failure();
    gateOp = gate.getDefiningOp<ColumnGatherMatmulOp>();
    if (gateOp && (!gate.hasOneUse() || gateOp.getIndices() != idx ||
                   gate.getType() != ht))
      gateOp = {};
  } else {
    return failure();
  }
  // The hidden values' rows are the input's; their neurons static.
  if (!et.isF32() || ht.isDynamicDim(ht.getRank() - 1))
    return failure();
  Location loc = gather.getLoc();
  rewriter.setInsertionPoint(gather);
  Value bundled;
  if (gateOp)
    bundled = createBundledRowsConstant(
        rewriter, loc, {gateOp.getWeight(), wUp, gather.getWeight()});
  if (!bundled) {
    gateOp = {};
    bundled =
        createBundledRowsConstant(rewriter, loc, {wUp, gather.getWeight()});
  }
  if (!bundled)
    return failure();
  auto columnsOf = [](Value w) {
    return cast<RankedTensorType>(w.getType()).getDimSize(1);
  };
  int64_t gateColumns = gateOp ? columnsOf(gateOp.getWeight()) : 0;
  int64_t upColumns = columnsOf(wUp);
  int64_t downColumns = columnsOf(gather.getWeight());
  auto index = [&](int64_t v) { return constIndex(rewriter, loc, v); };

  // The hidden values (zero but for the selected neurons), the output, and
  // the gate values when the gate is fused: as many rows as the input.
  bool batched = ht.getRank() == 2;
  Value rows = batched ? dim(rewriter, loc, x, 0) : index(1);
  SmallVector<Value> hiddenSizes, outputSizes;
  if (batched && ht.isDynamicDim(0))
    hiddenSizes.push_back(rows);
  if (batched && rt.isDynamicDim(0))
    outputSizes.push_back(rows);
  // The gate values the up step multiplies by: the gated op's gate, or
  // the fused gate step's values of this step.
  Value currentGate = gate;
  auto upEpilogue = [&](OpBuilder &b, Location l, ValueRange at,
                        Value dot) -> Value {
    Value hidden =
        currentGate
            ? arith::MulFOp::create(
                  b, l, tensor::ExtractOp::create(b, l, currentGate, at), dot)
                  .getResult()
            : (relu ? reluOf(b, l, dot) : dot);
    if (!activation)
      return hidden;
    IRMapping mapping;
    mapping.map(activationArg, hidden);
    Block *body = activation.getBody();
    for (Operation &inner : body->without_terminator())
      b.clone(inner, mapping);
    return mapping.lookupOrDefault(
        cast<linalg::YieldOp>(body->getTerminator()).getValues()[0]);
  };
  bool gateRelu = gateOp && gateOp.getRelu();
  auto gateEpilogue = [&](OpBuilder &b, Location l, ValueRange,
                          Value dot) -> Value {
    return gateRelu ? reluOf(b, l, dot) : dot;
  };
  std::optional<SelectedDots> gateDots;
  if (gateOp)
    gateDots = SelectedDots{vectors,      gateOp.getInput(), bundled,
                            idx,          gateOp.getBias(),  ht,
                            gateEpilogue, index(gateColumns)};
  SelectedDots upDots{vectors,
                      x,
                      bundled,
                      idx,
                      bias,
                      ht,
                      upEpilogue,
                      index(upColumns),
                      index(gateColumns)};
  Value zero = index(0);
  std::optional<DotsStep> gateStep;
  if (gateDots)
    gateStep.emplace(rewriter, loc, *gateDots, zero);
  DotsStep up(rewriter, loc, upDots, zero);
  RowAxpyStep down(rewriter, loc, bundled, batched, et, vectors,
                   index(downColumns), index(gateColumns + upColumns));
  // The selected neurons idx[jBegin, jEnd) into the zero output `init`,
  // with zero hidden (and gate) values of their own.
  auto runNeurons = [&](OpBuilder &b, Location l, Value jBegin, Value jEnd,
                        Value init) -> Value {
    SmallVector<Value> inits{zeroFilled(b, l, ht, hiddenSizes), init};
    if (gateOp)
      inits.push_back(zeroFilled(b, l, ht, hiddenSizes));
    return forSelectedGroups(
        b, l, idx, jBegin, jEnd, inits,
        [&](OpBuilder &b, Location l, ValueRange ks, Value prefetch,
            ValueRange accs) -> SmallVector<Value> {
          SmallVector<Value> next;
          if (gateStep)
            currentGate = gateStep->add(b, l, ks, prefetch, accs[2]);
          next.push_back(up.add(b, l, ks, prefetch, accs[0]));
          next.push_back(down.add(b, l, next[0], ks, prefetch, accs[1]));
          if (gateStep)
            next.push_back(currentGate);
          return next;
        })[1];
  };
  Value count = dim(rewriter, loc, idx, 0);
  Value result =
      threads <= 1
          ? runNeurons(rewriter, loc, zero, count,
                       zeroFilled(rewriter, loc, rt, outputSizes))
          : sumOfNeuronChunks(rewriter, loc, rt, outputSizes, count,
                              index(gateColumns + upColumns + downColumns),
                              rows, threads, minChunkCycles, targetVectorWidth,
                              runNeurons);
  rewriter.replaceOp(gather, result);
  if (activation)
    rewriter.eraseOp(activation);
  rewriter.eraseOp(producer);
  if (gateOp)
    rewriter.eraseOp(gateOp);
  return success();
}

struct ConvertSieveActivationOpsToSCFPass
    : sieve::impl::ConvertSieveActivationOpsToSCFBase<
          ConvertSieveActivationOpsToSCFPass> {
  using Base::Base;
  void runOnOperation() override {
    // Selected FFNs in one pass over their neurons.
    SmallVector<GatherMatmulOp> gathers;
    getOperation()->walk([&](GatherMatmulOp op) { gathers.push_back(op); });
    IRRewriter rewriter(&getContext());
    RowVectors vectors{vectorWidth};
    if (scalableVectors)
      vectors = RowVectors{kScalableRowLanes, /*scalable=*/true};
    for (GatherMatmulOp gather : gathers)
      (void)fuseSelectedFFN(rewriter, gather, vectors, threads, minChunkCycles,
                            targetVectorWidth);
    RewritePatternSet patterns(&getContext());
    patterns.add<LowerActiveSet>(&getContext());
    patterns.add<LowerGatherMatmul>(&getContext(), vectors, threads,
                                    minChunkCycles, targetVectorWidth);
    patterns.add<LowerPredict>(&getContext());
    patterns.add<LowerGatedGatherMatmul, LowerColumnGatherMatmul>(
        &getContext(), SelectedDotsOptions{vectors, threads, minChunkCycles,
                                           targetVectorWidth});
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
