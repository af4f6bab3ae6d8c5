//===- GPUKernels.h - Kernels of sieve-map-to-gpu ---------------*- C++ -*-===//
//
// What sieve-map-to-gpu's kernels share: the accumulated term of a sum's
// body, and the shared-memory tiles of contractions (GPUSharedTiles.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_GPUKERNELS_H
#define SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_GPUKERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// The value `op`'s body adds to its output element at each reduction step,
/// when the body is `yield (out + x)` (or `x + out`) and `out` is used only
/// there: the `x`. Null otherwise.
Value accumulatedTerm(linalg::LinalgOp op);

/// The sizes of `op`'s loops (ops for them created at `b`), when every
/// loop starts at 0 with step 1; std::nullopt otherwise.
std::optional<SmallVector<OpFoldResult>> loopSizes(OpBuilder &b,
                                                   linalg::LinalgOp op);

/// Whether `op` is a sum over its trailing loops, all reductions (at least
/// one), into one float output, with an accumulated term.
bool isTrailingSum(linalg::LinalgOp op);

/// `acc` + the accumulated term of `op`'s body, the body's ops cloned at
/// `b` with `map` (which must map the inputs' block arguments and the
/// results of any linalg.index).
Value addAccumulatedTerm(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         IRMapping &map, Value acc);

/// The indices that indexing map `map` gives at loop point `point` (one
/// affine.apply per result).
SmallVector<Value> indicesAt(OpBuilder &b, Location loc, AffineMap map,
                             ValueRange point);

/// Adds `sum` to `buffer[indices]`: atomically when other threads add to
/// the same element (a split reduction), else a load, an add and a store.
void addToElement(OpBuilder &b, Location loc, Value sum, Value buffer,
                  ValueRange indices, bool atomic);

/// Lowers `op` (on buffers) when it is a contraction of two f32 buffers whose
/// output points split into two sets (sides) each read by only one input
/// (a matmul's rows and columns; a convolution's output channels and
/// pixels), each of at least kMinTiledSide points: a gpu.launch whose
/// blocks compute tiles of 64 x 64 points, staging 16 reduction steps of
/// each input at a time in shared memory (gpu.barrier around each stage),
/// each thread summing 4 x 4 points in registers; the reduction is split
/// over several blocks (added atomically) when the tiles are fewer than
/// `targetThreads` needs. When a side's size is dynamic and its static part
/// smaller, the choice is made at run time: an scf.if between the tiled
/// launch and `fallback` (called on a copy of `op`). With `report`, a
/// remark names the op and its sizes. Returns false (nothing changed) for
/// other ops, failure when `fallback` fails.
FailureOr<bool>
lowerSharedTiles(RewriterBase &b, linalg::LinalgOp op, int64_t targetThreads,
                 llvm::function_ref<LogicalResult(linalg::LinalgOp)> fallback,
                 bool report);

} // namespace mlir::sieve

#endif // SIEVE_LIB_DIALECT_SIEVE_TRANSFORMS_GPUKERNELS_H
