//===- RowVectors.cpp - Vector steps along rows of the sparse kernels ----===//

#include "RowVectors.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::sieve;

VectorType RowVectors::type(Type et) const {
  return VectorType::get({lanes}, et, /*scalableDims=*/{scalable});
}

Value RowVectors::step(OpBuilder &b, Location loc) const {
  Value v = arith::ConstantIndexOp::create(b, loc, lanes);
  return scalable ? arith::MulIOp::create(
                        b, loc, vector::VectorScaleOp::create(b, loc), v)
                        .getResult()
                  : v;
}

Value mlir::sieve::readRow(OpBuilder &b, Location loc, VectorType type,
                           Value source, ValueRange indices, Value mask) {
  if (!mask)
    return vector::TransferReadOp::create(b, loc, type, source, indices,
                                          /*padding=*/std::nullopt,
                                          ArrayRef<bool>{true});
  int64_t rank = cast<ShapedType>(source.getType()).getRank();
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  return vector::TransferReadOp::create(
      b, loc, type, source, indices,
      AffineMap::getMinorIdentityMap(rank, 1, b.getContext()), zero, mask,
      b.getBoolArrayAttr({true}));
}

Value mlir::sieve::writeRow(OpBuilder &b, Location loc, Value v, Value dest,
                            ValueRange indices, Value mask) {
  if (!mask)
    return vector::TransferWriteOp::create(b, loc, v, dest, indices,
                                           ArrayRef<bool>{true})
        .getResult();
  int64_t rank = cast<ShapedType>(dest.getType()).getRank();
  return vector::TransferWriteOp::create(
             b, loc, v, dest, indices,
             AffineMapAttr::get(
                 AffineMap::getMinorIdentityMap(rank, 1, b.getContext())),
             mask, b.getBoolArrayAttr({true}))
      .getResult();
}

Value mlir::sieve::wholeStepsEnd(OpBuilder &b, Location loc, Value begin,
                                 Value end, Value step) {
  Value length = arith::SubIOp::create(b, loc, end, begin);
  Value whole = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, length, step), step);
  return arith::AddIOp::create(b, loc, begin, whole);
}

SmallVector<Value> mlir::sieve::buildRowSteps(OpBuilder &b, Location loc,
                                              VectorType type, Value begin,
                                              Value wholeEnd, Value end,
                                              Value step, ValueRange inits,
                                              bool maskedTail, RowStep body) {
  auto whole = scf::ForOp::create(
      b, loc, begin, wholeEnd, step, inits,
      [&](OpBuilder &wb, Location wl, Value n, ValueRange args) {
        scf::YieldOp::create(wb, wl, body(wb, wl, n, args, /*mask=*/nullptr));
      });
  if (!maskedTail)
    return llvm::to_vector_of<Value>(whole.getResults());
  auto maskType =
      VectorType::get(type.getShape(), b.getI1Type(), type.getScalableDims());
  auto tail = scf::ForOp::create(
      b, loc, wholeEnd, end, step, whole.getResults(),
      [&](OpBuilder &tb, Location tl, Value n, ValueRange args) {
        Value mask = vector::CreateMaskOp::create(
            tb, tl, maskType,
            ValueRange{arith::SubIOp::create(tb, tl, end, n)});
        scf::YieldOp::create(tb, tl, body(tb, tl, n, args, mask));
      });
  return llvm::to_vector_of<Value>(tail.getResults());
}
