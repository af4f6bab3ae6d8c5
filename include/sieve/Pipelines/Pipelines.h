//===- Pipelines.h - Sieve's named pass pipelines ---------------*- C++ -*-===//
//
// sieve-cpu-pipeline: linalg on tensors (as imported from ONNX) to the LLVM
// dialect for the host CPU. CPUPipelineOptions is the one typed definition
// of its options: the compile API fills it from its own options, and the
// textual form (`sieve-opt --sieve-cpu-pipeline="sparsity=auto
// profile=p.json"`) parses into it.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_PIPELINES_PIPELINES_H
#define SIEVE_PIPELINES_PIPELINES_H

#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>

namespace mlir {
class OpPassManager;
class Pass;
} // namespace mlir

namespace mlir::sieve {

/// Which sparsity rewrites sieve-cpu-pipeline applies.
enum class SparsityMode {
  /// None: the dense code.
  Off,
  /// Every ReLU-fed matmul gathers the weight rows of active neurons behind
  /// a run-time branch to the dense matmul; sparse constant weights whose
  /// packed density is under the cost model's limit are packed.
  Exact,
  /// Exact, except where measured densities (a profile) say it does not
  /// pay: those sites stay dense.
  Auto,
  /// Exact, and an FFN whose ReLU carries a #sieve.predictor (fitted by the
  /// compile API on calibration inputs) computes only the neurons it
  /// predicts active: approximate, opt-in (docs/predictors.md).
  Approx,
};

/// The spelling of `mode` on command lines and in pipeline text ("off",
/// "exact", "auto", "approx").
llvm::StringRef stringifySparsityMode(SparsityMode mode);

/// The mode spelled `name`, if any.
std::optional<SparsityMode> parseSparsityMode(llvm::StringRef name);

/// The target parameters code generation and the cost model use. The
/// defaults are the development machine's (AVX-512: 16 f32 lanes, 32
/// vector registers; 32 MiB of last-level cache); the compile API derives
/// them from the target's description (sieve/Target/TargetDescription.h).
struct CodegenTarget {
  /// f32 elements per vector register.
  int64_t vectorWidth = 16;
  /// Register tile of the matmul kernels: `tileM` rows by `tileN` columns
  /// (tileM * tileN / vectorWidth accumulators).
  int64_t tileM = 8;
  int64_t tileN = 32;
  /// Columns of the direct convolution kernel's register tile (tileM
  /// filters by directTileN columns): as many vectors as the registers
  /// left beside the accumulators, the input vectors and a broadcast hold
  /// (3 with 32 registers and 8 rows: 24 accumulators).
  int64_t directTileN = 48;
  /// Bytes of last-level cache (the sparsity cost model's "in cache").
  int64_t cacheBytes = 32 << 20;
  /// Bytes of per-core L1 data cache (the column panels of convolutions:
  /// an L1 of N 4 KiB ways, as virtually indexed L1s are).
  int64_t l1Bytes = 32 << 10;
  /// Bytes of per-core L2 cache (the column blocks of convolutions).
  int64_t l2Bytes = 512 << 10;
  /// f32 multiply-adds one core completes per cycle (vector width x vector
  /// FMAs per cycle): the price of arithmetic against memory traffic
  /// (Winograd's transforms, isWinogradConv).
  int64_t fmaLanes = 32;
  /// The 8-bit dot-product instruction of the quantized matmuls' kernels
  /// (sieve-int8-matmuls): "vpdpbusd" (x86 VNNI) or "usdot" (AArch64
  /// i8mm), empty when the CPU has none; and the bits of its vectors (512
  /// with AVX-512 VNNI, 256 with AVX-VNNI, 128 for usdot; 0 with none).
  std::string int8Dot;
  int64_t int8DotBits = 0;
  /// Scalable vectors (AArch64 SVE, any vector length): the kernels that
  /// have a vector-length-agnostic form (the sparse kernels, elementwise
  /// ops) use `vector<[n]xf32>`, as many lanes as the CPU's vectors hold
  /// (read at run time); the others keep `vectorWidth` lanes (NEON's 4,
  /// which every SVE CPU has).
  bool scalableVectors = false;
};

struct CPUPipelineOptions {
  /// Tile and vectorize contractions, convolutions and elementwise loops
  /// (off: plain scalar loops, for debugging).
  bool vectorize = true;
  /// Compute the 3x3 stride-1 convolutions where it pays with Winograd's
  /// F(2x2, 3x3) (off: the direct kernel only; for experiments).
  bool winograd = true;
  SparsityMode sparsity = SparsityMode::Off;
  /// With sparsity=auto: a sieve-analyze --json report whose measured
  /// densities are attached (sieve-apply-profile) before the rewrites.
  std::string profile;
  /// With sparsity=exact|auto: the fraction of active neurons above which a
  /// ReLU-fed matmul takes its dense path (unset: the cost model decides).
  std::optional<double> activationDensityLimit;
  /// With sparsity=exact|auto: the largest packed density of a constant
  /// matmul weight that is packed (unset: the cost model decides).
  std::optional<double> weightDensityLimit;
  /// Emit a remark for each sparsity decision.
  bool report = false;
  /// Threads the compiled code runs on: the outer loops of large
  /// contractions, convolutions and sparse kernels are split into chunks
  /// that run in parallel (OpenMP, docs/threads.md). 1: single-threaded
  /// code; 0: every physical core of the machine compiling
  /// (resolvedThreads()), as onnxruntime's default.
  int64_t threads = 0;
  /// With several threads: the least estimated cycles of one parallel
  /// chunk, overriding the cost model's kMinParallelChunkCycles (0: the
  /// cost model decides; for tests and experiments).
  int64_t parallelChunkCycles = 0;
  /// Time every layer (top-level loop nest) at run time: the code calls
  /// sieve_profile_begin/end around each (sieve-profile-layers), which the
  /// JIT provides (sieve-run --profile-layers, Target/LayerProfile.h).
  bool profileLayers = false;
  /// Vector width, register tiles and cache size.
  CodegenTarget target;
};

/// The thread count `options.threads` stands for: itself, or for 0 the
/// physical cores of this machine (at least 1).
int64_t resolvedThreads(const CPUPipelineOptions &options);

/// Checks that `options` are consistent (a profile only with auto, limits
/// finite and non-negative and only with a sparsity mode, target
/// parameters positive, threads non-negative). Returns the
/// error message naming the offending option by its command-line flag, or
/// an empty string.
std::string verifyCPUPipelineOptions(const CPUPipelineOptions &options);

/// How the front half packs sparse constant weights: for the CPU's
/// kernels (sieve-sparsify-weights: sieve.sparse_matmul) or the GPU's
/// (sieve-sparsify-weights-gpu: interleaved ELL contractions).
enum class WeightPacking { CPU, GPU };

/// The front half that sieve-cpu-pipeline and sieve-gpu-pipeline share:
/// the sparsity rewrites `options` ask for (constant weights packed as
/// `packing` says) and linalg preparation on tensors.
void buildPreparationPipeline(OpPassManager &pm,
                              const CPUPipelineOptions &options,
                              WeightPacking packing);

/// The sieve ops (those left) lowered to scf on tensors, for
/// `options.threads` and the target's vector width.
void buildSieveOpsToSCFPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options);

