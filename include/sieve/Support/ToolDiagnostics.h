//===- ToolDiagnostics.h - Diagnostics for command-line tools ---*- C++ -*-===//

#ifndef SIEVE_SUPPORT_TOOLDIAGNOSTICS_H
#define SIEVE_SUPPORT_TOOLDIAGNOSTICS_H

#include "llvm/ADT/StringRef.h"

#include <memory>

namespace mlir {
class MLIRContext;
class ScopedDiagnosticHandler;
} // namespace mlir

namespace mlir::sieve {

/// Prints diagnostics as "<tool>: error: <message>" (plus notes) on stderr,
/// naming the location when it is a name (an ONNX node or value) rather
/// than a source position. Keep the returned handler alive.
std::unique_ptr<ScopedDiagnosticHandler>
installToolDiagnostics(MLIRContext &context, llvm::StringRef toolName);

} // namespace mlir::sieve

#endif // SIEVE_SUPPORT_TOOLDIAGNOSTICS_H
