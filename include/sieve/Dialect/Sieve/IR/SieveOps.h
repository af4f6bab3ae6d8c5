//===- SieveOps.h - Sieve operations ----------------------------*- C++ -*-===//

#ifndef SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_H
#define SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "sieve/Dialect/Sieve/IR/SieveAttrs.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"

#define GET_OP_CLASSES
#include "sieve/Dialect/Sieve/IR/SieveOps.h.inc"

#endif // SIEVE_DIALECT_SIEVE_IR_SIEVEOPS_H
