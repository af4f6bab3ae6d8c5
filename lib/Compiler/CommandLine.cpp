//===- CommandLine.cpp - The compile flags the tools share ------*- C++ -*-===//

#include "sieve/Compiler/CommandLine.h"
#include "sieve/Support/HostTensor.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include "llvm/Support/raw_ostream.h"

#include <limits>

using namespace mlir;
using namespace mlir::sieve;
namespace cl = llvm::cl;

SparsityFlags::SparsityFlags(cl::OptionCategory &category)
    : sparsity(
          "sparsity",
          cl::desc("Sparsity rewrites: off (default), auto (exact where the "
                   "cost model and --profile say it pays), exact (a "
                   "matmul that consumes a ReLU reads only the weight rows "
                   "of active neurons, and a gated FFN computes only their "
                   "up-projection columns, with a run-time fallback to the "
                   "dense path; a MatMul/Gemm with a sparse constant "
                   "weight runs a packed sparse kernel; results equal the "
                   "dense ones up to float rounding), or approx (exact, "
                   "and each ReLU FFN gets a low-rank predictor fitted on "
                   "--calibrate inputs that picks the neurons to compute "
                   "before the up projection: faster, approximate, with "
                   "the measured recall printed per FFN)"),
          cl::value_desc("off|exact|auto|approx"), cl::init("off"),
          cl::cat(category)),
      profile("profile",
              cl::desc("With --sparsity=auto: the measured activation "
                       "densities of a `sieve-analyze --json` report; sites "
                       "measured denser than the cost model's limit stay "
                       "dense"),
              cl::value_desc("profile.json"), cl::cat(category)),
      activationDensityLimit(
          "activation-density-limit",
          cl::desc("With --sparsity=exact|auto: the fraction of active "
                   "neurons above which a ReLU-fed matmul takes its dense "
                   "path at run time, overriding the cost model (default: "
                   "the cost model decides; 1 always gathers; for "
                   "experiments)"),
          cl::value_desc("fraction"), cl::cat(category)),
      weightDensityLimit(
          "weight-density-limit",
          cl::desc("With --sparsity=exact|auto: pack constant matmul "
                   "weights whose packed density (non-zeros padded to "
                   "groups of 16, over the weight's size; for "
                   "--target=nvptx the longest column's non-zeros over the "
                   "rows) is at most this, overriding the cost model "
                   "(default: the cost model decides; for experiments)"),
          cl::value_desc("fraction"), cl::cat(category)),
      noVectorize("no-vectorize",
                  cl::desc("Compile to plain scalar loops (for debugging "
                           "code generation)"),
                  cl::init(false), cl::cat(category)),
      noWinograd("no-winograd",
                 cl::desc("Compute 3x3 stride-1 convolutions with the direct "
                          "kernel only, never with Winograd's F(2x2, 3x3) "
                          "(for experiments; docs/convolutions.md)"),
                 cl::init(false), cl::cat(category)),
      calibrateDir(
          "calibrate",
          cl::desc("With --sparsity=approx: fit the predictors on the inputs "
                   "in DIR (the ONNX test-data layout, test_data_set_*/"
                   "input_*.pb, or .npy files named after the inputs); "
                   "use inputs like the ones the model will see (text, "
                   "images), the last quarter of the rows measures recall"),
          cl::value_desc("dir"), cl::cat(category)),
      calibrateRandom(
          "calibrate-random",
          cl::desc("With --sparsity=approx: fit the predictors on N random "
                   "inputs (floats standard normal, integer inputs such as "
                   "token ids in [0, 4)); only for models whose inputs are "
                   "like that"),
          cl::value_desc("N"), cl::init(0), cl::cat(category)),
      predictorRecall(
          "predictor-recall",
          cl::desc("With --sparsity=approx: the fraction of truly active "
                   "neurons of the calibration rows the predictors keep "
                   "(default 0.99); lower is faster and less exact"),
          cl::value_desc("fraction"), cl::init(0.99), cl::cat(category)),
      predictorRank(
          "predictor-rank",
          cl::desc("With --sparsity=approx: the rank of every predictor "
                   "(default 0: the cost model picks it per FFN)"),
          cl::value_desc("R"), cl::init(0), cl::cat(category)),
      predictors(
          "predictors",
          cl::desc("With --sparsity=approx: use the trained predictors in "
                   "this ONNX file's initializers instead of fitting them "
                   "(N.fc1.weight [r, D], N.fc2.weight [F, r], optional "
                   "N.fc2.bias [F] for the FFN whose ReLU node is N; a "
                   "neuron is predicted active when x fc1^T fc2^T + bias > "
                   "0); the calibration inputs measure their recall"),
          cl::value_desc("file.onnx"), cl::cat(category)) {}

