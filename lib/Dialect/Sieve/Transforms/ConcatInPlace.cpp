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
// keep the slice in place it copies as before. Empties that CSE shared
// between layers are cloned first, so that only the concatenated input
// moves into the slice; a concatenation whose inputs begin a longer one
// (a DenseNet block) becomes a slice of that one.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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

/// The operand holding the tensor.empty whose buffer `value` is computed
/// in, following each op to the operand its result is written into:
/// reshapes to their source, inserts and destination-passing ops to their
/// destination, loop results to their initial values. Null when the chain
/// ends elsewhere (or at once: `value` is an empty).
OpOperand *rootEmptyUse(Value value) {
  OpOperand *use = nullptr;
  for (int steps = 0; steps < 64; ++steps) {
    if (value.getDefiningOp<tensor::EmptyOp>())
      return use;
    auto result = dyn_cast<OpResult>(value);
    if (!result)
      return nullptr;
    Operation *op = result.getOwner();
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
      use = &expand.getSrcMutable();
    else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
      use = &collapse.getSrcMutable();
    else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
      use = &insert.getDestMutable();
    else if (auto loop = dyn_cast<scf::ForOp>(op))
      use = &loop.getInitArgsMutable()[result.getResultNumber()];
    else if (auto forall = dyn_cast<scf::ForallOp>(op))
      use = &forall.getOutputsMutable()[result.getResultNumber()];
    else if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
      use = dps.getDpsInitOperand(result.getResultNumber());
    else
      return nullptr;
    value = use->get();
  }
  return nullptr;
}

/// The empty that `use` (rootEmptyUse) holds, given to it alone where CSE
/// shared it with other ops (another layer's output of the same shape): a
/// clone. Replaced by the
/// concatenation's slice, a shared empty would put the other layers'
/// computations in the slice too, where they are not in place.
tensor::EmptyOp untieRootEmpty(RewriterBase &rewriter, OpOperand &use,
                               Block &entry) {
  auto empty = use.get().getDefiningOp<tensor::EmptyOp>();
  if (!empty || empty->hasOneUse())
    return empty;
  Operation *owner = entry.findAncestorOpInBlock(*use.getOwner());
  if (!owner)
    return {};
  rewriter.setInsertionPoint(owner);
  auto own = cast<tensor::EmptyOp>(rewriter.clone(*empty));
  use.set(own.getResult());
  return own;
}

/// The tensor.empty a chain of inserts starts from (`dest` of the first).
tensor::EmptyOp concatenationRoot(Value dest) {
  while (auto insert = dest.getDefiningOp<tensor::InsertSliceOp>())
    dest = insert.getDest();
  return dest.getDefiningOp<tensor::EmptyOp>();
}

