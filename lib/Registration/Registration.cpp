//===- Registration.cpp - Register Sieve dialects and passes ----*- C++ -*-===//

#include "sieve/Registration.h"

#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"
#include "sieve/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"

void mlir::sieve::registerSieveDialects(DialectRegistry &registry) {
  registry.insert<SieveDialect>();
  // sieve-gpu-pipeline translates its kernels to LLVM IR (PTX), and the
  // host module with its gpu.binary after it.
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
}

void mlir::sieve::registerSievePassesAndPipelines() {
  registerSievePasses();
  registerSieveConversionPasses();
  registerCPUPipeline();
  registerGPUPipeline();
}
