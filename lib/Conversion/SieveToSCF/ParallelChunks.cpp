//===- ParallelChunks.cpp - Kernels split by output columns -----*- C++ -*-===//

#include "ParallelChunks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;

Value mlir::sieve::buildParallelChunks(OpBuilder &b, Location loc, Value dest,
                                       int64_t dim, Value chunks,
                                       Value chunkSize, ChunkBody body) {
  return buildParallelChunks(
      b, loc, dest, dim, chunks,
      [&](OpBuilder &b, Location loc, Value i, Value size) {
        Value offset = arith::MulIOp::create(b, loc, i, chunkSize);
        Value left = arith::SubIOp::create(b, loc, size, offset);
        Value extent = arith::MinSIOp::create(b, loc, chunkSize, left);
        return std::pair<Value, Value>(offset, extent);
      },
      body);
}

Value mlir::sieve::buildParallelChunks(OpBuilder &b, Location loc, Value dest,
                                       int64_t dim, Value chunks,
                                       ChunkRange range, ChunkBody body) {
  // A constant chunk count gives a static loop.
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{getAsOpFoldResult(chunks)},
      ValueRange{dest},
      /*mapping=*/std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(forall.getTerminator());
  Value i = forall.getInductionVar(0);
  Value shared = forall.getRegionIterArgs()[0];
  Value size = tensor::DimOp::create(b, loc, shared, dim);
  auto [offset, extent] = range(b, loc, i, size);

  auto type = cast<RankedTensorType>(dest.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
      sizes = tensor::getMixedSizes(b, loc, shared),
      strides(type.getRank(), b.getIndexAttr(1));
  offsets[dim] = offset;
  sizes[dim] = extent;
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  Value updated = body(b, loc, slice, offset);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, updated, shared, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}
