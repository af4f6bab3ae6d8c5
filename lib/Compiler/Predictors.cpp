//===- Predictors.cpp - The predictors of --sparsity=approx -----*- C++ -*-===//
//
// Finds the ReLU FFNs of an imported module, collects the inputs of their
// up (or gate) projections on the calibration inputs, fits a predictor for
// each (sieve/Analysis/Predictor.h) and attaches it to the ReLU as
// #sieve.predictor, for sieve-sparsify-activations{approx=true}.
//
//===----------------------------------------------------------------------===//

#include "Predictors.h"

#include "Calibration.h"

#include "sieve/Analysis/ActivationSites.h"
#include "sieve/Analysis/Predictor.h"
#include "sieve/Analysis/WeightPattern.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Target/JIT.h"
#include "sieve/Target/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <map>
#include <random>

using namespace mlir;
using namespace mlir::sieve;

namespace {

/// An FFN a predictor can drive: the ReLU, the projection before it (the up
/// projection of a plain FFN, the gate's of a gated one), and what the cost
/// model needs.
struct PredictorSite {
  Operation *relu = nullptr;
  Projection proj;
  bool gated = false;
  /// Weight elements one neuron's sparse path reads, and the dense FFN's.
  int64_t perNeuron = 0, dense = 0;
};

/// The elements of a static 2-D shape, or -1.
int64_t elements(Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  return t.hasStaticShape() ? t.getNumElements() : -1;
}

/// Every FFN of `module` a predictor can drive, in walk order; with
/// `refused`, a reason for each FFN that calibration cannot take.
std::vector<PredictorSite>
findSites(ModuleOp module, std::vector<std::string> *refused = nullptr) {
  std::vector<PredictorSite> sites;
  module.walk([&](linalg::MatmulOp down) {
    PredictorSite site;
    Value wd = down.getInputs()[1];
    if (std::optional<GatedFFN> gated = matchGatedFFN(down)) {
      std::string why;
      FailureOr<Projection> proj = matchGateProjection(*gated, why);
      if (failed(proj)) {
        if (refused)
          refused->push_back(describeNode(down, "matmul") +
                             " in a gated FFN: no predictor (" + why + ")");
        return;
      }
      site.relu = gated->gate.getDefiningOp();
      site.proj = *proj;
      site.gated = true;
      int64_t g = elements(proj->weight), u = elements(gated->up.weight),
              d = elements(wd);
      auto wt = cast<RankedTensorType>(proj->weight.getType());
      int64_t n = wt.getDimSize(1);
      if (g < 0 || u < 0 || d < 0 || n <= 0)
        return;
      site.dense = g + u + d;
      site.perNeuron = site.dense / n;
    } else if (std::optional<ReluFFN> plain = matchReluFFN(down)) {
      site.relu = plain->relu.getDefiningOp();
      site.proj = plain->up;
      int64_t w1 = elements(plain->up.weight), w2 = elements(wd);
      auto wt = cast<RankedTensorType>(plain->up.weight.getType());
      int64_t n = wt.getDimSize(1);
      if (w1 < 0 || w2 < 0 || n <= 0)
        return;
      site.dense = w1 + w2;
      site.perNeuron = site.dense / n;
    } else {
      return;
    }
    auto xt = cast<RankedTensorType>(site.proj.input.getType());
    if (!xt.getElementType().isF32() || xt.isDynamicDim(1)) {
      if (refused)
        refused->push_back(describeNode(down, "matmul") +
                           ": no predictor (the projection's input is not f32 "
                           "with a static feature dimension)");
      return;
    }
    sites.push_back(site);
  });
  return sites;
}

/// A trained predictor from --predictors: the initializers N.fc1.weight
/// [r, D], N.fc2.weight [F, r] and N.fc2.bias [F] (null: none) of one FFN.
struct TrainedPredictor {
  const HostTensor *fc1 = nullptr, *fc2 = nullptr, *bias = nullptr;
};

/// The trained predictors of `initializers` (read from `path`), by site
/// index, each checked against its FFN's shapes. Returns false with
/// `error` set on an initializer that names no site or has the wrong
/// shape or type.
bool matchTrainedPredictors(
    llvm::StringRef path,
    const std::vector<std::pair<std::string, HostTensor>> &initializers,
    llvm::ArrayRef<PredictorSite> sites,
    std::map<size_t, TrainedPredictor> &trained, std::string &error) {
  llvm::StringMap<size_t> siteByName;
  std::string names;
  for (auto [i, site] : llvm::enumerate(sites)) {
    std::string name = onnxNodeName(site.relu->getLoc());
    if (name.empty())
      continue;
    siteByName[name] = i;
    names += (names.empty() ? "'" : ", '") + name + "'";
  }
  auto fail = [&](const llvm::Twine &why) {
    error = "'" + path.str() + "': " + why.str();
    return false;
  };
  for (const auto &[name, tensor] : initializers) {
    llvm::StringRef ref(name);
    llvm::StringRef node;
    auto take = [&](llvm::StringRef suffix) {
      if (!ref.ends_with(suffix))
        return false;
      node = ref.drop_back(suffix.size());
      return true;
    };
    bool fc1 = take(".fc1.weight"), fc2 = !fc1 && take(".fc2.weight"),
         bias = !fc1 && !fc2 && take(".fc2.bias");
    if (!fc1 && !fc2 && !bias) {
      if (ref.ends_with(".fc1.bias"))
        return fail("'" + name +
                    "': a bias between the predictor's two layers is not "
                    "supported (Sieve's predictors are linear: a neuron is "
                    "predicted active when x fc1^T fc2^T + fc2.bias > 0)");
      return fail("initializer '" + name +
                  "' is not N.fc1.weight, N.fc2.weight or N.fc2.bias for "
                  "the ReLU node N of an FFN");
    }
    auto it = siteByName.find(node);
    if (it == siteByName.end())
      return fail("'" + name + "': '" + node +
                  "' is no ReLU node of an FFN a predictor can drive" +
                  (names.empty() ? std::string(" (the model has none)")
                                 : " (those are " + names + ")"));
    if (tensor.kind != ElementKind::Float)
      return fail("'" + name + "' is not float32");
    TrainedPredictor &entry = trained[it->second];
    (fc1 ? entry.fc1 : fc2 ? entry.fc2 : entry.bias) = &tensor;
  }
  for (auto &[index, entry] : trained) {
    std::string node = onnxNodeName(sites[index].relu->getLoc());
    if (!entry.fc1 || !entry.fc2)
      return fail("'" + node + "' needs both " + node + ".fc1.weight and " +
                  node + ".fc2.weight");
    auto wt = cast<RankedTensorType>(sites[index].proj.weight.getType());
    int64_t d = wt.getDimSize(0), n = wt.getDimSize(1);
    int64_t r = entry.fc1->shape.size() == 2 ? entry.fc1->shape[0] : -1;
    if (r <= 0 || entry.fc1->shape[1] != d)
      return fail("'" + node + ".fc1.weight' has shape " +
                  describeShape(entry.fc1->shape) + ", not [r, " +
                  std::to_string(d) + "] (r > 0: the rank; " +
                  std::to_string(d) + ": the FFN's input features)");
    if (entry.fc2->shape != std::vector<int64_t>{n, r})
      return fail("'" + node + ".fc2.weight' has shape " +
                  describeShape(entry.fc2->shape) + ", not [" +
                  std::to_string(n) + ", " + std::to_string(r) +
                  "] (the FFN's neurons, the rank)");
    if (entry.bias && entry.bias->shape != std::vector<int64_t>{n})
      return fail("'" + node + ".fc2.bias' has shape " +
                  describeShape(entry.bias->shape) + ", not [" +
                  std::to_string(n) + "]");
  }
  return true;
}

/// A trained predictor as a fit: u = fc1^T, v = fc2^T, thresholds -bias.
PredictorFit trainedFit(const TrainedPredictor &t) {
  PredictorFit fit;
  int64_t r = t.fc1->shape[0], d = t.fc1->shape[1], n = t.fc2->shape[0];
  fit.rank = r;
  fit.u.resize(d * r);
  fit.v.resize(r * n);
  fit.thresholds.assign(n, 0.0f);
  for (int64_t c = 0; c < r; ++c)
    for (int64_t k = 0; k < d; ++k)
      fit.u[k * r + c] = static_cast<float>(t.fc1->at(c * d + k));
  for (int64_t j = 0; j < n; ++j)
    for (int64_t c = 0; c < r; ++c)
      fit.v[c * n + j] = static_cast<float>(t.fc2->at(j * r + c));
  if (t.bias)
    for (int64_t j = 0; j < n; ++j)
      fit.thresholds[j] = -static_cast<float>(t.bias->at(j));
  return fit;
}

/// Calibration rows of one site's projection input: a uniform sample of at
/// most `cap` of them (reservoir sampling with a fixed seed), kept in input
/// order so that the last ones, held out to measure the predictor, come
/// from the last calibration inputs.
struct RowSample {
  int64_t width = 0, cap = 0, seen = 0;
  std::vector<std::pair<int64_t, std::vector<float>>> rows;
  std::mt19937_64 rng{1};

