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
};

/// Element types of ONNX tensors, as the TensorProto.DataType enum numbers
/// them (MLIR integers are signless, so the importer keeps this alongside).
enum class ElementKind : int32_t {
  Undefined = 0,
  Float = 1,
  UInt8 = 2,
  Int8 = 3,
  UInt16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  UInt32 = 12,
  UInt64 = 13,
  BFloat16 = 16,
  // Low-precision kinds: compiled code holds them as i8, one element per
  // byte (the 8-bit floats as bit patterns, FLOAT4E2M1 as its 4-bit code,
  // the narrow integers sign- or zero-extended); see LowPrecision.cpp.
  Float8E4M3FN = 17,
  Float8E4M3FNUZ = 18,
  Float8E5M2 = 19,
  Float8E5M2FNUZ = 20,
  UInt4 = 21,
  Int4 = 22,
  Float4E2M1 = 23,
  Float8E8M0 = 24,
  UInt2 = 25,
  Int2 = 26,
};

/// Describes one input or output of the imported entry function.
struct TensorSignature {
  std::string name;
  ElementKind kind = ElementKind::Undefined;
  /// Dimension sizes; -1 marks a dynamic dimension.
  std::vector<int64_t> shape;
};

/// Describes the entry function: what a caller passes and gets back.
struct ModelSignature {
  std::string entryName;
  std::vector<TensorSignature> inputs;
  std::vector<TensorSignature> outputs;
};

/// The dialects that imported IR uses.
void registerImportDialects(DialectRegistry &registry);

/// Imports the ONNX model in `bytes` (a serialized ModelProto). `sourceName`
/// names the model in diagnostics. Returns null after emitting an error.
OwningOpRef<ModuleOp> importModel(llvm::StringRef bytes,
                                  llvm::StringRef sourceName,
                                  MLIRContext *context,
                                  const ImportOptions &options = {},
                                  ModelSignature *signature = nullptr);

/// Reads and imports the ONNX model file at `path`.
OwningOpRef<ModuleOp> importModelFile(llvm::StringRef path,
                                      MLIRContext *context,
                                      const ImportOptions &options = {},
                                      ModelSignature *signature = nullptr);

/// The names of the graph inputs of the model file at `path` that are not
/// initializers, in order. Returns false with `error` set.
bool readGraphInputNames(llvm::StringRef path, std::vector<std::string> &names,
                         std::string &error);

/// The name of an element kind ("float32", "int64", ...).
llvm::StringRef stringifyElementKind(ElementKind kind);

/// Size in bytes of one element of `kind` (0 for unsupported kinds).
int64_t elementByteWidth(ElementKind kind);

} // namespace mlir::sieve::onnx_import

#endif // SIEVE_IMPORT_ONNX_IMPORTER_H
