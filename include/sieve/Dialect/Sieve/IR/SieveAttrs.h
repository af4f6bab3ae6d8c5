//===- SieveAttrs.h - Sieve attributes and enums ----------------*- C++ -*-===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_H
#define SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APFloat.h"

#include "sieve/Dialect/Sieve/IR/SieveEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "sieve/Dialect/Sieve/IR/SieveAttrs.h.inc"

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEATTRS_H
