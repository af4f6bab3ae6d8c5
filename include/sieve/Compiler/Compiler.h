//===- Compiler.h - The Sieve compile API -----------------------*- C++ -*-===//
//
// One way to compile an ONNX model, used by sievec, sieve-run, sieve-analyze,
// the C API and the Python package alike: CompileOptions is the one options
// struct (import, sparsity pipeline, target, output), compileModel writes an
// object file, shared library (+ C header), LLVM IR or MLIR, and loadModel
// JIT-compiles the model for this CPU. Every diagnostic (errors naming the
// ONNX node, sparsity remarks, progress) goes to a caller-given handler.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_COMPILER_COMPILER_H
#define SIEVE_COMPILER_COMPILER_H

#include "sieve/Pipelines/Pipelines.h"
#include "sieve/Support/ModelSignature.h"
#include "sieve/Target/ObjectEmitter.h"

#include "llvm/ADT/StringRef.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlir {
class MLIRContext;
class ModuleOp;
template <typename OpTy> class OwningOpRef;
} // namespace mlir

namespace mlir::sieve {

class JitModel;

/// What compileModel writes; picked from the output file's extension.
enum class OutputKind {
  /// .o: an object file, plus a C header (<output>.h).
  ObjectFile,
  /// .so: a shared library, plus a C header.
  SharedLibrary,
  /// .ll: optimized LLVM IR.
  LLVMIR,
  /// .mlir: the module after sieve-cpu-pipeline (LLVM dialect), or after
  /// sieve-gpu-pipeline (the host in the LLVM dialect and a gpu.binary).
  MLIR,
  /// .ptx: the kernels' PTX (--target=nvptx).
  PTX,
};

/// The output kind of `path`'s extension, if it names one.
std::optional<OutputKind> outputKindForPath(llvm::StringRef path);

/// Where calibration inputs come from: drawn at random (floats standard
/// normal, integer inputs such as token ids in [0, 4), dynamic dimensions
/// 1) and/or read from a directory (the ONNX test-data layout,
/// `test_data_set_*/input_*.pb`, or .npy files named after the inputs).
struct CalibrationOptions {
  unsigned randomRuns = 0;
  std::string dir;
  bool empty() const { return randomRuns == 0 && dir.empty(); }
};

/// Checks `calibration` before any work (the directory exists). Returns
/// the error message naming the flag, or an empty string.
std::string verifyCalibration(const CalibrationOptions &calibration);

struct CompileOptions {
  /// The target of compileModel (loadModel compiles for this CPU, or with
  /// arch "nvptx" for this machine's GPU). For "nvptx" the host code is for
  /// this machine's architecture and the kernels for `gpuArch`.
  CPUTarget target;
  /// With --target=nvptx: the GPU architecture, sm_80 or sm_90.
  std::string gpuArch = "sm_90";
  /// With --target=nvptx, for loadModel: run sieve-gpu-pipeline's kernels
  /// on this CPU, one GPU thread after another (tests without a GPU).
  bool emulateGPU = false;
  /// With --target=nvptx: a gather's kernel sums over a list of the
  /// non-zero activations (else tests each; GPUPipelineOptions).
  bool gpuCompactSkipped = true;
  /// With --target=nvptx: launches queue on one stream, the host waits
  /// only where it reads memory and before returning (else after each).
  bool gpuAsyncLaunches = true;
  /// With --target=nvptx: matmuls with rows and convolutions run in
  /// shared-memory tiles (else four points per thread in registers).
  bool gpuSharedTiles = true;
  /// Sparsity mode, profile, density limits, vectorization, remarks.
  CPUPipelineOptions pipeline;
  /// Name of the entry function (empty: the model file's name as a C
  /// identifier for compileModel, "main" for loadModel).
  std::string entryName;
  /// Graph inputs compiled as constants, by name, with their serialized
  /// TensorProto values (for models that pass shape arguments as inputs).
  std::vector<std::pair<std::string, std::string>> constantInputs;
  /// The largest tensor the importer materialises, in bytes (0: a quarter
  /// of physical memory, see defaultMaxTensorBytes()).
  int64_t maxTensorBytes = 0;
  /// With sparsity=approx: the inputs the predictors are fitted on (needed),
  /// the recall they aim at on them, and their rank (0: the cost model
  /// picks it per FFN). See docs/predictors.md.
  CalibrationOptions calibration;
  double predictorRecall = 0.99;
  int64_t predictorRank = 0;
  /// With sparsity=approx: an ONNX file whose initializers are trained
  /// predictors to use instead of fitting one (`N.fc1.weight` [r, D],
  /// `N.fc2.weight` [F, r], optionally `N.fc2.bias` [F], for the FFN whose
  /// ReLU node is named N; docs/predictors.md). The calibration inputs
  /// measure them; FFNs without one get a fitted predictor.
  std::string predictorsFile;
};

/// Checks `options` before any work: the target architecture, threads
/// (several only for the host's architecture) and the pipeline options.
/// Returns the error message, or an empty string.
std::string verifyCompileOptions(const CompileOptions &options);

/// Whether `target` is the GPU (arch "nvptx"): sieve-gpu-pipeline compiles
/// the model, and the code runs through Sieve's CUDA runtime.
bool targetsGPU(const CPUTarget &target);

/// The options of sieve-gpu-pipeline that `options` stand for.
GPUPipelineOptions gpuPipelineOptions(const CompileOptions &options);

/// Whether `target` is the architecture Sieve runs on (where the OpenMP
/// runtime of code for several threads is available). Code for another
/// runs on one thread: compileModel compiles it with threads = 1.
bool targetsHostArchitecture(const CPUTarget &target);

enum class MessageKind { Error, Warning, Remark, Note, Progress };

/// Receives every message of a compilation, one line each (without a
/// trailing newline, without the tool name).
using MessageHandler =
    std::function<void(MessageKind kind, llvm::StringRef message)>;

/// Imports the model at `modelPath` into `context` and runs
/// sieve-cpu-pipeline on it, leaving the module in the LLVM dialect.
/// Fills `signature` with the entry function's inputs and outputs. Returns
/// null after reporting the error to the context's diagnostic handler.
OwningOpRef<ModuleOp> importAndLower(MLIRContext &context,
                                     llvm::StringRef modelPath,
                                     const CompileOptions &options,
                                     ModelSignature &signature,
                                     const MessageHandler &onMessage = {});

/// As importAndLower, from the model file's bytes (`sourceName` names it in
/// messages; tensors in external files are refused: there is no
/// directory). The fuzz targets and callers that hold a model in memory use
/// it.
OwningOpRef<ModuleOp> importAndLowerBytes(MLIRContext &context,
                                          llvm::StringRef bytes,
                                          llvm::StringRef sourceName,
                                          const CompileOptions &options,
                                          ModelSignature &signature,
                                          const MessageHandler &onMessage = {});

/// Compiles the model at `modelPath` to `outputPath` (its extension picks
/// the OutputKind). Nothing is written unless every step succeeds (no
/// partial output). Returns false after reporting the error.
bool compileModel(llvm::StringRef modelPath, llvm::StringRef outputPath,
                  const CompileOptions &options,
                  const MessageHandler &onMessage);

/// JIT-compiles the model at `modelPath` for this CPU. Returns null after
/// reporting the error.
std::unique_ptr<JitModel> loadModel(llvm::StringRef modelPath,
                                    const CompileOptions &options,
                                    const MessageHandler &onMessage);

/// The C identifier that names the entry function of a model file by
/// default: its file name without extension, other characters as '_'.
std::string defaultEntryName(llvm::StringRef modelPath);

} // namespace mlir::sieve

#endif // SIEVE_COMPILER_COMPILER_H
