//===- CostModel.h - Where Sieve's sparse rewrites pay ----------*- C++ -*-===//
//
// The density limits below which the sparse rewrites beat the dense code,
// from break-even points measured with benchmarks/run.py (docs/sparsity.md).
// The rewrite passes and the sparsity report (sieve-analyze) share them.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_ANALYSIS_COSTMODEL_H
#define SIEVE_ANALYSIS_COSTMODEL_H

#include <cstdint>

namespace mlir::sieve {

/// The largest density of a constant `K x N` matmul weight for which the
/// packed kernel (sieve.sparse_matmul) beats the dense matmul, for
/// `batchRows` rows (ShapedType::kDynamic: unknown) and a weight of
/// `weightBytes` bytes.
double weightPackingLimit(int64_t batchRows, int64_t weightBytes);

/// The fraction of active neurons above which gathering the active weight
/// rows of a ReLU-fed matmul no longer pays, for `batchRows` rows and a
/// weight of `weightBytes` bytes (negative: unknown size).
double activationGatherLimit(int64_t batchRows, int64_t weightBytes);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_COSTMODEL_H
