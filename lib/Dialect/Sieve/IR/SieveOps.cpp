//===- SieveOps.cpp - Sieve operations --------------------------*- C++ -*-===//

#include "sieve/Dialect/Sieve/IR/SieveOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::sieve;

#define GET_OP_CLASSES
#include "sieve/Dialect/Sieve/IR/SieveOps.cpp.inc"

/// True when two dimension sizes can be equal at run time.
static bool compatibleDims(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimString(int64_t dim) {
  return ShapedType::isDynamic(dim) ? "?" : std::to_string(dim);
}

/// Checks that an activation operand is a batch (rank 2) or a single row
/// (rank 1) of neurons.
static LogicalResult verifyActivationRank(Operation *op, RankedTensorType type,
                                          StringRef name) {
  if (type.getRank() != 1 && type.getRank() != 2)
    return op->emitOpError() << "expects " << name
                             << " of rank 1 or 2 (neurons or batch x "
                                "neurons), got rank "
                             << type.getRank();
  return success();
}

/// Checks that a result index vector can hold no more than `limit` indices.
static LogicalResult verifyIndexCount(Operation *op, RankedTensorType indices,
                                      int64_t limit, StringRef what) {
  int64_t count = indices.getDimSize(0);
  if (!ShapedType::isDynamic(count) && !ShapedType::isDynamic(limit) &&
      count > limit)
    return op->emitOpError()
           << "has " << count << " indices but only " << limit << " " << what;
  return success();
}

//===----------------------------------------------------------------------===//
// ActiveSetOp
//===----------------------------------------------------------------------===//

LogicalResult ActiveSetOp::verify() {
  auto inputType = getInput().getType();
  if (failed(verifyActivationRank(*this, inputType, "input")))
    return failure();
  float threshold = getThreshold().convertToFloat();
  if (!std::isfinite(threshold) || threshold < 0.0f)
    return emitOpError() << "expects a finite, non-negative threshold, got "
                         << threshold;
  return verifyIndexCount(*this, getIndices().getType(),
                          inputType.getShape().back(), "neurons");
}

//===----------------------------------------------------------------------===//
// GatherMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult GatherMatmulOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  auto resultType = getResult().getType();
  if (failed(verifyActivationRank(*this, inputType, "input")))
    return failure();
  if (weightType.getRank() != 2)
    return emitOpError() << "expects a rank-2 weight (K x N), got rank "
                         << weightType.getRank();
  if (inputType.getElementType() != weightType.getElementType() ||
      inputType.getElementType() != resultType.getElementType())
    return emitOpError() << "expects input, weight and result of one element "
                            "type, got "
                         << inputType.getElementType() << ", "
                         << weightType.getElementType() << " and "
                         << resultType.getElementType();

  int64_t k = inputType.getShape().back();
  if (!compatibleDims(k, weightType.getDimSize(0)))
    return emitOpError() << "reduction sizes differ: input has " << dimString(k)
                         << " neurons but weight has "
                         << dimString(weightType.getDimSize(0)) << " rows";

  SmallVector<int64_t, 2> expected;
  if (inputType.getRank() == 2)
    expected.push_back(inputType.getDimSize(0));
  expected.push_back(weightType.getDimSize(1));
  if (resultType.getRank() != static_cast<int64_t>(expected.size()))
    return emitOpError() << "expects a result of rank " << expected.size()
                         << " (the rank of input), got rank "
                         << resultType.getRank();
  for (auto [dim, want] : llvm::zip(resultType.getShape(), expected))
    if (!compatibleDims(dim, want))
      return emitOpError() << "result shape " << resultType
                           << " does not match the product shape";
  return verifyIndexCount(*this, getIndices().getType(), k, "neurons");
}

