//===- Report.cpp - The sparsity report -------------------------*- C++ -*-===//

#include "sieve/Compiler/Report.h"

#include "CompileContext.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/CostModel.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"
#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Support/TestData.h"
#include "sieve/Target/JIT.h"
#include "sieve/Target/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::sieve;

namespace {

bool fail(const MessageHandler &onMessage, const llvm::Twine &message) {
  if (onMessage)
    onMessage(MessageKind::Error, message.str());
  return false;
}

/// The axis whose entries are a site's neurons: the channels of an NCHW or
/// NCDHW activation (what a convolution reads), the last axis otherwise (a
/// matmul's features).
int64_t neuronAxis(ShapedType type) {
  int64_t rank = type.getRank();
  return rank >= 4 ? 1 : rank - 1;
}

/// A random calibration input: floats standard normal, integer inputs
/// (token ids, positions) small non-negative values, bools 0/1.
HostTensor randomCalibrationInput(const TensorSignature &sig,
                                  std::mt19937 &rng) {
  HostTensor t = randomTensor(sig, rng);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  if (t.kind == ElementKind::Float)
    for (int64_t i = 0; i < t.numElements(); ++i) {
      float v = normal(rng);
      std::memcpy(t.data.data() + 4 * i, &v, 4);
    }
  return t;
}

/// Input sets from a directory: the ONNX test-data layout, or .npy files
/// named after the inputs.
bool readCalibrationSets(llvm::StringRef dir, const ModelSignature &sig,
                         std::vector<std::vector<HostTensor>> &sets,
                         std::string &error) {
  std::vector<std::string> setDirs;
  std::string noTestData;
  if (findTestSets(dir, setDirs, noTestData)) {
    for (const std::string &setDir : setDirs) {
      std::vector<HostTensor> set;
      if (!readNumberedTensors(setDir, "input", set, error))
        return false;
      sets.push_back(std::move(set));
    }
    return true;
  }
  std::vector<HostTensor> set;
  for (const TensorSignature &in : sig.inputs) {
    HostTensor t;
    std::string name = in.name;
    std::replace(name.begin(), name.end(), '/', '_');
    if (!readNpyFile((dir + "/" + name + ".npy").str(), t, error))
      return false;
    set.push_back(std::move(t));
  }
  sets.push_back(std::move(set));
  return true;
}

WeightReport describeWeight(Operation *op, WeightPatternAttr p,
                            int64_t cacheBytes) {
  WeightReport w;
  w.node = onnxNodeName(op->getLoc());
  w.op = op->getName().stripDialect().str();
  w.shape = shapeText(cast<ShapedType>(op->getOperand(1).getType()));
  w.pattern = stringifyWeightPatternKind(p.getKind()).str();
  if (p.getKind() == WeightPatternKind::NM)
    w.pattern = llvm::formatv("{0}:{1}", p.getN(), p.getM()).str();
  if (p.getKind() == WeightPatternKind::Block)
    w.pattern = llvm::formatv("block {0}x{1}", p.getBlockShape()[0],
                              p.getBlockShape()[1])
                    .str();
  w.density = p.getDensityValue();
  w.exact = "dense (no sparse kernel)";
  // What --sparsity=exact does: sieve-sparsify-weights' own plan.
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op)) {
    std::optional<WeightPackingPlan> plan =
        planWeightPacking(matmul, /*limitOverride=*/-1, cacheBytes);
    if (plan) {
      w.packedDensity = plan->packedDensity;
      w.packingLimit = plan->limit;
      w.packed = plan->pack && plan->nonZeros < plan->rows * plan->cols;
    }
    if (!plan || plan->nonZeros == plan->rows * plan->cols)
      w.exact = "dense";
    else
      w.exact = (w.packed ? "packed" : "dense") + std::string(" (") +
                formatPercent(plan->packedDensity, 1) + " packed, limit " +
                formatPercent(plan->limit, 0) + ")";
  }
  return w;
}

