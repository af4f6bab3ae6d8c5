//===- sieve-run.cpp - Compile an ONNX model and run it ---------*- C++ -*-===//
//
//   sieve-run model.onnx [--test-data DIR] [--input name=file.npy ...]
//                        [--output-dir DIR] [--bench N]
//
// Imports the model, compiles it for the host CPU with sieve-cpu-pipeline,
// JIT-runs it, and compares, saves or times the results.
//
//===----------------------------------------------------------------------===//

#include "sieve/Analysis/Profile.h"
#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Pipelines/Pipelines.h"
#include "sieve/Registration.h"
#include "sieve/Support/HostTensor.h"
#include "sieve/Support/ToolDiagnostics.h"
#include "sieve/Target/JIT.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::sieve;
namespace cl = llvm::cl;

static cl::OptionCategory category("sieve-run options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<std::string> testData(
    "test-data",
    cl::desc("Directory in the ONNX backend test layout (test_data_set_*/"
             "input_*.pb, output_*.pb, or one such set): run every set and "
             "compare each output with the expected one; exit 1 on a "
             "mismatch"),
    cl::value_desc("dir"), cl::cat(category));
static cl::list<std::string>
    inputFiles("input",
               cl::desc("Input tensor from a .npy or .pb file, as "
                        "name=file (or just file, in input order); inputs "
                        "not given are filled with random values"),
               cl::value_desc("name=file"), cl::cat(category));
static cl::opt<std::string>
    outputDir("output-dir", cl::desc("Write every output as <dir>/<name>.npy"),
              cl::value_desc("dir"), cl::cat(category));
static cl::opt<unsigned>
    benchRuns("bench",
              cl::desc("Run the model N more times and print the median, "
                       "minimum and maximum time"),
              cl::value_desc("N"), cl::init(0), cl::cat(category));
static cl::opt<double>
    relTolerance("rtol",
                 cl::desc("Relative tolerance of --test-data "
                          "comparisons (default 1e-3)"),
                 cl::init(1e-3), cl::cat(category));
static cl::opt<double>
    absTolerance("atol",
                 cl::desc("Absolute tolerance of --test-data "
                          "comparisons (default 1e-5)"),
                 cl::init(1e-5), cl::cat(category));
static cl::opt<bool> noVectorize(
    "no-vectorize",
    cl::desc("Compile to plain scalar loops (for debugging codegen)"),
    cl::init(false), cl::cat(category));
static cl::opt<bool> constantInputs(
    "constant-inputs",
    cl::desc("Compile the integer inputs of --test-data (its first set) as "
             "constants; for models that pass shape arguments (Reshape "
             "shapes, Squeeze axes, Pad pads) as graph inputs"),
    cl::init(false), cl::cat(category));
static cl::opt<std::string> profilePath("profile",
                                        cl::desc(flag_help::kProfile),
                                        cl::value_desc("profile.json"),
                                        cl::init(""), cl::cat(category));
static cl::opt<std::string> sparsity("sparsity", cl::desc(flag_help::kSparsity),
                                     cl::init("off"), cl::cat(category));
static cl::opt<double>
    activationDensityLimit("activation-density-limit",
                           cl::desc(flag_help::kActivationDensityLimit),
                           cl::init(-1.0), cl::cat(category));
static cl::opt<double>
    weightDensityLimit("weight-density-limit",
                       cl::desc(flag_help::kWeightDensityLimit), cl::init(-1.0),
                       cl::cat(category));
static cl::opt<bool> quiet("quiet",
                           cl::desc("Print only errors and the "
                                    "comparison summary"),
                           cl::init(false), cl::cat(category));