  void add(const HostTensor &t) {
    int64_t count = t.numElements() / std::max<int64_t>(width, 1);
    const float *data = reinterpret_cast<const float *>(t.data.data());
    for (int64_t r = 0; r < count; ++r, ++seen) {
      std::vector<float> row(data + r * width, data + (r + 1) * width);
      if (static_cast<int64_t>(rows.size()) < cap) {
        rows.emplace_back(seen, std::move(row));
        continue;
      }
      uint64_t slot = rng() % static_cast<uint64_t>(seen + 1);
      if (slot < static_cast<uint64_t>(cap))
        rows[slot] = {seen, std::move(row)};
    }
  }

  /// The sampled rows in input order, row-major.
  std::vector<float> ordered() {
    llvm::sort(rows,
               [](const auto &a, const auto &b) { return a.first < b.first; });
    std::vector<float> out;
    out.reserve(rows.size() * width);
    for (const auto &row : rows)
      out.insert(out.end(), row.second.begin(), row.second.end());
    return out;
  }
};

/// A float DenseElementsAttr of `shape` with `values`.
ElementsAttr floatsAttr(MLIRContext *ctx, ArrayRef<int64_t> shape,
                        ArrayRef<float> values) {
  auto type = RankedTensorType::get(shape, Float32Type::get(ctx));
  return DenseElementsAttr::get(type, values);
}

/// How far one approximate output is from the dense one.
struct OutputError {
  double squaredDiff = 0, squaredDense = 0, maxAbs = 0;
  int64_t rows = 0, agreeing = 0;

