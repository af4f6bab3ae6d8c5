//===- TransposeKernels.h - Vector code for data movement -------*- C++ -*-===//
//
// Copies that reorder or subsample a tensor. A static 2-D linalg.transpose (a
// pixel-rows convolution's input to channels-last and its [pixels, channels]
// product back to NCHW) as blocks of vectors: each block reads a few input rows
// one vector wide, transposes them in registers and writes whole vectors of
// output rows; 8x8 blocks by three rounds of shuffles. Left to the loop
// vectorizer, the copy became one 16-lane gather per output vector, each lane
// on its own cache line. A strided sample (a strided 1x1 convolution's input at
// the pixels it reads) as a wide read and a shuffle per output vector; left to
// the generic path, a linalg.generic whose map steps along the rows stayed
// scalar.
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
/// planParallelChunks says the copy is worth it. The elementwise
/// linalg.generic that alone reads the result (directly or through one
/// tensor.expand_shape; soleElementwiseUser with other operands) is
/// applied to each vector before it is written into that op's
/// destination, its other full-rank operands read at the same place, and
/// replaced. Fails (and leaves `op`) for other transposes.
LogicalResult
vectorizeTranspose(RewriterBase &rewriter, linalg::TransposeOp op,
                   int64_t vectorWidth, int64_t threads = 1,
                   int64_t minChunkCycles = kMinParallelChunkCycles,
                   int64_t blockRows = 8);

/// The largest step along the rows that vectorizeStridedSample takes (a
/// vector of `lanes` outputs reads `step * lanes` elements).
constexpr int64_t kMaxSampleStride = 4;

/// Rewrites a static linalg.generic on tensors that copies its one input
/// into its identity-mapped output at a step, out[i0, ..., x] = in[...,
/// x * s] (each input index a loop, a loop times a constant step, or a
/// constant; every loop read once; the innermost loop reads the innermost
/// input dimension at a step 1 < s <= kMaxSampleStride, or at 1 when an
/// outer index has a step), into loops whose innermost copies `vectorWidth`
/// outputs at a time: one read of `s * vectorWidth` consecutive elements
/// (masked at the end of the input row) and a shuffle of every s-th lane.
/// With `threads` > 1 the outermost loop of more than one iteration is
/// split into parallel chunks when planParallelChunks says the copy is
/// worth it. Fails (and leaves `op`) for other generics.
LogicalResult
vectorizeStridedSample(RewriterBase &rewriter, linalg::GenericOp op,
                       int64_t vectorWidth, int64_t threads = 1,
                       int64_t minChunkCycles = kMinParallelChunkCycles);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_TRANSPOSEKERNELS_H
