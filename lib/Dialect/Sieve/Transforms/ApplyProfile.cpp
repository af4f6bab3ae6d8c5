//===- ApplyProfile.cpp - Attach a calibration profile ----------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/Profile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEAPPLYPROFILE
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct SieveApplyProfilePass
    : sieve::impl::SieveApplyProfileBase<SieveApplyProfilePass> {
  using Base::Base;

  void runOnOperation() override {
    // The profile is a file, not a place in the IR: its diagnostics name
    // the file instead of a location.
    Location loc = UnknownLoc::get(&getContext());
    if (path.empty()) {
      emitError(loc) << "sieve-apply-profile needs a profile (path=FILE)";
      return signalPassFailure();
    }
    std::string error;
    int marked = applyProfile(getOperation(), path, error);
    if (marked < 0) {
      emitError(loc) << error;
      return signalPassFailure();
    }
    if (report)
      emitRemark(loc) << marked
                      << " activation sites with measured densities from "
                      << path;
  }
};

} // namespace
