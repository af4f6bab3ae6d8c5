//===- sieve-analyze.cpp - The sparsity report ------------------*- C++ -*-===//
//
//   sieve-analyze model.onnx [--random N | --calibrate DIR]
//                 [--json out.json] [--plot out.png]
//
// Prints, per layer, the pattern and density of constant weights and the
// activation sites (ReLU-like outputs that feed a contraction); with
// --random or --calibrate it runs the model instrumented and measures each
// site's density and each neuron's activation frequency.
//
//===----------------------------------------------------------------------===//

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Pipelines/Pipelines.h"
#include "sieve/Registration.h"
#include "sieve/Support/HostTensor.h"
#include "sieve/Support/ToolDiagnostics.h"
#include "sieve/Target/JIT.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <random>

using namespace mlir;
using namespace mlir::sieve;
namespace cl = llvm::cl;

static cl::OptionCategory category("sieve-analyze options");
static cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx>"),
                                      cl::cat(category));
static cl::opt<unsigned> randomRuns(
    "random",
    cl::desc("Calibrate on N random inputs (normal distribution; dynamic "
             "dimensions take size 1)"),
    cl::value_desc("N"), cl::init(0), cl::cat(category));
static cl::opt<std::string> calibrateDir(
    "calibrate",
    cl::desc("Calibrate on the inputs in DIR: the ONNX test-data layout "
             "(test_data_set_*/input_*.pb) or .npy files named after the "
             "inputs"),
    cl::value_desc("dir"), cl::cat(category));
