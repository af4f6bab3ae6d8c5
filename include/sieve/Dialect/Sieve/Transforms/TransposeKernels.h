//===- TransposeKernels.h - Vector code for 2-D transposes ------*- C++ -*-===//
//
// A static 2-D linalg.transpose (the pixel-rows form of a small
// convolution writes its [pixels, channels] product back as NCHW) as blocks
// of vectors: each block reads a few input rows one vector wide, transposes
// them in registers (vector.transpose) and writes whole vectors of output
// rows. Left to the loop vectorizer, the copy became one 16-lane gather per
// output vector, each lane on its own cache line.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// Rewrites `op` (static, rank 2, permutation [1, 0], on tensors) into
/// loops over blocks of `vectorWidth` (at most; the largest power of two
/// that divides the input's columns) input columns by `blockRows` input
/// rows, then one block of the rows left over, each a transfer_read of the
/// input block, a vector.transpose and a transfer_write. Fails (and leaves
/// `op`) for other transposes or when the input's columns give vectors of
/// fewer than 4 lanes.
LogicalResult vectorizeTranspose(RewriterBase &rewriter, linalg::TransposeOp op,
                                 int64_t vectorWidth, int64_t blockRows = 8);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H
