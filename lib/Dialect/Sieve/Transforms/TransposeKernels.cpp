//===- TransposeKernels.cpp - Vector code for 2-D transposes ----*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/TransposeKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

LogicalResult sieve::vectorizeTranspose(RewriterBase &rewriter,
                                        linalg::TransposeOp op,
                                        int64_t vectorWidth,
                                        int64_t blockRows) {
  if (!op.hasPureTensorSemantics() ||
      op.getPermutation() != ArrayRef<int64_t>{1, 0})
    return failure();
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto outType = cast<RankedTensorType>(op.getInit().getType());
  Type element = inType.getElementType();
  if (!inType.hasStaticShape() || !outType.hasStaticShape() ||
      !element.isIntOrFloat() || blockRows < 1)
    return failure();
  int64_t rows = inType.getDimSize(0), columns = inType.getDimSize(1);
  // Vectors along the input's rows: the largest power of two up to the
  // vector width that divides them.
  int64_t width = 1;
  while (width * 2 <= vectorWidth && columns % (width * 2) == 0)
    width *= 2;
  if (width < 4 || rows < 1)
    return failure();

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value input = op.getInput();
  Value padding = arith::ConstantOp::create(rewriter, loc, element,
                                            rewriter.getZeroAttr(element));
  // Input rows [first, last) in blocks of `block` rows, every column.
  auto blocks = [&](Value out, int64_t first, int64_t last, int64_t block) {
    auto columnLoop = scf::ForOp::create(
        rewriter, loc, index(0), index(columns), index(width), ValueRange{out},
        [&](OpBuilder &b, Location loc, Value column, ValueRange columnArgs) {
          auto rowLoop = scf::ForOp::create(
              b, loc, arith::ConstantIndexOp::create(b, loc, first),
              arith::ConstantIndexOp::create(b, loc, last),
              arith::ConstantIndexOp::create(b, loc, block),
              ValueRange{columnArgs[0]},
              [&](OpBuilder &b, Location loc, Value row, ValueRange rowArgs) {
                SmallVector<bool> inBounds(2, true);
                Value tile = vector::TransferReadOp::create(
                    b, loc, VectorType::get({block, width}, element), input,
                    ValueRange{row, column}, padding, inBounds);
                Value flipped =
                    vector::TransposeOp::create(b, loc, tile, {1, 0});
                Value written = vector::TransferWriteOp::create(
                                    b, loc, flipped, rowArgs[0],
                                    ValueRange{column, row}, inBounds)
                                    .getResult();
                scf::YieldOp::create(b, loc, written);
              });
          scf::YieldOp::create(b, loc, rowLoop.getResult(0));
        });
    return columnLoop.getResult(0);
  };
  Value out = op.getInit();
  int64_t whole = rows - rows % blockRows;
  if (whole > 0)
    out = blocks(out, 0, whole, blockRows);
  if (rows > whole)
    out = blocks(out, whole, rows, rows - whole);
  rewriter.replaceOp(op, out);
  return success();
}
