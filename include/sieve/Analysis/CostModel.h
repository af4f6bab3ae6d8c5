//===- CostModel.h - Where Sieve's sparse rewrites pay ----------*- C++ -*-===//
//
// The density limits below which the sparse rewrites beat the dense code,
// from break-even points measured with benchmarks/run.py (docs/sparsity.md).
// The rewrite passes and the sparsity report (sieve-analyze) share them.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_ANALYSIS_COSTMODEL_H
#define SIEVE_ANALYSIS_COSTMODEL_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>

namespace mlir::linalg {
class MatmulOp;
} // namespace mlir::linalg

namespace mlir::sieve {

/// The last-level cache the cost model assumes when no target is given
/// (the development machine's, an AMD EPYC with 32 MiB of L3; the compile
/// API passes the target's own, from its target description).
constexpr int64_t kDefaultCacheBytes = 32 << 20;

/// Entries per group of sieve.sparse_matmul's packed format as
/// sieve-sparsify-weights writes it (one AVX-512 vector of f32): every
/// column is padded to a multiple of this.
constexpr int64_t kSparseMatmulGroup = 16;

/// The largest density of a constant `K x N` matmul weight for which the
/// packed kernel (sieve.sparse_matmul) beats the dense matmul, for
/// `batchRows` rows (ShapedType::kDynamic: unknown) and a weight of
/// `weightBytes` bytes, on a target with a last-level cache of `cacheBytes`.
double weightPackingLimit(int64_t batchRows, int64_t weightBytes,
                          int64_t cacheBytes = kDefaultCacheBytes);

/// What sieve-sparsify-weights would do with a matmul's constant weight.
struct WeightPackingPlan {
  int64_t rows = 0, cols = 0; // K and N.
  int64_t nonZeros = 0;
  /// Packed entries, the padding of every column to whole groups included.
  int64_t entries = 0;
  /// nonZeros / (K * N).
  double density = 0;
  /// entries / (K * N): the fraction of the dense weight the packed kernel
  /// reads (8 bytes per entry); this is what the limit is compared with.
  double packedDensity = 0;
  double limit = 0;
  bool pack = false;
  /// The weight, row-major (K x N).
  llvm::SmallVector<float> values;
  /// Non-zeros of each output column (N).
  llvm::SmallVector<int64_t> columnNonZeros;
};

/// The plan for `op`, or nullopt when it is no candidate: a matmul with
/// default indexing maps on tensors, f32 throughout, whose weight is a
/// static constant with no zero dimension and whose packed form fits i32
/// offsets. `limitOverride` >= 0 replaces the cost model's limit.
std::optional<WeightPackingPlan>
planWeightPacking(linalg::MatmulOp op, double limitOverride,
                  int64_t cacheBytes = kDefaultCacheBytes);

/// The fraction of active neurons above which gathering the active weight
/// rows of a ReLU-fed matmul no longer pays, for `batchRows` rows and a
/// weight of `weightBytes` bytes (negative: unknown size), on a target with
/// a last-level cache of `cacheBytes`.
double activationGatherLimit(int64_t batchRows, int64_t weightBytes,
                             int64_t cacheBytes = kDefaultCacheBytes);

/// The expected fraction of neurons active in at least one of `rows`
/// independent rows (a decode step serving `rows` sequences), for neurons
/// active in the fractions `frequency` of rows: mean_j 1 - (1 - p_j)^rows.
/// What the gathers of a batch read, as a share of the weight rows; on the
/// trained LMs' real activations it is within 0.02 of the measured union
/// (benchmarks/union_density.py). 0 for no neurons.
double expectedUnionDensity(llvm::ArrayRef<double> frequency, int64_t rows);

/// The predicted density above which a predictor-driven FFN (every
/// projection gathered: `--sparsity=approx`) takes its dense path, for
/// `batchRows` rows and gathered weights of `weightBytes` bytes (negative:
/// unknown), on a target with a last-level cache of `cacheBytes`. Higher
/// than activationGatherLimit's: the dense path it replaces includes the up
/// projection. Measured with benchmarks/approx.py (docs/predictors.md).
double predictedGatherLimit(int64_t batchRows, int64_t weightBytes,
                            int64_t cacheBytes = kDefaultCacheBytes);

//===----------------------------------------------------------------------===//
// Parallel loops (docs/threads.md)
//===----------------------------------------------------------------------===//

/// What starting and joining a parallel loop costs the calling thread, in
/// cycles: libomp's fork/join of a team whose threads are spinning (about
/// 1-2 us on an idle machine).
constexpr int64_t kForkJoinCycles = 5000;

/// The least run time of one chunk of a parallel loop, in cycles: ten
/// fork/joins, so that starting the team costs at most a tenth of a chunk.
/// Smaller loops stay on the calling thread.
constexpr int64_t kMinParallelChunkCycles = 10 * kForkJoinCycles;

/// The cache block of the matmul schedule (sieve-tile-and-vectorize): up
/// to this many output columns by this many reduction steps, a panel of
/// the B operand that every row tile reuses.
constexpr int64_t kMatmulCacheBlock = 256;

/// The span of one way of a virtually indexed L1 data cache: its sets
/// repeat every 4 KiB page, so addresses a multiple of kL1WayBytes apart
/// compete for one set (sieve-conv-to-matmul's panels and
/// sieve-tile-and-vectorize's spread input rows avoid such strides). And
/// a cache line.
constexpr int64_t kL1WayBytes = 4096;
constexpr int64_t kCacheLineBytes = 64;

/// The rows of a matmul register tile that divide `rows` static rows with
/// none left over, the most from 3/4 of `tileM` (rounded up) to `tileM`
/// (a 7x7 map's 49 pixels and a 14x14 map's 196: 7; 12 tokens: 6), or 0
/// when none does: a tile a little short of `tileM` loses less than the
/// padding rows or the remainder piece (which streams the weight again).
int64_t dividingTileRows(int64_t rows, int64_t tileM);

/// Bytes one core streams per cycle in the estimate of a memory-bound
/// kernel: 16, a cache-speed rate (from DRAM a core streams less), so that
/// the estimate stays a lower bound.
constexpr int64_t kStreamBytesPerCycle = 16;

/// A lower bound of the cycles a kernel takes on one core: its
/// `multiplyAdds` at one vector FMA of `vectorWidth` lanes per cycle, or the
/// `streamedBytes` it reads once (a weight used by one row) at
/// kStreamBytesPerCycle, whichever is more. Saturates instead of
/// overflowing.
int64_t kernelCycles(int64_t multiplyAdds, int64_t streamedBytes,
                     int64_t vectorWidth);

/// How many chunks a loop of `blocks` equal blocks of `blockCycles` cycles
/// each (kernelCycles) is split into for `threads` threads: a divisor of
/// `blocks` whose chunks take at least `minChunkCycles`; of those, the
/// fewest whose balance over the threads (rounds of chunks per thread) is
/// within 5% of the best. 1: the loop is not worth splitting.
int64_t planParallelChunks(int64_t blocks, int64_t blockCycles, int64_t threads,
                           int64_t minChunkCycles = kMinParallelChunkCycles);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_COSTMODEL_H
