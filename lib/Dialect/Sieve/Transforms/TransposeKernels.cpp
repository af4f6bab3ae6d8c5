//===- TransposeKernels.cpp - Vector code for data movement -----*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/TransposeKernels.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/Transforms/KernelUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/AffineExpr.h"

using namespace mlir;

namespace {

/// Columns of the blocks transposed by shuffles (transposeBlock).
constexpr int64_t kShuffleBlock = 8;

/// The columns of an 8x8 block given as its 8 rows: three rounds of
/// two-source shuffles (interleave pairs of rows, then pairs of pairs, then
/// the halves), 24 in all, which x86 lowers to unpcklps/unpckhps, shufps
/// and vperm2f128 (AArch64 to zip/trn/ext). The element-wise lowering of
/// vector.transpose extracted and inserted each element.
SmallVector<Value> transposeBlock(OpBuilder &b, Location loc,
                                  ArrayRef<Value> rows) {
  auto shuffle = [&](Value x, Value y, ArrayRef<int64_t> mask) {
    return vector::ShuffleOp::create(b, loc, x, y, mask).getResult();
  };
  SmallVector<Value> pairs, quads, columns(kShuffleBlock);
  for (int64_t p = 0; p < 4; ++p) {
    pairs.push_back(
        shuffle(rows[2 * p], rows[2 * p + 1], {0, 8, 1, 9, 4, 12, 5, 13}));
    pairs.push_back(
        shuffle(rows[2 * p], rows[2 * p + 1], {2, 10, 3, 11, 6, 14, 7, 15}));
  }
  // quads[4h + q] holds column q (and q + 4) of rows 4h .. 4h + 3.
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t q = 0; q < 4; ++q) {
      Value x = pairs[4 * h + q / 2], y = pairs[4 * h + 2 + q / 2];
      quads.push_back(q % 2 == 0 ? shuffle(x, y, {0, 1, 8, 9, 4, 5, 12, 13})
                                 : shuffle(x, y, {2, 3, 10, 11, 6, 7, 14, 15}));
    }
  for (int64_t q = 0; q < 4; ++q) {
    columns[q] = shuffle(quads[q], quads[4 + q], {0, 1, 2, 3, 8, 9, 10, 11});
    columns[q + 4] =
        shuffle(quads[q], quads[4 + q], {4, 5, 6, 7, 12, 13, 14, 15});
  }
  return columns;
}

/// One index of a strided sample's input: `step` times output loop `dim`,
/// or the constant `offset` (dim < 0).
struct SampleIndex {
  int64_t dim = -1, step = 1, offset = 0;
};

std::optional<SampleIndex> matchSampleIndex(AffineExpr e) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return SampleIndex{int64_t(d.getPosition()), 1, 0};
  if (auto c = dyn_cast<AffineConstantExpr>(e))
    return SampleIndex{-1, 1, c.getValue()};
  auto mul = dyn_cast<AffineBinaryOpExpr>(e);
  if (!mul || mul.getKind() != AffineExprKind::Mul)
    return std::nullopt;
  auto d = dyn_cast<AffineDimExpr>(mul.getLHS());
  auto c = dyn_cast<AffineConstantExpr>(mul.getRHS());
  if (!d || !c || c.getValue() < 1)
    return std::nullopt;
  return SampleIndex{int64_t(d.getPosition()), c.getValue(), 0};
}

} // namespace

