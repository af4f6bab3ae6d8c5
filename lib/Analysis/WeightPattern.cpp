//===- WeightPattern.cpp - The structure of a weight's zeros ----*- C++ -*-===//

#include "sieve/Analysis/WeightPattern.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct Matrix {
  const WeightMatrix &m;
  bool zero(int64_t r, int64_t c) const {
    return m.values[r * m.cols + c] == 0;
  }
};

/// Every zero lies in an all-zero `bh` x `bw` block (of a grid that tiles
/// the matrix exactly).
bool blocksHold(const Matrix &mat, int64_t bh, int64_t bw) {
  const WeightMatrix &m = mat.m;
  if (m.rows % bh || m.cols % bw)
    return false;
  for (int64_t br = 0; br < m.rows; br += bh)
    for (int64_t bc = 0; bc < m.cols; bc += bw) {
      int64_t zeros = 0;
      for (int64_t r = br; r < br + bh; ++r)
        for (int64_t c = bc; c < bc + bw; ++c)
          zeros += mat.zero(r, c);
      if (zeros != 0 && zeros != bh * bw)
        return false;
    }
  return true;
}

/// At most `n` non-zeros in every group of `m` along the reduction.
bool nmHolds(const Matrix &mat, int64_t n, int64_t group) {
  const WeightMatrix &w = mat.m;
  int64_t length = w.reductionAlongRows ? w.rows : w.cols;
  int64_t lanes = w.reductionAlongRows ? w.cols : w.rows;
  if (length % group)
    return false;
  for (int64_t lane = 0; lane < lanes; ++lane)
    for (int64_t start = 0; start < length; start += group) {
      int64_t nonzeros = 0;
      for (int64_t i = start; i < start + group; ++i)
        nonzeros +=
            w.reductionAlongRows ? !mat.zero(i, lane) : !mat.zero(lane, i);
      if (nonzeros > n)
        return false;
    }
  return true;
}

} // namespace

WeightPatternAttr mlir::sieve::analyzeWeightPattern(MLIRContext *context,
                                                    const WeightMatrix &w) {
  Matrix mat{w};
  int64_t total = w.rows * w.cols, zeros = 0;
  for (float v : w.values)
    zeros += v == 0;
  double density = total ? double(total - zeros) / total : 1.0;
  if (zeros == 0)
    return WeightPatternAttr::get(context, WeightPatternKind::Dense, density);
  if (blocksHold(mat, 1, w.cols))
    return WeightPatternAttr::get(context,
                                  w.rowsAreChannels
                                      ? WeightPatternKind::Channels
                                      : WeightPatternKind::Rows,
                                  density);
  if (blocksHold(mat, w.rows, 1))
    return WeightPatternAttr::get(context, WeightPatternKind::Columns, density);
  // The largest block (by area; power-of-two sides up to kMaxBlockSide)
  // that holds: 1x4, 4x1, 4x4 and 8x8 included. If a block fails, the block
  // twice as tall fails too (its halves would hold), so each column of the
  // search stops at the first failure.
  constexpr int64_t kMaxBlockSide = 64;
  int64_t bestRows = 0, bestCols = 0;
  for (int64_t bw = 1; bw <= kMaxBlockSide && w.cols % bw == 0; bw *= 2) {
    for (int64_t bh = 1; bh <= kMaxBlockSide && w.rows % bh == 0; bh *= 2) {
      if (bh * bw == 1)
        continue;
      if (!blocksHold(mat, bh, bw))
        break;
      if (bh * bw > bestRows * bestCols) {
        bestRows = bh;
        bestCols = bw;
      }
    }
  }
  if (bestRows * bestCols >= 4)
    return WeightPatternAttr::get(
        context, ArrayRef<int64_t>{bestRows, bestCols}, density);
  // N:M when it describes the weight: a weight far sparser than N/M (say
  // 5% dense, where 2:4 holds by chance) is unstructured.
  const int64_t nm[][2] = {{1, 4}, {2, 8}, {2, 4}, {4, 8}};
  for (const auto &p : nm)
    if (density >= 0.75 * double(p[0]) / double(p[1]) &&
        nmHolds(mat, p[0], p[1]))
      return WeightPatternAttr::get(context, unsigned(p[0]), unsigned(p[1]),
                                    density);
  return WeightPatternAttr::get(context, WeightPatternKind::Unstructured,
                                density);
}

std::optional<SmallVector<float>> mlir::sieve::constantFloats(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    SmallVector<float> values;
    if (dense.isSplat())
      values.assign(type.getNumElements(), dense.getSplatValue<float>());
    else
      values.assign(dense.getValues<float>().begin(),
                    dense.getValues<float>().end());
    return values;
  }
  if (auto sparse = dyn_cast<SparseElementsAttr>(cst.getValue())) {
    SmallVector<float> values;
    values.reserve(type.getNumElements());
    for (float v : sparse.getValues<float>())
      values.push_back(v);
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    ArrayRef<char> data = resource.getData();
    if (data.size() != type.getNumElements() * sizeof(float))
      return std::nullopt;
    SmallVector<float> values(type.getNumElements());
    std::memcpy(values.data(), data.data(), data.size());
    return values;
  }
  return std::nullopt;
}
