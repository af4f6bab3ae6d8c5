//===- Dialects.cpp - The sieve dialect and passes from C -------*- C++ -*-===//

#include "sieve-c/Dialects.h"

#include "sieve/Dialect/Sieve/IR/SieveDialect.h"
#include "sieve/Registration.h"

#include "mlir/CAPI/Registration.h"

#include <mutex>

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Sieve, sieve, mlir::sieve::SieveDialect)

void sieveRegisterPasses(void) {
  static std::once_flag once;
  std::call_once(once, [] { mlir::sieve::registerSievePassesAndPipelines(); });
}
