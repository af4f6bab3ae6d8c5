//===- ConcatInPlace.cpp - Producers write into their concatenation -------===//
//
// A concatenation is a chain of tensor.insert_slice into a tensor.empty.
// Each input whose value is built from a tensor.empty of its own type
// (through destination-passing ops, loops, inserts and reshapes: a
// convolution's [channels, pixels] matmul expanded back to NCHW) gets that
// empty replaced by the slice of the concatenation it is inserted into, so
// that one-shot bufferization computes it there and the insert copies
// nothing. An empty's contents are undefined, so any tensor may stand for
// it: the rewrite never changes a value, and where bufferization cannot
// keep the slice in place it copies as before.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVECONCATINPLACE
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The tensor.empty whose buffer `value` is computed in, following each op
/// to the operand its result is written into: reshapes to their source,
/// inserts and destination-passing ops to their destination, loop results
/// to their initial values. Null when the chain ends elsewhere.
tensor::EmptyOp rootEmpty(Value value) {
  for (int steps = 0; steps < 64; ++steps) {
    if (auto empty = value.getDefiningOp<tensor::EmptyOp>())
      return empty;
    auto result = dyn_cast<OpResult>(value);
    if (!result)
      return {};
    Operation *op = result.getOwner();
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
      value = expand.getSrc();
    else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
      value = collapse.getSrc();
    else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
      value = insert.getDest();
    else if (auto loop = dyn_cast<scf::ForOp>(op))
      value = loop.getInitArgs()[result.getResultNumber()];
    else if (auto forall = dyn_cast<scf::ForallOp>(op))
      value = forall.getOutputs()[result.getResultNumber()];
    else if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
      value = dps.getDpsInitOperand(result.getResultNumber())->get();
    else
      return {};
  }
  return {};
}

/// The tensor.empty a chain of inserts starts from (`dest` of the first).
tensor::EmptyOp concatenationRoot(Value dest) {
  while (auto insert = dest.getDefiningOp<tensor::InsertSliceOp>())
    dest = insert.getDest();
  return dest.getDefiningOp<tensor::EmptyOp>();
}

/// Moves `op` (in `block`) right after the last op of `block` that defines
/// one of its operands (or contains that definition), if that is earlier.
void moveUpToOperands(Operation *op, Block &block) {
  Operation *after = nullptr;
  for (Value operand : op->getOperands()) {
    Operation *def = operand.getDefiningOp();
    if (def && def->getBlock() != &block)
      def = block.findAncestorOpInBlock(*def);
    if (def && (!after || after->isBeforeInBlock(def)))
      after = def;
  }
  if (after && after->isBeforeInBlock(op))
    op->moveAfter(after);
}

/// The first op of `block` that uses `value` (or contains a use).
Operation *firstUser(Value value, Block &block) {
  Operation *first = nullptr;
  for (Operation *user : value.getUsers()) {
    Operation *op = block.findAncestorOpInBlock(*user);
    if (op && (!first || op->isBeforeInBlock(first)))
      first = op;
  }
  return first;
}

struct ConcatInPlacePass
    : sieve::impl::SieveConcatInPlaceBase<ConcatInPlacePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.getBody().empty())
      return;
    Block &entry = func.getBody().front();
    SmallVector<tensor::InsertSliceOp> inserts;
    for (Operation &op : entry)
      if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
        inserts.push_back(insert);
    IRRewriter rewriter(&getContext());
    for (tensor::InsertSliceOp insert : inserts) {
      RankedTensorType sourceType = insert.getSourceType();
      if (!sourceType.hasStaticShape() || !insert.hasUnitStride() ||
          ShapedType::isDynamicShape(insert.getStaticOffsets()) ||
          sourceType.getRank() != insert.getType().getRank())
        continue;
      tensor::EmptyOp target = concatenationRoot(insert.getDest());
      tensor::EmptyOp source = rootEmpty(insert.getSource());
      if (!target || !source || source == target ||
          source.getType() != sourceType ||
          !target.getType().hasStaticShape() || source->getBlock() != &entry ||
          target->getBlock() != &entry)
        continue;
      // The concatenation's (operand-less) empty first, the insert as
      // early as its operands allow, and the input's empty as late as its
      // users allow: the input is then computed after the inserts before
      // it, in a slice of the last of them (the value it is inserted into),
      // which bufferization keeps in place. (With a slice of the first
      // empty, the earlier inserts' writes would fall between the input's
      // computation and its insert: bufferization does not compare the
      // slices, and copies.)
      target->moveBefore(&entry.front());
      moveUpToOperands(insert, entry);
      Operation *user = firstUser(source.getResult(), entry);
      if (!user)
        continue;
      source->moveBefore(user);
      Value dest = insert.getDest();
      if (Operation *def = dest.getDefiningOp();
          !def || def->getBlock() != &entry || !def->isBeforeInBlock(source))
        continue;
      rewriter.setInsertionPoint(source);
      auto slice = tensor::ExtractSliceOp::create(
          rewriter, source.getLoc(), sourceType, dest, insert.getMixedOffsets(),
          insert.getMixedSizes(), insert.getMixedStrides());
      rewriter.replaceOp(source, slice.getResult());
    }
  }
};

} // namespace
