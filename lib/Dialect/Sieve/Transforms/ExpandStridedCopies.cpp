//===- ExpandStridedCopies.cpp - memref.copy of views -----------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEEXPANDSTRIDEDCOPIES
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

bool isContiguous(Value value) {
  auto type = dyn_cast<MemRefType>(value.getType());
  return type && type.getLayout().isIdentity();
}

/// Whether `type`'s innermost dimension has unit stride.
bool rowsAreContiguous(MemRefType type) {
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         !strides.empty() && strides.back() == 1;
}

/// Lanes of the vectors a row copy moves at a time.
constexpr int64_t kCopyLanes = 64;

/// How many innermost dimensions of the static views `a` and `b` (same
/// shape) are contiguous together on both sides: each such dimension's
/// stride is the size of the ones inside it, or its size is 1 (at least 1:
/// the rows).
int64_t contiguousInnerDims(MemRefType a, MemRefType b) {
  SmallVector<int64_t> aStrides, bStrides;
  int64_t aOffset, bOffset;
  if (failed(a.getStridesAndOffset(aStrides, aOffset)) ||
      failed(b.getStridesAndOffset(bStrides, bOffset)))
    return 1;
  int64_t rank = a.getRank(), dims = 1, inner = a.getShape().back();
  for (int64_t d = rank - 2; d >= 0; --d) {
    // (A dimension of size 1 has no stride that matters.)
    if (a.getDimSize(d) != 1 && (aStrides[d] != inner || bStrides[d] != inner))
      break;
    inner *= a.getDimSize(d);
    ++dims;
  }
  return dims;
}

/// A copy between static views whose rows are contiguous on both sides: a
/// loop nest over the rows, each row moved as vectors of up to kCopyLanes
/// elements and one narrower vector for the rest (the loops that
/// convert-linalg-to-loops would build move one element at a time, and
/// LLVM does not vectorize them: it cannot prove the views disjoint).
/// Inner dimensions contiguous on both sides are one row: a concatenation
/// along channels copies each input as one run of C x H x W elements, not
/// H rows of W (7 or 14 for the small maps, each with a narrow rest).
void copyRowsAsVectors(PatternRewriter &rewriter, Location loc, Value source,
                       Value target) {
  auto type = cast<MemRefType>(source.getType());
  if (int64_t merged =
          contiguousInnerDims(type, cast<MemRefType>(target.getType()));
      merged > 1) {
    int64_t rank = type.getRank();
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < rank - merged; ++d)
      groups.push_back({d});
    ReassociationIndices inner;
    for (int64_t d = rank - merged; d < rank; ++d)
      inner.push_back(d);
    groups.push_back(inner);
    Value sourceRows =
        memref::CollapseShapeOp::create(rewriter, loc, source, groups);
    Value targetRows =
        memref::CollapseShapeOp::create(rewriter, loc, target, groups);
    copyRowsAsVectors(rewriter, loc, sourceRows, targetRows);
    return;
  }
  int64_t rank = type.getRank(), width = type.getShape().back();
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  SmallVector<Value> ivs;
  for (int64_t d = 0; d + 1 < rank; ++d) {
    auto loop = scf::ForOp::create(
        rewriter, loc, zero,
        arith::ConstantIndexOp::create(rewriter, loc, type.getDimSize(d)),
        arith::ConstantIndexOp::create(rewriter, loc, 1));
    rewriter.setInsertionPointToStart(loop.getBody());
    ivs.push_back(loop.getInductionVar());
  }
  auto move = [&](Value column, int64_t lanes) {
    SmallVector<Value> indices(ivs);
    indices.push_back(column);
    auto vectorType = VectorType::get({lanes}, type.getElementType());
    Value padding = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
    Value row =
        vector::TransferReadOp::create(rewriter, loc, vectorType, source,
                                       indices, padding, ArrayRef<bool>{true});
    vector::TransferWriteOp::create(rewriter, loc, row, target, indices,
                                    ArrayRef<bool>{true});
  };
  int64_t lanes = std::min(width, kCopyLanes);
  int64_t whole = width / lanes, rest = width % lanes;
  if (whole == 1) {
    move(zero, lanes);
  } else {
    auto loop = scf::ForOp::create(
        rewriter, loc, zero,
        arith::ConstantIndexOp::create(rewriter, loc, whole * lanes),
        arith::ConstantIndexOp::create(rewriter, loc, lanes));
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(loop.getBody());
    move(loop.getInductionVar(), lanes);
  }
  if (rest)
    move(arith::ConstantIndexOp::create(rewriter, loc, whole * lanes), rest);
}

/// Whether `op` copies a view onto the same elements of the same buffer:
/// views of one allocation (through subviews and reshapes) with the same
/// static shape, offset and strides (those of size-1 dimensions aside).
/// Bufferization leaves such copies where a value computed in place in a
/// slice is inserted into that slice through a reshape (sieve-concat-in-
/// place: the strides of a unit dimension differ).
bool copiesOntoItself(memref::CopyOp op) {
  auto root = [](Value v) {
    while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
      v = view.getViewSource();
    return v;
  };
  auto source = cast<MemRefType>(op.getSource().getType());
  auto target = cast<MemRefType>(op.getTarget().getType());
  if (root(op.getSource()) != root(op.getTarget()) ||
      source.getShape() != target.getShape() || !source.hasStaticShape())
    return false;
  SmallVector<int64_t> sourceStrides, targetStrides;
  int64_t sourceOffset, targetOffset;
  if (failed(source.getStridesAndOffset(sourceStrides, sourceOffset)) ||
      failed(target.getStridesAndOffset(targetStrides, targetOffset)) ||
      ShapedType::isDynamic(sourceOffset) || sourceOffset != targetOffset)
    return false;
  for (int64_t d = 0; d < source.getRank(); ++d)
    if (source.getDimSize(d) != 1 && (ShapedType::isDynamic(sourceStrides[d]) ||
                                      sourceStrides[d] != targetStrides[d]))
      return false;
  return true;
}

struct CopyToLinalg : OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp op,
                                PatternRewriter &rewriter) const override {
    if (copiesOntoItself(op)) {
      rewriter.eraseOp(op);
      return success();
    }
    if (isContiguous(op.getSource()) && isContiguous(op.getTarget()))
      return failure();
    auto source = cast<MemRefType>(op.getSource().getType());
    auto target = cast<MemRefType>(op.getTarget().getType());
    if (source.hasStaticShape() && source.getRank() > 0 &&
        source.getNumElements() > 0 && source.getShape().back() >= 4 &&
        rowsAreContiguous(source) && rowsAreContiguous(target) &&
        source.getElementType().isIntOrFloat() &&
        source.getElementType().getIntOrFloatBitWidth() >= 8) {
      copyRowsAsVectors(rewriter, op.getLoc(), op.getSource(), op.getTarget());
      rewriter.eraseOp(op);
      return success();
    }
    rewriter.replaceOpWithNewOp<linalg::CopyOp>(op, op.getSource(),
                                                op.getTarget());
    return success();
  }
};

struct SieveExpandStridedCopiesPass
    : sieve::impl::SieveExpandStridedCopiesBase<SieveExpandStridedCopiesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<CopyToLinalg>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
  }
};

} // namespace
