//===- GatherMatmulToLinalg.cpp - The gather as a linalg.generic -*- C++ -*-=//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGATHERMATMULTOLINALG
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// `op` as a linalg.generic over the result (rank 1 or 2) and, as its
/// reduction, the positions of its indices.
Value gatherAsGeneric(OpBuilder &b, sieve::GatherMatmulOp op) {
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getType());
  int64_t rank = resultType.getRank();
  Type element = resultType.getElementType();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d)) {
      // Rows come from the input, columns from the weight.
      Value source = d + 1 < rank ? op.getInput() : op.getWeight();
      int64_t sourceDim = d + 1 < rank ? d : 1;
      sizes.push_back(tensor::DimOp::create(b, loc, source, sourceDim));
    }
  Value empty = tensor::EmptyOp::create(b, loc, resultType, sizes);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  MLIRContext *context = b.getContext();
  unsigned loops = rank + 1;
  AffineMap indexMap =
      AffineMap::get(loops, 0, getAffineDimExpr(rank, context));
  AffineMap outMap =
      AffineMap::getMultiDimIdentityMap(loops, context).getMajorSubMap(rank);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value input = op.getInput(), weight = op.getWeight();
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{op.getIndices()}, ValueRange{init},
      ArrayRef<AffineMap>{indexMap, outMap}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value k = args[0], acc = args[1];
        Value n = linalg::IndexOp::create(nb, nl, rank - 1);
        SmallVector<Value> inputIndices;
        if (rank == 2)
          inputIndices.push_back(linalg::IndexOp::create(nb, nl, 0));
        inputIndices.push_back(k);
        Value x = tensor::ExtractOp::create(nb, nl, input, inputIndices);
        Value w = tensor::ExtractOp::create(nb, nl, weight, ValueRange{k, n});
        Value product = arith::MulFOp::create(nb, nl, x, w);
        Value sum = arith::AddFOp::create(nb, nl, acc, product);
        linalg::YieldOp::create(nb, nl, sum);
      });
  return generic.getResult(0);
}

struct GatherMatmulToLinalg
    : sieve::impl::SieveGatherMatmulToLinalgBase<GatherMatmulToLinalg> {
  void runOnOperation() override {
    SmallVector<sieve::GatherMatmulOp> gathers;
    getOperation().walk(
        [&](sieve::GatherMatmulOp op) { gathers.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (sieve::GatherMatmulOp op : gathers) {
      rewriter.setInsertionPoint(op);
      rewriter.replaceOp(op, gatherAsGeneric(rewriter, op));
    }
  }
};

} // namespace
