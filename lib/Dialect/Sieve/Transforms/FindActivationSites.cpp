//===- FindActivationSites.cpp - Mark ReLU-like values ----------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEFINDACTIVATIONSITES
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct SieveFindActivationSitesPass
    : sieve::impl::SieveFindActivationSitesBase<SieveFindActivationSitesPass> {
  void runOnOperation() override {
    getOperation().walk([&](Operation *op) {
      if (op->getNumResults() != 1)
        return;
      std::optional<ActivationKind> kind = reluLikeKind(op->getResult(0));
      if (kind && reachesContraction(op->getResult(0)))
        op->setAttr("sieve.activation_site",
                    ActivationSiteAttr::get(&getContext(), *kind));
    });
  }
};

} // namespace