std::string SparsityFlags::apply(CompileOptions &compile) const {
  CPUPipelineOptions &options = compile.pipeline;
  std::optional<SparsityMode> mode = parseSparsityMode(sparsity);
  if (!mode)
    return "--sparsity=" + sparsity +
           " is not supported (use off, exact, auto or approx)";
  options.sparsity = *mode;
  compile.calibration.dir = calibrateDir;
  compile.calibration.randomRuns = calibrateRandom;
  compile.predictorRecall = predictorRecall;
  compile.predictorRank = predictorRank;
  compile.predictorsFile = predictors;
  options.profile = profile;
  if (activationDensityLimit.getNumOccurrences())
    options.activationDensityLimit = activationDensityLimit;
  if (weightDensityLimit.getNumOccurrences())
    options.weightDensityLimit = weightDensityLimit;
  options.vectorize = !noVectorize;
  options.winograd = !noWinograd;
  return verifyCPUPipelineOptions(options);
}

TargetFlags::TargetFlags(cl::OptionCategory &category)
    : target("target",
             cl::desc("Target architecture: x86_64 (default), aarch64, or "
                      "nvptx (NVIDIA GPUs: PTX kernels for --gpu-arch and "
                      "host code for this machine that launches them "
                      "through Sieve's CUDA runtime)"),
             cl::init("x86_64"), cl::cat(category)),
      gpuArch("gpu-arch",
              cl::desc("With --target=nvptx: the GPU architecture, sm_80 "
                       "(A100) or sm_90 (H100/H200, default)"),
              cl::init("sm_90"), cl::cat(category)),
      cpu("mcpu",
          cl::desc("Target CPU (LLVM name, e.g. skylake-avx512, "
                   "neoverse-v1), or 'native' for this machine's (default: "
                   "generic)"),
          cl::init("generic"), cl::cat(category)),
      features("mattr",
               cl::desc("Target features, e.g. +avx2,+fma (default: those "
                        "of --mcpu)"),
               cl::init(""), cl::cat(category)),
      sveVectorBits(
          "sve-vector-bits",
          cl::desc("With --target=aarch64 and an SVE CPU: the SVE vector "
                   "length in bits the code may assume as its minimum, as "
                   "clang's -msve-vector-bits. 256 and up: vectors of that "
                   "width compiled to SVE instructions (gathers in the sparse "
                   "kernels), for any CPU whose SVE vectors are at least that "
                   "long (a model stops with an error on others); 128: "
                   "any SVE CPU, NEON-width tiles, the sparse kernels and "
                   "elementwise code in scalable vectors (the whole length "
                   "of the CPU running them); 0: no SVE instruction, code "
                   "for any AArch64 CPU "
                   "(default: the CPU's published length, 256 for "
                   "neoverse-v1, 512 for a64fx, else 128)"),
          cl::value_desc("bits"), cl::init(-1), cl::cat(category)),
      entry("entry",
            cl::desc("Name of the entry function (default: the model "
                     "file's name as a C identifier)"),
            cl::init(""), cl::cat(category)) {}

void TargetFlags::apply(CompileOptions &options) const {
  options.target.arch = target;
  options.target.cpu = cpu;
  options.target.features = features;
  options.target.sveVectorBits = sveVectorBits;
  options.gpuArch = gpuArch;
  options.entryName = entry;
}

