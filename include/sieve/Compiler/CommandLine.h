//===- CommandLine.h - The compile flags the tools share --------*- C++ -*-===//
//
// sievec, sieve-run and sieve-analyze take the same sparsity flags, sievec
// and sieve-run the thread flag, and sievec the target flags; each is declared
// here once, with its help text, and read into the compile API's options.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_COMPILER_COMMANDLINE_H
#define SIEVE_COMPILER_COMMANDLINE_H

#include "sieve/Compiler/Compiler.h"

#include "llvm/Support/CommandLine.h"

#include <string>

namespace mlir::sieve {

/// --sparsity, --profile, --activation-density-limit,
/// --weight-density-limit, --no-vectorize, --no-winograd.
class SparsityFlags {
public:
  explicit SparsityFlags(llvm::cl::OptionCategory &category);

  /// Reads the flags into `options` (the pipeline's, and the calibration
  /// and predictor options of --sparsity=approx). Returns the error message
  /// for a bad value or combination, or an empty string.
  std::string apply(CompileOptions &options) const;

private:
  llvm::cl::opt<std::string> sparsity;
  llvm::cl::opt<std::string> profile;
  llvm::cl::opt<double> activationDensityLimit;
  llvm::cl::opt<double> weightDensityLimit;
  llvm::cl::opt<bool> noVectorize;
  llvm::cl::opt<bool> noWinograd;
  llvm::cl::opt<std::string> calibrateDir;
  llvm::cl::opt<unsigned> calibrateRandom;
  llvm::cl::opt<double> predictorRecall;
  llvm::cl::opt<int64_t> predictorRank;
  llvm::cl::opt<std::string> predictors;
};

/// --target, --mcpu, --mattr, --sve-vector-bits, --gpu-arch, --entry.
class TargetFlags {
public:
  explicit TargetFlags(llvm::cl::OptionCategory &category);

  /// Reads the flags into `options`.
  void apply(CompileOptions &options) const;

private:
  llvm::cl::opt<std::string> target;
  llvm::cl::opt<std::string> gpuArch;
  llvm::cl::opt<std::string> cpu;
  llvm::cl::opt<std::string> features;
  llvm::cl::opt<int> sveVectorBits;
  llvm::cl::opt<std::string> entry;
};

/// --device=cpu|cuda and --gpu-arch, for the tools that run models.
class DeviceFlags {
public:
  explicit DeviceFlags(llvm::cl::OptionCategory &category);

  /// Reads the flags into `options` (cuda: target arch "nvptx"). Returns
  /// the error message for a bad value, or an empty string.
  std::string apply(CompileOptions &options) const;

private:
  llvm::cl::opt<std::string> device;
  llvm::cl::opt<std::string> gpuArch;
};

/// --gpu-skip-zeros=list|test, --gpu-launches=async|sync and
/// --gpu-tiles=shared|registers: how the GPU kernels skip zero activations,
/// are launched and tile contractions (sievec with
/// --target=nvptx, sieve-run with --device=cuda).
class GPUKernelFlags {
public:
  explicit GPUKernelFlags(llvm::cl::OptionCategory &category);

  /// Reads the flags into `options`, whose target must already be set.
  /// Returns the error message for a bad value or for a flag given for a
  /// CPU target, or an empty string.
  std::string apply(CompileOptions &options) const;

private:
  llvm::cl::opt<std::string> skipZeros;
  llvm::cl::opt<std::string> launches;
  llvm::cl::opt<std::string> tiles;
};

/// --threads, --parallel-chunk-cycles.
class ThreadFlags {
public:
  explicit ThreadFlags(llvm::cl::OptionCategory &category);

  /// Reads the flag into `options`. Returns the error message for a bad
  /// value, or an empty string.
  std::string apply(CPUPipelineOptions &options) const;

private:
  /// Unregisters the option libLLVM.so registers under `name` (an
  /// undocumented "threads" of its own, which Sieve does not use), so that
  /// the next member can take the name.
  struct FreeOptionName {
    explicit FreeOptionName(llvm::StringRef name);
  } freeThreadsName;
  llvm::cl::opt<int> threads;
  llvm::cl::opt<int64_t> parallelChunkCycles;
};

/// --max-tensor-bytes.
class LimitFlags {
public:
  explicit LimitFlags(llvm::cl::OptionCategory &category);

  /// Reads the flags into `options`. Returns the error message for a bad
  /// value, or an empty string.
  std::string apply(CompileOptions &options) const;
  /// As apply, into `bytes` (left alone when the flag is not given).
  std::string apply(int64_t &bytes) const;

private:
  llvm::cl::opt<std::string> maxTensorBytes;
};

/// The paragraph of a tool's --help that states the limits on what it
/// reads (regular files only, the model size, --max-tensor-bytes with its
/// default on this machine, the profile's nesting); `withProfiles` when the
/// tool takes --profile.
std::string inputLimitsHelp(bool withProfiles);

/// A MessageHandler that prints "<tool>: <kind>: <message>" on stderr
/// (progress lines as "<tool>: <message>", and only when `progress`).
MessageHandler printMessages(llvm::StringRef tool, bool progress = true);

} // namespace mlir::sieve

#endif // SIEVE_COMPILER_COMMANDLINE_H
