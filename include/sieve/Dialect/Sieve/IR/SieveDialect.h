//===- SieveDialect.h - The Sieve dialect -----------------------*- C++ -*-===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_H
#define SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_H

#include "mlir/IR/Dialect.h"

#include "sieve/Dialect/Sieve/IR/SieveDialect.h.inc"

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEDIALECT_H
