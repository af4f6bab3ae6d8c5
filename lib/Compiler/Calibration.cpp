//===- Calibration.cpp - Running a model on calibration inputs --*- C++ -*-===//

#include "Calibration.h"

#include "sieve/Support/TestData.h"
#include "sieve/Target/JIT.h"
#include "sieve/Target/TargetDescription.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"

#include <algorithm>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::sieve;

namespace {

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

} // namespace

bool mlir::sieve::calibrationInputSets(
    const CalibrationOptions &calibration, const ModelSignature &signature,
    std::vector<std::vector<HostTensor>> &sets, std::string &error) {
  error = verifyCalibration(calibration);
  if (!error.empty())
    return false;
  if (!calibration.dir.empty() &&
      !readCalibrationSets(calibration.dir, signature, sets, error))
    return false;
  std::mt19937 rng(1);
  for (unsigned i = 0; i < calibration.randomRuns; ++i) {
    std::vector<HostTensor> set;
    for (const TensorSignature &in : signature.inputs)
      set.push_back(randomCalibrationInput(in, rng));
    sets.push_back(std::move(set));
  }
  return true;
}

bool mlir::sieve::runWithExtraOutputs(
    ModuleOp module, ArrayRef<Value> values, ArrayRef<std::string> names,
    const ModelSignature &signature,
    const std::vector<std::vector<HostTensor>> &sets,
    llvm::function_ref<void(size_t, ArrayRef<HostTensor>, ArrayRef<HostTensor>)>
        onRun,
    std::string &error) {
  MLIRContext *context = module.getContext();
  auto func = *module.getOps<func::FuncOp>().begin();
  auto ret = cast<func::ReturnOp>(func.getBody().front().getTerminator());
  SmallVector<Value> results(ret.getOperands());
  ModelSignature instrumented = signature;
  for (auto [value, name] : llvm::zip(values, names)) {
    results.push_back(value);
    TensorSignature t{name, ElementKind::Float, {}};
    for (int64_t d : cast<ShapedType>(value.getType()).getShape())
      t.shape.push_back(ShapedType::isDynamic(d) ? -1 : d);
    instrumented.outputs.push_back(t);
  }
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  func.setType(FunctionType::get(context, func.getArgumentTypes(),
                                 ValueRange(results).getTypes()));
  // Strip the annotations: the compiled model is the dense one.
  module->walk([](Operation *op) {
    op->removeAttr("sieve.weight_pattern");
    op->removeAttr("sieve.activation_site");
    op->removeAttr("sieve.predictor");
  });
  PassManager pm(context);
  CPUPipelineOptions dense;
  dense.target = describeHost().codegenTarget();
  buildCPUPipeline(pm, dense);
  if (failed(pm.run(module))) {
    error = "compiling the instrumented model failed";
    return false;
  }
  std::unique_ptr<JitModel> model =
      JitModel::compile(module, instrumented, error);
  if (!model)
    return false;
  size_t first = signature.outputs.size();
  for (auto [n, set] : llvm::enumerate(sets)) {
    std::vector<HostTensor> outputs;
    if (!model->run(set, outputs, error)) {
      error = "calibration run " + std::to_string(n) + ": " + error;
      return false;
    }
    ArrayRef<HostTensor> all(outputs);
    onRun(n, all.take_front(first), all.drop_front(first));
  }
  return true;
}
