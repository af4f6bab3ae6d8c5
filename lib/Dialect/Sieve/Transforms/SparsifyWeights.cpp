//===- SparsifyWeights.cpp - Sparse constant weights ------------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Analysis/WeightPattern.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVESPARSIFYWEIGHTS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct PackSparseWeight : OpRewritePattern<linalg::MatmulOp> {
  PackSparseWeight(MLIRContext *ctx, double limit, bool report,
                   int64_t cacheBytes)
      : OpRewritePattern(ctx), limit(limit), report(report),
        cacheBytes(cacheBytes) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<WeightPackingPlan> plan =
        planWeightPacking(op, limit, cacheBytes);
    if (!plan)
      return rewriter.notifyMatchFailure(op,
                                         "not a static f32 constant weight");
    int64_t k = plan->rows, n = plan->cols;
    auto rt = cast<RankedTensorType>(op.getOutputs()[0].getType());
    if (!plan->pack) {
      if (report && plan->nonZeros < k * n)
        op->emitRemark() << describeNode(op, "matmul") << ": " << k << "x" << n
                         << " weight " << formatPercent(plan->density, 1)
                         << " non-zero ("
                         << formatPercent(plan->packedDensity, 1)
                         << " packed), above the packing limit "
                         << formatPercent(plan->limit, 0)
                         << " for this batch: kept dense";
      return rewriter.notifyMatchFailure(op, "weight too dense to pay");
    }
    Value x = op.getInputs()[0], init = op.getOutputs()[0];
    const SmallVector<float> &values = plan->values;

    // Column by column, each column padded with zeros to whole groups:
    // offsets from the plan's per-column counts, then one sequential pass
    // over the weight drops each non-zero at its column's cursor (rows come
    // in ascending order), and the padding repeats the column's last row
    // (its cache line is hot).
    SmallVector<int32_t> offsets{0};
    for (int64_t inColumn : plan->columnNonZeros)
      offsets.push_back(offsets.back() + static_cast<int32_t>(llvm::alignTo(
                                             inColumn, kSparseMatmulGroup)));
    SmallVector<float> packedValues(plan->entries, 0.0f);
    SmallVector<uint32_t> packedRows(plan->entries, 0);
    SmallVector<int64_t> cursor(offsets.begin(), offsets.end() - 1);
    for (int64_t row = 0; row < k; ++row) {
      const float *rowValues = values.data() + row * n;
      for (int64_t col = 0; col < n; ++col) {
        if (rowValues[col] == 0)
          continue;
        packedValues[cursor[col]] = rowValues[col];
        packedRows[cursor[col]++] = static_cast<uint32_t>(row);
      }
    }
    for (int64_t col = 0; col < n; ++col) {
      int64_t first = offsets[col];
      uint32_t lastRow = cursor[col] > first ? packedRows[cursor[col] - 1] : 0;
      for (int64_t j = cursor[col]; j < offsets[col + 1]; ++j)
        packedRows[j] = lastRow;
    }

    Location loc = op.getLoc();
    auto entries = static_cast<int64_t>(packedValues.size());
    auto valuesType = RankedTensorType::get({entries}, rewriter.getF32Type());
    // Rows stay 32-bit: 16-bit rows (6 bytes per entry instead of 8) made
    // the one-row gather kernel 15% slower (the widening feeds each gather)
    // and the batch kernel no faster (docs/sparsity.md).
    auto rowsType = RankedTensorType::get({entries}, rewriter.getI32Type());
    auto offsetsType = RankedTensorType::get({n + 1}, rewriter.getI32Type());
    Value valuesCst = arith::ConstantOp::create(
        rewriter, loc, valuesType,
        DenseElementsAttr::get(valuesType, ArrayRef<float>(packedValues)));
    DenseElementsAttr rowsAttr =
        DenseElementsAttr::get(rowsType, ArrayRef<uint32_t>(packedRows));
    Value rowsCst =
        arith::ConstantOp::create(rewriter, loc, rowsType, rowsAttr);
    Value offsetsCst = arith::ConstantOp::create(
        rewriter, loc, offsetsType,
        DenseElementsAttr::get(offsetsType, ArrayRef<int32_t>(offsets)));
    auto sparse =
        SparseMatmulOp::create(rewriter, loc, rt, x, valuesCst, rowsCst,
                               offsetsCst, init, kSparseMatmulGroup);
    if (Attribute pattern = op->getAttr("sieve.weight_pattern"))
      sparse->setAttr("sieve.weight_pattern", pattern);
    if (report)
      op->emitRemark() << describeNode(op, "matmul") << ": " << k << "x" << n
                       << " weight " << formatPercent(plan->density, 1)
                       << " non-zero (" << formatPercent(plan->packedDensity, 1)
                       << " packed, limit " << formatPercent(plan->limit, 0)
                       << "): packed into sieve.sparse_matmul ("
                       << formatBytes(entries * 8) << ", dense "
                       << formatBytes(k * n * 4) << ")";
    rewriter.replaceOp(op, sparse.getResult());
    return success();
  }

  double limit;
  bool report;
  int64_t cacheBytes;
};

struct SieveSparsifyWeightsPass
    : sieve::impl::SieveSparsifyWeightsBase<SieveSparsifyWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PackSparseWeight>(&getContext(), densityLimit, report,
                                   cacheBytes);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