//===----------------------------------------------------------------------===//
// GatedGatherMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult GatedGatherMatmulOp::verify() {
  auto gateType = getGate().getType();
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  auto resultType = getResult().getType();
  if (failed(verifyActivationRank(*this, gateType, "gate")))
    return failure();
  if (inputType.getRank() != gateType.getRank())
    return emitOpError() << "expects input of the gate's rank ("
                         << gateType.getRank() << "), got rank "
                         << inputType.getRank();
  if (weightType.getRank() != 2)
    return emitOpError() << "expects a rank-2 weight (N x K, the up weight "
                            "transposed), got rank "
                         << weightType.getRank();
  Type et = gateType.getElementType();
  Value bias = getBias();
  auto biasType = bias ? cast<RankedTensorType>(bias.getType()) : nullptr;
  if (inputType.getElementType() != et || weightType.getElementType() != et ||
      resultType.getElementType() != et ||
      (biasType && biasType.getElementType() != et))
    return emitOpError() << "expects gate, input, weight"
                         << (biasType ? ", bias" : "")
                         << " and result of one element type";
  if (!compatibleDims(gateType.getRank() == 2 ? gateType.getDimSize(0) : 1,
                      inputType.getRank() == 2 ? inputType.getDimSize(0) : 1))
    return emitOpError() << "gate has " << dimString(gateType.getDimSize(0))
                         << " rows but input has "
                         << dimString(inputType.getDimSize(0));
  int64_t n = gateType.getShape().back();
  if (!compatibleDims(n, weightType.getDimSize(0)))
    return emitOpError() << "gate has " << dimString(n)
                         << " neurons but weight has "
                         << dimString(weightType.getDimSize(0)) << " rows";
  int64_t k = inputType.getShape().back();
  if (!compatibleDims(k, weightType.getDimSize(1)))
    return emitOpError() << "reduction sizes differ: input has " << dimString(k)
                         << " features but weight has "
                         << dimString(weightType.getDimSize(1)) << " columns";
  if (biasType && !compatibleDims(biasType.getDimSize(0), n))
    return emitOpError() << "expects one bias per neuron (" << dimString(n)
                         << "), got " << dimString(biasType.getDimSize(0));
  if (resultType.getRank() != gateType.getRank())
    return emitOpError() << "expects a result of the gate's rank ("
                         << gateType.getRank() << "), got rank "
                         << resultType.getRank();
  for (auto [dim, want] : llvm::zip(resultType.getShape(), gateType.getShape()))
    if (!compatibleDims(dim, want))
      return emitOpError() << "result shape " << resultType
                           << " does not match the gate shape " << gateType;
  return verifyIndexCount(*this, getIndices().getType(), n, "neurons");
}

//===----------------------------------------------------------------------===//
// ColumnGatherMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult ColumnGatherMatmulOp::verify() {
  auto inputType = getInput().getType();
  auto weightType = getWeight().getType();
  auto resultType = getResult().getType();
  if (failed(verifyActivationRank(*this, inputType, "input")))
    return failure();
  if (weightType.getRank() != 2)
    return emitOpError() << "expects a rank-2 weight (N x K, the up weight "
                            "transposed), got rank "
                         << weightType.getRank();
  Type et = inputType.getElementType();
  Value bias = getBias();
  auto biasType = bias ? cast<RankedTensorType>(bias.getType()) : nullptr;
  if (weightType.getElementType() != et || resultType.getElementType() != et ||
      (biasType && biasType.getElementType() != et))
    return emitOpError() << "expects input, weight"
                         << (biasType ? ", bias" : "")
                         << " and result of one element type";
  int64_t k = inputType.getShape().back();
  if (!compatibleDims(k, weightType.getDimSize(1)))
    return emitOpError() << "reduction sizes differ: input has " << dimString(k)
                         << " features but weight has "
                         << dimString(weightType.getDimSize(1)) << " columns";
  int64_t n = weightType.getDimSize(0);
  if (biasType && !compatibleDims(biasType.getDimSize(0), n))
    return emitOpError() << "expects one bias per neuron (" << dimString(n)
                         << "), got " << dimString(biasType.getDimSize(0));
  if (resultType.getRank() != inputType.getRank())
    return emitOpError() << "expects a result of the input's rank ("
                         << inputType.getRank() << "), got rank "
                         << resultType.getRank();
  if (!compatibleDims(resultType.getShape().back(), n) ||
      (inputType.getRank() == 2 &&
       !compatibleDims(resultType.getDimSize(0), inputType.getDimSize(0))))
    return emitOpError() << "result shape " << resultType
                         << " does not match the input's rows and the "
                         << dimString(n) << " neurons of the weight";
  return verifyIndexCount(*this, getIndices().getType(), n, "neurons");
}

