//===- TestRunner.cpp - Run a compiled model on test data -------*- C++ -*-===//

#include "sieve/Compiler/TestRunner.h"

#include "sieve/Support/TestData.h"
#include "sieve/Target/JIT.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir::sieve;

bool mlir::sieve::runTestSets(JitModel &model, llvm::ArrayRef<std::string> sets,
                              const TestDataOptions &options,
                              llvm::raw_ostream &os, bool &allMatch,
                              std::string &error) {
  allMatch = true;
  const ModelSignature &sig = model.signature();
  for (const std::string &set : sets) {
    llvm::StringRef setName = llvm::sys::path::filename(set);
    std::vector<HostTensor> inputs, expected, outputs, runtimeInputs;
    if (!readNumberedTensors(set, "input", inputs, error) ||
        !readNumberedTensors(set, "output", expected, error))
      return false;
    // Test inputs follow the graph inputs; those compiled as constants are
    // not passed.
    for (size_t i = 0; i < inputs.size() && i < options.graphInputs.size();
         ++i) {
      inputs[i].name = options.graphInputs[i];
      if (!llvm::is_contained(options.constantInputs, options.graphInputs[i]))
        runtimeInputs.push_back(std::move(inputs[i]));
    }
    for (size_t i = 0; i < runtimeInputs.size() && i < sig.inputs.size(); ++i)
      adoptLegacyBFloat16(runtimeInputs[i], sig.inputs[i].kind);
    if (!model.run(runtimeInputs, outputs, error)) {
      error = setName.str() + ": " + error;
      return false;
    }
    if (outputs.size() != expected.size()) {
      error = (setName + ": the model has " + llvm::Twine(outputs.size()) +
               " outputs but the test data has " + llvm::Twine(expected.size()))
                  .str();
      return false;
    }
    for (size_t i = 0; i < outputs.size(); ++i) {
      adoptLegacyBFloat16(expected[i], outputs[i].kind);
      TensorComparison c =
          compareTensors(outputs[i], expected[i], options.rtol, options.atol);
      os << setName << ": output '" << outputs[i].name << "' " << c.summary
         << "\n";
      allMatch &= c.ok;
    }
    std::string dir = options.outputDir;
    if (!dir.empty() && sets.size() > 1)
      dir += "/" + setName.str();
    if (!dir.empty() && !writeNpyFiles(dir, outputs, error))
      return false;
  }
  return true;
}

bool mlir::sieve::benchmarkModel(JitModel &model,
                                 const std::vector<HostTensor> &inputs,
                                 unsigned runs, std::vector<double> &millis,
                                 std::string &error) {
  millis.clear();
  std::vector<HostTensor> outputs;
  for (unsigned i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (!model.run(inputs, outputs, error))
      return false;
    millis.push_back(std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - start)
                         .count());
  }
  llvm::sort(millis);
  return true;
}

void mlir::sieve::printLayerProfile(const JitModel &model,
                                    llvm::raw_ostream &os) {
  if (!model.profilesLayers() || model.profiledRuns() == 0)
    return;
  double runs = model.profiledRuns();
  double total = model.profiledSeconds();
  std::vector<LayerTime> layers = model.layerProfile();
  // Layers grouped by their op types (the name up to ':').
  llvm::MapVector<llvm::StringRef, LayerTime> byType;
  double inLayers = 0;
  for (const LayerTime &layer : layers) {
    llvm::StringRef types = llvm::StringRef(layer.name).split(':').first;
    LayerTime &group = byType[types];
    group.name = types.str();
    group.seconds += layer.seconds;
    group.calls += layer.calls;
    inLayers += layer.seconds;
  }
  std::vector<LayerTime> groups;
  for (auto &entry : byType)
    groups.push_back(entry.second);
  auto slowestFirst = [](const LayerTime &a, const LayerTime &b) {
    return a.seconds > b.seconds;
  };
  llvm::stable_sort(groups, slowestFirst);
  llvm::stable_sort(layers, slowestFirst);
  auto share = [&](double seconds) {
    return total > 0 ? 100.0 * seconds / total : 0.0;
  };
  os << llvm::formatv("profile: {0} runs, {1:f3} ms each on average; {2} "
                      "layers take "
                      "{3:f3} ms ({4:f1}%), the rest {5:f3} ms (allocation, "
                      "calls between layers)\n",
                      model.profiledRuns(), 1e3 * total / runs, layers.size(),
                      1e3 * inLayers / runs, share(inLayers),
                      1e3 * (total - inLayers) / runs);
  auto print = [&](llvm::StringRef title, const std::vector<LayerTime> &rows) {
    os << title << "\n";
    os << "   share    ms/run  calls/run  name\n";
    for (const LayerTime &row : rows)
      os << llvm::formatv("  {0,5:f1}%  {1,8:f3}  {2,9}  {3}\n",
                          share(row.seconds), 1e3 * row.seconds / runs,
                          llvm::formatv("{0:f0}", row.calls / runs).str(),
                          row.name);
  };
  print("by op types:", groups);
  print("by layer:", layers);
}

bool mlir::sieve::readIntegerTestInputs(
    llvm::StringRef set, llvm::ArrayRef<std::string> graphInputs,
    std::vector<std::pair<std::string, std::string>> &out, std::string &error) {
  for (size_t i = 0; i < graphInputs.size(); ++i) {
    std::string path = (set + "/input_" + llvm::Twine(i) + ".pb").str();
    HostTensor t;
    if (!readTensorProtoFile(path, t, error))
      return false;
    if (t.kind != ElementKind::Int64 && t.kind != ElementKind::Int32)
      continue;
    auto buffer = llvm::MemoryBuffer::getFile(path);
    if (!buffer) {
      error = "cannot read '" + path + "'";
      return false;
    }
    out.push_back({graphInputs[i], (*buffer)->getBuffer().str()});
  }
  return true;
}