/// Adds the passes of sieve-cpu-pipeline to `pm` (anchored on a module),
/// built from typed pass constructors. `options` must verify.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers sieve-cpu-pipeline (its textual options mirror
/// CPUPipelineOptions) with the global pass registry.
void registerCPUPipeline();

/// A pass that fails with "<pipeline>: <message>": how a pipeline whose
/// textual options do not verify reports it (its builder cannot fail).
std::unique_ptr<Pass> createInvalidPipelineOptionsPass(llvm::StringRef pipeline,
                                                       llvm::StringRef message);

/// sieve-gpu-pipeline: the same linalg on tensors to a host module in the
/// LLVM dialect that launches PTX kernels (a gpu.binary) through Sieve's
/// CUDA runtime (runtime/, docs/targets.md).
struct GPUPipelineOptions {
  /// off, exact or auto: the activation gather (approx and packed weights
  /// are CPU-only).
  SparsityMode sparsity = SparsityMode::Off;
  /// With sparsity=auto: a sieve-analyze --json report.
  std::string profile;
  /// With sparsity=exact|auto: the fraction of active neurons above which
  /// the dense path runs (unset: the cost model decides).
  std::optional<double> activationDensityLimit;
  /// Emit a remark for each sparsity decision.
  bool report = false;
  /// The GPU architecture: sm_80 (A100) or sm_90 (H100/H200).
  std::string chip = "sm_90";
  /// Threads per block of every kernel.
  int64_t blockSize = 256;
  /// Where the CUDA toolkit is (for libdevice); empty: /usr/local/cuda.
  std::string cudaPath;
  /// For tests without a GPU: the kernels become loops run one thread
  /// after another on this CPU (sieve-gpu-launch-to-loops), in a module
  /// for the CPU's JIT like sieve-cpu-pipeline's.
  bool emulate = false;
  /// With sparsity=exact|auto: pack constant matmul weights whose longest
  /// column holds at most this fraction of the rows (unset: 80% of the
  /// dense bytes; sieve-sparsify-weights-gpu).
  std::optional<double> weightDensityLimit;
  /// A gather's kernel sums over a list of the non-zero activations built
  /// by a compaction launch (else every thread tests every activation of
  /// its chunk): sieve-map-to-gpu's compact-skipped.
  bool compactSkipped = true;
  /// Launches queue on one stream and the host waits only where it reads
  /// memory or returns (sieve-gpu-async-launches); else the host waits for
  /// each kernel. Not with `emulate` (its launches are loops).
  bool asyncLaunches = true;
  /// Contractions with two long output sides (matmuls with rows,
  /// convolutions) run in shared-memory tiles (else the register kernel):
  /// sieve-map-to-gpu's shared-tiles.
  bool sharedTiles = true;
};

/// The GPU architectures sieve-gpu-pipeline accepts.
bool isSupportedGPUArch(llvm::StringRef chip);

/// Checks `options` (a known chip, block size in [32, 1024], a profile
/// only with auto). Returns the error message, or an empty string.
std::string verifyGPUPipelineOptions(const GPUPipelineOptions &options);

/// Adds the passes of sieve-gpu-pipeline to `pm`. `options` must verify.
void buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &options);

/// Registers sieve-gpu-pipeline with the global pass registry.
void registerGPUPipeline();

} // namespace mlir::sieve

#endif // SIEVE_PIPELINES_PIPELINES_H
