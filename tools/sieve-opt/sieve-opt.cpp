//===- sieve-opt.cpp - Sieve optimizer driver -------------------*- C++ -*-===//
//
// mlir-opt with Sieve: every upstream dialect, extension and pass, plus the
// sieve dialect and Sieve's passes.
//
//===----------------------------------------------------------------------===//

#include "sieve/Registration.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::sieve::registerSievePassesAndPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::sieve::registerSieveDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Sieve optimizer driver: upstream MLIR plus Sieve\n",
      registry));
}