GPUKernelFlags::GPUKernelFlags(cl::OptionCategory &category)
    : skipZeros(
          "gpu-skip-zeros",
          cl::desc("With --target=nvptx or --device=cuda: how a gather's "
                   "kernel skips the zero activations of --sparsity=exact. "
                   "list (default): a compaction launch lists the non-zero "
                   "neurons of each row, then the product reads only their "
                   "weight rows; test: every thread tests every activation "
                   "of its chunk and loads the weights of the non-zero ones "
                   "(no extra launch, but as many tests as the dense "
                   "product has multiplications)"),
          cl::value_desc("list|test"), cl::init("list"), cl::cat(category)),
      launches("gpu-launches",
               cl::desc("With --target=nvptx or --device=cuda: async "
                        "(default) queues a call's kernels on one stream and "
                        "waits only where the host reads memory and before "
                        "returning; sync waits for each kernel before the "
                        "next launch"),
               cl::value_desc("async|sync"), cl::init("async"),
               cl::cat(category)),
      tiles("gpu-tiles",
            cl::desc("With --target=nvptx or --device=cuda: how a "
                     "contraction with two long output sides (a matmul "
                     "with at least 32 rows and 32 columns, a convolution's "
                     "channels and pixels) is computed. shared (default): "
                     "blocks of 64 x 64 points stage 16 reduction steps of "
                     "both inputs in shared memory at a time, each thread "
                     "summing 4 x 4 points; registers: each thread sums "
                     "four points, its loads served by the cache"),
            cl::value_desc("shared|registers"), cl::init("shared"),
            cl::cat(category)) {}

std::string GPUKernelFlags::apply(CompileOptions &options) const {
  if (!targetsGPU(options.target)) {
    for (const cl::opt<std::string> *flag : {&skipZeros, &launches, &tiles})
      if (flag->getNumOccurrences())
        return "--" + flag->ArgStr.str() +
               " is used by the GPU (--target=nvptx, --device=cuda)";
    return "";
  }
  if (skipZeros != "list" && skipZeros != "test")
    return "--gpu-skip-zeros=" + skipZeros +
           " is not supported (use list or "
           "test)";
  if (launches != "async" && launches != "sync")
    return "--gpu-launches=" + launches +
           " is not supported (use async or "
           "sync)";
  if (tiles != "shared" && tiles != "registers")
    return "--gpu-tiles=" + tiles +
           " is not supported (use shared or registers)";
  options.gpuCompactSkipped = skipZeros == "list";
  options.gpuSharedTiles = tiles == "shared";
  options.gpuAsyncLaunches = launches == "async";
  return "";
}

DeviceFlags::DeviceFlags(cl::OptionCategory &category)
    : device("device",
             cl::desc("Where the model runs: cpu (default; JIT-compiled for "
                      "this CPU), cuda (this machine's NVIDIA GPU: "
                      "sieve-gpu-pipeline's kernels, launched through "
                      "Sieve's CUDA runtime) or emulated-gpu (the same "
                      "kernels run on the CPU one GPU thread after another: "
                      "slow, for testing without a GPU)"),
             cl::value_desc("cpu|cuda|emulated-gpu"), cl::init("cpu"),
             cl::cat(category)),
      gpuArch("gpu-arch",
              cl::desc("With --device=cuda: the GPU architecture the "
                       "kernels are compiled for, sm_80 or sm_90 (default)"),
              cl::init("sm_90"), cl::cat(category)) {}

std::string DeviceFlags::apply(CompileOptions &options) const {
  if (device == "cuda" || device == "emulated-gpu") {
    options.target.arch = "nvptx";
    options.gpuArch = gpuArch;
    options.emulateGPU = device == "emulated-gpu";
    return "";
  }
  if (device != "cpu")
    return "--device=" + device +
           " is not supported (use cpu, cuda or emulated-gpu)";
  if (gpuArch.getNumOccurrences())
    return "--gpu-arch is used by --device=cuda";
  return "";
}

ThreadFlags::FreeOptionName::FreeOptionName(llvm::StringRef name) {
  auto &options = cl::getRegisteredOptions();
  auto it = options.find(name);
  if (it != options.end())
    it->second->removeArgument();
}

