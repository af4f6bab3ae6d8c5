//===- GPUEmitter.h - PTX and the CUDA runtime for --target=nvptx -*- C++
//-*-===//
//
// A module lowered by sieve-gpu-pipeline holds its kernels as PTX text in
// one gpu.binary and a host module in the LLVM dialect that calls Sieve's
// CUDA runtime (runtime/): the PTX is written as it is for `-o model.ptx`,
// and the host module becomes an object or shared library that links the
// runtime.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_GPUEMITTER_H
#define SIEVE_TARGET_GPUEMITTER_H

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::sieve {

/// The PTX of the module's kernels (the gpu.binary's object). Returns false
/// with `error` set when the module holds no PTX.
bool extractPTX(ModuleOp module, std::string &ptx, std::string &error);

/// The path of Sieve's CUDA runtime library (libsieve_cuda_runtime.so):
/// $SIEVE_CUDA_RUNTIME, else the one beside the program or library holding
/// Sieve (in its folder or ../lib), else the build tree's.
std::string cudaRuntimeLibrary();

} // namespace mlir::sieve

#endif // SIEVE_TARGET_GPUEMITTER_H