  void add(const HostTensor &approx, const HostTensor &dense) {
    int64_t count = std::min(approx.numElements(), dense.numElements());
    for (int64_t i = 0; i < count; ++i) {
      double a = approx.at(i), d = dense.at(i);
      squaredDiff += (a - d) * (a - d);
      squaredDense += d * d;
      maxAbs = std::max(maxAbs, std::abs(a - d));
    }
    // Top-1 agreement along the last axis of a rank-2 or rank-3 output
    // with several entries there (the logits of a classifier or an LM).
    int64_t last = dense.shape.empty() ? 1 : dense.shape.back();
    if (last < 2 || dense.shape.size() < 2 || dense.shape.size() > 3 ||
        approx.numElements() != dense.numElements())
      return;
    for (int64_t r = 0; r < count / last; ++r) {
      int64_t bestA = 0, bestD = 0;
      for (int64_t j = 1; j < last; ++j) {
        if (approx.at(r * last + j) > approx.at(r * last + bestA))
          bestA = j;
        if (dense.at(r * last + j) > dense.at(r * last + bestD))
          bestD = j;
      }
      ++rows;
      agreeing += bestA == bestD;
    }
  }
};

/// Compiles a copy of `module` (with its predictors) as `options` say, for
/// this machine, runs it on the held-out `sets`, and reports in a note per
/// float output how far it is from the dense outputs `dense`.
void reportOutputError(
    ModuleOp module, const ModelSignature &signature,
    const CompileOptions &options, llvm::ArrayRef<std::vector<HostTensor>> sets,
    const std::vector<std::vector<HostTensor>> &dense,
    llvm::function_ref<void(MessageKind, const llvm::Twine &)> message) {
  message(MessageKind::Progress,
          "measuring the approximate model on the held-out calibration "
          "inputs");
  OwningOpRef<ModuleOp> copy(module.clone());
  PassManager pm(module.getContext());
  CPUPipelineOptions pipeline = options.pipeline;
  pipeline.target = describeHost().codegenTarget();
  pipeline.report = false;
  // The error of the approximation itself: the sparse path at every
  // density. With the cost model's limit, the many rows of a calibration
  // set (whose predicted union is large) would take the dense path and
  // report no error at all, which a one-token decode step does not see.
  pipeline.activationDensityLimit = 1.0;
  buildCPUPipeline(pm, pipeline);
  std::string error;
  std::unique_ptr<JitModel> model;
  if (succeeded(pm.run(*copy)))
    model = JitModel::compile(*copy, signature, error);
  if (!model) {
    message(MessageKind::Warning,
            "--sparsity=approx: the output error on held-out inputs could "
            "not be measured" +
                (error.empty() ? std::string() : ": " + error));
    return;
  }
  std::vector<OutputError> errors(signature.outputs.size());
  for (auto [set, want] : llvm::zip(sets, dense)) {
    std::vector<HostTensor> got;
    if (!model->run(set, got, error)) {
      message(MessageKind::Warning,
              "--sparsity=approx: running the approximate model on held-out "
              "inputs failed: " +
                  error);
      return;
    }
    for (auto [i, e] : llvm::enumerate(errors))
      if (i < got.size() && i < want.size() &&
          got[i].kind == ElementKind::Float)
        e.add(got[i], want[i]);
  }
  // The first float output in full (the logits of an LM or a classifier),
  // the others summed up by their largest error.
  int64_t others = 0;
  double othersL2 = 0, othersMax = 0;
  bool first = true;
  for (auto [i, e] : llvm::enumerate(errors)) {
    if (signature.outputs[i].kind != ElementKind::Float)
      continue;
    double l2 =
        e.squaredDense > 0 ? std::sqrt(e.squaredDiff / e.squaredDense) : 0.0;
    if (!first) {
      ++others;
      othersL2 = std::max(othersL2, l2);
      othersMax = std::max(othersMax, e.maxAbs);
      continue;
    }
    first = false;
    std::string text = llvm::formatv(
        "approximate against dense on {0} held-out calibration input set{1}: "
        "output '{2}': relative L2 error {3:e2}, max abs error {4:e2}",
        sets.size(), sets.size() == 1 ? "" : "s", signature.outputs[i].name, l2,
        e.maxAbs);
    if (e.rows)
      text += llvm::formatv(", top-1 agreement {0:P1} of {1} rows",
                            double(e.agreeing) / e.rows, e.rows)
                  .str();
    text += " (the predicted neurons only, at every density)";
    message(MessageKind::Note, text);
  }
  if (others)
    message(MessageKind::Note,
            llvm::formatv("approximate against dense: the {0} other float "
                          "output{1}: largest relative L2 error {2:e2}, max "
                          "abs error {3:e2}",
                          others, others == 1 ? "" : "s", othersL2, othersMax));
}

} // namespace

