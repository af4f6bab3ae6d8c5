//===- Importer.h - ONNX to MLIR importer -----------------------*- C++ -*-===//
//
// Reads an ONNX model and builds a module with one func.func on tensors
// (linalg named ops, tensor, arith). Static shapes are folded at import; a
// dynamic (symbolic) dimension stays dynamic. Errors are reported through the
// context's diagnostic engine and name the ONNX node and op.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_IMPORT_ONNX_IMPORTER_H
#define SIEVE_IMPORT_ONNX_IMPORTER_H

#include "sieve/Support/ModelSignature.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::sieve::onnx_import {

struct ImportOptions {
  /// Name of the generated entry function.
  std::string entryName = "main";
  /// Constants with more elements than this become dense_resource blobs
  /// instead of dense attribute literals.
  int64_t resourceThreshold = 64;
  /// Graph inputs to compile as constants, by name, with their serialized
  /// TensorProto values. Used for models that pass shape arguments (Reshape
  /// shapes, Squeeze axes, ...) as graph inputs.
  std::vector<std::pair<std::string, std::string>> constantInputs;
  /// The most bytes of one tensor that the import materialises or that a
  /// static shape may describe (initializers, Constant values, folded
  /// constants, node results); larger tensors, and shapes whose element
  /// count overflows int64, are errors naming the tensor or node. 0: the
  /// default, a quarter of the physical memory
  /// (sieve::defaultMaxTensorBytes()).
  int64_t maxTensorBytes = 0;
  /// The directory that the locations of external tensor data
  /// (data_location = EXTERNAL) are relative to. importModelFile sets it to
  /// the model's directory when it is empty; importModel from bytes has
  /// none unless the caller sets it, and then external data is an error.
  std::string externalDataDirectory;
};

// The element kinds and the signature of the imported entry function are
// Sieve's (sieve/Support/ModelSignature.h); the importer fills them.
using ::mlir::sieve::elementByteWidth;
using ::mlir::sieve::ElementKind;
using ::mlir::sieve::ModelSignature;
using ::mlir::sieve::stringifyElementKind;
using ::mlir::sieve::TensorSignature;

/// The dialects that imported IR uses.
void registerImportDialects(DialectRegistry &registry);

/// The error with which an import ends when the IR it built does not
/// verify (after the verifier's own message, which names the node): a bug
/// of the importer, which the import fuzz target looks for.
inline constexpr const char kImporterBugMessage[] =
    "the importer built invalid IR for this model (a Sieve bug: please "
    "report it with the model)";

/// Imports the ONNX model in `bytes` (a serialized ModelProto). `sourceName`
/// names the model in diagnostics. Returns null after emitting an error.
OwningOpRef<ModuleOp> importModel(llvm::StringRef bytes,
                                  llvm::StringRef sourceName,
                                  MLIRContext *context,
                                  const ImportOptions &options = {},
                                  ModelSignature *signature = nullptr);

/// Reads and imports the ONNX model file at `path` (a regular file); tensor
/// data in external files is read from the model's directory.
OwningOpRef<ModuleOp> importModelFile(llvm::StringRef path,
                                      MLIRContext *context,
                                      const ImportOptions &options = {},
                                      ModelSignature *signature = nullptr);

/// The names of the graph inputs of the model file at `path` that are not
/// initializers, in order. Returns false with `error` set.
bool readGraphInputNames(llvm::StringRef path, std::vector<std::string> &names,
                         std::string &error);

} // namespace mlir::sieve::onnx_import

#endif // SIEVE_IMPORT_ONNX_IMPORTER_H