ThreadFlags::ThreadFlags(cl::OptionCategory &category)
    : freeThreadsName("threads"),
      threads("threads",
              cl::desc("Threads the compiled model runs on (default 0: every "
                       "physical core of this machine, as onnxruntime). Large "
                       "matmuls, convolutions and the sparse kernels are split "
                       "into chunks that run in parallel through LLVM's OpenMP "
                       "runtime (libomp: a shared library links it, an object "
                       "file needs -lomp); small ones stay on one thread. 1: "
                       "single-threaded code without the OpenMP runtime. Other "
                       "targets than the host's architecture (aarch64 from "
                       "x86-64) use 1"),
              cl::value_desc("N"), cl::init(0), cl::cat(category)),
      parallelChunkCycles(
          "parallel-chunk-cycles",
          cl::desc("With several threads: split a loop only into chunks "
                   "estimated to take at least this many cycles, overriding "
                   "the cost model (default: ten fork/joins; 1 splits every "
                   "kernel that can be; for tests and experiments)"),
          cl::value_desc("N"), cl::init(0), cl::cat(category)) {}

std::string ThreadFlags::apply(CPUPipelineOptions &options) const {
  if (threads < 0)
    return "--threads must be a non-negative number (0: every core), got " +
           std::to_string(threads);
  if (parallelChunkCycles < 0)
    return "--parallel-chunk-cycles must be a non-negative number, got " +
           std::to_string(parallelChunkCycles);
  options.threads = threads;
  options.parallelChunkCycles = parallelChunkCycles;
  return "";
}

LimitFlags::LimitFlags(cl::OptionCategory &category)
    : maxTensorBytes(
          "max-tensor-bytes",
          cl::desc("The largest tensor the importer materialises (an "
                   "initializer, a Constant, a folded shape computation), "
                   "in bytes, with an optional K, M or G suffix (powers of "
                   "1024). Larger ones are errors naming the tensor. "
                   "Default: a quarter of this machine's memory, which "
                   "also bounds test-data and .npy files"),
          cl::value_desc("bytes"), cl::cat(category)) {}

std::string LimitFlags::apply(CompileOptions &options) const {
  return apply(options.maxTensorBytes);
}

std::string LimitFlags::apply(int64_t &bytes) const {
  if (maxTensorBytes.empty())
    return "";
  llvm::StringRef text = maxTensorBytes;
  int64_t scale = 1;
  if (text.consume_back("K"))
    scale = int64_t(1) << 10;
  else if (text.consume_back("M"))
    scale = int64_t(1) << 20;
  else if (text.consume_back("G"))
    scale = int64_t(1) << 30;
  int64_t value = 0;
  if (text.getAsInteger(10, value) || value <= 0 ||
      value > std::numeric_limits<int64_t>::max() / scale)
    return "--max-tensor-bytes must be a positive number of bytes (e.g. "
           "512M), got '" +
           maxTensorBytes + "'";
  bytes = value * scale;
  return "";
}

MessageHandler mlir::sieve::printMessages(llvm::StringRef tool, bool progress) {
  return
      [tool = tool.str(), progress](MessageKind kind, llvm::StringRef message) {
        const char *label = nullptr;
        switch (kind) {
        case MessageKind::Error:
          label = "error: ";
          break;
        case MessageKind::Warning:
          label = "warning: ";
          break;
        case MessageKind::Remark:
          label = "remark: ";
          break;
        case MessageKind::Note:
          label = "note: ";
          break;
        case MessageKind::Progress:
          if (!progress)
            return;
          label = "";
          break;
        }
        llvm::errs() << tool << ": " << label << message << "\n";
      };
}

std::string mlir::sieve::inputLimitsHelp(bool withProfiles) {
  std::string text =
      "\nLimits on what is read (docs/hardening.md):\n"
      "  - models, test data, calibration sets" +
      std::string(withProfiles ? " and profiles" : "") +
      " are regular files (not\n"
      "    devices or FIFOs);\n"
      "  - a model file is one protobuf of at most 2 GiB; larger models keep "
      "their\n"
      "    weights in external data files (read through a memory map);\n"
      "  - one tensor (an initializer, a Constant, a folded shape, a .pb or "
      ".npy\n"
      "    input) holds at most --max-tensor-bytes, by default a quarter of "
      "this\n"
      "    machine's memory (" +
      llvm::formatv("{0:f1}", defaultMaxTensorBytes() / double(1 << 30)).str() +
      " GiB here); shapes whose size overflows are errors;\n";
  if (withProfiles)
    text += "  - a --profile is JSON nested at most 64 levels deep.\n";
  return text;
}