namespace {

void status(const llvm::Twine &message) {
  if (!quiet)
    llvm::errs() << "sieve-run: " << message << "\n";
}

int fail(const llvm::Twine &message) {
  llvm::errs() << "sieve-run: error: " << message << "\n";
  return 1;
}

/// Fills a tensor of the signature's type with reproducible random values
/// (dynamic dimensions take size 1).
HostTensor randomInput(const onnx_import::TensorSignature &sig, unsigned seed) {
  HostTensor t;
  t.name = sig.name;
  t.kind = sig.kind;
  for (int64_t d : sig.shape)
    t.shape.push_back(d < 0 ? 1 : d);
  int64_t width = onnx_import::elementByteWidth(t.kind);
  t.data.resize(t.numElements() * width);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    char *p = t.data.data() + i * width;
    if (t.kind == onnx_import::ElementKind::Float) {
      float v = dist(rng);
      std::memcpy(p, &v, 4);
    } else if (t.kind == onnx_import::ElementKind::Double) {
      double v = dist(rng);
      std::memcpy(p, &v, 8);
    } else {
      int64_t v = static_cast<int64_t>(rng() % 4);
      std::memcpy(p, &v, width);
    }
  }
  return t;
}

bool readTensorFile(llvm::StringRef path, HostTensor &t, std::string &err) {
  if (path.ends_with(".npy"))
    return readNpyFile(path, t, err);
  return readTensorProtoFile(path, t, err);
}

/// ONNX 1.12's test data (Debian's libonnx-testdata) stores bfloat16
/// tensors as their uint16 bit patterns: read such a tensor as bfloat16 where
/// the model has bfloat16.
void adoptLegacyBFloat16(HostTensor &t, onnx_import::ElementKind want) {
  if (t.kind == onnx_import::ElementKind::UInt16 &&
      want == onnx_import::ElementKind::BFloat16)
    t.kind = want;
}

/// Compares one output with its expected value; prints a summary line.
bool compareOutput(const HostTensor &got, const HostTensor &want,
                   llvm::StringRef setName) {
  llvm::outs() << setName << ": output '" << got.name << "' ";
  if (got.shape != want.shape || got.kind != want.kind) {
    llvm::outs() << "MISMATCH: got " << got.describe() << ", expected "
                 << want.describe() << "\n";
    return false;
  }
  bool isFloat = got.kind == onnx_import::ElementKind::Float ||
                 got.kind == onnx_import::ElementKind::Double ||
                 got.kind == onnx_import::ElementKind::Float16 ||
                 got.kind == onnx_import::ElementKind::BFloat16;
  // bfloat16 has 8 significant bits: allow one unit in the last place
  // (ONNX 1.12 truncates to bfloat16 where newer ONNX rounds to nearest).
  double rtol = relTolerance;
  if (got.kind == onnx_import::ElementKind::BFloat16)
    rtol = std::max(rtol, 1.0 / 128);
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0, firstBad = -1;
  for (int64_t i = 0, n = got.numElements(); i < n; ++i) {
    double a = got.at(i), b = want.at(i);
    bool ok;
    if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
    } else if (std::isinf(a) || std::isinf(b)) {
      ok = a == b;
    } else {
      double diff = std::fabs(a - b);
      maxAbs = std::max(maxAbs, diff);
      if (b != 0)
        maxRel = std::max(maxRel, diff / std::fabs(b));
      ok = isFloat ? diff <= absTolerance + rtol * std::fabs(b) : a == b;
    }
    if (!ok && bad++ == 0)
      firstBad = i;
  }
  llvm::outs() << got.describe() << ": max abs error "
               << llvm::format("%.3g", maxAbs) << ", max rel error "
               << llvm::format("%.3g", maxRel);
  if (bad) {
    llvm::outs() << ": MISMATCH in " << bad << " of " << got.numElements()
                 << " elements (first at flat index " << firstBad << ": got "
                 << got.at(firstBad) << ", expected " << want.at(firstBad)
                 << ")\n";
    return false;
  }
  llvm::outs() << ": OK\n";
  return true;
}

/// The test-data sets under `dir`: its test_data_set_* subdirectories, or
/// `dir` itself.
std::vector<std::string> findTestSets(llvm::StringRef dir) {
  std::vector<std::string> sets;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with("test_data_set_"))
      sets.push_back(it->path());
  llvm::sort(sets);
  if (sets.empty())
    sets.push_back(dir.str());
  return sets;
}

