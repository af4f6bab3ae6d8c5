//===- TileAndVectorize.cpp - Register tiles and vectors --------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVETILEANDVECTORIZE
#define GEN_PASS_DEF_SIEVEHOISTVECTORTRANSFERS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The largest power of two <= `want` that divides `size` (at least 1).
int64_t fittingTile(int64_t size, int64_t want) {
  int64_t tile = 1;
  while (tile * 2 <= want && size % (tile * 2) == 0)
    tile *= 2;
  return tile;
}

/// Tiles `op` with `sizes` (0: not tiled) and vectorizes the tiled op.
LogicalResult tileAndVectorize(RewriterBase &rewriter, linalg::LinalgOp op,
                               ArrayRef<int64_t> sizes,
                               ArrayRef<int64_t> interchange = {}) {
  rewriter.setInsertionPoint(op);
  scf::SCFTilingOptions options;
  options.setInterchange(interchange);
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t s : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(s));
  options.setTileSizes(tileSizes);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  Operation *tile = tiled->tiledOps.back();
  // Contractions become vector.contract (later outer products of FMAs)
  // rather than a broadcast multiply and a reduction.
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, tile, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/true);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(tile, vectorized->replacements);
  return success();
}

struct SieveTileAndVectorizePass
    : sieve::impl::SieveTileAndVectorizeBase<SieveTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && op.hasDynamicShape() == false)
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, [](int64_t r) { return r <= 0; }))
        continue;
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op)) {
        // Loops: [batch,] m, n, k.
        size_t m = ranges.size() - 3;
        SmallVector<int64_t> sizes(ranges.size(), 1);
        int64_t want = ranges[m] == 1 ? 4 * tileN : tileN;
        sizes[m] = fittingTile(ranges[m], tileM);
        sizes[m + 1] = fittingTile(ranges[m + 1], want);
        sizes[m + 2] = fittingTile(ranges[m + 2], tileK);
        // Loop order: for one row (matrix-vector), stream the weight rows
        // (k outer, n inner); otherwise keep a column panel of the weight
        // in cache while all row tiles use it (n, m, k).
        SmallVector<int64_t> order;
        for (size_t i = 0; i < m; ++i)
          order.push_back(i);
        if (ranges[m] == 1)
          order.append({int64_t(m), int64_t(m + 2), int64_t(m + 1)});
        else
          order.append({int64_t(m + 1), int64_t(m), int64_t(m + 2)});
        (void)tileAndVectorize(rewriter, op, sizes, order);
        continue;
      }
      bool elementwise = isa<linalg::GenericOp, linalg::FillOp>(op) &&
                         op.getNumLoops() > 0 &&
                         op.getNumParallelLoops() == op.getNumLoops();
      if (!elementwise)
        continue;
      SmallVector<int64_t> sizes(ranges.size(), 1);
      sizes.back() = fittingTile(ranges.back(), vectorWidth);
      if (sizes.back() < 4)
        continue; // Too narrow to pay.
      (void)tileAndVectorize(rewriter, op, sizes);
    }
  }
};

struct SieveHoistVectorTransfersPass
    : sieve::impl::SieveHoistVectorTransfersBase<
          SieveHoistVectorTransfersPass> {
  void runOnOperation() override {
    linalg::hoistRedundantVectorTransfers(getOperation());
  }
};

} // namespace
