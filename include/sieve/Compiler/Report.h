//===- Report.h - The sparsity report ---------------------------*- C++ -*-===//
//
// What sieve-analyze, the C API and Python's sieve.analyze report about a
// model: per constant contraction weight its pattern, density and what
// --sparsity=exact does with it; per activation site (a ReLU-like output
// feeding a contraction) its measured density and each neuron's activation
// frequency, from calibration runs of the model instrumented to return
// every site. Calibration compiles and runs the model, so the report sits
// beside the compile API rather than in lib/Analysis (whose IR-level
// analyses it uses).
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_COMPILER_REPORT_H
#define SIEVE_COMPILER_REPORT_H

#include "sieve/Compiler/Compiler.h"

#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
namespace json {
class Value;
} // namespace json
} // namespace llvm

namespace mlir::sieve {

struct WeightReport {
  std::string node, op, shape, pattern;
  double density = 1;
  /// What --sparsity=exact does with the weight when compiling for this
  /// machine (its cache size decides some limits), as a phrase ("packed (10.2%
  /// packed, limit 25%)", "dense").
  std::string exact;
  /// The packing plan behind it, when the weight is a candidate.
  std::optional<double> packedDensity, packingLimit;
  bool packed = false;
};

struct ActivationSiteReport {
  std::string node, activation, shape;
  /// Neurons: the channel axis of NCHW/NCDHW activations, the last axis of
  /// others.
  int64_t neurons = 0;
  /// Set by calibration: the fraction of non-zero values, the number of
  /// rows (values per neuron) seen, and per neuron the fraction of rows in
  /// which it was non-zero.
  std::optional<double> density;
  int64_t rows = 0;
  std::vector<double> neuronFrequency;
  /// Whether the neurons are the last axis (a matmul's features: each row
  /// a token or a sample, so that a batch's rows can be unioned), not the
  /// channels of an image (each row a pixel).
  bool featureRows = false;
};

struct SparsityReport {
  std::string model;
  int64_t calibrationRuns = 0;
  std::vector<WeightReport> weights;
  std::vector<ActivationSiteReport> sites;

  /// The JSON form (`sieve-analyze --json`; a profile for --sparsity=auto).
  llvm::json::Value toJSON() const;
  /// The two tables sieve-analyze prints.
  void print(llvm::raw_ostream &os) const;
};

struct AnalyzeOptions {
  /// The inputs the activation sites are measured on (none: the report
  /// has no measured densities).
  CalibrationOptions calibration;
  /// The largest tensor the importer materialises (0: the default, see
  /// CompileOptions::maxTensorBytes).
  int64_t maxTensorBytes = 0;
  /// Called after each calibration run with (done, total).
  std::function<void(size_t, size_t)> onProgress;
};

/// Analyzes the model at `modelPath`; with calibration inputs also measures
/// the activation sites. Returns nullopt after reporting the error.
std::optional<SparsityReport> analyzeModel(llvm::StringRef modelPath,
                                           const AnalyzeOptions &options,
                                           const MessageHandler &onMessage);

} // namespace mlir::sieve

#endif // SIEVE_COMPILER_REPORT_H
