//===- FreeBuffersEarly.cpp - Deallocate after the last use -----*- C++ -*-===//
//
// Ownership-based buffer deallocation frees a buffer at the end of the
// block that allocated it: in a model's entry function, every intermediate
// buffer stays live until the function returns, and the buffer pool can
// hand none of them to a later layer. This pass moves each such
// `memref.dealloc` up to just after the last operation of its block that
// uses the buffer or a view of it.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEFREEBUFFERSEARLY
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The last operation of `dealloc`'s block (before it) that uses `buffer`
/// or a memref derived from it, or null when the buffer may escape where
/// we cannot follow it: its address taken as an integer, the buffer stored
/// as a value, made a tensor or returned. Every memref result of a user
/// (views, loop results) and of the parent of a terminator that yields it
/// is followed as a possible alias.
Operation *lastUse(Value buffer, memref::DeallocOp dealloc) {
  Block *block = dealloc->getBlock();
  Operation *last = buffer.getDefiningOp();
  SmallVector<Value> worklist{buffer};
  llvm::SmallPtrSet<Value, 8> seen{buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      if (isa<memref::ExtractAlignedPointerAsIndexOp, func::ReturnOp>(user))
        return nullptr;
      // A memref stored somewhere (a memref of memrefs) escapes.
      if (auto store = dyn_cast<memref::StoreOp>(user))
        if (store.getValueToStore() == value)
          return nullptr;
      Operation *top = block->findAncestorOpInBlock(*user);
      if (!top)
        return nullptr;
      if (top == dealloc || dealloc->isBeforeInBlock(top))
        return nullptr;
      if (!last || last->getBlock() != block || last->isBeforeInBlock(top))
        last = top;
      // A tensor made of the buffer (bufferization.to_tensor) reads it
      // where we cannot follow.
      if (llvm::any_of(user->getResultTypes(), llvm::IsaPred<TensorType>))
        return nullptr;
      auto follow = [&](Operation *op) {
        for (Value result : op->getResults())
          if (isa<BaseMemRefType>(result.getType()) &&
              seen.insert(result).second)
            worklist.push_back(result);
      };
      follow(user);
      // A memref yielded out of a region (scf.yield, scf.if's branches) is
      // the parent's result: follow those too. Region arguments it flows
      // into (loop-carried buffers) are used inside `top`.
      if (user->hasTrait<OpTrait::IsTerminator>() && user->getParentOp())
        follow(user->getParentOp());
    }
  }
  return last;
}

struct FreeBuffersEarly
    : sieve::impl::SieveFreeBuffersEarlyBase<FreeBuffersEarly> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk([&](memref::DeallocOp op) {
      // Only buffers allocated in the dealloc's own block: the ones
      // ownership-based deallocation frees at the block's end.
      auto alloc = op.getMemref().getDefiningOp<memref::AllocOp>();
      if (alloc && alloc->getBlock() == op->getBlock())
        deallocs.push_back(op);
    });
    for (memref::DeallocOp dealloc : deallocs) {
      Operation *last = lastUse(dealloc.getMemref(), dealloc);
      if (!last || last->getBlock() != dealloc->getBlock())
        continue;
      if (last->getNextNode() != dealloc.getOperation())
        dealloc->moveAfter(last);
    }
  }
};

} // namespace
