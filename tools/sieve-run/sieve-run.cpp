//===- sieve-run.cpp - Compile an ONNX model and run it ---------*- C++ -*-===//
//
//   sieve-run model.onnx [--test-data DIR] [--input name=file.npy ...]
//                        [--output-dir DIR] [--bench N] [--sparsity=...]
//
// JIT-compiles the model for this CPU (loadModel of the compile API) and
// compares, saves or times its results.
//
//===----------------------------------------------------------------------===//

#include "sieve/Compiler/CommandLine.h"
#include "sieve/Compiler/Compiler.h"
#include "sieve/Compiler/TestRunner.h"
#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Support/TestData.h"
#include "sieve/Target/BufferPool.h"
#include "sieve/Target/JIT.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

using namespace mlir::sieve;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("sieve-run options");
cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.onnx>"), cl::cat(category));
cl::opt<std::string> testData(
    "test-data",
    cl::desc("Directory in the ONNX backend test layout (test_data_set_*/"
             "input_*.pb, output_*.pb, or one such set): run every set and "
             "compare each output with the expected one; exit 1 on a "
             "mismatch"),
    cl::value_desc("dir"), cl::cat(category));
cl::list<std::string> inputFiles(
    "input",
    cl::desc("Input tensor from a .npy or .pb file, as name=file (or just "
             "file, in input order); inputs not given are filled with "
             "random values"),
    cl::value_desc("name=file"), cl::cat(category));
cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write every output as <dir>/<name>.npy"),
              cl::value_desc("dir"), cl::cat(category));
cl::opt<unsigned> benchRuns(
    "bench",
    cl::desc("Run the model N more times and print the median, minimum and "
             "maximum time"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));
cl::opt<double>
    relTolerance("rtol",
                 cl::desc("Relative tolerance of --test-data comparisons"),
                 cl::init(1e-3), cl::cat(category));
cl::opt<double>
    absTolerance("atol",
                 cl::desc("Absolute tolerance of --test-data comparisons"),
                 cl::init(1e-5), cl::cat(category));
cl::opt<bool> constantInputs(
    "constant-inputs",
    cl::desc("Compile the integer inputs of --test-data (its first set) as "
             "constants; for models that pass shape arguments (Reshape "
             "shapes, Squeeze axes, Pad pads) as graph inputs"),
    cl::init(false), cl::cat(category));
cl::opt<bool> profileLayers(
    "profile-layers",
    cl::desc("Time every layer (loop nest: an ONNX node or a fused group of "
             "them) and print each one's share of the run time, grouped by "
             "op types and one by one, largest first; over the --bench runs "
             "(else the one run). The times are wall times of the calling "
             "thread: with several threads, a layer's time includes waiting "
             "for its slowest chunk"),
    cl::init(false), cl::cat(category));
cl::opt<bool> quiet("quiet",
                    cl::desc("Print only errors and the comparison summary"),
                    cl::init(false), cl::cat(category));

