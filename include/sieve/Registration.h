//===- Registration.h - Register Sieve dialects and passes ------*- C++ -*-===//
//
// One entry point for every tool, the C API and the plugin to make Sieve's
// dialect and passes known to an MLIR context or pass registry.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_REGISTRATION_H
#define SIEVE_REGISTRATION_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace mlir::sieve {

/// Adds the sieve dialect to `registry`.
void registerSieveDialects(DialectRegistry &registry);

/// Registers every Sieve pass (transformations and conversions) with the
/// global pass registry, so that textual pipelines can name them.
void registerSievePassesAndPipelines();

} // namespace mlir::sieve

#endif // SIEVE_REGISTRATION_H
