/*===- sieve-c/Compiler.h - Compile and run ONNX models from C ----*- C -*-===*\
|*                                                                            *|
|* The compile API on plain buffers: compile a model to a file, or load it   *|
|* (JIT for this CPU) and run it. Errors come back as strings (free them     *|
|* with sieveFreeString); nothing aborts on bad input.                       *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SIEVE_C_COMPILER_H
#define SIEVE_C_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SIEVE_CAPI_EXPORTED __attribute__((visibility("default")))
#else
#define SIEVE_CAPI_EXPORTED
#endif

/// Options of a compilation; initialize with sieveCompileOptionsInit.
/// String fields may be NULL (the default).
typedef struct SieveCompileOptions {
  /// "x86_64" (default), "aarch64" or "nvptx" (NVIDIA GPUs: kernels for
  /// `gpuArch`, host code for this machine; sieveModelLoad then runs the
  /// model on this machine's GPU through Sieve's CUDA runtime, or emulated,
  /// see `emulateGPU`).
  const char *target;
  /// LLVM CPU name, or "native" (default "generic").
  const char *cpu;
  /// LLVM target features, e.g. "+avx2,+fma".
  const char *features;
  /// "off" (default), "exact", "auto" or "approx" (predictor branches:
  /// approximate, needs calibration inputs below; docs/predictors.md).
  const char *sparsity;
  /// With sparsity "auto": a sieve-analyze --json profile.
  const char *profile;
  /// With sparsity "exact"/"auto": overrides of the cost model's limits;
  /// negative means unset (the default).
  double activationDensityLimit;
  double weightDensityLimit;
  /// Name of the entry function (default: from the model file's name).
  const char *entryName;
  /// Non-zero: tile and vectorize (default 1).
  int vectorize;
  /// The largest tensor the importer materialises, in bytes (0, the
  /// default: a quarter of the machine's memory).
  int64_t maxTensorBytes;
  /// Threads the compiled code runs on (0, the default: every physical
  /// core of this machine; 1: single-threaded code). Code for several
  /// threads calls LLVM's OpenMP runtime (libomp): a shared library links
  /// it, an object file needs -lomp. Another architecture than the host's
  /// uses 1.
  int64_t threads;
  /// With sparsity "approx": the calibration inputs the predictors are
  /// fitted on, a directory (ONNX test-data layout or .npy files named
  /// after the inputs) and/or a number of random input sets (0: none); the
  /// recall the predictors aim at (default 0.99) and their rank (0, the
  /// default: chosen per FFN by the cost model).
  const char *calibrateDir;
  unsigned calibrateRandom;
  double predictorRecall;
  int64_t predictorRank;
  /// With sparsity "approx": an ONNX file whose initializers are trained
  /// predictors to use instead of fitted ones (NULL, the default: fit
  /// every predictor; docs/predictors.md, "Trained predictors").
  const char *predictors;
  /// With target "aarch64" and an SVE CPU: the SVE vector length in bits
  /// the code may assume as its minimum (sievec --sve-vector-bits): 256 and
  /// up, SVE code for CPUs with at least that length; 128, code for any
  /// SVE CPU (NEON-width tiles, the sparse kernels and elementwise code in
  /// scalable vectors); 0,
  /// no SVE instruction; -1 (the default), the CPU's published length.
  int64_t sveVectorBits;
  /// With target "nvptx": the GPU architecture the kernels are compiled
  /// for, "sm_80" or "sm_90" (NULL, the default: "sm_90").
  const char *gpuArch;
  /// With target "nvptx" and sieveModelLoad: non-zero runs the same kernels
  /// on the CPU, one GPU thread after another (slow; for tests without a
  /// GPU; sieve-run --device=emulated-gpu). 0 (the default): on the GPU.
  int emulateGPU;
} SieveCompileOptions;

/// Sets every field of `options` to its default.
SIEVE_CAPI_EXPORTED void sieveCompileOptionsInit(SieveCompileOptions *options);

/// Frees a string returned through an `error` argument.
SIEVE_CAPI_EXPORTED void sieveFreeString(char *string);

/// Compiles the ONNX model at `modelPath` to `outputPath` (.o, .so with a
/// .h header, .ll or .mlir). Returns 0 on success; otherwise non-zero, and
/// `*error` (when `error` is not NULL) holds the messages.
SIEVE_CAPI_EXPORTED int sieveCompileModel(const char *modelPath,
                                          const char *outputPath,
                                          const SieveCompileOptions *options,
                                          char **error);

/// A model compiled for this CPU.
typedef struct SieveModel SieveModel;

/// JIT-compiles the model at `modelPath`. Returns NULL on failure, with
/// `*error` set.
SIEVE_CAPI_EXPORTED SieveModel *
sieveModelLoad(const char *modelPath, const SieveCompileOptions *options,
               char **error);

/// Frees a model. NULL is allowed.
SIEVE_CAPI_EXPORTED void sieveModelDestroy(SieveModel *model);

/// Element types are numbered as ONNX's TensorProto.DataType (1 = float32,
/// 7 = int64, 9 = bool, 11 = float64, ...).
typedef struct SieveTensor {
  int32_t elementType;
  int64_t rank;
  /// `rank` sizes; in signatures, -1 marks a dynamic dimension.
  const int64_t *shape;
  /// Row-major elements (bool: one byte each).
  void *data;
} SieveTensor;

SIEVE_CAPI_EXPORTED size_t sieveModelNumInputs(const SieveModel *model);
SIEVE_CAPI_EXPORTED size_t sieveModelNumOutputs(const SieveModel *model);
/// The name of input/output `i`; valid while the model lives.
SIEVE_CAPI_EXPORTED const char *sieveModelInputName(const SieveModel *model,
                                                    size_t i);
SIEVE_CAPI_EXPORTED const char *sieveModelOutputName(const SieveModel *model,
                                                     size_t i);
/// The declared type of input/output `i` (data is NULL).
SIEVE_CAPI_EXPORTED SieveTensor sieveModelInputType(const SieveModel *model,
                                                    size_t i);
SIEVE_CAPI_EXPORTED SieveTensor sieveModelOutputType(const SieveModel *model,
                                                     size_t i);

/// Runs the model on `numInputs` inputs (in signature order). On success
/// returns 0 and fills `outputs[0 .. numOutputs)`: each output's shape and
/// data are allocated by Sieve and freed with sieveTensorFree. On failure
/// (wrong count, element type, rank or size) returns non-zero with
/// `*error` set and leaves `outputs` empty.
SIEVE_CAPI_EXPORTED int sieveModelRun(SieveModel *model,
                                      const SieveTensor *inputs,
                                      size_t numInputs, SieveTensor *outputs,
                                      size_t numOutputs, char **error);

/// The sparsity report of the model at `modelPath` as JSON text (the
/// format of `sieve-analyze --json`): weight patterns, activation sites
/// and, with `randomRuns` > 0 random inputs or the inputs in
/// `calibrateDir` (not both; NULL for none), their measured densities.
/// Returns NULL on failure with `*error` set. Free the text with
/// sieveFreeString.
SIEVE_CAPI_EXPORTED char *sieveAnalyzeModel(const char *modelPath,
                                            unsigned randomRuns,
                                            const char *calibrateDir,
                                            char **error);

/// Frees the shape and data of an output of sieveModelRun.
SIEVE_CAPI_EXPORTED void sieveTensorFree(SieveTensor *tensor);

#ifdef __cplusplus
}
#endif

#endif /* SIEVE_C_COMPILER_H */
