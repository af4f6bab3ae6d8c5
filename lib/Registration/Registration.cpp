//===- Registration.cpp - Register Sieve dialects and passes ----*- C++ -*-===//

#include "sieve/Registration.h"

#include "sieve/Conversion/Passes.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"
#include "sieve/Dialect/Sieve/Transforms/Passes.h"
#include "sieve/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::sieve::registerSieveDialects(DialectRegistry &registry) {
  registry.insert<SieveDialect>();
}

void mlir::sieve::registerSievePassesAndPipelines() {
  registerSievePasses();
  registerSieveConversionPasses();
  registerCPUPipeline();
}
