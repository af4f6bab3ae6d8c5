//===- WindowKernels.h - Vector code for sliding-window ops -----*- C++ -*-===//
//
// Depthwise and grouped NCHW convolutions and NCHW pooling: ops that slide
// a small window over each channel's image and have too little reuse for a
// matmul. They are written as loops over channels and output rows with
// vectors along the output row (the contiguous dimension in NCHW); the
// window's taps are unrolled into FMAs (or max / add) of shifted input
// rows. docs/convolutions.md says why.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_WINDOWKERNELS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_WINDOWKERNELS_H

#include "sieve/Analysis/CostModel.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// What the window kernels take from the target and the thread plan.
struct WindowKernelOptions {
  /// Lanes of a vector register for the element type (16 f32: AVX-512).
  int64_t vectorWidth = 16;
  /// Threads to split the channels over (1: no parallel loop), and the
  /// least estimated cycles of one chunk (planParallelChunks).
  int64_t threads = 1;
  int64_t minChunkCycles = kMinParallelChunkCycles;
};

/// Whether `op` is a window op that vectorizeWindowOp handles: a
/// `linalg.depthwise_conv_2d_nchw_chw`, `linalg.conv_2d_ngchw_gfchw`,
/// `linalg.pooling_nchw_max` or `linalg.pooling_nchw_sum` on tensors of
/// floats with static shapes.
bool isVectorizableWindowOp(linalg::LinalgOp op);

/// The lanes of the vectors along an output row of `width` elements on a
/// target with `vectorWidth` lanes: the target's width, or the power of two
/// that covers a narrower row.
int64_t windowVectorLanes(int64_t width, int64_t vectorWidth);

/// Replaces the window op `op` with loops over batch, channels (groups and
/// their outputs) and output rows, each row computed in vectors of
/// windowVectorLanes() lanes (the last one masked when the lanes do not
/// divide the row). A strided window reads `stride` times as many input
/// lanes and keeps every `stride`-th (vector.shuffle). Folded into the
/// kernel where the IR allows: the constant `tensor.pad` of the input (taps
/// outside the image are skipped or read as the padding value), a bias
/// broadcast or fill as the accumulator's first value, and the elementwise
/// op that alone consumes the result (Relu, Clip) applied to the
/// accumulator before the store. With options.threads > 1 the channels
/// (groups) are split into parallel chunks (scf.forall) when that pays.
LogicalResult vectorizeWindowOp(RewriterBase &rewriter, linalg::LinalgOp op,
                                const WindowKernelOptions &options);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_WINDOWKERNELS_H
