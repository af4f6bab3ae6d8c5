//===- AnnotateWeightPatterns.cpp - Zeros of constant weights ---*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "sieve/Analysis/WeightPattern.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEANNOTATEWEIGHTPATTERNS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;
using namespace mlir::sieve;

namespace {

struct SieveAnnotateWeightPatternsPass
    : sieve::impl::SieveAnnotateWeightPatternsBase<
          SieveAnnotateWeightPatternsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    getOperation().walk([&](linalg::LinalgOp op) {
      WeightMatrix matrix;
      Value weight;
      if (isa<linalg::MatmulOp>(op)) {
        weight = op.getDpsInputs()[1];
        auto type = cast<ShapedType>(weight.getType());
        if (!type.hasStaticShape())
          return;
        matrix.rows = type.getDimSize(0);
        matrix.cols = type.getDimSize(1);
        matrix.reductionAlongRows = true;
      } else if (isa<linalg::Conv2DNchwFchwOp>(op)) {
        weight = op.getDpsInputs()[1];
        auto type = cast<ShapedType>(weight.getType());
        if (!type.hasStaticShape())
          return;
        matrix.rows = type.getDimSize(0);
        matrix.cols = type.getNumElements() / matrix.rows;
        matrix.reductionAlongRows = false;
        matrix.rowsAreChannels = true;
      } else {
        return;
      }
      std::optional<SmallVector<float>> values = constantFloats(weight);
      if (!values)
        return;
      matrix.values = *values;
      op->setAttr("sieve.weight_pattern", analyzeWeightPattern(ctx, matrix));
    });
  }
};

} // namespace
