//===- Compiler.cpp - Compile and run ONNX models from C --------*- C++ -*-===//

#include "sieve-c/Compiler.h"

#include "sieve/Compiler/Compiler.h"
#include "sieve/Compiler/Report.h"
#include "sieve/Support/HostTensor.h"
#include "sieve/Target/JIT.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>

using namespace mlir::sieve;

struct SieveModel {
  std::unique_ptr<JitModel> model;
  /// Shapes of the signature, as the C API hands them out.
  std::vector<std::vector<int64_t>> inputShapes, outputShapes;
};

namespace {

char *copyString(const std::string &text) {
  char *out = static_cast<char *>(std::malloc(text.size() + 1));
  if (out)
    std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

void setError(char **error, const std::string &text) {
  if (error)
    *error = copyString(text.empty() ? "unknown error" : text);
}

/// Collects the error, warning and note messages of a compilation.
struct ErrorCollector {
  std::string text;
  MessageHandler handler() {
    return [this](MessageKind kind, llvm::StringRef message) {
      if (kind != MessageKind::Error && kind != MessageKind::Note)
        return;
      if (!text.empty())
        text += "\n";
      text +=
          (kind == MessageKind::Error ? "error: " : "note: ") + message.str();
    };
  }
};

bool toOptions(const SieveCompileOptions *in, CompileOptions &out,
               std::string &error) {
  SieveCompileOptions defaults;
  sieveCompileOptionsInit(&defaults);
  if (!in)
    in = &defaults;
  if (in->target)
    out.target.arch = in->target;
  if (in->cpu)
    out.target.cpu = in->cpu;
  if (in->features)
    out.target.features = in->features;
  out.target.sveVectorBits = in->sveVectorBits;
  if (in->entryName)
    out.entryName = in->entryName;
  std::optional<SparsityMode> mode =
      parseSparsityMode(in->sparsity ? in->sparsity : "off");
  if (!mode) {
    error = std::string("sparsity '") + in->sparsity +
            "' is not supported (use off, exact, auto or approx)";
    return false;
  }
  out.pipeline.sparsity = *mode;
  if (in->profile)
    out.pipeline.profile = in->profile;
  if (in->activationDensityLimit >= 0)
    out.pipeline.activationDensityLimit = in->activationDensityLimit;
  if (in->weightDensityLimit >= 0)
    out.pipeline.weightDensityLimit = in->weightDensityLimit;
  out.pipeline.vectorize = in->vectorize != 0;
  if (in->maxTensorBytes < 0) {
    error = "maxTensorBytes must not be negative";
    return false;
  }
  out.maxTensorBytes = in->maxTensorBytes;
  if (in->threads < 0) {
    error = "threads must not be negative (0: every core)";
    return false;
  }
  out.pipeline.threads = in->threads;
  if (in->calibrateDir)
    out.calibration.dir = in->calibrateDir;
  out.calibration.randomRuns = in->calibrateRandom;
  out.predictorRecall = in->predictorRecall;
  out.predictorRank = in->predictorRank;
  if (in->predictors)
    out.predictorsFile = in->predictors;
  if (in->gpuArch)
    out.gpuArch = in->gpuArch;
  out.emulateGPU = in->emulateGPU != 0;
  if (out.emulateGPU && !targetsGPU(out.target)) {
    error = "emulateGPU is used by target nvptx";
    return false;
  }
  error = verifyCompileOptions(out);
  return error.empty();
}

SieveTensor typeOf(const TensorSignature &sig,
                   const std::vector<int64_t> &shape) {
  return {static_cast<int32_t>(sig.kind), static_cast<int64_t>(shape.size()),
          shape.data(), nullptr};
}

} // namespace

void sieveCompileOptionsInit(SieveCompileOptions *options) {
  if (!options)
    return;
  *options = SieveCompileOptions{};
  options->activationDensityLimit = -1;
  options->weightDensityLimit = -1;
  options->vectorize = 1;
  options->predictorRecall = 0.99;
  options->sveVectorBits = -1;
}

void sieveFreeString(char *string) { std::free(string); }

int sieveCompileModel(const char *modelPath, const char *outputPath,
                      const SieveCompileOptions *options, char **error) {
  if (error)
    *error = nullptr;
  if (!modelPath || !outputPath) {
    setError(error, "sieveCompileModel: the model and output paths are "
                    "required");
    return 1;
  }
  try {
    CompileOptions compileOptions;
    std::string message;
    if (!toOptions(options, compileOptions, message)) {
      setError(error, message);
      return 1;
    }
    if (compileOptions.emulateGPU) {
      setError(error, "emulateGPU is for sieveModelLoad (a compiled file "
                      "holds the GPU's kernels)");
      return 1;
    }
    ErrorCollector errors;
    if (compileModel(modelPath, outputPath, compileOptions, errors.handler()))
      return 0;
    setError(error, errors.text);
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  }
  return 1;
}

SieveModel *sieveModelLoad(const char *modelPath,
                           const SieveCompileOptions *options, char **error) {
  if (error)
    *error = nullptr;
  if (!modelPath) {
    setError(error, "sieveModelLoad: the model path is required");
    return nullptr;
  }
  try {
    CompileOptions compileOptions;
    std::string message;
    if (!toOptions(options, compileOptions, message)) {
      setError(error, message);
      return nullptr;
    }
    ErrorCollector errors;
    std::unique_ptr<JitModel> jit =
        loadModel(modelPath, compileOptions, errors.handler());
    if (!jit) {
      setError(error, errors.text);
      return nullptr;
    }
    auto *model = new SieveModel();
    for (const TensorSignature &t : jit->signature().inputs)
      model->inputShapes.push_back(t.shape);
    for (const TensorSignature &t : jit->signature().outputs)
      model->outputShapes.push_back(t.shape);
    model->model = std::move(jit);
    return model;
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  }
  return nullptr;
}

void sieveModelDestroy(SieveModel *model) { delete model; }

size_t sieveModelNumInputs(const SieveModel *model) {
  return model ? model->inputShapes.size() : 0;
}

size_t sieveModelNumOutputs(const SieveModel *model) {
  return model ? model->outputShapes.size() : 0;
}

const char *sieveModelInputName(const SieveModel *model, size_t i) {
  if (!model || i >= model->inputShapes.size())
    return nullptr;
  return model->model->signature().inputs[i].name.c_str();
}

const char *sieveModelOutputName(const SieveModel *model, size_t i) {
  if (!model || i >= model->outputShapes.size())
    return nullptr;
  return model->model->signature().outputs[i].name.c_str();
}

SieveTensor sieveModelInputType(const SieveModel *model, size_t i) {
  if (!model || i >= model->inputShapes.size())
    return {0, 0, nullptr, nullptr};
  return typeOf(model->model->signature().inputs[i], model->inputShapes[i]);
}

SieveTensor sieveModelOutputType(const SieveModel *model, size_t i) {
  if (!model || i >= model->outputShapes.size())
    return {0, 0, nullptr, nullptr};
  return typeOf(model->model->signature().outputs[i], model->outputShapes[i]);
}

int sieveModelRun(SieveModel *model, const SieveTensor *inputs,
                  size_t numInputs, SieveTensor *outputs, size_t numOutputs,
                  char **error) {
  if (error)
    *error = nullptr;
  if (!model) {
    setError(error, "sieveModelRun: no model");
    return 1;
  }
  const ModelSignature &sig = model->model->signature();
  if (numOutputs != sig.outputs.size() || (numOutputs && !outputs)) {
    setError(error, "the model has " + std::to_string(sig.outputs.size()) +
                        " outputs, the caller provides " +
                        std::to_string(numOutputs));
    return 1;
  }
  if (numInputs && !inputs) {
    setError(error, "sieveModelRun: no inputs");
    return 1;
  }
  try {
    std::vector<HostTensor> hostInputs(numInputs);
    for (size_t i = 0; i < numInputs; ++i) {
      const SieveTensor &in = inputs[i];
      HostTensor &t = hostInputs[i];
      t.name = i < sig.inputs.size() ? sig.inputs[i].name : "";
      t.kind = static_cast<ElementKind>(in.elementType);
      if (in.rank < 0 || (in.rank && !in.shape)) {
        setError(error, "input " + std::to_string(i) + ": bad rank or shape");
        return 1;
      }
      t.shape.assign(in.shape, in.shape + in.rank);
      int64_t bytes = elementByteWidth(t.kind);
      for (int64_t d : t.shape) {
        if (d < 0 || (d && bytes > (int64_t(1) << 46) / d)) {
          setError(error, "input '" + t.name + "': bad dimension " +
                              std::to_string(d));
          return 1;
        }
        bytes *= d;
      }
      if (bytes && !in.data) {
        setError(error, "input '" + t.name + "': no data");
        return 1;
      }
      t.data.assign(static_cast<const char *>(in.data),
                    static_cast<const char *>(in.data) + bytes);
    }
    std::vector<HostTensor> results;
    std::string message;
    if (!model->model->run(hostInputs, results, message)) {
      setError(error, message);
      return 1;
    }
    for (size_t i = 0; i < numOutputs; ++i) {
      HostTensor &r = results[i];
      auto *shape = static_cast<int64_t *>(
          std::malloc(std::max<size_t>(1, r.shape.size()) * sizeof(int64_t)));
      void *data = std::malloc(std::max<size_t>(1, r.data.size()));
      if (!shape || !data) {
        std::free(shape);
        std::free(data);
        for (size_t j = 0; j < i; ++j)
          sieveTensorFree(&outputs[j]);
        setError(error, "out of memory");
        return 1;
      }
      std::memcpy(shape, r.shape.data(), r.shape.size() * sizeof(int64_t));
      std::memcpy(data, r.data.data(), r.data.size());
      outputs[i] = {static_cast<int32_t>(r.kind),
                    static_cast<int64_t>(r.shape.size()), shape, data};
    }
    return 0;
  } catch (const std::bad_alloc &) {
    setError(error, "out of memory");
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  }
  return 1;
}

char *sieveAnalyzeModel(const char *modelPath, unsigned randomRuns,
                        const char *calibrateDir, char **error) {
  if (error)
    *error = nullptr;
  if (!modelPath) {
    setError(error, "sieveAnalyzeModel: the model path is required");
    return nullptr;
  }
  try {
    AnalyzeOptions options;
    options.calibration.randomRuns = randomRuns;
    if (calibrateDir)
      options.calibration.dir = calibrateDir;
    ErrorCollector errors;
    std::optional<SparsityReport> report =
        analyzeModel(modelPath, options, errors.handler());
    if (!report) {
      setError(error, errors.text);
      return nullptr;
    }
    return copyString(llvm::formatv("{0:2}", report->toJSON()).str());
  } catch (const std::exception &e) {
    setError(error, std::string("internal error: ") + e.what());
  }
  return nullptr;
}

void sieveTensorFree(SieveTensor *tensor) {
  if (!tensor)
    return;
  std::free(const_cast<int64_t *>(tensor->shape));
  std::free(tensor->data);
  *tensor = {0, 0, nullptr, nullptr};
}
