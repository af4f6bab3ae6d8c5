//===- TransposeKernels.h - Vector code for 2-D transposes ------*- C++ -*-===//
//
// A static 2-D linalg.transpose (a pixel-rows convolution's input to
// channels-last and its [pixels, channels] product back to NCHW) as blocks
// of vectors: each block reads a few input rows one vector wide, transposes
// them in registers and writes whole vectors of output rows; 8x8 blocks by
// three rounds of shuffles. Left to the loop vectorizer, the copy became
// one 16-lane gather per output vector, each lane on its own cache line.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H

#include "sieve/Analysis/CostModel.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// Rewrites `op` (static, rank 2, permutation [1, 0], on tensors) into
/// loops over blocks of `blockRows` input rows by the widest power of two
/// up to 8 and `vectorWidth` input columns, then the columns left over in
/// pieces of smaller powers of two (49: 48 by 8, then 1), and the rows left
/// over as one block. With `threads` > 1 the row blocks are split into
/// parallel chunks (an scf.forall over the output's columns) when
/// planParallelChunks says the copy is worth it. Fails (and leaves `op`)
/// for other transposes.
LogicalResult
vectorizeTranspose(RewriterBase &rewriter, linalg::TransposeOp op,
                   int64_t vectorWidth, int64_t threads = 1,
                   int64_t minChunkCycles = kMinParallelChunkCycles,
                   int64_t blockRows = 8);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H
