//===- CostModel.cpp - Where Sieve's sparse rewrites pay --------*- C++ -*-===//

#include "sieve/Analysis/CostModel.h"

#include "sieve/Analysis/WeightPattern.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;

/// Limits on the packed density (entries, padding included, over K * N:
/// about 1.02x the density for 4096-row columns at 10%, 1.07x for 1024-row
/// ones). Break-even points measured on 1024x1024 and 4096x4096 weights,
/// as packed densities, with a margin:
///  * one row, weight streamed from memory (more than a quarter of the
///    last-level cache, 8 MiB of the 32 MiB measured on): the packed form moves
///    8 bytes per entry against 4 per dense element; break-even ~31%;
///  * one row, weight in cache: the dense vecmat runs at full vector speed,
///    the gather kernel pays below ~14%;
///  * 2-15 rows: break-even ~31% (large) and ~30% (small);
///  * 16 rows and more: ~46% (large) and ~37% (small).
double mlir::sieve::weightPackingLimit(int64_t batchRows, int64_t weightBytes,
                                       int64_t cacheBytes) {
  int64_t streamedBytes = cacheBytes / 4;
  double oneRow = weightBytes > streamedBytes ? 0.25 : 0.12;
  if (batchRows == 1)
    return oneRow;
  // A dynamic batch may be 1 at run time: the packed kernel must not lose
  // there either (one compiled form serves every batch size).
  if (ShapedType::isDynamic(batchRows))
    return std::min(oneRow, 0.2);
  if (batchRows >= 16)
    return 0.3;
  return 0.2;
}

/// A batch-1 product whose weight fits in the last-level cache runs densely
/// at full speed from cache, so the gather pays only below 15%; with
/// weights streamed from memory, or several rows sharing each gathered
/// weight row, it pays below 50%.
double mlir::sieve::activationGatherLimit(int64_t batchRows,
                                          int64_t weightBytes,
                                          int64_t cacheBytes) {
  bool inCache = weightBytes >= 0 && weightBytes <= cacheBytes;
  return batchRows == 1 && inCache ? 0.15 : 0.5;
}

double mlir::sieve::expectedUnionDensity(llvm::ArrayRef<double> frequency,
                                         int64_t rows) {
  if (frequency.empty() || rows < 1)
    return 0.0;
  double sum = 0;
  for (double p : frequency)
    sum += 1.0 - std::pow(1.0 - std::clamp(p, 0.0, 1.0), double(rows));
  return sum / double(frequency.size());
}

double mlir::sieve::predictedGatherLimit(int64_t batchRows, int64_t weightBytes,
                                         int64_t cacheBytes) {
  // One row (decode): the gathers streamed whole rows at 1.7x (weights in
  // the last-level cache) to 1.5x (from memory) the time per byte of the
  // dense FFN, which puts the break-even at a predicted density near 0.6;
  // kept below it. Several rows share the gathered rows of a union: the
  // plain gather's limit.
  (void)weightBytes;
  (void)cacheBytes;
  return batchRows == 1 ? 0.5 : activationGatherLimit(batchRows, -1);
}

std::optional<mlir::sieve::WeightPackingPlan>
mlir::sieve::planWeightPacking(linalg::MatmulOp op, double limitOverride,
                               int64_t cacheBytes) {
  if (!op.hasPureTensorSemantics() ||
      !linalg::MatmulOp::isDefaultIndexingMaps(op.getIndexingMaps()))
    return std::nullopt;
  auto xt = cast<RankedTensorType>(op.getInputs()[0].getType());
  auto wt = cast<RankedTensorType>(op.getInputs()[1].getType());
  auto rt = cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!wt.hasStaticShape() || !wt.getElementType().isF32() ||
      xt.getElementType() != wt.getElementType() ||
      rt.getElementType() != wt.getElementType())
    return std::nullopt;
  WeightPackingPlan plan;
  plan.rows = wt.getDimSize(0);
  plan.cols = wt.getDimSize(1);
  int64_t batch = xt.getDimSize(0);
  if (plan.rows == 0 || plan.cols == 0 || batch == 0)
    return std::nullopt;
  std::optional<SmallVector<float>> values = constantFloats(op.getInputs()[1]);
  if (!values)
    return std::nullopt;
  plan.values = std::move(*values);
  // One sequential pass over the (row-major, possibly large) weight.
  plan.columnNonZeros.assign(plan.cols, 0);
  for (int64_t row = 0; row < plan.rows; ++row) {
    const float *rowValues = plan.values.data() + row * plan.cols;
    for (int64_t col = 0; col < plan.cols; ++col)
      plan.columnNonZeros[col] += rowValues[col] != 0;
  }
  for (int64_t inColumn : plan.columnNonZeros) {
    plan.nonZeros += inColumn;
    plan.entries +=
        llvm::divideCeil(inColumn, kSparseMatmulGroup) * kSparseMatmulGroup;
  }
  if (plan.entries >= std::numeric_limits<int32_t>::max())
    return std::nullopt;
  double size = double(plan.rows) * double(plan.cols);
  plan.density = double(plan.nonZeros) / size;
  plan.packedDensity = double(plan.entries) / size;
  plan.limit =
      limitOverride >= 0
          ? limitOverride
          : weightPackingLimit(batch, plan.rows * plan.cols * 4, cacheBytes);
  plan.pack = plan.packedDensity <= plan.limit;
  return plan;
}

int64_t mlir::sieve::kernelCycles(int64_t multiplyAdds, int64_t streamedBytes,
                                  int64_t vectorWidth) {
  return std::max(multiplyAdds / std::max<int64_t>(vectorWidth, 1),
                  streamedBytes / kStreamBytesPerCycle);
}

int64_t mlir::sieve::dividingTileRows(int64_t rows, int64_t tileM) {
  if (rows <= 0 || tileM <= 0)
    return 0;
  for (int64_t t = tileM; 4 * t >= 3 * tileM; --t)
    if (rows % t == 0)
      return t;
  return 0;
}

int64_t mlir::sieve::planParallelChunks(int64_t blocks, int64_t blockCycles,
                                        int64_t threads,
                                        int64_t minChunkCycles) {
  if (threads <= 1 || blocks <= 1 || blockCycles <= 0)
    return 1;
  // The candidates: divisors of `blocks` whose chunks take long enough, and
  // the run time of each, as a fraction of one thread's (rounds of chunks).
  SmallVector<std::pair<int64_t, double>> candidates;
  for (int64_t chunks = 2; chunks <= blocks; ++chunks) {
    if (blocks % chunks != 0)
      continue;
    // Cycles of one chunk, saturating (a large op's total may overflow).
    int64_t perChunk = blocks / chunks;
    if (blockCycles > std::numeric_limits<int64_t>::max() / perChunk)
      perChunk = std::numeric_limits<int64_t>::max();
    else
      perChunk *= blockCycles;
    if (perChunk < minChunkCycles)
      break; // More chunks are smaller still.
    candidates.push_back(
        {chunks, double(llvm::divideCeil(chunks, threads)) / double(chunks)});
  }
  if (candidates.empty())
    return 1;
  // The fewest chunks within 5% of the best balance: more, smaller chunks
  // lose cache blocking and pay a loop iteration each.
  double best = 1.0;
  for (auto [chunks, time] : candidates)
    best = std::min(best, time);
  for (auto [chunks, time] : candidates)
    if (time <= best * 1.05)
      return chunks;
  return 1;
}
