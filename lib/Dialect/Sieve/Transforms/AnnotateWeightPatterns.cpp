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

/// The f32 contents of a constant, if `value` is one.
std::optional<SmallVector<float>> constantFloats(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    SmallVector<float> values;
    if (dense.isSplat())
      values.assign(type.getNumElements(), dense.getSplatValue<float>());
    else
      values.assign(dense.getValues<float>().begin(),
                    dense.getValues<float>().end());
    return values;
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue())) {
    ArrayRef<char> data = resource.getData();
    if (data.size() != type.getNumElements() * sizeof(float))
      return std::nullopt;
    SmallVector<float> values(type.getNumElements());
    std::memcpy(values.data(), data.data(), data.size());
    return values;
  }
  return std::nullopt;
}

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