LogicalResult sieve::vectorizeStridedSample(RewriterBase &rewriter,
                                            linalg::GenericOp op,
                                            int64_t vectorWidth,
                                            int64_t threads,
                                            int64_t minChunkCycles) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 0 ||
      vectorWidth < 1)
    return failure();
  OpOperand *input = op.getDpsInputOperand(0);
  OpOperand *init = op.getDpsInitOperand(0);
  auto inType = dyn_cast<RankedTensorType>(input->get().getType());
  auto outType = dyn_cast<RankedTensorType>(init->get().getType());
  if (!inType || !outType || !inType.hasStaticShape() ||
      !outType.hasStaticShape() || inType.getRank() < 1 ||
      outType.getRank() < 1 ||
      inType.getElementType() != outType.getElementType() ||
      !inType.getElementType().isIntOrFloat() ||
      !op.getMatchingIndexingMap(init).isIdentity())
    return failure();
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  if (yield.getNumOperands() != 1 ||
      yield.getOperand(0) != op.getMatchingBlockArgument(input))
    return failure();
  int64_t rank = outType.getRank(), inRank = inType.getRank();
  // Every loop read once; the innermost by the innermost input index.
  AffineMap map = op.getMatchingIndexingMap(input);
  SmallVector<SampleIndex> indices;
  SmallVector<bool> read(rank, false);
  bool stepped = false;
  for (AffineExpr e : map.getResults()) {
    std::optional<SampleIndex> index = matchSampleIndex(e);
    if (!index)
      return failure();
    if (index->dim >= 0) {
      if (read[index->dim])
        return failure();
      read[index->dim] = true;
    }
    stepped |= index->step > 1;
    indices.push_back(*index);
  }
  const SampleIndex &last = indices.back();
  if (!stepped || llvm::is_contained(read, false) || last.dim != rank - 1 ||
      last.step > kMaxSampleStride)
    return failure();
  for (int64_t d = 0; d < inRank; ++d) {
    // Constant indices inside the input; loops' reach inside it.
    const SampleIndex &index = indices[d];
    int64_t reach = index.dim < 0
                        ? index.offset
                        : (outType.getDimSize(index.dim) - 1) * index.step;
    if (reach < 0 || reach >= inType.getDimSize(d))
      return failure();
  }

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Type element = inType.getElementType();
  int64_t lanes = vectorWidth, step = last.step;
  int64_t span = lanes * step, rowLength = inType.getDimSize(inRank - 1);
  int64_t columns = outType.getDimSize(rank - 1);
  int64_t full = columns / lanes;
  auto wideType = VectorType::get({span}, element);
  auto maskType = [&](int64_t n) {
    return VectorType::get({n}, rewriter.getI1Type());
  };
  Value source = input->get();
  Value padding =
      arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  SmallVector<int64_t> pick;
  for (int64_t i = 0; i < lanes; ++i)
    pick.push_back(i * step);
  auto index = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };

  // The vector of `width` outputs (lanes: a whole one) at `column` of the
  // row at `outer` (the other loops' indices: `global` into the input,
  // `local` into `out`, a parallel chunk's slice), the last vector of its
  // loop at `lastColumn`.
  auto vectorAt = [&](OpBuilder &b, Value out, ArrayRef<Value> global,
                      ArrayRef<Value> local, Value column, int64_t lastColumn,
                      int64_t width) {
    SmallVector<Value> at;
    for (const SampleIndex &i : indices) {
      if (i.dim < 0) {
        at.push_back(index(b, i.offset));
        continue;
      }
      Value iv = i.dim == rank - 1 ? column : global[i.dim];
      if (std::optional<int64_t> v = getConstantIntValue(iv))
        at.push_back(index(b, *v * i.step));
      else
        at.push_back(i.step == 1
                         ? iv
                         : arith::MulIOp::create(b, loc, iv, index(b, i.step))
                               .getResult());
    }
    // A wide read that may reach past the input row's end is masked to it
    // (the lanes past it are never picked).
    Value readMask;
    if (lastColumn * step + span > rowLength) {
      Value remaining =
          arith::SubIOp::create(b, loc, index(b, rowLength), at.back());
      readMask = vector::CreateMaskOp::create(b, loc, maskType(span),
                                              ValueRange{remaining});
    }
    AffineMap inMinor =
        AffineMap::getMinorIdentityMap(inRank, 1, b.getContext());
    Value wide = vector::TransferReadOp::create(
        b, loc, wideType, source, at, AffineMapAttr::get(inMinor), padding,
        readMask, b.getBoolArrayAttr({true}));
    Value picked =
        step == 1
            ? wide
            : vector::ShuffleOp::create(b, loc, wide, wide, pick).getResult();
    SmallVector<Value> to(local.begin(), local.end());
    to.push_back(column);
    Value writeMask;
    if (width < lanes)
      writeMask = vector::CreateMaskOp::create(b, loc, maskType(lanes),
                                               ValueRange{index(b, width)});
    AffineMap outMinor =
        AffineMap::getMinorIdentityMap(rank, 1, b.getContext());
    return vector::TransferWriteOp::create(
               b, loc, picked, out, to, AffineMapAttr::get(outMinor), writeMask,
               b.getBoolArrayAttr({true}))
        .getResult();
  };
  // Loops [dim, rank - 1) of `out` (`sizes` of them), loop `chunked`'s
  // input index `offset` past its local one, then each row's vectors.
  SmallVector<int64_t> sizes(outType.getShape());
  int64_t chunked = -1;
  Value offset;
  std::function<Value(OpBuilder &, Value, int64_t, SmallVector<Value>,
                      SmallVector<Value>)>
      loops = [&](OpBuilder &b, Value out, int64_t dim,
                  SmallVector<Value> global,
                  SmallVector<Value> local) -> Value {
    if (dim == rank - 1) {
      out = sieve::carriedLoop(b, loc, 0, full * lanes, lanes, out,
                               [&](Value column, Value out) {
                                 return vectorAt(b, out, global, local, column,
                                                 (full - 1) * lanes, lanes);
                               });
      if (columns % lanes != 0)
        out = vectorAt(b, out, global, local, index(b, full * lanes),
                       full * lanes, columns % lanes);
      return out;
    }
    return sieve::carriedLoop(
        b, loc, 0, sizes[dim], 1, out, [&](Value iv, Value out) {
          SmallVector<Value> g(global), l(local);
          l.push_back(iv);
          g.push_back(
              dim == chunked
                  ? arith::AddIOp::create(b, loc, offset, iv).getResult()
                  : iv);
          return loops(b, out, dim + 1, g, l);
        });
  };
  // With threads, chunks of the outermost loop of more than one iteration.
  int64_t chunks = 1;
  if (threads > 1 && !op->getParentOfType<scf::ForallOp>()) {
    for (int64_t d = 0; d + 1 < rank && chunked < 0; ++d)
      if (sizes[d] > 1)
        chunked = d;
    if (chunked >= 0) {
      int64_t bytes = 2 * outType.getNumElements() *
                      std::max<int64_t>(element.getIntOrFloatBitWidth() / 8, 1);
      chunks = sieve::planParallelChunks(
          sizes[chunked],
          sieve::kernelCycles(0, bytes, vectorWidth) / sizes[chunked], threads,
          minChunkCycles);
    }
  }
  Value out;
  if (chunks <= 1) {
    chunked = -1;
    out = loops(rewriter, init->get(), 0, {}, {});
  } else {
    int64_t size = sizes[chunked] / chunks;
    sizes[chunked] = size;
    out = sieve::forallChunks(rewriter, loc, init->get(), chunked, chunks, size,
                              [&](Value slice, Value chunkOffset) {
                                offset = chunkOffset;
                                return loops(rewriter, slice, 0, {}, {});
                              });
  }
  rewriter.replaceOp(op, out);
  return success();
}

