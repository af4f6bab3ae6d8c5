//===- FlattenConstantGlobals.cpp - flat constant arrays --------*- C++ -*-===//
//
// Multi-dimensional constant globals (weights) as flat LLVM arrays: one
// LLVM constant each instead of one per innermost row.
//
//===----------------------------------------------------------------------===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEFLATTENCONSTANTGLOBALS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

/// `value` (the initial value of a global of `count` elements) as a 1-D
/// attribute of `count` elements of the same type and order, or null.
Attribute flatValue(Attribute value, int64_t count) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getNumElements() != count)
    return {};
  auto flatType = RankedTensorType::get({count}, elements.getElementType());
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.reshape(flatType);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return DenseResourceElementsAttr::get(flatType, resource.getRawHandle());
  return {};
}

struct SieveFlattenConstantGlobalsPass
    : sieve::impl::SieveFlattenConstantGlobalsBase<
          SieveFlattenConstantGlobalsPass> {
  void runOnOperation() override {
    getOperation().walk([](LLVM::GlobalOp global) {
      auto type = dyn_cast<LLVM::LLVMArrayType>(global.getGlobalType());
      if (!type || !isa<LLVM::LLVMArrayType>(type.getElementType()) ||
          !global.getValue())
        return;
      // The scalar element type and the number of elements.
      Type element = type;
      int64_t count = 1;
      while (auto array = dyn_cast<LLVM::LLVMArrayType>(element)) {
        count *= array.getNumElements();
        element = array.getElementType();
      }
      Attribute flat = flatValue(*global.getValue(), count);
      if (!flat)
        return;
      global.setGlobalType(LLVM::LLVMArrayType::get(element, count));
      global.setValueAttr(flat);
    });
  }
};

} // namespace