/// The concatenation's empty, given to the chain of inserts that ends at
/// `insert` alone where CSE shared it with other ops (two concatenations
/// of one shape: GoogLeNet's inception 4b, 4c and 4d): a clone for the
/// chain's first insert. Called once per chain (before this pass adds
/// slices of it).
tensor::EmptyOp ownTarget(RewriterBase &rewriter, tensor::InsertSliceOp insert,
                          tensor::EmptyOp target, Block &entry) {
  if (target->hasOneUse())
    return target;
  tensor::InsertSliceOp first = insert;
  while (auto previous = first.getDest().getDefiningOp<tensor::InsertSliceOp>())
    first = previous;
  rewriter.setInsertionPoint(&entry.front());
  auto own = cast<tensor::EmptyOp>(rewriter.clone(*target));
  rewriter.modifyOpInPlace(
      first, [&] { first.getDestMutable().set(own.getResult()); });
  return own;
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

/// A concatenation: static inserts with unit strides into a tensor.empty
/// in `entry`, each into the one before (each of those used by the next
/// only).
using Chain = SmallVector<tensor::InsertSliceOp>;

SmallVector<Chain> concatenations(Block &entry) {
  SmallVector<Chain> chains;
  auto plain = [&](tensor::InsertSliceOp insert) {
    return insert->getBlock() == &entry && insert.hasUnitStride() &&
           insert.getSourceType().hasStaticShape() &&
           insert.getType().hasStaticShape() &&
           !ShapedType::isDynamicShape(insert.getStaticOffsets());
  };
  for (Operation &op : entry) {
    auto insert = dyn_cast<tensor::InsertSliceOp>(op);
    if (!insert || !insert.getDest().getDefiningOp<tensor::EmptyOp>() ||
        !plain(insert))
      continue;
    Chain chain{insert};
    while (chain.back()->hasOneUse()) {
      auto next =
          dyn_cast<tensor::InsertSliceOp>(*chain.back()->getUsers().begin());
      if (!next || next.getDest() != chain.back().getResult() || !plain(next))
        break;
      chain.push_back(next);
    }
    chains.push_back(chain);
  }
  return chains;
}

/// Whether the first `prefix.size()` inserts of `chain` insert the same
/// values at the same places as `prefix`.
bool startsWith(const Chain &chain, const Chain &prefix) {
  if (prefix.size() >= chain.size())
    return false;
  for (auto [first, second] : llvm::zip(prefix, chain)) {
    tensor::InsertSliceOp a = first, b = second;
    if (a.getSource() != b.getSource() ||
        a.getStaticOffsets() != b.getStaticOffsets() ||
        a.getStaticSizes() != b.getStaticSizes())
      return false;
  }
  return true;
}

/// A concatenation whose inputs are the first inputs of a longer one (a
/// DenseNet block: layer k reads the concatenation of the block's input and
/// layers 1 .. k-1, the block's output all of them) becomes the slice of
/// that one's value after those inputs: one buffer for the block, each
/// layer's output in it once (computed in place below), instead of a copy
/// of every earlier output per layer. The rest of the longer concatenation
/// is written after the prefix was read (its inserts come after the layers
/// that read it); values never change (the prefix's slice holds the same
/// inputs at the same places, the shorter concatenation no more).
void slicePrefixes(RewriterBase &rewriter, Block &entry) {
  SmallVector<Chain> chains = concatenations(entry);
  for (Chain &prefix : chains) {
    Chain *longest = nullptr;
    for (Chain &chain : chains)
      if (startsWith(chain, prefix) &&
          (!longest || chain.size() > longest->size()))
        longest = &chain;
    if (!longest)
      continue;
    // The box of the shorter concatenation from the origin of the longer.
    auto shortType = prefix.back().getType();
    auto longType = longest->back().getType();
    if (shortType.getRank() != longType.getRank() ||
        shortType.getElementType() != longType.getElementType() ||
        llvm::any_of(
            llvm::zip(shortType.getShape(), longType.getShape()),
            [](auto dims) { return std::get<0>(dims) > std::get<1>(dims); }))
      continue;
    // The longer one's empty first and its inserts up to their operands,
    // the slice after the last of the prefix, before every use of the
    // shorter one.
    longest->front().getDest().getDefiningOp()->moveBefore(&entry.front());
    for (tensor::InsertSliceOp insert : *longest)
      moveUpToOperands(insert, entry);
    tensor::InsertSliceOp after = (*longest)[prefix.size() - 1];
    Value whole = prefix.back().getResult();
    bool dominates = llvm::all_of(whole.getUsers(), [&](Operation *user) {
      Operation *op = entry.findAncestorOpInBlock(*user);
      return op && after->isBeforeInBlock(op);
    });
    if (!dominates)
      continue;
    rewriter.setInsertionPointAfter(after);
    SmallVector<OpFoldResult> zeros(shortType.getRank(),
                                    rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(shortType.getRank(),
                                   rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes = llvm::map_to_vector(
        shortType.getShape(),
        [&](int64_t d) -> OpFoldResult { return rewriter.getIndexAttr(d); });
    Value slice =
        tensor::ExtractSliceOp::create(rewriter, after.getLoc(), shortType,
                                       after.getResult(), zeros, sizes, ones);
    rewriter.replaceAllUsesWith(whole, slice);
    auto empty = prefix.front().getDest().getDefiningOp<tensor::EmptyOp>();
    for (tensor::InsertSliceOp insert : llvm::reverse(prefix))
      rewriter.eraseOp(insert);
    if (empty->use_empty())
      rewriter.eraseOp(empty);
    prefix.clear();
  }
}

struct ConcatInPlacePass
    : sieve::impl::SieveConcatInPlaceBase<ConcatInPlacePass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.getBody().empty())
      return;
    Block &entry = func.getBody().front();
    IRRewriter rewriter(&getContext());
    slicePrefixes(rewriter, entry);
    SmallVector<tensor::InsertSliceOp> inserts;
    for (Operation &op : entry)
      if (auto insert = dyn_cast<tensor::InsertSliceOp>(op))
        inserts.push_back(insert);
    llvm::SetVector<tensor::EmptyOp> targets;
    for (tensor::InsertSliceOp insert : inserts) {
      RankedTensorType sourceType = insert.getSourceType();
      if (!sourceType.hasStaticShape() || !insert.hasUnitStride() ||
          ShapedType::isDynamicShape(insert.getStaticOffsets()) ||
          sourceType.getRank() != insert.getType().getRank())
        continue;
      tensor::EmptyOp target = concatenationRoot(insert.getDest());
      if (!target || !target.getType().hasStaticShape() ||
          target->getBlock() != &entry)
        continue;
      // The concatenation's (operand-less) empty first, every insert as
      // early as its operands allow, and the input's empty as late as its
      // users allow: the input is then computed after the inserts before
      // it, in a slice of the last of them (the value it is inserted into),
      // which bufferization keeps in place. (With a slice of the first
      // empty, the earlier inserts' writes would fall between the input's
      // computation and its insert: bufferization does not compare the
      // slices, and copies.)
      if (!targets.contains(target))
        target = ownTarget(rewriter, insert, target, entry);
      targets.insert(target);
      target->moveBefore(&entry.front());
      moveUpToOperands(insert, entry);
      OpOperand *use = rootEmptyUse(insert.getSource());
      auto root = use ? use->get().getDefiningOp<tensor::EmptyOp>() : nullptr;
      if (!root || root == target || root.getType() != sourceType ||
          root->getBlock() != &entry)
        continue;
      tensor::EmptyOp source = untieRootEmpty(rewriter, *use, entry);
      if (!source)
        continue;
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
    // The concatenations' buffers as allocations, which the CSE after this
    // pass does not merge as it does empties of one shape (two chains of
    // inserts into one buffer are not in place).
    for (tensor::EmptyOp target : targets) {
      rewriter.setInsertionPoint(target);
      rewriter.replaceOpWithNewOp<bufferization::AllocTensorOp>(
          target, target.getType(), target.getDynamicSizes());
    }
  }
};

} // namespace
