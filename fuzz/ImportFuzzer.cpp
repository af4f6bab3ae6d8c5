//===- ImportFuzzer.cpp - Fuzzes the ONNX importer --------------*- C++ -*-===//
//
// Bytes -> importModel. Linked with OnnxMutator.cpp, which mutates inputs
// that parse as ONNX models structurally (ops, inputs, attributes, shapes,
// tensors) rather than byte by byte. A model the importer accepts must
// verify.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Registration.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdio>
#include <memory>
#include <string>

using namespace mlir;

/// Creating a context and loading its dialects takes longer than most
/// imports, so one context serves kInputsPerContext inputs in a row; then a
/// fresh one starts (the constants of imported models live in the context
/// until it goes). A crash found this way reproduces on a fresh context
/// unless it depends on earlier inputs, which the importer must not.
constexpr int kInputsPerContext = 256;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static std::unique_ptr<MLIRContext> context;
  static int uses = 0;
  if (!context || ++uses == kInputsPerContext) {
    DialectRegistry registry;
    sieve::onnx_import::registerImportDialects(registry);
    sieve::registerSieveDialects(registry);
    context = std::make_unique<MLIRContext>(registry,
                                            MLIRContext::Threading::DISABLED);
    context->loadAllAvailableDialects();
    uses = 0;
  }
  // Errors are expected (most mutated models are invalid); the last one is
  // kept to explain a broken invariant.
  bool errorReported = false;
  std::string lastError, previousError;
  ScopedDiagnosticHandler quiet(context.get(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error) {
      errorReported = true;
      previousError = std::move(lastError);
      lastError = diag.str();
    }
    return success();
  });
  sieve::onnx_import::ImportOptions options;
  options.maxTensorBytes = sieve_fuzz::kMaxTensorBytes;
  sieve::ModelSignature signature;
  OwningOpRef<ModuleOp> module = sieve::onnx_import::importModel(
      llvm::StringRef(reinterpret_cast<const char *>(data), size), "fuzz.onnx",
      context.get(), options, &signature);
  if (!module) {
    if (!errorReported)
      sieve_fuzz::fuzzFailure("import failed without an error");
    if (lastError == sieve::onnx_import::kImporterBugMessage) {
      std::fprintf(stderr, "verifier: %s\n", previousError.c_str());
      sieve_fuzz::fuzzFailure("the imported module does not verify");
    }
    return 0;
  }
  if (failed(verify(*module))) {
    std::fprintf(stderr, "verifier: %s\n", lastError.c_str());
    sieve_fuzz::fuzzFailure("the imported module does not verify");
  }
  return 0;
}
