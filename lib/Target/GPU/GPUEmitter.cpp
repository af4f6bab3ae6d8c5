//===- GPUEmitter.cpp - PTX and the CUDA runtime for nvptx ------*- C++ -*-===//

#include "sieve/Target/GPUEmitter.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdlib>
#include <dlfcn.h>

using namespace mlir;

bool mlir::sieve::extractPTX(ModuleOp module, std::string &ptx,
                             std::string &error) {
  for (auto binary : module.getOps<gpu::BinaryOp>()) {
    for (Attribute attr : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attr);
      if (object && object.getFormat() == gpu::CompilationTarget::Assembly) {
        ptx = object.getObject().getValue().str();
        return true;
      }
    }
  }
  error = "the model has no GPU kernels (its outputs are its inputs or "
          "views of them): there is no PTX to write";
  return false;
}

std::string mlir::sieve::cudaRuntimeLibrary() {
  if (const char *env = std::getenv("SIEVE_CUDA_RUNTIME"))
    return env;
  constexpr const char *kName = "libsieve_cuda_runtime.so";
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&cudaRuntimeLibrary), &info) &&
      info.dli_fname) {
    llvm::SmallString<256> real;
    if (!llvm::sys::fs::real_path(info.dli_fname, real)) {
      llvm::StringRef dir = llvm::sys::path::parent_path(real);
      for (const char *sub : {"", "../lib"}) {
        llvm::SmallString<256> candidate(dir);
        llvm::sys::path::append(candidate, sub, kName);
        llvm::sys::path::remove_dots(candidate, /*remove_dot_dot=*/true);
        if (llvm::sys::fs::exists(candidate))
          return std::string(candidate);
      }
    }
  }
  return SIEVE_CUDA_RUNTIME_LIBRARY;
}
