//===- GuardParallelRegions.cpp - No threads for a single chunk -*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/Matchers.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGUARDPARALLELREGIONS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

struct SieveGuardParallelRegionsPass
    : sieve::impl::SieveGuardParallelRegionsBase<
          SieveGuardParallelRegionsPass> {
  void runOnOperation() override {
    getOperation().walk([](omp::ParallelOp parallel) {
      if (parallel.getIfExpr())
        return;
      omp::LoopNestOp nest;
      parallel.walk([&](omp::LoopNestOp op) {
        if (!nest)
          nest = op;
      });
      if (!nest || nest.getLoopLowerBounds().size() != 1)
        return;
      Value lb = nest.getLoopLowerBounds()[0],
            ub = nest.getLoopUpperBounds()[0], step = nest.getLoopSteps()[0];
      // Bounds from inside the region (none from convert-scf-to-openmp)
      // cannot be tested before it.
      for (Value v : {lb, ub, step})
        if (parallel->isAncestor(v.getParentBlock()->getParentOp()))
          return;
      if (matchPattern(lb, m_Constant()) && matchPattern(ub, m_Constant()) &&
          matchPattern(step, m_Constant()))
        return;
      OpBuilder b(parallel);
      Location loc = parallel.getLoc();
      Value span = arith::SubIOp::create(b, loc, ub, lb);
      Value several =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, span, step);
      parallel.getIfExprMutable().assign(several);
    });
  }
};

} // namespace
