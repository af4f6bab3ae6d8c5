//===- TestRunner.cpp - Run a compiled model on test data -------*- C++ -*-===//

#include "sieve/Compiler/TestRunner.h"

#include "sieve/Support/TestData.h"
#include "sieve/Target/JIT.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
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
