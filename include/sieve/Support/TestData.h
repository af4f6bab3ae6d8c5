//===- TestData.h - Model inputs and expected outputs -----------*- C++ -*-===//
//
// What the tools and the APIs need to feed a compiled model and check its
// results: the ONNX backend test layout (test_data_set_*/input_*.pb,
// output_*.pb), tensor files (.npy, .pb), reproducible random inputs, and
// the element-wise comparison with expected outputs.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_SUPPORT_TESTDATA_H
#define SIEVE_SUPPORT_TESTDATA_H

#include "sieve/Support/HostTensor.h"
#include "sieve/Support/ModelSignature.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace mlir::sieve {

/// The test-data sets under `dir`: its test_data_set_* subdirectories, or
/// `dir` itself when it holds input_0.pb. Returns false with `error` set
/// when `dir` is not a directory or holds no set.
bool findTestSets(llvm::StringRef dir, std::vector<std::string> &sets,
                  std::string &error);

/// Reads `prefix`_0.pb, `prefix`_1.pb, ... from `dir`, until one is missing.
bool readNumberedTensors(llvm::StringRef dir, llvm::StringRef prefix,
                         std::vector<HostTensor> &tensors, std::string &error);

/// Reads a tensor from a .npy file or (any other extension) a serialized
/// TensorProto.
bool readTensorFile(llvm::StringRef path, HostTensor &tensor,
                    std::string &error);

/// Checks, before long work, that a file can be created at `path`: its
/// directory exists and is writable, and `path` is not a directory. Returns
/// false with `error` set ("cannot write '<path>': ...").
bool checkOutputPath(llvm::StringRef path, std::string &error);

/// Writes each tensor as <dir>/<name>.npy ('/' in names as '_'), creating
/// `dir`. Either every file is written or none is left behind.
bool writeNpyFiles(llvm::StringRef dir, const std::vector<HostTensor> &tensors,
                   std::string &error);

/// A tensor of `sig`'s type (dynamic dimensions take size 1) with
/// reproducible values: floats uniform in [-1, 1), integers in [0, 4),
/// bools 0 or 1.
HostTensor randomTensor(const TensorSignature &sig, std::mt19937 &rng);

/// The inputs of a model with signature `sig`: each spec is "name=file"
/// or, by position, "file" (.npy or .pb); inputs without a spec are
/// randomTensor()s of `rng`. Returns false with `error` set for an unknown
/// name, too many specs or an unreadable file.
bool assembleInputs(const ModelSignature &sig,
                    llvm::ArrayRef<std::string> specs, std::mt19937 &rng,
                    std::vector<HostTensor> &inputs, std::string &error);

/// ONNX 1.12's test data (Debian's libonnx-testdata) stores bfloat16
/// tensors as their uint16 bit patterns: reads such a tensor as bfloat16
/// where the model has bfloat16.
void adoptLegacyBFloat16(HostTensor &tensor, ElementKind modelKind);

/// The result of comparing an output with its expected value.
struct TensorComparison {
  bool ok = false;
  /// Whether the shapes and element kinds agree (the rest is meaningless
  /// otherwise).
  bool sameType = false;
  double maxAbsError = 0, maxRelError = 0;
  int64_t mismatches = 0, firstMismatch = -1;
  /// One line: "float32[1, 10]: max abs error 1e-07, max rel error 3e-07:
  /// OK", or what differs.
  std::string summary;
};

/// Compares `got` with `want` element-wise: floats within
/// atol + rtol * |want| (bfloat16 with at least one unit in the last
/// place), NaN only with NaN, infinities exactly, integers exactly.
TensorComparison compareTensors(const HostTensor &got, const HostTensor &want,
                                double rtol, double atol);

} // namespace mlir::sieve

#endif // SIEVE_SUPPORT_TESTDATA_H
