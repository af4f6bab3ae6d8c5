//===- GraphImporter.h - Imports one ONNX graph -----------------*- C++ -*-===//
//
// Internal to lib/Import/ONNX.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define SIEVE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "NodeContext.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/MemoryBuffer.h"

namespace onnx {
class ModelProto;
class GraphProto;
class ValueInfoProto;
} // namespace onnx

namespace mlir::sieve::onnx_import {

class GraphImporter {
public:
  GraphImporter(MLIRContext *context, const ::onnx::ModelProto &model,
                llvm::StringRef sourceName, const ImportOptions &options);

  /// Builds the module; null after an error was emitted.
  OwningOpRef<ModuleOp> run(ModelSignature *signature);

  OpBuilder &builder() { return b; }
  MLIRContext *getContext() { return context; }
  const ImportOptions &options() const { return opts; }
  llvm::StringRef sourceName() const { return source; }

  /// The graph value called `name`, or null if none is defined yet.
  GraphValue *lookup(llvm::StringRef name);
  /// The SSA value of `gv`, materializing a constant at the function entry.
  Value materialize(GraphValue &gv);
  void define(llvm::StringRef name, GraphValue value);

  /// Converts a TensorProto to an attribute; `what` names it in errors.
  FailureOr<ElementsAttr> convertTensor(const ::onnx::TensorProto &tensor,
                                        Location loc, llvm::StringRef what,
                                        ElementKind *kind);

private:
  static bool checkOpTable();
  /// The bytes of a tensor stored in an external file, mapped where the
  /// system allows; null after an error naming `what`.
  std::unique_ptr<llvm::MemoryBuffer>
  readExternalData(const ::onnx::TensorProto &tensor, Location loc,
                   llvm::StringRef what);
  FailureOr<ElementsAttr> makeAttribute(RankedTensorType type, ElementKind kind,
                                        ArrayRef<char> data, Location loc,
                                        llvm::StringRef what);
  LogicalResult importSignature(func::FuncOp &func, ModelSignature *signature);
  LogicalResult importNodes();
  FailureOr<RankedTensorType>
  convertValueInfo(const ::onnx::ValueInfoProto &info, ElementKind *kind,
                   llvm::StringRef what);

  MLIRContext *context;
  const ::onnx::ModelProto &model;
  std::string source;
  ImportOptions opts;
  OpBuilder b;
  int64_t opset = 0;
  Block *entryBlock = nullptr;
  llvm::StringMap<GraphValue> values;
  OpImporterTable importers;
};

} // namespace mlir::sieve::onnx_import

#endif // SIEVE_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
