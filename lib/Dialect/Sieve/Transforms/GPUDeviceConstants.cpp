//===- GPUDeviceConstants.cpp - Weights in GPU-visible memory ---*- C++ -*-===//

#include "sieve/Dialect/Sieve/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"

namespace mlir::sieve {
#define GEN_PASS_DEF_SIEVEGPUDEVICECONSTANTS
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"
} // namespace mlir::sieve

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kConstantFunction = "sieveGpuConstant";

struct GPUDeviceConstants
    : sieve::impl::SieveGPUDeviceConstantsBase<GPUDeviceConstants> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = &getContext();
    auto ptr = LLVM::LLVMPointerType::get(context);
    auto i64 = IntegerType::get(context, 64);
    DataLayout layout(module);
    LLVM::LLVMFuncOp callee;
    SmallVector<LLVM::AddressOfOp> uses;
    module.walk([&](LLVM::AddressOfOp op) {
      auto global = dyn_cast_or_null<LLVM::GlobalOp>(
          SymbolTable::lookupNearestSymbolFrom(op, op.getGlobalNameAttr()));
      if (global && global.getConstant() && global.getValueOrNull() &&
          !isa<StringAttr>(global.getValueOrNull()))
        uses.push_back(op);
    });
    for (LLVM::AddressOfOp op : uses) {
      if (!callee) {
        OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
        callee = LLVM::LLVMFuncOp::create(
            b, module.getLoc(), kConstantFunction,
            LLVM::LLVMFunctionType::get(ptr, {ptr, i64}));
      }
      auto global = cast<LLVM::GlobalOp>(
          SymbolTable::lookupNearestSymbolFrom(op, op.getGlobalNameAttr()));
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      Value bytes = LLVM::ConstantOp::create(
          b, op.getLoc(), i64,
          static_cast<int64_t>(layout.getTypeSize(global.getType())));
      auto call = LLVM::CallOp::create(b, op.getLoc(), callee,
                                       ValueRange{op.getResult(), bytes});
      op.getResult().replaceAllUsesExcept(call.getResult(), call);
    }
  }
};

} // namespace
