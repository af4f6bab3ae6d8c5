//===- ObjectEmitter.h - Ahead-of-time code for CPU targets -----*- C++ -*-===//
//
// Turns a module lowered by sieve-cpu-pipeline into LLVM IR, an object file
// or a shared library for x86-64 or AArch64, and writes the C header that
// describes the compiled model's entry point.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_OBJECTEMITTER_H
#define SIEVE_TARGET_OBJECTEMITTER_H

#include "sieve/Support/ModelSignature.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Triple;
class Module;
class TargetMachine;
} // namespace llvm

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace mlir::sieve {

struct CPUTarget {
  /// "x86_64" or "aarch64" (or a full triple).
  std::string arch = "x86_64";
  /// -mcpu: "native" means the host CPU when it matches `arch`.
  std::string cpu = "generic";
  /// -mattr: comma-separated LLVM features, e.g. "+avx2,+fma".
  std::string features;
  /// AArch64 with SVE: the vector length, in bits, the code may assume as
  /// a minimum (--sve-vector-bits; 256 and up: fixed-length SVE code that
  /// runs on any SVE CPU whose vectors are at least that long; 128: any
  /// SVE CPU, NEON-width tiles and scalable vectors in the sparse kernels
  /// and elementwise code;
  /// 0: no SVE, code for any AArch64 CPU). -1: from the CPU's published
  /// vector length.
  int64_t sveVectorBits = -1;
};

/// The target machine for `target`; null with `error` set (an unknown CPU
/// or feature, an --sve-vector-bits the CPU cannot use).
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CPUTarget &target, std::string &error);

/// Translates `module` (LLVM dialect) to LLVM IR for `machine` and runs the
/// LLVM optimizer at -O3. With `defineAllocator`, the generic allocation
/// functions that sieve-cpu-pipeline's code calls
/// (`_mlir_memref_to_llvm_alloc`, `_aligned_alloc`, `_free`; the JIT's are
/// the buffer pool, BufferPool.h) are defined in the module as malloc,
/// aligned_alloc and free: an object then needs only the C library; with
/// `pooledAllocator` (a shared library, which links it) as Sieve's buffer
/// pool (runtime/sieve_buffer_pool.h). GPU host code takes them from
/// Sieve's CUDA runtime instead. Big constants
/// are aligned for 2 MiB pages, with a constructor that asks for them in
/// CPU code for Linux (placeLargeConstants, LargePages.h). With
/// `sveVectorBits` >= 128 (AArch64 with SVE), every function may use SVE,
/// assuming vectors of at least that many bits (`vscale_range`; 256 and
/// up: its fixed-length vectors too; 128: the kernels' scalable vectors,
/// CodegenTarget::scalableVectors), and a constructor stops the program
/// with a message when the CPU has no SVE or shorter vectors
/// (requireSVEVectorLength).
std::unique_ptr<llvm::Module>
translateAndOptimize(ModuleOp module, llvm::LLVMContext &context,
                     llvm::TargetMachine &machine, std::string &error,
                     bool defineAllocator = true, bool pooledAllocator = false,
                     int64_t sveVectorBits = 0);

/// Writes an object file of `module` to `path`.
bool writeObjectFile(llvm::Module &module, llvm::TargetMachine &machine,
                     llvm::StringRef path, std::string &error);

/// The OpenMP runtime (LLVM's libomp) that code compiled for several
/// threads calls, as found when Sieve was built (its full path).
llvm::StringRef openMPRuntimeLibrary();

/// Whether `module` calls the OpenMP runtime (`__kmpc_*`): code compiled
/// for several threads, which must be linked with openMPRuntimeLibrary().
bool callsOpenMPRuntime(const llvm::Module &module);

/// Links the object at `objectPath` (for `triple`) into a shared library at
/// `path` with a C compiler driver: $SIEVE_CC, else `cc` for the host's
/// architecture and `<arch>-linux-gnu-gcc` (Debian's cross compiler) for
/// another. With `openmp`, the library depends on the OpenMP runtime (only
/// for the host's architecture). `libraries` (full paths) are linked too,
/// each with its folder as a run path (Sieve's CUDA runtime). With
/// `largePages` (hasLargeConstants), the segments are aligned to 2 MiB
/// (LargePages.h). With `bufferPool`, Sieve's buffer pool
/// (runtime/sieve_buffer_pool.c) is compiled into the library, for the
/// allocation functions translateAndOptimize's `pooledAllocator` defines.
bool linkSharedLibrary(llvm::StringRef objectPath, llvm::StringRef path,
                       const llvm::Triple &triple, bool openmp,
                       std::string &error,
                       const std::vector<std::string> &libraries = {},
                       bool largePages = false, bool bufferPool = false);

/// The C header for the model: memref descriptor structs, the
/// `_mlir_ciface_<entry>` declaration, and a convenience function
/// `<entry>_run` that takes plain pointers (and the sizes of dynamic
/// dimensions) and copies results into caller buffers. With `openmp`, it
/// says that the code calls the OpenMP runtime (link with -lomp). With
/// `gpu` (--target=nvptx), `<entry>_run` first checks that a GPU is usable
/// (returns 1 if not: sieve_gpu_error() says why) and frees the results
/// with Sieve's CUDA runtime.
std::string generateHeader(const ModelSignature &signature, bool openmp = false,
                           bool gpu = false);

} // namespace mlir::sieve

#endif // SIEVE_TARGET_OBJECTEMITTER_H