//===----------------------------------------------------------------------===//
// SparseMatmulOp
//===----------------------------------------------------------------------===//

/// Constant offsets (as the packing produces) are checked in full: one
/// integer per output column.
static LogicalResult verifyConstantOffsets(SparseMatmulOp op, int64_t entries) {
  DenseIntElementsAttr offsets;
  if (!matchPattern(op.getOffsets(), m_Constant(&offsets)))
    return success();
  int64_t group = op.getGroup(), previous = 0, index = 0;
  for (const APInt &value : offsets.getValues<APInt>()) {
    int64_t offset = static_cast<int64_t>(value.getZExtValue());
    if (index == 0 && offset != 0)
      return op.emitOpError()
             << "expects offsets to start at 0, got " << offset;
    if (offset < previous)
      return op.emitOpError()
             << "expects non-decreasing offsets, got " << offset << " after "
             << previous << " at column " << index - 1;
    if ((offset - previous) % group != 0)
      return op.emitOpError()
             << "column " << index - 1 << " holds " << offset - previous
             << " entries, not a multiple of the group " << group;
    previous = offset;
    ++index;
  }
  if (!ShapedType::isDynamic(entries) && previous != entries)
    return op.emitOpError()
           << "expects the last offset to equal the number of entries ("
           << entries << "), got " << previous;
  return success();
}

/// Constant rows must index the `reduction` rows of the input.
static LogicalResult verifyConstantRows(SparseMatmulOp op, int64_t reduction) {
  DenseIntElementsAttr rows;
  if (ShapedType::isDynamic(reduction) ||
      !matchPattern(op.getRows(), m_Constant(&rows)))
    return success();
  int64_t index = 0;
  for (const APInt &value : rows.getValues<APInt>()) {
    uint64_t row = value.getZExtValue();
    if (row >= static_cast<uint64_t>(reduction))
      return op.emitOpError()
             << "row " << row << " of entry " << index << " is outside the "
             << reduction << " reduction rows of the input";
    ++index;
  }
  return success();
}

LogicalResult SparseMatmulOp::verify() {
  auto inputType = getInput().getType();
  auto valuesType = getValues().getType();
  auto rowsType = getRows().getType();
  auto offsetsType = getOffsets().getType();
  auto initType = getInit().getType();
  auto resultType = getResult().getType();
  Type et = inputType.getElementType();
  if (valuesType.getElementType() != et || initType.getElementType() != et ||
      resultType.getElementType() != et)
    return emitOpError() << "expects input, values, init and result of one "
                            "element type, got "
                         << et << ", " << valuesType.getElementType() << ", "
                         << initType.getElementType() << " and "
                         << resultType.getElementType();
  if (!compatibleDims(inputType.getDimSize(0), resultType.getDimSize(0)))
    return emitOpError() << "input has " << dimString(inputType.getDimSize(0))
                         << " rows but the result has "
                         << dimString(resultType.getDimSize(0));
  if (!compatibleDims(valuesType.getDimSize(0), rowsType.getDimSize(0)))
    return emitOpError() << "expects one row index per value, got "
                         << dimString(valuesType.getDimSize(0))
                         << " values and " << dimString(rowsType.getDimSize(0))
                         << " rows";
  int64_t columns = resultType.getDimSize(1);
  if (!ShapedType::isDynamic(columns) &&
      !compatibleDims(offsetsType.getDimSize(0), columns + 1))
    return emitOpError() << "expects " << columns + 1
                         << " offsets (result columns + 1), got "
                         << dimString(offsetsType.getDimSize(0));

  if (failed(verifyConstantOffsets(*this, valuesType.getDimSize(0))))
    return failure();
  return verifyConstantRows(*this, inputType.getDimSize(1));
}