/// Reads prefix_0.pb, prefix_1.pb, ... from `dir`.
bool readNumbered(llvm::StringRef dir, llvm::StringRef prefix,
                  std::vector<HostTensor> &tensors, std::string &err) {
  for (int i = 0;; ++i) {
    std::string path =
        (dir + "/" + prefix + "_" + llvm::Twine(i) + ".pb").str();
    if (!llvm::sys::fs::exists(path))
      return true;
    HostTensor t;
    if (!readTensorProtoFile(path, t, err))
      return false;
    tensors.push_back(std::move(t));
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "sieve-run: compile an ONNX model for this CPU and run it\n\n"
      "  sieve-run model.onnx --test-data test_dir   # check against "
      "expected outputs\n"
      "  sieve-run model.onnx --input x=x.npy --output-dir out/\n"
      "  sieve-run model.onnx --bench 20             # time 20 runs\n");

  // Flags are checked before any work.
  if (std::string message = checkSparsityFlags(
          sparsity, profilePath, givenValue(weightDensityLimit),
          givenValue(activationDensityLimit));
      !message.empty())
    return fail(message);

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  sieve::registerSieveDialects(registry);
  MLIRContext context(registry);
  auto diagnostics = installToolDiagnostics(context, "sieve-run");

  std::string error;
  std::vector<std::string> graphInputs;
  if (!onnx_import::readGraphInputNames(modelPath, graphInputs, error))
    return fail(error);
  onnx_import::ImportOptions importOptions;
  if (constantInputs && testData.empty())
    return fail("--constant-inputs takes the integer inputs of --test-data");
  if (constantInputs) {
    // Integer inputs of the first test set become constants of the
    // compiled model.
    std::vector<std::pair<std::string, std::string>> files;
    if (!testData.empty()) {
      std::string set = findTestSets(testData).front();
      for (size_t i = 0; i < graphInputs.size(); ++i)
        files.push_back(
            {graphInputs[i], (set + "/input_" + llvm::Twine(i) + ".pb").str()});
    }
    for (const auto &[name, path] : files) {
      HostTensor t;
      if (!readTensorProtoFile(path, t, error))
        return fail(error);
      if (t.kind == onnx_import::ElementKind::Int64 ||
          t.kind == onnx_import::ElementKind::Int32) {
        auto buffer = llvm::MemoryBuffer::getFile(path);
        importOptions.constantInputs.push_back(
            {name, (*buffer)->getBuffer().str()});
      }
    }
  }
  onnx_import::ModelSignature signature;
  status("importing " + modelPath);
  OwningOpRef<ModuleOp> module = onnx_import::importModelFile(
      modelPath, &context, importOptions, &signature);
  if (!module)
    return 1;

  status("compiling for the host CPU");
  auto compileStart = std::chrono::steady_clock::now();
  PassManager pm(&context);
  CPUPipelineOptions pipelineOptions;
  pipelineOptions.vectorize = !noVectorize;
  pipelineOptions.sparsity = parseSparsityMode(sparsity);
  pipelineOptions.densityLimit = activationDensityLimit;
  pipelineOptions.report = !quiet;
  pipelineOptions.weightDensityLimit = weightDensityLimit;
  if (!profilePath.empty()) {
    std::string profileError;
    int marked = applyProfile(*module, profilePath, profileError);
    if (marked < 0)
      return fail(profileError);
    if (!quiet)
      llvm::errs() << "sieve-run: " << marked
                   << " activation sites with measured densities from "
                   << profilePath << "\n";
  }

  buildCPUPipeline(pm, pipelineOptions);
  if (failed(pm.run(*module)))
    return fail("compilation failed");
  std::unique_ptr<JitModel> model =
      JitModel::compile(*module, signature, error);
  if (!model)
    return fail("JIT compilation failed: " + error);
  double compileSeconds = std::chrono::duration<double>(
                              std::chrono::steady_clock::now() - compileStart)
                              .count();
  status("compiled in " + llvm::formatv("{0:f2}", compileSeconds).str() + " s");

  // --test-data: every set, compared.
  if (!testData.empty()) {
    bool allOk = true;
    for (const std::string &set : findTestSets(testData)) {
      std::vector<HostTensor> inputs, expected, outputs;
      if (!readNumbered(set, "input", inputs, error) ||
          !readNumbered(set, "output", expected, error))
        return fail(error);
      // Test inputs follow the graph inputs; drop those compiled as
      // constants.
      std::vector<HostTensor> runtimeInputs;
      for (size_t i = 0; i < inputs.size() && i < graphInputs.size(); ++i) {
        inputs[i].name = graphInputs[i];
        if (llvm::any_of(importOptions.constantInputs, [&](const auto &c) {
              return c.first == graphInputs[i];
            }))
          continue;
        runtimeInputs.push_back(std::move(inputs[i]));
      }
      inputs = std::move(runtimeInputs);
      for (size_t i = 0; i < inputs.size() && i < signature.inputs.size(); ++i)
        adoptLegacyBFloat16(inputs[i], signature.inputs[i].kind);
      if (!model->run(inputs, outputs, error))
        return fail(llvm::sys::path::filename(set) + ": " + error);
      if (outputs.size() != expected.size())
        return fail("the model has " + llvm::Twine(outputs.size()) +
                    " outputs but the test data has " +
                    llvm::Twine(expected.size()));
      for (size_t i = 0; i < outputs.size(); ++i)
        adoptLegacyBFloat16(expected[i], outputs[i].kind);
      for (size_t i = 0; i < outputs.size(); ++i)
        allOk &= compareOutput(outputs[i], expected[i],
                               llvm::sys::path::filename(set));
    }
    llvm::outs() << (allOk ? "PASS" : "FAIL") << "\n";
    return allOk ? 0 : 1;
  }

  // Inputs from files, the rest random.
  std::vector<HostTensor> inputs;
  for (const auto &sig : signature.inputs)
    inputs.push_back(randomInput(sig, inputs.size() + 1));
  for (const std::string &spec : inputFiles) {
    llvm::StringRef name, path = spec;
    if (spec.find('=') != std::string::npos)
      std::tie(name, path) = llvm::StringRef(spec).split('=');
    size_t index = 0;
    if (name.empty()) {
      index = &spec - &inputFiles.front();
    } else {
      auto it = llvm::find_if(signature.inputs,
                              [&](const auto &s) { return s.name == name; });
      if (it == signature.inputs.end())
        return fail("the model has no input named '" + name + "'");
      index = it - signature.inputs.begin();
    }
    if (index >= inputs.size())
      return fail("too many --input files");
    HostTensor t;
    if (!readTensorFile(path, t, error))
      return fail(error);
    t.name = signature.inputs[index].name;
    inputs[index] = std::move(t);
  }

  std::vector<HostTensor> outputs;
  if (!model->run(inputs, outputs, error))
    return fail(error);
  for (const HostTensor &o : outputs) {
    double sum = 0;
    for (int64_t i = 0; i < o.numElements(); ++i)
      sum += o.at(i);
    llvm::outs() << "output '" << o.name << "': " << o.describe() << ", sum "
                 << llvm::format("%.6g", sum) << "\n";
    if (!outputDir.empty()) {
      llvm::sys::fs::create_directories(outputDir);
      std::string name = o.name;
      std::replace(name.begin(), name.end(), '/', '_');
      if (!writeNpyFile(outputDir + "/" + name + ".npy", o, error))
        return fail(error);
    }
  }

  if (benchRuns > 0) {
    std::vector<double> times;
    for (unsigned i = 0; i < benchRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      if (!model->run(inputs, outputs, error))
        return fail(error);
      times.push_back(std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now() - start)
                          .count());
    }
    std::sort(times.begin(), times.end());
    llvm::outs() << llvm::formatv(
        "bench: {0} runs, median {1:f3} ms, min {2:f3} ms, max {3:f3} ms\n",
        times.size(), times[times.size() / 2], times.front(), times.back());
  }
  return 0;
}
