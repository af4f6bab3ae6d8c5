//===- CompileFuzzer.cpp - Fuzzes import, pipeline and LLVM IR --*- C++ -*-===//
//
// Bytes -> importAndLowerBytes (the importer and sieve-cpu-pipeline, with
// --sparsity=auto so that the sparsity rewrites run too) -> LLVM IR, which
// must verify. Linked with OnnxMutator.cpp. Slow per input (the pipeline),
// so runs are measured in executions per second, not thousands.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "sieve/Compiler/Compiler.h"
#include "sieve/Registration.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"

using namespace mlir;

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  sieve::registerSieveDialects(*registry);
  registerBuiltinDialectTranslation(*registry);
  registerLLVMDialectTranslation(*registry);
  registerOpenMPDialectTranslation(*registry);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  bool errorReported = false;
  ScopedDiagnosticHandler quiet(&context, [&](Diagnostic &diag) {
    errorReported |= diag.getSeverity() == DiagnosticSeverity::Error;
    return success();
  });
  sieve::CompileOptions options;
  options.maxTensorBytes = sieve_fuzz::kMaxTensorBytes;
  options.pipeline.sparsity = sieve::SparsityMode::Auto;
  sieve::ModelSignature signature;
  OwningOpRef<ModuleOp> module = sieve::importAndLowerBytes(
      context, llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "fuzz.onnx", options, signature);
  if (!module) {
    if (!errorReported)
      sieve_fuzz::fuzzFailure("compilation failed without an error");
    return 0;
  }
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  if (!llvmModule)
    sieve_fuzz::fuzzFailure("a lowered module does not translate to LLVM IR");
  if (llvm::verifyModule(*llvmModule, &llvm::errs()))
    sieve_fuzz::fuzzFailure("the LLVM IR does not verify");
  return 0;
}