//===----------------------------------------------------------------------===//
// PredictOp
//===----------------------------------------------------------------------===//

LogicalResult DotBytesOp::verify() {
  auto acc = cast<VectorType>(getAcc().getType());
  auto bytes = cast<VectorType>(getLhs().getType());
  if (acc.isScalable() || bytes.isScalable() ||
      bytes.getDimSize(0) != 4 * acc.getDimSize(0))
    return emitOpError() << "expects 4 bytes of each operand per 32-bit lane: "
                         << acc << " takes vector<" << 4 * acc.getDimSize(0)
                         << "xi8>, got " << bytes;
  return success();
}

LogicalResult PredictOp::verify() {
  auto inputType = getInput().getType();
  auto uType = getU().getType();
  auto vType = getV().getType();
  auto tType = getThresholds().getType();
  if (failed(verifyActivationRank(*this, inputType, "input")))
    return failure();
  if (uType.getRank() != 2 || vType.getRank() != 2)
    return emitOpError() << "expects rank-2 factors u (D x R) and v (R x N)";
  Type et = inputType.getElementType();
  if (uType.getElementType() != et || vType.getElementType() != et ||
      tType.getElementType() != et)
    return emitOpError()
           << "expects input, u, v and thresholds of one element type";
  int64_t d = inputType.getShape().back();
  if (!compatibleDims(d, uType.getDimSize(0)))
    return emitOpError() << "input has " << dimString(d)
                         << " features but u has "
                         << dimString(uType.getDimSize(0)) << " rows";
  if (!compatibleDims(uType.getDimSize(1), vType.getDimSize(0)))
    return emitOpError() << "rank mismatch between factors: u has "
                         << dimString(uType.getDimSize(1))
                         << " columns but v has "
                         << dimString(vType.getDimSize(0)) << " rows";
  int64_t n = vType.getDimSize(1);
  if (!compatibleDims(tType.getDimSize(0), n))
    return emitOpError() << "expects one threshold per neuron (" << dimString(n)
                         << "), got " << dimString(tType.getDimSize(0));
  return verifyIndexCount(*this, getIndices().getType(), n, "neurons");
}

//===----------------------------------------------------------------------===//
// BranchOp
//===----------------------------------------------------------------------===//

// Runs before the nested ops and the RegionBranchOpInterface are verified, so
// that a mismatched yield gets this message rather than the generic one about
// control-flow edges. A block without a terminator is left to the generic
// region verifier.
LogicalResult BranchOp::verify() {
  for (Region *region : {&getSparse(), &getDense()}) {
    if (region->empty() || region->front().empty())
      continue;
    Operation &last = region->front().back();
    if (!last.hasTrait<OpTrait::IsTerminator>())
      continue;
    auto yield = dyn_cast<YieldOp>(last);
    if (!yield)
      return emitOpError() << "expects its regions to end in 'sieve.yield', "
                              "found '"
                           << last.getName() << "'";
    if (yield.getValues().getTypes() != getResultTypes())
      return emitOpError() << "yields (" << yield.getValues().getTypes()
                           << ") from its "
                           << (region == &getSparse() ? "sparse" : "dense")
                           << " region, but its results are ("
                           << getResultTypes() << ")";
  }
  return success();
}

void BranchOp::getSuccessorRegions(RegionBranchPoint point,
                                   SmallVectorImpl<RegionSuccessor> &regions) {
  if (point.isParent()) {
    regions.push_back(RegionSuccessor(&getSparse()));
    regions.push_back(RegionSuccessor(&getDense()));
    return;
  }
  regions.push_back(RegionSuccessor(getOperation(), getResults()));
}
