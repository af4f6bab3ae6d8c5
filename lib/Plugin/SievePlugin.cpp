//===- SievePlugin.cpp - Sieve as an mlir-opt plugin ------------*- C++ -*-===//
//
// libSievePlugin.so lets upstream tools built on MlirOptMain load Sieve:
//
//   mlir-opt --load-dialect-plugin=libSievePlugin.so \
//            --load-pass-plugin=libSievePlugin.so \
//            --sieve-cpu-pipeline="sparsity=exact" input.mlir
//
// The dialect hook adds the sieve dialect; the pass hook registers every
// Sieve pass and sieve-cpu-pipeline.
//
//===----------------------------------------------------------------------===//

#include "sieve/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Sieve", LLVM_VERSION_STRING,
          [](::mlir::DialectRegistry *registry) {
            ::mlir::sieve::registerSieveDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK ::mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Sieve", LLVM_VERSION_STRING,
          []() { ::mlir::sieve::registerSievePassesAndPipelines(); }};
}
