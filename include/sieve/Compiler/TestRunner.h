//===- TestRunner.h - Run a compiled model on test data ---------*- C++ -*-===//
//
// Runs a model on the ONNX backend test layout and compares every output
// with the expected one (sieve-run --test-data; the conformance suite).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_COMPILER_TESTRUNNER_H
#define SIEVE_COMPILER_TESTRUNNER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <utility>
#include <vector>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir::sieve {

class JitModel;
struct HostTensor;

struct TestDataOptions {
  /// Outputs match when |got - want| <= atol + rtol * |want| (integers and
  /// bools exactly).
  double rtol = 1e-3, atol = 1e-5;
  /// The model file's graph inputs (not initializers), in order: test
  /// inputs follow them.
  std::vector<std::string> graphInputs;
  /// Graph inputs compiled as constants (not passed at run time).
  std::vector<std::string> constantInputs;
  /// When set, every set's outputs are written as <dir>/<name>.npy (in
  /// <dir>/<set>/ when there are several sets).
  std::string outputDir;
};

/// Runs `model` on each test set (directories with input_*.pb and
/// output_*.pb) and prints one line per output to `os` ("<set>: output
/// 'y' float32[1, 10]: max abs error ..., max rel error ...: OK"). Returns
/// false with `error` set when a set cannot be read or run; otherwise sets
/// `allMatch`.
bool runTestSets(JitModel &model, llvm::ArrayRef<std::string> sets,
                 const TestDataOptions &options, llvm::raw_ostream &os,
                 bool &allMatch, std::string &error);

/// Times `runs` runs of `model` on `inputs`: the sorted wall times in
/// milliseconds. Returns false with `error` set when a run fails.
bool benchmarkModel(JitModel &model, const std::vector<HostTensor> &inputs,
                    unsigned runs, std::vector<double> &millis,
                    std::string &error);

/// Prints the layer profile of `model` (compiled with profile-layers) over
/// its runs since the last reset: the share of the run time, milliseconds
/// per run and calls per run of each group of op types, then of each
/// layer, largest first, and the time outside every layer (allocation,
/// the calls between layers). Prints nothing without a profile.
void printLayerProfile(const JitModel &model, llvm::raw_ostream &os);
/// The integer (int32, int64) inputs of the test set in `set`, as
/// serialized TensorProtos by graph input name: what --constant-inputs
/// compiles as constants.
bool readIntegerTestInputs(
    llvm::StringRef set, llvm::ArrayRef<std::string> graphInputs,
    std::vector<std::pair<std::string, std::string>> &out, std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_COMPILER_TESTRUNNER_H