int fail(const llvm::Twine &message) {
  llvm::errs() << "sieve-run: error: " << message << "\n";
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  SparsityFlags sparsityFlags(category);
  ThreadFlags threadFlags(category);
  LimitFlags limitFlags(category);
  DeviceFlags deviceFlags(category);
  GPUKernelFlags gpuKernelFlags(category);
  cl::HideUnrelatedOptions(category);
  std::string overview =
      "sieve-run: compile an ONNX model for this CPU and run it\n\n"
      "  sieve-run model.onnx --test-data test_dir   # check against "
      "expected outputs\n"
      "  sieve-run model.onnx --input x=x.npy --output-dir out/\n"
      "  sieve-run model.onnx --bench 20             # time 20 runs\n"
      "  sieve-run model.onnx --bench 20 --threads 1 # on one thread\n"
      "  sieve-run model.onnx --bench 20 --profile-layers # where time "
      "goes\n"
      "  sieve-run model.onnx --device=cuda          # on the NVIDIA GPU\n" +
      inputLimitsHelp(/*withProfiles=*/true);
  cl::ParseCommandLineOptions(argc, argv, overview);

  // Flags are checked before any work.
  CompileOptions options;
  options.pipeline.report = !quiet;
  options.pipeline.profileLayers = profileLayers;
  if (std::string message = threadFlags.apply(options.pipeline);
      !message.empty())
    return fail(message);
  if (std::string message = sparsityFlags.apply(options); !message.empty())
    return fail(message);
  if (std::string message = limitFlags.apply(options); !message.empty())
    return fail(message);
  if (std::string message = deviceFlags.apply(options); !message.empty())
    return fail(message);
  if (std::string message = gpuKernelFlags.apply(options); !message.empty())
    return fail(message);
  for (auto [flag, value] : {std::pair{"--rtol", double(relTolerance)},
                             std::pair{"--atol", double(absTolerance)}})
    if (!std::isfinite(value) || value < 0)
      return fail(llvm::Twine(flag) + " must be a non-negative number");
  if (constantInputs && testData.empty())
    return fail("--constant-inputs takes the integer inputs of --test-data");
  if (!testData.empty() && !inputFiles.empty())
    return fail("use either --test-data or --input");
  std::string error;
  std::vector<std::string> sets, graphInputs;
  if (!testData.empty() && !findTestSets(testData, sets, error))
    return fail("--test-data: " + error);
  if (!onnx_import::readGraphInputNames(modelPath, graphInputs, error))
    return fail(error);
  if (constantInputs && !readIntegerTestInputs(sets.front(), graphInputs,
                                               options.constantInputs, error))
    return fail(error);

  auto compileStart = std::chrono::steady_clock::now();
  std::unique_ptr<JitModel> model =
      loadModel(modelPath, options, printMessages("sieve-run", !quiet));
  if (!model)
    return 1;
  if (!quiet)
    llvm::errs() << llvm::formatv(
        "sieve-run: compiled in {0:f2} s\n",
        std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                      compileStart)
            .count());
  if (!testData.empty()) {
    TestDataOptions check;
    check.rtol = relTolerance;
    check.atol = absTolerance;
    check.graphInputs = graphInputs;
    for (const auto &constant : options.constantInputs)
      check.constantInputs.push_back(constant.first);
    check.outputDir = outputDir;
    bool allMatch = false;
    if (!runTestSets(*model, sets, check, llvm::outs(), allMatch, error))
      return fail(error);
    printLayerProfile(*model, llvm::outs());
    llvm::outs() << (allMatch ? "PASS" : "FAIL") << "\n";
    return allMatch ? 0 : 1;
  }

  // Inputs from files, the rest random.
  std::vector<HostTensor> inputs;
  std::mt19937 rng(1);
  if (!assembleInputs(model->signature(), inputFiles, rng, inputs, error))
    return fail(error);
  std::vector<HostTensor> outputs;
  if (!model->run(inputs, outputs, error))
    return fail(error);
  for (const HostTensor &o : outputs) {
    double sum = 0;
    for (int64_t i = 0; i < o.numElements(); ++i)
      sum += o.at(i);
    llvm::outs() << "output '" << o.name << "': " << o.describe() << ", sum "
                 << llvm::format("%.6g", sum) << "\n";
  }
  if (!outputDir.empty() && !writeNpyFiles(outputDir, outputs, error))
    return fail(error);

  std::vector<double> times;
  if (benchRuns > 0)
    model->resetLayerProfile();
  if (!benchmarkModel(*model, inputs, benchRuns, times, error))
    return fail(error);
  if (!times.empty())
    llvm::outs() << llvm::formatv(
        "bench: {0} runs, median {1:f3} ms, min {2:f3} ms, max {3:f3} ms\n",
        times.size(), times[times.size() / 2], times.front(), times.back());
  // Buffers of 64 KiB or more that the runs got back from the JIT's pool
  // instead of from the system (Target/BufferPool.h).
  BufferPoolStats pool = bufferPoolStats();
  if (!times.empty() && pool.hits + pool.misses > 0)
    llvm::outs() << llvm::formatv(
        "buffers: {0} of {1} large buffers reused, working set {2:f1} MiB\n",
        pool.hits, pool.hits + pool.misses,
        pool.peakLiveBytes / (1024.0 * 1024.0));
  printLayerProfile(*model, llvm::outs());
  return 0;
}
