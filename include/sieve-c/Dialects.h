/*===- sieve-c/Dialects.h - The sieve dialect and passes from C ---*- C -*-===*\
|*                                                                            *|
|* MLIR C API conventions: the dialect handle, and registration of Sieve's   *|
|* passes and pipelines with the global pass registry, so that textual       *|
|* pipelines (mlirParsePassPipeline) can name them.                          *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef SIEVE_C_DIALECTS_H
#define SIEVE_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Sieve, sieve);

/// Registers every Sieve pass (sieve-sparsify-activations,
/// sieve-sparsify-weights, the sieve-to-scf lowerings, ...) and
/// sieve-cpu-pipeline with the global pass registry. Idempotent.
MLIR_CAPI_EXPORTED void sieveRegisterPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* SIEVE_C_DIALECTS_H */