/// Counts, over calibration runs, the non-zeros of one site.
struct SiteCounter {
  Value value;
  int64_t axis = 0;
  int64_t nonzero = 0, total = 0, rows = 0;
  std::vector<int64_t> active;

  void add(const HostTensor &t) {
    int64_t neurons = t.shape.empty() ? 1 : t.shape[axis];
    int64_t inner = 1;
    for (size_t d = axis + 1; d < t.shape.size(); ++d)
      inner *= t.shape[d];
    if (active.empty())
      active.assign(neurons, 0);
    int64_t n = t.numElements();
    int64_t outer = n / std::max<int64_t>(neurons * inner, 1);
    // A row: one value of every neuron (a batch row, a token, a pixel).
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < neurons; ++j)
        for (int64_t i = 0; i < inner; ++i) {
          bool on = t.at((o * neurons + j) * inner + i) != 0.0;
          nonzero += on;
          active[j] += on;
        }
    total += n;
    rows += outer * inner;
  }
};

} // namespace

std::optional<SparsityReport>
mlir::sieve::analyzeModel(llvm::StringRef modelPath,
                          const AnalyzeOptions &options,
                          const MessageHandler &onMessage) {
  if (options.randomRuns && !options.calibrateDir.empty()) {
    fail(onMessage, "use either random runs or a calibration directory");
    return std::nullopt;
  }
  if (!options.calibrateDir.empty() &&
      !llvm::sys::fs::is_directory(options.calibrateDir)) {
    fail(onMessage,
         "--calibrate: '" + options.calibrateDir + "' is not a directory");
    return std::nullopt;
  }
  CompileContext compile(onMessage);
  MLIRContext &context = compile.context;
  ModelSignature signature;
  OwningOpRef<ModuleOp> module =
      onnx_import::importModelFile(modelPath, &context, {}, &signature);
  if (!module)
    return std::nullopt;
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createSieveAnnotateWeightPatterns());
  pm.addNestedPass<func::FuncOp>(createSieveFindActivationSites());
  if (failed(pm.run(*module))) {
    fail(onMessage, "the analysis failed");
    return std::nullopt;
  }

  SparsityReport report;
  report.model = modelPath.str();
  // What --sparsity=exact would do when compiling for this machine.
  CodegenTarget host = describeHost().codegenTarget();
  std::vector<SiteCounter> counters;
  module->walk([&](Operation *op) {
    if (auto p = op->getAttrOfType<WeightPatternAttr>("sieve.weight_pattern"))
      report.weights.push_back(describeWeight(op, p, host.cacheBytes));
    if (auto site =
            op->getAttrOfType<ActivationSiteAttr>("sieve.activation_site")) {
      ActivationSiteReport s;
      s.node = onnxNodeName(op->getLoc());
      s.activation = stringifyActivationKind(site.getActivation()).str();
      auto type = cast<ShapedType>(op->getResult(0).getType());
      s.shape = shapeText(type);
      SiteCounter counter;
      counter.value = op->getResult(0);
      counter.axis = neuronAxis(type);
      s.neurons = type.getShape()[counter.axis];
      report.sites.push_back(std::move(s));
      counters.push_back(std::move(counter));
    }
  });

  // Calibration: return every site's value from the entry function as an
  // extra output, compile, and run on the calibration inputs.
  std::vector<std::vector<HostTensor>> inputSets;
  std::string error;
  if (!options.calibrateDir.empty() &&
      !readCalibrationSets(options.calibrateDir, signature, inputSets, error)) {
    fail(onMessage, error);
    return std::nullopt;
  }
  std::mt19937 rng(1);
  for (unsigned i = 0; i < options.randomRuns; ++i) {
    std::vector<HostTensor> set;
    for (const TensorSignature &in : signature.inputs)
      set.push_back(randomCalibrationInput(in, rng));
    inputSets.push_back(std::move(set));
  }
  report.calibrationRuns = inputSets.size();
  if (inputSets.empty() || report.sites.empty())
    return report;

  auto func = *module->getOps<func::FuncOp>().begin();
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  ModelSignature instrumented = signature;
  for (auto [s, counter] : llvm::zip(report.sites, counters)) {
    results.push_back(counter.value);
    TensorSignature t{s.node, ElementKind::Float, {}};
    for (int64_t d : cast<ShapedType>(counter.value.getType()).getShape())
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
  CPUPipelineOptions dense;
  dense.target = host;
  buildCPUPipeline(cpm, dense);
  if (failed(cpm.run(*module))) {
    fail(onMessage, "compiling the instrumented model failed");
    return std::nullopt;
  }
  std::unique_ptr<JitModel> model =
      JitModel::compile(*module, instrumented, error);
  if (!model) {
    fail(onMessage, error);
    return std::nullopt;
  }
  size_t first = signature.outputs.size();
  for (auto [n, set] : llvm::enumerate(inputSets)) {
    std::vector<HostTensor> outputs;
    if (!model->run(set, outputs, error)) {
      fail(onMessage, "calibration run " + llvm::Twine(n) + ": " + error);
      return std::nullopt;
    }
    for (auto [i, counter] : llvm::enumerate(counters))
      counter.add(outputs[first + i]);
    if (options.onProgress)
      options.onProgress(n + 1, inputSets.size());
  }
  for (auto [s, counter] : llvm::zip(report.sites, counters)) {
    if (!counter.total)
      continue;
    s.density = double(counter.nonzero) / counter.total;
    s.rows = counter.rows;
    for (int64_t a : counter.active)
      s.neuronFrequency.push_back(double(a) /
                                  std::max<int64_t>(counter.rows, 1));
  }
  return report;
}

