//===- SieveDialect.cpp - The Sieve dialect ---------------------*- C++ -*-===//

#include "sieve/Dialect/Sieve/IR/SieveDialect.h"
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveOps.h"

using namespace mlir;
using namespace mlir::sieve;

#include "sieve/Dialect/Sieve/IR/SieveDialect.cpp.inc"

void SieveDialect::initialize() {
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "sieve/Dialect/Sieve/IR/SieveOps.cpp.inc"
      >();
}