LogicalResult sieve::vectorizeTranspose(RewriterBase &rewriter,
                                        linalg::TransposeOp op,
                                        int64_t vectorWidth, int64_t threads,
                                        int64_t minChunkCycles,
                                        int64_t blockRows) {
  if (!op.hasPureTensorSemantics() ||
      op.getPermutation() != ArrayRef<int64_t>{1, 0})
    return failure();
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  auto outType = cast<RankedTensorType>(op.getInit().getType());
  Type element = inType.getElementType();
  if (!inType.hasStaticShape() || !outType.hasStaticShape() ||
      !element.isIntOrFloat() || blockRows < 1 || vectorWidth < 1)
    return failure();
  int64_t rows = inType.getDimSize(0), columns = inType.getDimSize(1);
  if (rows < 1 || columns < 1)
    return failure();

  Location loc = op.getLoc();
  // The elementwise op that alone consumes the result (through the
  // expand_shape back to NCHW: a pixel-rows convolution's ReLU, residual
  // Add): applied to each vector before it is written, into the
  // elementwise op's destination, its other operands read at the same
  // place; the pass over the result it made is gone.
  Value result = op.getResult()[0];
  tensor::ExpandShapeOp expand;
  if (result.hasOneUse())
    expand = dyn_cast<tensor::ExpandShapeOp>(*result.getUsers().begin());
  Value consumed = expand ? expand.getResult() : result;
  linalg::GenericOp epilogue =
      sieve::soleElementwiseUser(consumed, /*otherOperands=*/true);
  if (epilogue && epilogue->getBlock() != op->getBlock())
    epilogue = {};
  rewriter.setInsertionPoint(epilogue ? epilogue.getOperation()
                                      : op.getOperation());
  // `value` (the epilogue's shape) as the transpose's 2-D result.
  auto flat = [&](Value value) -> Value {
    if (!expand)
      return value;
    return tensor::CollapseShapeOp::create(rewriter, loc, outType, value,
                                           expand.getReassociationIndices());
  };
  Value dest = op.getInit();
  DenseMap<unsigned, Value> operands;
  if (epilogue) {
    dest = flat(epilogue.getDpsInits()[0]);
    for (OpOperand *operand : epilogue.getDpsInputOperands())
      if (operand->get() != consumed &&
          cast<ShapedType>(operand->get().getType()).getRank() != 0)
        operands[operand->getOperandNumber()] = flat(operand->get());
  }
  // The first output column (input row) of a parallel chunk's slice.
  Value rowOffset;
  Value input = op.getInput();
  Value whole = input;
  Value padding = arith::ConstantOp::create(rewriter, loc, element,
                                            rewriter.getZeroAttr(element));
  // The epilogue on the output vector `v` at output row `column` and
  // column `row` (local to a chunk's slice).
  auto finish = [&](OpBuilder &b, Location loc, Value v, Value column,
                    Value row) -> Value {
    if (!epilogue)
      return v;
    Value at = rowOffset
                   ? arith::AddIOp::create(b, loc, rowOffset, row).getResult()
                   : row;
    auto vectorType = cast<VectorType>(v.getType());
    return sieve::applyEpilogue(
        b, loc, epilogue, v, [&](OpOperand &operand) -> Value {
          auto it = operands.find(operand.getOperandNumber());
          if (it == operands.end())
            return Value();
          SmallVector<bool> inBounds(vectorType.getRank(), true);
          return vector::TransferReadOp::create(b, loc, vectorType, it->second,
                                                ValueRange{column, at}, padding,
                                                inBounds);
        });
  };
  // Input rows [firstRow, lastRow) in blocks of `block` rows by input
  // columns [firstColumn, lastColumn) in blocks of `width`.
  auto blocks = [&](Value out, int64_t firstRow, int64_t lastRow, int64_t block,
                    int64_t firstColumn, int64_t lastColumn, int64_t width) {
    auto index = [](OpBuilder &b, Location loc, int64_t v) {
      return arith::ConstantIndexOp::create(b, loc, v).getResult();
    };
    bool shuffled = block == kShuffleBlock && width == kShuffleBlock;
    auto body = [&](OpBuilder &b, Location loc, Value row, Value column,
                    Value out) -> Value {
      if (!shuffled) {
        SmallVector<bool> inBounds(2, true);
        Value tile = vector::TransferReadOp::create(
            b, loc, VectorType::get({block, width}, element), input,
            ValueRange{row, column}, padding, inBounds);
        Value flipped =
            finish(b, loc, vector::TransposeOp::create(b, loc, tile, {1, 0}),
                   column, row);
        return vector::TransferWriteOp::create(
                   b, loc, flipped, out, ValueRange{column, row}, inBounds)
            .getResult();
      }
      auto vectorType = VectorType::get({kShuffleBlock}, element);
      auto at = [&](Value base, int64_t i) {
        return i == 0 ? base
                      : arith::AddIOp::create(b, loc, base, index(b, loc, i))
                            .getResult();
      };
      SmallVector<Value> tileRows;
      for (int64_t i = 0; i < kShuffleBlock; ++i)
        tileRows.push_back(vector::TransferReadOp::create(
            b, loc, vectorType, input, ValueRange{at(row, i), column}, padding,
            ArrayRef<bool>{true}));
      SmallVector<Value> tileColumns = transposeBlock(b, loc, tileRows);
      for (int64_t j = 0; j < kShuffleBlock; ++j)
        out = vector::TransferWriteOp::create(
                  b, loc, finish(b, loc, tileColumns[j], at(column, j), row),
                  out, ValueRange{at(column, j), row}, ArrayRef<bool>{true})
                  .getResult();
      return out;
    };
    auto columnLoop = scf::ForOp::create(
        rewriter, loc, index(rewriter, loc, firstColumn),
        index(rewriter, loc, lastColumn), index(rewriter, loc, width),
        ValueRange{out},
        [&](OpBuilder &b, Location loc, Value column, ValueRange columnArgs) {
          auto rowLoop = scf::ForOp::create(
              b, loc, index(b, loc, firstRow), index(b, loc, lastRow),
              index(b, loc, block), ValueRange{columnArgs[0]},
              [&](OpBuilder &b, Location loc, Value row, ValueRange rowArgs) {
                scf::YieldOp::create(b, loc,
                                     body(b, loc, row, column, rowArgs[0]));
              });
          scf::YieldOp::create(b, loc, rowLoop.getResult(0));
        });
    return columnLoop.getResult(0);
  };
  // Column pieces: whole blocks of the widest power of two up to 8 lanes
  // and the vector width (shuffled 8x8 blocks where both are 8), then the
  // rest in pieces of the powers of two it is made of (a 7x7 map's 49
  // columns: 48, 1).
  int64_t widest = 1;
  while (widest * 2 <= std::min(vectorWidth, kShuffleBlock))
    widest *= 2;
  struct Piece {
    int64_t first, last, width;
  };
  SmallVector<Piece> pieces;
  int64_t done = 0;
  for (int64_t width = widest; width >= 1; width /= 2) {
    int64_t count = (columns - done) / width;
    if (count > 0)
      pieces.push_back({done, done + count * width, width});
    done += count * width;
  }
  // Input rows [0, count) of `input` into `out`: whole blocks of
  // `blockRows`, then the rest as one block, for every column piece.
  auto transposeRows = [&](Value out, int64_t count) {
    int64_t full = count - count % blockRows;
    for (const Piece &piece : pieces) {
      if (full > 0)
        out = blocks(out, 0, full, blockRows, piece.first, piece.last,
                     piece.width);
      if (count > full)
        out = blocks(out, full, count, count - full, piece.first, piece.last,
                     piece.width);
    }
    return out;
  };
  // With threads, chunks of whole row blocks (the output's columns).
  // (Not inside a parallel chunk: a channels-last depthwise kernel's.)
  int64_t chunks = 1;
  if (threads > 1 && rows % blockRows == 0 &&
      !op->getParentOfType<scf::ForallOp>()) {
    int64_t rowBlocks = rows / blockRows;
    int64_t bytes = 2 * rows * columns *
                    std::max<int64_t>(element.getIntOrFloatBitWidth() / 8, 1);
    chunks = sieve::planParallelChunks(
        rowBlocks, sieve::kernelCycles(0, bytes, vectorWidth) / rowBlocks,
        threads, minChunkCycles);
  }
  Value out;
  if (chunks <= 1) {
    out = transposeRows(dest, rows);
  } else {
    int64_t size = rows / chunks;
    out = sieve::forallChunks(
        rewriter, loc, dest, /*dim=*/1, chunks, size,
        [&](Value slice, Value offset) {
          input = tensor::ExtractSliceOp::create(
              rewriter, loc, whole,
              ArrayRef<OpFoldResult>{offset, rewriter.getIndexAttr(0)},
              ArrayRef<OpFoldResult>{rewriter.getIndexAttr(size),
                                     rewriter.getIndexAttr(columns)},
              ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1),
                                     rewriter.getIndexAttr(1)});
          rowOffset = offset;
          return transposeRows(slice, size);
        });
  }
  if (!epilogue) {
    rewriter.replaceOp(op, out);
    return success();
  }
  Value transposed = out;
  if (expand)
    transposed =
        tensor::ExpandShapeOp::create(rewriter, loc, consumed.getType(), out,
                                      expand.getReassociationIndices());
  rewriter.replaceOp(epilogue, transposed);
  if (expand)
    rewriter.eraseOp(expand);
  rewriter.eraseOp(op);
  return success();
}
