//===- sieve-translate.cpp - Translations into and out of MLIR --*- C++ -*-===//
//
// mlir-translate with Sieve's ONNX importer:
//   sieve-translate --import-onnx model.onnx [-o model.mlir]
//
//===----------------------------------------------------------------------===//

#include "sieve/Import/ONNX/Importer.h"
#include "sieve/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static void registerImportONNX() {
  TranslateToMLIRRegistration importOnnx(
      "import-onnx",
      "Import an ONNX model (.onnx protobuf, at most 2 GiB; weights beyond "
      "that in external data files) into MLIR; one tensor holds at most a "
      "quarter of this machine's memory",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        // External tensor data lies beside the model (none for stdin).
        sieve::onnx_import::ImportOptions options;
        llvm::StringRef name = buffer->getBufferIdentifier();
        if (name != "<stdin>")
          options.externalDataDirectory =
              llvm::sys::path::parent_path(name).empty()
                  ? "."
                  : llvm::sys::path::parent_path(name).str();
        OwningOpRef<ModuleOp> module = sieve::onnx_import::importModel(
            buffer->getBuffer(), name, context, options);
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        sieve::onnx_import::registerImportDialects(registry);
      });
}

int main(int argc, char **argv) {
  registerAllTranslations();
  registerImportONNX();
  return failed(mlirTranslateMain(argc, argv, "Sieve translation tool"));
}