llvm::json::Value SparsityReport::toJSON() const {
  llvm::json::Array weightArray, siteArray;
  for (const WeightReport &w : weights)
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
  for (const ActivationSiteReport &s : sites) {
    llvm::json::Object site{{"node", s.node},
                            {"activation", s.activation},
                            {"shape", s.shape},
                            {"neurons", s.neurons}};
    if (s.density) {
      site["density"] = *s.density;
      site["rows"] = s.rows;
      site["neuron_frequency"] = llvm::json::Array(s.neuronFrequency);
    }
    siteArray.push_back(std::move(site));
  }
  return llvm::json::Object{{"model", model},
                            {"calibration_runs", calibrationRuns},
                            {"weights", std::move(weightArray)},
                            {"activation_sites", std::move(siteArray)}};
}

void SparsityReport::print(llvm::raw_ostream &os) const {
  os << "Weights (" << model << ")\n";
  os << llvm::formatv("  {0,-28} {1,-20} {2,-14} {3,-14} {4,-9} {5}\n", "node",
                      "op", "shape", "pattern", "density", "--sparsity=exact");
  for (const WeightReport &w : weights)
    os << llvm::formatv("  {0,-28} {1,-20} {2,-14} {3,-14} {4,-9} {5}\n",
                        w.node, w.op, w.shape, w.pattern,
                        formatPercent(w.density, 2), w.exact);
  if (weights.empty())
    os << "  (no constant contraction weights)\n";
  bool measured = llvm::any_of(
      sites, [](const ActivationSiteReport &s) { return s.density; });
  os << "\nActivation sites (ReLU-like outputs feeding a contraction)\n";
  os << llvm::formatv("  {0,-28} {1,-14} {2,-14} {3}\n", "node", "activation",
                      "shape", measured ? "measured density" : "density");
  for (const ActivationSiteReport &s : sites) {
    std::string density = "unknown (calibrate with --random or --calibrate)";
    if (s.density) {
      int64_t dead = llvm::count(s.neuronFrequency, 0.0);
      density = llvm::formatv("{0:P} ({1} of {2} neurons never active, {3} "
                              "{4})",
                              *s.density, dead, s.neurons, s.rows,
                              s.rows == 1 ? "row" : "rows")
                    .str();
    }
    os << llvm::formatv("  {0,-28} {1,-14} {2,-14} {3}\n", s.node, s.activation,
                        s.shape, density);
  }
  if (sites.empty())
    os << "  (none)\n";
}