bool mlir::sieve::fitPredictors(ModuleOp module,
                                const ModelSignature &signature,
                                const CompileOptions &options,
                                const MessageHandler &onMessage) {
  auto message = [&](MessageKind kind, const llvm::Twine &text) {
    if (onMessage)
      onMessage(kind, text.str());
  };
  if (options.calibration.empty()) {
    message(MessageKind::Error,
            "--sparsity=approx fits its predictors on calibration inputs: "
            "give --calibrate DIR (the ONNX test-data layout or .npy files "
            "named after the inputs) or --calibrate-random N");
    return false;
  }
  // The FFNs are matched as the pipeline's rewrites will see them: after
  // its first cleanup (which folds the importer's shape arithmetic away).
  PassManager cleanup(module.getContext());
  cleanup.addPass(createCanonicalizerPass());
  cleanup.addPass(createCSEPass());
  if (failed(cleanup.run(module)))
    return false;
  std::vector<std::string> refused;
  std::vector<PredictorSite> sites = findSites(module, &refused);
  for (const std::string &why : refused)
    message(MessageKind::Remark, why);
  if (sites.empty()) {
    message(MessageKind::Remark,
            "--sparsity=approx: no ReLU FFN with constant f32 weights to "
            "predict (the exact rewrites still apply)");
    return true;
  }
  std::string error;
  // Trained predictors (--predictors), checked before any calibration run.
  std::vector<std::pair<std::string, HostTensor>> initializers;
  std::map<size_t, TrainedPredictor> trained;
  if (!options.predictorsFile.empty() &&
      (!readModelInitializers(options.predictorsFile, initializers, error,
                              options.maxTensorBytes) ||
       !matchTrainedPredictors(options.predictorsFile, initializers, sites,
                               trained, error))) {
    message(MessageKind::Error, "--predictors: " + error);
    return false;
  }
  std::vector<std::vector<HostTensor>> sets;
  if (!calibrationInputSets(options.calibration, signature, sets, error)) {
    message(MessageKind::Error, error);
    return false;
  }
  if (sets.empty()) {
    message(MessageKind::Error, "--calibrate: no calibration inputs in '" +
                                    options.calibration.dir + "'");
    return false;
  }
  // The last quarter of the input sets (with two or more) is held out: the
  // predictors never see it, and the approximate model's outputs are
  // compared with the dense model's on it.
  size_t evalSets = sets.size() >= 2 ? std::max<size_t>(1, sets.size() / 4) : 0;
  size_t fitSets = sets.size() - evalSets;
  std::vector<std::vector<HostTensor>> denseOutputs;

  // The projections' inputs, from a dense build of a copy of the module
  // (the same walk finds the same sites in the same order).
  OwningOpRef<ModuleOp> copy(module.clone());
  std::vector<PredictorSite> copySites = findSites(*copy);
  if (copySites.size() != sites.size()) {
    message(MessageKind::Error, "internal error: the module's copy differs");
    return false;
  }
  SmallVector<Value> values;
  std::vector<std::string> names;
  std::vector<RowSample> samples(sites.size());
  for (auto [i, site] : llvm::enumerate(copySites)) {
    values.push_back(site.proj.input);
    names.push_back("predictor_input_" + std::to_string(i));
    auto xt = cast<RankedTensorType>(site.proj.input.getType());
    samples[i].width = xt.getDimSize(1);
    // At most 2048 rows, and 256 MiB of rows over all sites.
    samples[i].cap = std::clamp<int64_t>(
        (int64_t(64) << 20) /
            std::max<int64_t>(1, samples[i].width * int64_t(sites.size())),
        16, 2048);
  }
  message(MessageKind::Progress,
          llvm::formatv("fitting predictors: running {0} calibration "
                        "input sets",
                        sets.size()));
  bool ran = runWithExtraOutputs(
      *copy, values, names, signature, sets,
      [&](size_t set, ArrayRef<HostTensor> outputs,
          ArrayRef<HostTensor> inputs) {
        if (set >= fitSets) {
          denseOutputs.emplace_back(outputs.begin(), outputs.end());
          return;
        }
        for (auto [sample, t] : llvm::zip(samples, inputs))
          sample.add(t);
      },
      error);
  if (!ran) {
    message(MessageKind::Error, "--sparsity=approx: " + error);
    return false;
  }

  MLIRContext *ctx = module.getContext();
  for (auto [i, site] : llvm::enumerate(sites)) {
    std::string node = describeNode(site.relu, "ReLU");
    message(MessageKind::Progress,
            llvm::formatv("fitting the predictor of {0} ({1}/{2})", node, i + 1,
                          sites.size()));
    auto wt = cast<RankedTensorType>(site.proj.weight.getType());
    int64_t d = wt.getDimSize(0), n = wt.getDimSize(1);
    // The weight as K x N floats (from the transposed constant if that is
    // what the model holds).
    std::optional<SmallVector<float>> w;
    if (site.proj.weightTransposed) {
      std::optional<SmallVector<float>> t =
          constantFloats(site.proj.weightTransposed);
      if (t) {
        w.emplace(d * n);
        for (int64_t j = 0; j < n; ++j)
          for (int64_t k = 0; k < d; ++k)
            (*w)[k * n + j] = (*t)[j * d + k];
      }
    } else {
      w = constantFloats(site.proj.weight);
    }
    std::optional<SmallVector<float>> bias;
    if (site.proj.bias)
      bias = constantFloats(site.proj.bias);
    if (!w || (site.proj.bias && !bias)) {
      message(MessageKind::Remark,
              node + ": no predictor (the weight or the bias is not a "
                     "readable constant)");
      continue;
    }
    std::vector<float> x = samples[i].ordered();
    int64_t rows = static_cast<int64_t>(x.size()) / d;
    PredictorOptions fitOptions;
    fitOptions.targetRecall = options.predictorRecall;
    fitOptions.rank = options.predictorRank;
    fitOptions.perNeuronElements = site.perNeuron;
    fitOptions.denseElements = site.dense;
    std::optional<PredictorFit> fit;
    auto found = trained.find(i);
    if (found != trained.end()) {
      // A trained predictor: measured on every calibration row (it was
      // fitted on none of them).
      fit = trainedFit(found->second);
      if (!measurePredictor(w->data(), d, n, bias ? bias->data() : nullptr,
                            x.data(), rows, fitOptions, *fit, error))
        fit.reset();
    } else {
      fit = fitPredictor(w->data(), d, n, bias ? bias->data() : nullptr,
                         x.data(), rows, fitOptions, error);
    }
    if (!fit) {
      message(MessageKind::Remark, node + ": no predictor (" + error + ")");
      continue;
    }
    Builder b(ctx);
    site.relu->setAttr(
        "sieve.predictor",
        PredictorAttr::get(ctx, floatsAttr(ctx, {d, fit->rank}, fit->u),
                           floatsAttr(ctx, {fit->rank, n}, fit->v),
                           floatsAttr(ctx, {n}, fit->thresholds),
                           b.getF64FloatAttr(fit->recall),
                           b.getF64FloatAttr(fit->density)));
    if (found != trained.end()) {
      message(MessageKind::Note,
              llvm::formatv(
                  "{0}: trained predictor of rank {1} from '{2}', measured "
                  "on {3} calibration rows: recall {4:P1} (of the "
                  "activation mass {5:P1}), predicted density {6:P1} "
                  "(truly active {7:P1}); estimated weight reads {8:P0} of "
                  "the dense {9}FFN",
                  node, fit->rank, options.predictorsFile, fit->heldOutRows,
                  fit->recall, fit->magnitudeRecall, fit->density,
                  fit->trueDensity, fit->relativeCost,
                  site.gated ? "gated " : ""));
      continue;
    }
    message(MessageKind::Note,
            llvm::formatv(
                "{0}: predictor of rank {1} fitted on {2} calibration "
                "rows, measured on {3} held-out rows: recall {4:P1} "
                "(of the activation mass {5:P1}), predicted density "
                "{6:P1} (truly active {7:P1}); estimated weight reads "
                "{8:P0} of the dense {9}FFN",
                node, fit->rank, fit->fitRows, fit->heldOutRows, fit->recall,
                fit->magnitudeRecall, fit->density, fit->trueDensity,
                fit->relativeCost, site.gated ? "gated " : ""));
  }
  if (evalSets)
    reportOutputError(module, signature, options,
                      llvm::ArrayRef(sets).take_back(evalSets), denseOutputs,
                      message);
  return true;
}
