//===- Passes.td - Sieve transformation passes -------------*- tablegen -*-===//
//
// The Sieve pass set: analyses that annotate IR with #sieve.* attributes and
// the rewrites that sparsify it. Each pass lives in its own .cpp file under
// lib/Dialect/Sieve/Transforms and has a lit test under test/Transforms.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

// The analyses and rewrites of the sparsity issues are added here.

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_PASSES_TD
