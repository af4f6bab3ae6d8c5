//===- CompileContext.h - An MLIRContext for the compile API ----*- C++ -*-===//
//
// Private to lib/Compiler: a context with every dialect the importer and
// the pipeline use, whose diagnostics go to a MessageHandler.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_LIB_COMPILER_COMPILECONTEXT_H
#define SIEVE_LIB_COMPILER_COMPILECONTEXT_H

#include "sieve/Compiler/Compiler.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

namespace mlir::sieve {

/// Forwards `diag` and its notes to `onMessage`, naming the location when
/// it is a source position.
void forwardDiagnostic(Diagnostic &diag, const MessageHandler &onMessage);

/// A context with every dialect the importer and the pipeline use, whose
/// diagnostics go to `onMessage`.
struct CompileContext {
  explicit CompileContext(const MessageHandler &onMessage);
  MLIRContext context;
  ScopedDiagnosticHandler handler;
};

} // namespace mlir::sieve

#endif // SIEVE_LIB_COMPILER_COMPILECONTEXT_H
