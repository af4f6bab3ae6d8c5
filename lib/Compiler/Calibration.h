//===- Calibration.h - Running a model on calibration inputs ----*- C++ -*-===//
//
// Private to lib/Compiler: the calibration inputs of CalibrationOptions, and
// a dense host build of a module that also returns some of its values, run
// on them. sieve-analyze measures activation densities with it, and
// --sparsity=approx collects the inputs its predictors are fitted on.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_COMPILER_CALIBRATION_H
#define SIEVE_LIB_COMPILER_CALIBRATION_H

#include "sieve/Compiler/Compiler.h"
#include "sieve/Support/HostTensor.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>
#include <vector>

namespace mlir {
class Value;
} // namespace mlir

namespace mlir::sieve {

/// The input sets `calibration` names for a model with `signature`: read
/// from its directory (the ONNX test-data layout, or .npy files named after
/// the inputs) and/or drawn at random (floats standard normal, integer
/// inputs such as token ids small non-negative values, dynamic dimensions
/// 1). Returns false with `error` set.
bool calibrationInputSets(const CalibrationOptions &calibration,
                          const ModelSignature &signature,
                          std::vector<std::vector<HostTensor>> &sets,
                          std::string &error);

/// Compiles `module` (modified: `values`, of its entry function, become
/// extra results named `names`; annotations are stripped) densely for this
/// machine, runs it on every set, and calls `onRun(index, outputs, extra)`
/// with the model's outputs and the values' tensors after each run.
/// Returns false with `error` set.
bool runWithExtraOutputs(
    ModuleOp module, llvm::ArrayRef<Value> values,
    llvm::ArrayRef<std::string> names, const ModelSignature &signature,
    const std::vector<std::vector<HostTensor>> &sets,
    llvm::function_ref<void(size_t, llvm::ArrayRef<HostTensor>,
                            llvm::ArrayRef<HostTensor>)>
        onRun,
    std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_LIB_COMPILER_CALIBRATION_H
