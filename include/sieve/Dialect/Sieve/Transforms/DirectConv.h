//===- DirectConv.h - Register-tiled stride-1 convolutions ------*- C++ -*-===//
//
// An NCHW convolution computed directly from its (padded) input: at
// stride 1 the output is computed as many columns wide as the input ([F,
// OH*W], the last W - OW columns of each row discarded), so that the input
// tap (i, j) multiplies for a tile of output columns is a contiguous run of
// the flattened input [C, H*W] at offset i*dh*W + j*dw; a stride is taken
// through the input's phases (each a stride-1 image). A register tile of
// tileM filters by tileN columns keeps its accumulators in registers over
// the whole reduction (every tap and channel; tileN here is the
// options' kernelTileN); the weights are packed at
// compile time into tiles of tileM filters read contiguously. Neither an
// image-to-column copy nor a pass over the output per tap (the shifted-tap
// matmuls) remains. docs/convolutions.md says when it is used. Where it
// pays, a 3x3 stride-1 convolution runs as Winograd's F(2x2, 3x3) instead,
// its 16 products on the same register tiles (vectorizeWinogradConv).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_DIRECTCONV_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_DIRECTCONV_H

#include "sieve/Analysis/CostModel.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {

/// What the direct kernel takes from the target and the thread plan.
struct DirectConvOptions {
  /// f32 lanes of a vector register, and the matmul register tile (which
  /// convolutions the kernel takes: isDirectConv).
  int64_t vectorWidth = 16, tileM = 8, tileN = 32;
  /// Columns of the kernel's register tile (tileM filters by these), a
  /// multiple of vectorWidth.
  int64_t kernelTileN = 32;
  /// Per-core L2 bytes (blocks of columns whose input stays in it).
  int64_t l2Bytes = 512 << 10;
  /// f32 multiply-adds a core completes per cycle (isWinogradConv).
  int64_t fmaLanes = 32;
  /// Threads to split the filter tiles over, and the least estimated
  /// cycles of one chunk (planParallelChunks).
  int64_t threads = 1;
  int64_t minChunkCycles = kMinParallelChunkCycles;
};

/// Whether the direct kernel computes `op`: a static f32
/// linalg.conv_2d_nchw_fchw of one image at strides 1 to 4 with a window of
/// more than one tap, a constant weight whose
/// filters are whole register tiles (tileM), an accumulator that is a
/// per-filter bias broadcast or a fill, at most a fifth of the computed
/// columns discarded (W' - OW <= W' / 5, W' the width of the input or of
/// its phases: 3x3 on 13x13 and 14x14 maps, not on 7x7) and at least two
/// register tiles of columns (OH*W' >= 2*tileN). sieve-conv-to-matmul
/// leaves these to the kernel before it considers pixel rows.
bool isDirectConv(linalg::Conv2DNchwFchwOp op, int64_t tileM, int64_t tileN);

/// Replaces `op` (isDirectConv) with the direct kernel; fails and leaves
/// `op` otherwise.
LogicalResult vectorizeDirectConv(RewriterBase &rewriter,
                                  linalg::Conv2DNchwFchwOp op,
                                  const DirectConvOptions &options);

/// The cycles Winograd's F(2x2, 3x3) spends per value it moves through
/// memory: per 2x2 output tile it writes and reads back 16 (C + F)
/// transformed values, and it pays when the multiply-adds it saves (the
/// direct kernel's less the 16 products') take at least as many cycles at
/// the core's multiply-add rate (DirectConvOptions::fmaLanes): 20
/// multiply-adds per moved value on a core of two 512-bit FMA units, 10 on
/// Zen 4's one. Measured: 64 -> 64 channels on 56x56 and 256 -> 256 on
/// 14x14 gain on both; DenseNet's 128 -> 32 on 56x56 lost at two threads
/// on the two-unit Xeon and gains on Zen 4, as do SqueezeNet's 32 -> 128
/// on 27x27 and 48 -> 192 and 64 -> 256 on 13x13 (docs/performance.md,
/// stops 34 and 35).
constexpr double kWinogradCyclesPerMovedValue = 0.625;

/// Whether vectorizeWinogradConv computes `op`: a static f32
/// linalg.conv_2d_nchw_fchw of one image, 3x3, stride and dilation 1, a
/// constant weight whose filters are whole register tiles (tileM), an
/// output of at least 2x2, an accumulator that is a per-filter bias
/// broadcast or a fill, and enough multiply-adds saved for the memory its
/// transforms move at `fmaLanes` multiply-adds per cycle
/// (kWinogradCyclesPerMovedValue; the products' columns counted in whole
/// vectors of `vectorWidth`, as their masked last tile computes them).
bool isWinogradConv(linalg::Conv2DNchwFchwOp op, int64_t tileM,
                    int64_t vectorWidth, int64_t fmaLanes);

/// Replaces `op` (isWinogradConv) with Winograd's F(2x2, 3x3): the input's
/// 4x4 windows at stride 2 transformed (B^T d B) into [16, C, T] (T the 2x2
/// output tiles; the zero padding of the input applied in the transform),
/// the 16 products with the filters transformed at compile time (G g G^T,
/// createWinogradTilesConstant) computed by the direct kernel's register
/// tiles as 16 matmuls [F, C] x [C, T], and the output transform (A^T m
/// A) adding the bias and applying the elementwise op that alone consumes
/// the result (Relu, Clip). 4 multiply-adds per output and channel where
/// the direct kernel does 9; the results equal the direct ones within
/// float rounding. Fails and leaves `op` otherwise.
LogicalResult vectorizeWinogradConv(RewriterBase &rewriter,
                                    linalg::Conv2DNchwFchwOp op,
                                    const DirectConvOptions &options);

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_DIRECTCONV_H
