//===- JIT.h - Run compiled models in-process -------------------*- C++ -*-===//
//
// JIT-compiles a module lowered by sieve-cpu-pipeline with MLIR's
// ExecutionEngine for the host CPU and calls its entry function with host
// tensors.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_JIT_H
#define SIEVE_TARGET_JIT_H

#include "sieve/Support/HostTensor.h"
#include "sieve/Support/ModelSignature.h"
#include "sieve/Target/LayerProfile.h"

#include <memory>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
class ModuleOp;
} // namespace mlir

namespace mlir::sieve {

class JitModel {
public:
  /// Compiles `module` (in the LLVM dialect). With `gpuRuntime` (the path
  /// of Sieve's CUDA runtime), the module is sieve-gpu-pipeline's: the
  /// runtime is loaded, runs check that a GPU is usable and results are
  /// freed by it. Returns null with `error` set.
  static std::unique_ptr<JitModel> compile(ModuleOp module,
                                           const ModelSignature &sig,
                                           std::string &error,
                                           const std::string &gpuRuntime = "");
  ~JitModel();

  /// Runs the model. Inputs must match the signature (in order); outputs
  /// are allocated by the model and copied into `outputs`.
  bool run(const std::vector<HostTensor> &inputs,
           std::vector<HostTensor> &outputs, std::string &error);

  const ModelSignature &signature() const { return sig; }

  /// Whether the module was compiled with sieve-cpu-pipeline's
  /// `profile-layers` (its `sieve.profile_layers` names): then every run
  /// adds the time of each layer to the profile.
  bool profilesLayers() const { return !layers.empty(); }
  /// The layers' total times since the last reset, indexed by layer id,
  /// the runs they cover and those runs' total wall time (seconds).
  std::vector<LayerTime> layerProfile() const;
  unsigned profiledRuns() const { return runs; }
  double profiledSeconds() const { return runNanos * 1e-9; }
  void resetLayerProfile();

private:
  JitModel() = default;
  std::unique_ptr<ExecutionEngine> engine;
  ModelSignature sig;
  /// With profile-layers: the layers' names and counters.
  std::vector<std::string> layers;
  LayerCounters counters;
  unsigned runs = 0;
  uint64_t runNanos = 0;
  /// With GPU code: the runtime's sieve_gpu_error and sieve_gpu_free.
  const char *(*gpuError)() = nullptr;
  void (*gpuFree)(void *) = nullptr;
  void (*gpuCopy)(void *, const void *, size_t) = nullptr;
};

} // namespace mlir::sieve

#endif // SIEVE_TARGET_JIT_H
