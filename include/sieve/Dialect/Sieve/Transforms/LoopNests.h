//===- LoopNests.h - Top-level loop nests of a function ---------*- C++ -*-===//
//
// What sieve-outline-loop-nests outlines and sieve-profile-layers times: a
// top-level operation of a lowered function that holds a loop.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_DIALECT_SIEVE_TRANSFORMS_LOOPNESTS_H
#define SIEVE_DIALECT_SIEVE_TRANSFORMS_LOOPNESTS_H

namespace mlir {
class Operation;
namespace sieve {

/// Whether `op` has regions holding an scf.for, scf.parallel, scf.forall
/// or scf.while (a loop nest, or an scf.if around loop nests).
bool containsLoop(Operation *op);

} // namespace sieve
} // namespace mlir

#endif // SIEVE_DIALECT_SIEVE_TRANSFORMS_LOOPNESTS_H