static cl::opt<std::string> jsonPath(
    "json",
    cl::desc("Write the report, with each neuron's activation frequency, as "
             "JSON (a profile for later compilation)"),
    cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    plotPath("plot",
             cl::desc("Draw per-layer weight density and measured activation "
                      "density (needs --random or --calibrate; uses "
                      "matplotlib)"),
             cl::value_desc("file.png"), cl::cat(category));

namespace {

int fail(const llvm::Twine &message) {
  llvm::errs() << "sieve-analyze: error: " << message << "\n";
  return 1;
}

struct Site {
  std::string node, kind, shape;
  Value value;
  int64_t neurons = 0;
  int64_t nonzero = 0, total = 0;
  std::vector<int64_t> neuronActive; // rows in which each neuron was active
  int64_t rows = 0;
};

struct WeightLayer {
  std::string node, op, shape, pattern;
  double density;
  /// What --sparsity=exact does with the weight ("packed", "dense", ...).
  std::string exact;
  /// The packing plan behind it, when the weight is a candidate.
  std::optional<double> packedDensity, packingLimit;
  bool packed = false;
};

HostTensor randomTensor(const TensorSignature &sig, std::mt19937 &rng) {
  HostTensor t;
  t.name = sig.name;
  t.kind = sig.kind;
  for (int64_t d : sig.shape)
    t.shape.push_back(d < 0 ? 1 : d);
  t.data.resize(t.numElements() * elementByteWidth(t.kind));
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    if (t.kind == ElementKind::Float) {
      float v = dist(rng);
      std::memcpy(t.data.data() + 4 * i, &v, 4);
    }
  }
  return t;
}

/// Input sets from --calibrate DIR.
bool readCalibrationSets(const ModelSignature &sig,
                         std::vector<std::vector<HostTensor>> &sets,
                         std::string &error) {
  std::vector<std::string> dirs;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(calibrateDir, ec), end;
       it != end && !ec; it.increment(ec))
    if (llvm::sys::path::filename(it->path()).starts_with("test_data_set_"))
      dirs.push_back(it->path());
  llvm::sort(dirs);
  if (dirs.empty()) {
    // .npy files named after the inputs.
    std::vector<HostTensor> set;
    for (const auto &in : sig.inputs) {
      HostTensor t;
      std::string name = in.name;
      std::replace(name.begin(), name.end(), '/', '_');
      if (!readNpyFile(calibrateDir + "/" + name + ".npy", t, error))
        return false;
      set.push_back(std::move(t));
    }
    sets.push_back(std::move(set));
    return true;
  }
  for (const std::string &dir : dirs) {
    std::vector<HostTensor> set;
    for (size_t i = 0; i < sig.inputs.size(); ++i) {
      HostTensor t;
      if (!readTensorProtoFile(dir + "/input_" + std::to_string(i) + ".pb", t,
                               error))
        return false;
      set.push_back(std::move(t));
    }
    sets.push_back(std::move(set));
  }
  return true;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "sieve-analyze: where are the zeros of an ONNX model?\n\n"
      "  sieve-analyze model.onnx                  # weights and sites\n"
      "  sieve-analyze model.onnx --random 100     # measured densities\n"
      "  sieve-analyze model.onnx --calibrate data/ --json profile.json "
      "--plot density.png\n");
  if (randomRuns && !calibrateDir.empty())
    return fail("use either --random or --calibrate");
  if (!plotPath.empty() && !randomRuns && calibrateDir.empty())
    return fail("--plot needs measured densities (--random or --calibrate)");
  if (randomRuns.getNumOccurrences() && randomRuns == 0)
    return fail("--random needs at least 1 run");
  if (!calibrateDir.empty() && !llvm::sys::fs::is_directory(calibrateDir))
    return fail("--calibrate: '" + calibrateDir + "' is not a directory");
  // Output locations are checked before the (possibly long) calibration.
  for (const std::string &out :
       {std::string(jsonPath), std::string(plotPath)}) {
    if (out.empty())
      continue;
    llvm::StringRef dir = llvm::sys::path::parent_path(out);
    if (!dir.empty() && !llvm::sys::fs::is_directory(dir))
      return fail("cannot write '" + out + "': no directory '" + dir + "'");
  }

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerSieveDialects(registry);
  registerAllPasses();
  registerSievePassesAndPipelines();
  MLIRContext context(registry);
  auto diagnostics = installToolDiagnostics(context, "sieve-analyze");

  ModelSignature signature;
  OwningOpRef<ModuleOp> module =
      onnx_import::importModelFile(modelPath, &context, {}, &signature);
  if (!module)
    return 1;
  PassManager pm(&context);
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(
          "canonicalize,func.func(sieve-annotate-weight-patterns,"
          "sieve-find-activation-sites)",
          pm, errorStream)) ||
      failed(pm.run(*module)))
    return fail("analysis failed " + error);

  std::vector<WeightLayer> weights;
  std::vector<Site> sites;
  module->walk([&](Operation *op) {
    if (auto p = op->getAttrOfType<WeightPatternAttr>("sieve.weight_pattern")) {
      std::string pattern = stringifyWeightPatternKind(p.getKind()).str();
      if (p.getKind() == WeightPatternKind::NM)
        pattern = llvm::formatv("{0}:{1}", p.getN(), p.getM()).str();
      if (p.getKind() == WeightPatternKind::Block)
        pattern = llvm::formatv("block {0}x{1}", p.getBlockShape()[0],
                                p.getBlockShape()[1])
                      .str();
      // What --sparsity=exact will do (sieve-sparsify-weights' plan).
      auto wt = cast<ShapedType>(op->getOperand(1).getType());
      WeightLayer layer{onnxNodeName(op->getLoc()),
                        op->getName().stripDialect().str(),
                        shapeText(wt),
                        pattern,
                        p.getDensityValue(),
                        "dense (no sparse kernel)"};
      if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
        std::optional<WeightPackingPlan> plan =
            planWeightPacking(matmul, /*limitOverride=*/-1);
        if (plan) {
          layer.packedDensity = plan->packedDensity;
          layer.packingLimit = plan->limit;
          layer.packed = plan->pack && plan->nonZeros < plan->rows * plan->cols;
        }
        if (!plan || plan->nonZeros == plan->rows * plan->cols)
          layer.exact = "dense";
        else
          layer.exact = (layer.packed ? "packed" : "dense") +
                        std::string(" (") +
                        formatPercent(plan->packedDensity, 1) +
                        " packed, limit " + formatPercent(plan->limit, 0) + ")";
      }
      weights.push_back(layer);
    }
    if (auto site =
            op->getAttrOfType<ActivationSiteAttr>("sieve.activation_site")) {
      Site s;
      s.node = onnxNodeName(op->getLoc());
      s.kind = stringifyActivationKind(site.getActivation()).str();
      auto type = cast<ShapedType>(op->getResult(0).getType());
      s.shape = shapeText(type);
      s.value = op->getResult(0);
      s.neurons = type.getShape().back();
      sites.push_back(std::move(s));
    }
  });

  // Calibration: return every site's value from the entry function as an
  // extra output, compile, and run on the calibration inputs.
  std::vector<std::vector<HostTensor>> inputSets;
  if (!calibrateDir.empty() &&
      !readCalibrationSets(signature, inputSets, error))
    return fail(error);
  std::mt19937 rng(1);
  for (unsigned i = 0; i < randomRuns; ++i) {
    std::vector<HostTensor> set;
    for (const auto &in : signature.inputs)
      set.push_back(randomTensor(in, rng));
    inputSets.push_back(std::move(set));
  }
  bool calibrated = !inputSets.empty() && !sites.empty();
  if (calibrated) {
    auto func = *module->getOps<func::FuncOp>().begin();
    auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
    SmallVector<Value> results(ret.getOperands());
    ModelSignature instrumented = signature;
    for (Site &s : sites) {
      results.push_back(s.value);
      TensorSignature t{s.node, ElementKind::Float, {}};
      for (int64_t d : cast<ShapedType>(s.value.getType()).getShape())
        t.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
      instrumented.outputs.push_back(t);
    }
    OpBuilder b(ret);
    func::ReturnOp::create(b, ret.getLoc(), results);
    ret.erase();
    func.setType(FunctionType::get(&context, func.getArgumentTypes(),
                                   ValueRange(results).getTypes()));
    // Strip the annotations: the compiled model is the dense one.
    module->walk([](Operation *op) {
      op->removeAttr("sieve.weight_pattern");
      op->removeAttr("sieve.activation_site");
    });
    PassManager cpm(&context);
    buildCPUPipeline(cpm, CPUPipelineOptions());
    if (failed(cpm.run(*module)))
      return fail("compiling the instrumented model failed");
    std::unique_ptr<JitModel> model =
        JitModel::compile(*module, instrumented, error);
    if (!model)
      return fail(error);
    size_t first = signature.outputs.size();
    for (auto [n, set] : llvm::enumerate(inputSets)) {
      std::vector<HostTensor> outputs;
      if (!model->run(set, outputs, error))
        return fail("calibration run " + llvm::Twine(n) + ": " + error);
      for (auto [i, s] : llvm::enumerate(sites)) {
        const HostTensor &t = outputs[first + i];
        int64_t neurons = t.shape.empty() ? 1 : t.shape.back();
        if (s.neuronActive.empty())
          s.neuronActive.assign(neurons, 0);
        int64_t rows = t.numElements() / std::max<int64_t>(neurons, 1);
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < neurons; ++j) {
            bool active = t.at(r * neurons + j) != 0.0;
            s.nonzero += active;
            s.neuronActive[j] += active;
          }
        s.total += t.numElements();
        s.rows += rows;
      }
      size_t done = n + 1, total = inputSets.size();
      if (done != total && done * 100 / total == n * 100 / total)
        continue; // Redraw the progress bar only when its percentage moves.
      // In a log (not a terminal) only the finished bar is written.
      if (done != total && !llvm::errs().is_displayed())
        continue;
      llvm::errs() << llvm::formatv(
          "\rsieve-analyze: calibrating [{0,-30}] "
          "{1}/{2}",
          std::string((n + 1) * 30 / inputSets.size(), '#'), n + 1,
          inputSets.size());
    }
    llvm::errs() << "\n";
  }

  // The report.
  llvm::outs() << "Weights (" << modelPath << ")\n";
  llvm::outs() << llvm::formatv(
      "  {0,-28} {1,-20} {2,-14} {3,-14} {4,-9} {5}\n", "node", "op", "shape",
      "pattern", "density", "--sparsity=exact");
  for (const WeightLayer &w : weights)
    llvm::outs() << llvm::formatv(
        "  {0,-28} {1,-20} {2,-14} {3,-14} {4,-9} {5}\n", w.node, w.op, w.shape,
        w.pattern, formatPercent(w.density, 2), w.exact);
  if (weights.empty())
    llvm::outs() << "  (no constant contraction weights)\n";
  llvm::outs() << "\nActivation sites (ReLU-like outputs feeding a "
                  "contraction)\n";
  llvm::outs() << llvm::formatv("  {0,-28} {1,-14} {2,-14} {3}\n", "node",
                                "activation", "shape",
                                calibrated ? "measured density" : "density");
  for (const Site &s : sites) {
    std::string density = "unknown (calibrate with --random or --calibrate)";
    if (calibrated && s.total) {
      int64_t dead = llvm::count(s.neuronActive, 0);
      density = llvm::formatv("{0:P} ({1} of {2} neurons never active, {3} "
                              "{4})",
                              double(s.nonzero) / s.total, dead, s.neurons,
                              s.rows, s.rows == 1 ? "row" : "rows")
                    .str();
    }
    llvm::outs() << llvm::formatv("  {0,-28} {1,-14} {2,-14} {3}\n", s.node,
                                  s.kind, s.shape, density);
  }
  if (sites.empty())
    llvm::outs() << "  (none)\n";

  // --plot reads the JSON report; without --json it goes to a temporary
  // file.
  std::string reportPath = jsonPath;
  llvm::SmallString<128> tempReport;
  std::optional<llvm::FileRemover> removeTemp;
  if (reportPath.empty() && !plotPath.empty()) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "sieve-analyze", "json", tempReport))
      return fail("cannot create a temporary file: " + ec.message());
    removeTemp.emplace(tempReport);
    reportPath = tempReport.str().str();
  }
  if (!reportPath.empty()) {
    llvm::json::Array weightArray, siteArray;
    for (const WeightLayer &w : weights)
      weightArray.push_back(llvm::json::Object{
          {"node", w.node},
          {"op", w.op},
          {"shape", w.shape},
          {"pattern", w.pattern},
          {"density", w.density},
          {"packed", w.packed},
          {"packed_density",
           w.packedDensity ? llvm::json::Value(*w.packedDensity) : nullptr},
          {"packing_limit",
           w.packingLimit ? llvm::json::Value(*w.packingLimit) : nullptr}});
    for (const Site &s : sites) {
      llvm::json::Object site{
          {"node", s.node}, {"activation", s.kind}, {"shape", s.shape}};
      if (calibrated && s.total) {
        site["density"] = double(s.nonzero) / s.total;
        site["rows"] = s.rows;
        llvm::json::Array freq;
        for (int64_t a : s.neuronActive)
          freq.push_back(double(a) / std::max<int64_t>(s.rows, 1));
        site["neuron_frequency"] = std::move(freq);
      }
      siteArray.push_back(std::move(site));
    }
    llvm::json::Object root{{"model", modelPath.getValue()},
                            {"calibration_runs", int64_t(inputSets.size())},
                            {"weights", std::move(weightArray)},
                            {"activation_sites", std::move(siteArray)}};
    std::error_code ec;
    llvm::ToolOutputFile out(reportPath, ec, llvm::sys::fs::OF_Text);
    if (ec)
      return fail("cannot write '" + reportPath + "': " + ec.message());
    out.os() << llvm::formatv("{0:2}", llvm::json::Value(std::move(root)))
             << "\n";
    out.keep();
  }

  if (!plotPath.empty()) {
    // The drawing is a small Python script next to this tool's sources,
    // installed beside the binary by CMake.
    std::string json = reportPath;
    llvm::SmallString<256> script(llvm::sys::path::parent_path(
        llvm::sys::fs::getMainExecutable(argv[0], (void *)&fail)));
    llvm::sys::path::append(script, "sieve-analyze-plot.py");
    auto python = llvm::sys::findProgramByName("python3");
    if (!python)
      return fail("--plot needs python3 with matplotlib");
    std::string scriptPath = script.str().str(), plot = plotPath;
    llvm::SmallVector<llvm::StringRef> args{*python, scriptPath, json, plot};
    std::string message;
    if (llvm::sys::ExecuteAndWait(*python, args, std::nullopt, {}, 0, 0,
                                  &message) != 0)
      return fail("drawing the plot failed" +
                  (message.empty() ? "" : ": " + message));
    llvm::outs() << "\nPlot written to " << plotPath << "\n";
  }
  return 0;
}
