//===- GPUSparseWeights.cpp - Sparse constant weights on the GPU -*- C++ -*-=//
//
// sieve-sparsify-weights-gpu: a pruned constant matmul weight as an
// interleaved ELL contraction for sieve-map-to-gpu's kernels
// (docs/targets.md).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <algorithm>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVESPARSIFYWEIGHTSGPU
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// Reduction rows up to this fit the 16-bit row indices.
constexpr int64_t kMaxShortRows = 32767;
/// The share of the dense weight's bytes the packed form may read at most
/// by default: the kernel is bound by the weight's bytes (a batch-1
/// product reads each once), and each entry also gathers an activation.
constexpr double kDefaultBytesShare = 0.8;

struct PackWeightForGPU : OpRewritePattern<linalg::MatmulOp> {
  PackWeightForGPU(MLIRContext *ctx, double limit, bool report)
      : OpRewritePattern(ctx), limit(limit), report(report) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<WeightPackingPlan> plan =
        planWeightPacking(op, /*limitOverride=*/1.0);
    if (!plan)
      return rewriter.notifyMatchFailure(op,
                                         "not a static f32 constant weight");
    int64_t k = plan->rows, n = plan->cols;
    if (plan->nonZeros == k * n)
      return rewriter.notifyMatchFailure(op, "no zeros");
    // Every column padded to the longest one's entries (at least one).
    int64_t slots =
        std::max<int64_t>(1, *std::max_element(plan->columnNonZeros.begin(),
                                               plan->columnNonZeros.end()));
    bool shortRows = k <= kMaxShortRows;
    int64_t entryBytes = 4 + (shortRows ? 2 : 4);
    double packedDensity = double(slots) / double(k);
    double wanted =
        limit >= 0 ? limit : kDefaultBytesShare * 4.0 / double(entryBytes);
    std::string node = describeNode(op, "matmul");
    if (packedDensity > wanted) {
      if (report)
        op->emitRemark() << node << ": " << k << "x" << n << " weight "
                         << formatPercent(plan->density, 1)
                         << " non-zero, its longest column "
                         << formatPercent(packedDensity, 1)
                         << " of the rows, above the GPU packing limit "
                         << formatPercent(wanted, 0) << ": kept dense";
      return rewriter.notifyMatchFailure(op, "weight too dense to pay");
    }

    // Entry j of column c at [j, c]: neighbouring threads (columns) read
    // neighbouring addresses. Padding: value 0, the column's last row.
    SmallVector<float> values(slots * n, 0.0f);
    SmallVector<int32_t> rows(slots * n, 0);
    SmallVector<int64_t> filled(n, 0);
    for (int64_t r = 0; r < k; ++r)
      for (int64_t c = 0; c < n; ++c)
        if (float v = plan->values[r * n + c]; v != 0) {
          values[filled[c] * n + c] = v;
          rows[filled[c]++ * n + c] = static_cast<int32_t>(r);
        }
    for (int64_t c = 0; c < n; ++c)
      for (int64_t j = filled[c]; j < slots; ++j)
        rows[j * n + c] = filled[c] ? rows[(filled[c] - 1) * n + c] : 0;

    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto valuesType = RankedTensorType::get({slots, n}, rewriter.getF32Type());
    Type rowType = shortRows ? rewriter.getI16Type() : rewriter.getI32Type();
    auto rowsType = RankedTensorType::get({slots, n}, rowType);
    Value valuesCst = arith::ConstantOp::create(
        rewriter, loc, valuesType,
        DenseElementsAttr::get(valuesType, ArrayRef<float>(values)));
    DenseElementsAttr rowsAttr;
    if (shortRows) {
      SmallVector<int16_t> narrow(rows.begin(), rows.end());
      rowsAttr = DenseElementsAttr::get(rowsType, ArrayRef<int16_t>(narrow));
    } else {
      rowsAttr = DenseElementsAttr::get(rowsType, ArrayRef<int32_t>(rows));
    }
    Value rowsCst =
        arith::ConstantOp::create(rewriter, loc, rowsType, rowsAttr);

    // y[m, c] += values[j, c] * x[m, rows[j, c]] over the slots j.
    Value x = op.getInputs()[0];
    AffineExpr m = getAffineDimExpr(0, ctx), c = getAffineDimExpr(1, ctx),
               j = getAffineDimExpr(2, ctx);
    auto entryMap = AffineMap::get(3, 0, {j, c}, ctx);
    auto outMap = AffineMap::get(3, 0, {m, c}, ctx);
    auto product = linalg::GenericOp::create(
        rewriter, loc, op.getResultTypes(), ValueRange{valuesCst, rowsCst},
        op.getOutputs(), ArrayRef<AffineMap>{entryMap, entryMap, outMap},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::parallel,
                                      utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value row =
              arith::IndexCastOp::create(b, l, b.getIndexType(), args[1]);
          Value activation = tensor::ExtractOp::create(
              b, l, x, ValueRange{linalg::IndexOp::create(b, l, 0), row});
          Value term = arith::MulFOp::create(b, l, activation, args[0]);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, args[2], term)});
        });
    if (report)
      op->emitRemark() << node << ": " << k << "x" << n << " weight "
                       << formatPercent(plan->density, 1)
                       << " non-zero, its longest column "
                       << formatPercent(packedDensity, 1)
                       << " of the rows (limit " << formatPercent(wanted, 0)
                       << "): packed for the GPU, " << slots
                       << " entries per column ("
                       << formatBytes(slots * n * entryBytes) << ", dense "
                       << formatBytes(k * n * 4) << ")";
    rewriter.replaceOp(op, product.getResults());
    return success();
  }

  double limit;
  bool report;
};

struct SieveSparsifyWeightsGPUPass
    : sieve::impl::SieveSparsifyWeightsGPUBase<SieveSparsifyWeightsGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PackWeightForGPU>(&getContext(), densityLimit, report);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
