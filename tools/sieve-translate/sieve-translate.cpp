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
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static void registerImportONNX() {
  TranslateToMLIRRegistration importOnnx(
      "import-onnx", "Import an ONNX model (.onnx protobuf) into MLIR",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        OwningOpRef<ModuleOp> module = sieve::onnx_import::importModel(
            buffer->getBuffer(), buffer->getBufferIdentifier(), context);
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
