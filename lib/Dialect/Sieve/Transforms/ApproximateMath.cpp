//===- ApproximateMath.cpp - Vector-friendly f32 math -----------*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEAPPROXIMATEMATH
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// The functions (operation names) whose polynomial approximations hold
/// over their whole domain (sin and cos lose accuracy for large arguments).
bool isApproximated(StringRef name) {
  return llvm::StringSwitch<bool>(name)
      .Cases({"math.exp", "math.expm1", "math.tanh", "math.erf", "math.log",
              "math.log1p", "math.log2"},
             true)
      .Default(false);
}

struct SieveApproximateMathPass
    : sieve::impl::SieveApproximateMathBase<SieveApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathAlgebraicSimplificationPatterns(patterns);
    populateMathPolynomialApproximationPatterns(patterns, isApproximated);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
