//===- ParallelChunks.h - Kernels split by output columns -------*- C++ -*-===//
//
// The sparse kernels run in parallel by chunks of one dimension of their
// result: an scf.forall over the chunks, each computing its slice of the
// result from the shared inputs (sieve-cpu-pipeline lowers it to OpenMP).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_CONVERSION_SIEVETOSCF_PARALLELCHUNKS_H
#define SIEVE_CONVERSION_SIEVETOSCF_PARALLELCHUNKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::sieve {

/// Computes the slice of a chunk: `body(b, loc, slice, offset)` returns the
/// new value of `slice`, the part of the result at `offset` along the split
/// dimension.
using ChunkBody = llvm::function_ref<Value(OpBuilder &b, Location loc,
                                           Value slice, Value offset)>;

/// `dest` updated by `body` in `chunks` chunks of dimension `dim` (of
/// `chunkSize` elements, the last one shorter when they do not divide the
/// dimension), as an scf.forall whose iterations may run in parallel.
Value buildParallelChunks(OpBuilder &b, Location loc, Value dest, int64_t dim,
                          Value chunks, Value chunkSize, ChunkBody body);

/// The range of chunk `i` along the split dimension: its offset and extent,
/// given the dimension's size.
using ChunkRange = llvm::function_ref<std::pair<Value, Value>(
    OpBuilder &b, Location loc, Value i, Value size)>;

/// The same with ranges of any sizes (`range`, disjoint across chunks).
Value buildParallelChunks(OpBuilder &b, Location loc, Value dest, int64_t dim,
                          Value chunks, ChunkRange range, ChunkBody body);

} // namespace mlir::sieve

#endif // SIEVE_CONVERSION_SIEVETOSCF_PARALLELCHUNKS_H
