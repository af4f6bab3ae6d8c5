//===- OutlineLoopNests.cpp - One function per loop nest --------*- C++ -*-===//
//
// Moves each top-level loop nest of a function into its own noinline
// function, so that LLVM optimizes a model one layer at a time (its loop
// passes are superlinear in the size of a function).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/LoopNests.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEOUTLINELOOPNESTS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

bool mlir::sieve::containsLoop(Operation *op) {
  return op->getNumRegions() > 0 &&
         op->walk([](Operation *nested) {
             return isa<scf::ForOp, scf::ParallelOp, scf::ForallOp,
                        scf::WhileOp>(nested)
                        ? WalkResult::interrupt()
                        : WalkResult::advance();
           }).wasInterrupted();
}

namespace {

struct OutlineLoopNests
    : sieve::impl::SieveOutlineLoopNestsBase<OutlineLoopNests> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    IRRewriter rewriter(&getContext());
    for (func::FuncOp func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || !func.getBody().hasOneBlock())
        continue;
      SmallVector<Operation *> nests;
      for (Operation &op : func.getBody().front())
        if (sieve::containsLoop(&op))
          nests.push_back(&op);
      if (nests.size() < minNests)
        continue;
      unsigned index = 0;
      for (Operation *op : nests) {
        // Wrap the nest in an scf.execute_region yielding its results, and
        // outline that region.
        rewriter.setInsertionPoint(op);
        auto region = scf::ExecuteRegionOp::create(rewriter, op->getLoc(),
                                                   op->getResultTypes());
        Block *body = rewriter.createBlock(&region.getRegion());
        rewriter.replaceAllUsesWith(op->getResults(), region.getResults());
        rewriter.moveOpBefore(op, body, body->end());
        rewriter.setInsertionPointToEnd(body);
        scf::YieldOp::create(rewriter, op->getLoc(), op->getResults());

        // Constants (also operand-free pure ops such as
        // vector.constant_mask) and globals (weights) used inside are cloned
        // into it, so that they stay constants there instead of becoming
        // arguments.
        llvm::SetVector<Value> captured;
        getUsedValuesDefinedAbove(region.getRegion(), captured);
        rewriter.setInsertionPointToStart(body);
        for (Value v : captured) {
          Operation *def = v.getDefiningOp();
          if (!def || def->getNumResults() != 1 ||
              !(def->hasTrait<OpTrait::ConstantLike>() ||
                isa<memref::GetGlobalOp>(def) ||
                (def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
                 isMemoryEffectFree(def))))
            continue;
          Value copy = rewriter.clone(*def)->getResult(0);
          rewriter.replaceUsesWithIf(v, copy, [&](OpOperand &use) {
            return region->isProperAncestor(use.getOwner());
          });
        }

        std::string name;
        do {
          name = (func.getName() + "_nest" + llvm::Twine(index++)).str();
        } while (symbols.lookup(name));
        rewriter.setInsertionPoint(region);
        func::CallOp call;
        FailureOr<func::FuncOp> outlined = outlineSingleBlockRegion(
            rewriter, op->getLoc(), region.getRegion(), name, &call);
        if (failed(outlined)) {
          region.emitError("could not outline this loop nest");
          return signalPassFailure();
        }
        outlined->setPrivate();
        // Internal linkage: not exported from a compiled model.
        (*outlined)->setAttr(
            "llvm.linkage",
            LLVM::LinkageAttr::get(&getContext(), LLVM::Linkage::Internal));
        (*outlined)->setAttr(
            "passthrough",
            rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
        symbols.insert(*outlined);
        // The execute_region now holds only the call: inline it.
        rewriter.setInsertionPoint(region);
        Block &inner = region.getRegion().front();
        auto yield = cast<scf::YieldOp>(inner.getTerminator());
        SmallVector<Value> results(yield.getOperands());
        rewriter.inlineBlockBefore(&inner, region);
        rewriter.replaceOp(region, results);
        rewriter.eraseOp(yield);
      }
    }
  }
};

} // namespace
