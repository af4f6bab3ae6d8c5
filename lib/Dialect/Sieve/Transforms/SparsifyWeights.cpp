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


#include <limits>

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVESPARSIFYWEIGHTS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// Entries consumed at a time by the lowering of sieve.sparse_matmul: one
/// AVX-512 vector of f32 (the one-row kernel gathers this many).
constexpr int64_t kGroup = 16;

struct PackSparseWeight : OpRewritePattern<linalg::MatmulOp> {
  PackSparseWeight(MLIRContext *ctx, double limit, bool report)
      : OpRewritePattern(ctx), limit(limit), report(report) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
      return failure();
    Value x = op.getInputs()[0], w = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto xt = cast<RankedTensorType>(x.getType());
    auto wt = cast<RankedTensorType>(w.getType());
    auto rt = cast<RankedTensorType>(init.getType());
    if (!wt.hasStaticShape() || !wt.getElementType().isF32() ||
        xt.getElementType() != wt.getElementType() ||
        rt.getElementType() != wt.getElementType())
      return rewriter.notifyMatchFailure(op, "weight is not a static f32");
    int64_t k = wt.getDimSize(0), n = wt.getDimSize(1);
    if (k * n >= std::numeric_limits<int32_t>::max())
      return rewriter.notifyMatchFailure(op, "weight too large for i32");
    std::optional<SmallVector<float>> values = constantFloats(w);
    if (!values)
      return rewriter.notifyMatchFailure(op, "weight is not a constant");

    int64_t nonZeros = llvm::count_if(*values, [](float v) { return v != 0; });
    double density = double(nonZeros) / double(k * n);
    double chosen = limit >= 0 ? limit
                               : weightPackingLimit(xt.getDimSize(0),
                                                k * n * int64_t(sizeof(float)));
    if (density > chosen) {
      if (report && nonZeros < k * n)
        op->emitRemark() << describeNode(op, "matmul") << ": " << k << "x" << n
                         << " weight "
                         << formatPercent(density, 1)
                         << " non-zero, above the packing limit "
                         << formatPercent(chosen, 0)
                         << " for this batch: kept dense";
      return rewriter.notifyMatchFailure(op, "weight too dense to pay");
    }

    // Column by column; each column padded with zeros to whole groups.
    SmallVector<float> packedValues;
    SmallVector<uint32_t> packedRows;
    SmallVector<int32_t> offsets{0};
    packedValues.reserve(nonZeros + n * kGroup);
    packedRows.reserve(nonZeros + n * kGroup);
    for (int64_t col = 0; col < n; ++col) {
      uint32_t lastRow = 0;
      for (int64_t row = 0; row < k; ++row) {
        float v = (*values)[row * n + col];
        if (v == 0)
          continue;
        packedValues.push_back(v);
        packedRows.push_back(static_cast<uint32_t>(row));
        lastRow = static_cast<uint32_t>(row);
      }
      // Padding repeats the column's last row (its cache line is hot).
      while ((packedValues.size() - offsets.back()) % kGroup != 0) {
        packedValues.push_back(0.0f);
        packedRows.push_back(lastRow);
      }
      offsets.push_back(static_cast<int32_t>(packedValues.size()));
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
    Value rowsCst = arith::ConstantOp::create(rewriter, loc, rowsType, rowsAttr);
    Value offsetsCst = arith::ConstantOp::create(
        rewriter, loc, offsetsType,
        DenseElementsAttr::get(offsetsType, ArrayRef<int32_t>(offsets)));
    auto sparse = SparseMatmulOp::create(rewriter, loc, rt, x, valuesCst,
                                         rowsCst, offsetsCst, init, kGroup);
    if (Attribute pattern = op->getAttr("sieve.weight_pattern"))
      sparse->setAttr("sieve.weight_pattern", pattern);
    if (report)
      op->emitRemark() << describeNode(op, "matmul") << ": " << k << "x" << n
                       << " weight " << formatPercent(density, 1)
                       << " non-zero (limit "
                       << formatPercent(chosen, 0)
                       << "): packed into sieve.sparse_matmul ("
                       << entries * 8 / 1024 << " KiB, dense "
                       << k * n * 4 / 1024 << " KiB)";
    rewriter.replaceOp(op, sparse.getResult());
    return success();
  }

  double limit;
  bool report;
};

struct SieveSparsifyWeightsPass
    : sieve::impl::SieveSparsifyWeightsBase<SieveSparsifyWeightsPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PackSparseWeight>(&getContext(), densityLimit, report);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
