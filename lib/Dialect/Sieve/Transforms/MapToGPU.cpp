//===- MapToGPU.cpp - Loop nests on buffers to GPU launches -----*- C++ -*-===//
//
// sieve-gpu-copy-inputs, sieve-map-to-gpu and sieve-merge-gpu-modules: the
// GPU-specific steps of sieve-gpu-pipeline between bufferization and the
// NVVM lowering (docs/targets.md).
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGPUCOPYINPUTS
#define GEN_PASS_DEF_SIEVEMAPTOGPU
#define GEN_PASS_DEF_SIEVEMERGEGPUMODULES
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

struct GPUCopyInputs : sieve::impl::SieveGPUCopyInputsBase<GPUCopyInputs> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.isExternal())
      return;
    OpBuilder builder = OpBuilder::atBlockBegin(&func.getBody().front());
    for (BlockArgument arg : func.getArguments()) {
      auto type = dyn_cast<MemRefType>(arg.getType());
      if (!type || arg.use_empty())
        continue;
      Location loc = arg.getLoc();
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          sizes.push_back(memref::DimOp::create(builder, loc, arg, d));
      auto copyType = MemRefType::get(type.getShape(), type.getElementType());
      Value copy = memref::AllocOp::create(builder, loc, copyType, sizes);
      auto copyOp = memref::CopyOp::create(builder, loc, arg, copy);
      Value use = copy;
      if (copyType != type)
        use = memref::CastOp::create(builder, loc, type, copy);
      arg.replaceAllUsesExcept(use, copyOp);
    }
  }
};

/// The number of iterations of `lb` to `ub` by `step` (0 when empty).
Value tripCount(OpBuilder &b, Location loc, Value lb, Value ub, Value step) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value span = arith::SubIOp::create(b, loc, ub, lb);
  span = arith::MaxSIOp::create(b, loc, span, zero);
  return arith::CeilDivSIOp::create(b, loc, span, step);
}

/// Replaces `loop` (no reductions) by a one-dimensional launch of blocks of
/// `blockSize` threads, one thread per point of its iteration space.
void launchParallelLoop(scf::ParallelOp loop, int64_t blockSize) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> counts;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    counts.push_back(tripCount(b, loc, lb, ub, step));
    total = arith::MulIOp::create(b, loc, total, counts.back());
  }
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value block = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value blocks = arith::CeilDivSIOp::create(b, loc, total, block);
  blocks = arith::MaxSIOp::create(b, loc, blocks, one);
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, block, one, one);
  b.setInsertionPointToStart(&launch.getBody().front());
  Value id = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, block),
      launch.getThreadIds().x);
  Value inside =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, id, total);
  auto guard = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(guard.thenBlock()->getTerminator());
  // Innermost dimension fastest.
  IRMapping map;
  Value rest = id;
  for (int64_t d = counts.size() - 1; d >= 0; --d) {
    Value index =
        d == 0 ? rest : arith::RemSIOp::create(b, loc, rest, counts[d]);
    if (d > 0)
      rest = arith::DivSIOp::create(b, loc, rest, counts[d]);
    Value iv = arith::AddIOp::create(
        b, loc, loop.getLowerBound()[d],
        arith::MulIOp::create(b, loc, index, loop.getStep()[d]));
    map.map(loop.getInductionVars()[d], iv);
  }
  for (Operation &op : loop.getBody()->without_terminator())
    b.clone(op, map);
  loop.erase();
}

struct MapToGPU : sieve::impl::SieveMapToGPUBase<MapToGPU> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (blockSize < 1 || blockSize > 1024) {
      func.emitError() << "sieve-map-to-gpu: block-size must be in [1, 1024], "
                          "got "
                       << blockSize;
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    // Copies between the model's buffers run on the GPU; the entry's copies
    // of the caller's buffers (host memory) stay on the host.
    func.walk([&](memref::CopyOp copy) {
      if (isa<BlockArgument>(copy.getSource()) &&
          isa<func::FuncOp>(
              cast<BlockArgument>(copy.getSource()).getOwner()->getParentOp()))
        return;
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    });
    SmallVector<linalg::LinalgOp> linalgOps;
    func.walk([&](linalg::LinalgOp op) { linalgOps.push_back(op); });
    for (linalg::LinalgOp op : linalgOps) {
      if (!op.hasPureBufferSemantics()) {
        op->emitError() << "'" << op->getName()
                        << "' on tensors is not supported on the GPU (it was "
                           "not bufferized)";
        return signalPassFailure();
      }
      rewriter.setInsertionPoint(op);
      if (failed(linalg::linalgOpToParallelLoops(rewriter, op))) {
        op->emitError() << "'" << op->getName()
                        << "' cannot be lowered to loops for the GPU";
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
    }
    SmallVector<scf::ParallelOp> outermost;
    WalkResult result = func.walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>() ||
          loop->getParentOfType<gpu::LaunchOp>())
        return WalkResult::advance();
      if (loop.getNumResults() > 0) {
        loop.emitError() << "'scf.parallel' with reductions is not supported "
                            "on the GPU";
        return WalkResult::interrupt();
      }
      outermost.push_back(loop);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (scf::ParallelOp loop : outermost)
      launchParallelLoop(loop, blockSize);
  }
};

struct MergeGPUModules
    : sieve::impl::SieveMergeGPUModulesBase<MergeGPUModules> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto modules = llvm::to_vector(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    gpu::GPUModuleOp target = modules.front();
    SymbolTable symbols(module);
    if (target.getName() != "sieve_kernels" &&
        failed(symbols.rename(target, "sieve_kernels"))) {
      target.emitError() << "cannot rename the GPU module";
      return signalPassFailure();
    }
    SymbolTable targetSymbols(target);
    for (gpu::GPUModuleOp source : llvm::drop_begin(modules)) {
      StringRef sourceName = source.getName();
      for (Operation &op :
           llvm::make_early_inc_range(source.getBody()->getOperations())) {
        auto symbol = dyn_cast<SymbolOpInterface>(op);
        if (!symbol)
          continue;
        StringAttr oldName = symbol.getNameAttr();
        op.remove();
        // Inserting renames a clash; references inside the moved op to
        // its own module's symbols are updated below.
        StringAttr newName = targetSymbols.insert(&op);
        if (newName != oldName &&
            failed(SymbolTable::replaceAllSymbolUses(oldName, newName, &op)))
          return signalPassFailure();
        auto oldRef = SymbolRefAttr::get(&getContext(), sourceName,
                                         {FlatSymbolRefAttr::get(oldName)});
        auto newRef = SymbolRefAttr::get(target.getNameAttr(),
                                         {FlatSymbolRefAttr::get(newName)});
        module.walk([&](gpu::LaunchFuncOp launch) {
          if (launch.getKernel() == oldRef)
            launch.setKernelAttr(newRef);
        });
      }
      source.erase();
    }
  }
};

} // namespace
