//===- Report.cpp - The sparsity report -------------------------*- C++ -*-===//

#include "sieve/Compiler/Report.h"

#include "Calibration.h"
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

/// The batch sizes of the report's union table, and the largest one its
/// "sparse up to" column tries.
constexpr int64_t kUnionBatches[] = {1, 4, 16, 64};
constexpr int64_t kLargestUnionBatch = 1024;

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
  if (options.calibration.randomRuns && !options.calibration.dir.empty()) {
    fail(onMessage, "use either random runs or a calibration directory");
    return std::nullopt;
  }
  if (std::string message = verifyCalibration(options.calibration);
      !message.empty()) {
    fail(onMessage, message);
    return std::nullopt;
  }
  CompileContext compile(onMessage);
  MLIRContext &context = compile.context;
  ModelSignature signature;
  onnx_import::ImportOptions importOptions;
  importOptions.maxTensorBytes = options.maxTensorBytes;
  OwningOpRef<ModuleOp> module = onnx_import::importModelFile(
      modelPath, &context, importOptions, &signature);
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
      s.featureRows = counter.axis == type.getRank() - 1;
      report.sites.push_back(std::move(s));
      counters.push_back(std::move(counter));
    }
  });

  // Calibration: every site's value becomes an extra output of a dense
  // build run on the calibration inputs.
  std::vector<std::vector<HostTensor>> inputSets;
  std::string error;
  if (!calibrationInputSets(options.calibration, signature, inputSets, error)) {
    fail(onMessage, error);
    return std::nullopt;
  }
  report.calibrationRuns = inputSets.size();
  if (inputSets.empty() || report.sites.empty())
    return report;
  SmallVector<Value> values;
  std::vector<std::string> names;
  for (auto [s, counter] : llvm::zip(report.sites, counters)) {
    values.push_back(counter.value);
    names.push_back(s.node);
  }
  bool ran = runWithExtraOutputs(
      *module, values, names, signature, inputSets,
      [&](size_t n, ArrayRef<HostTensor>, ArrayRef<HostTensor> sites) {
        for (auto [i, counter] : llvm::enumerate(counters))
          counter.add(sites[i]);
        if (options.onProgress)
          options.onProgress(n + 1, inputSets.size());
      },
      error);
  if (!ran) {
    fail(onMessage, error);
    return std::nullopt;
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
      if (s.featureRows) {
        llvm::json::Object unions;
        for (int64_t b : kUnionBatches)
          unions[std::to_string(b)] =
              expectedUnionDensity(s.neuronFrequency, b);
        site["union_density"] = std::move(unions);
      }
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

  // What batching does to the sparse paths: the union of B independent
  // rows' active neurons, from each neuron's rate.
  bool unions = llvm::any_of(sites, [](const ActivationSiteReport &s) {
    return s.density && s.featureRows;
  });
  if (!unions)
    return;
  double limit = activationGatherLimit(2, -1);
  os << "\nActive neurons of a batch of B independent rows (the union the "
        "sparse paths read; from each neuron's rate)\n";
  os << llvm::formatv("  {0,-28}", "node");
  for (int64_t b : kUnionBatches)
    os << llvm::formatv(" {0,-8}", "B=" + std::to_string(b));
  os << " sparse (<= " << formatPercent(limit, 0) << ") up to\n";
  for (const ActivationSiteReport &s : sites) {
    if (!s.density || !s.featureRows)
      continue;
    os << llvm::formatv("  {0,-28}", s.node);
    for (int64_t b : kUnionBatches)
      os << llvm::formatv(
          " {0,-8}",
          formatPercent(expectedUnionDensity(s.neuronFrequency, b), 1));
    // The largest power-of-two batch whose union stays under the cost
    // model's limit for several rows.
    int64_t largest = 0;
    for (int64_t b = 1; b <= kLargestUnionBatch; b *= 2)
      if (expectedUnionDensity(s.neuronFrequency, b) <= limit)
        largest = b;
    os << " "
       << (largest == 0 ? std::string("never")
           : largest == kLargestUnionBatch
               ? "B=" + std::to_string(largest) + " and more"
               : "B=" + std::to_string(largest))
       << "\n";
  }
}
