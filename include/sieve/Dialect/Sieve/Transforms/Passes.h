//===- Passes.h - Sieve transformation passes -------------------*- C++ -*-===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"
#include "sieve/Dialect/Sieve/IR/SieveDialect.h"

namespace mlir::sieve {

#define GEN_PASS_DECL
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sieve/Dialect/Sieve/Transforms/Passes.h.inc"

} // namespace mlir::sieve

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_H
