//===- BufferPool.h - Reuse the buffers of JIT-compiled models --*- C++ -*-===//
//
// Code from sieve-cpu-pipeline allocates its intermediate buffers through
// `_mlir_memref_to_llvm_alloc` / `_aligned_alloc` / `_free`
// (finalize-memref-to-llvm with generic functions). In the JIT these are
// this pool: a buffer of 64 KiB or more that a run frees is kept, and the
// next run's request of the same size class gets it back, so a model run
// again and again does not page-fault its working set in on every run
// (glibc returns such buffers to the kernel with munmap, and each touch of
// a fresh page is a fault: 18% of MobileNetV2's time, docs/performance.md).
// Ahead-of-time objects define the three functions as weak forwarders to
// malloc/aligned_alloc/free (ObjectEmitter.cpp).
//
// Bounds: the pool keeps at most as many idle bytes as the largest number
// of pooled bytes that were ever in use at once (one run's working set, for
// a model run repeatedly); a buffer freed beyond that goes back to the
// system. `releaseBufferPool` empties it (JitModel's destructor does).
// SIEVE_BUFFER_POOL=0 in the environment, and builds with AddressSanitizer
// (so that it still sees a use after free), turn pooling off.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_TARGET_BUFFERPOOL_H
#define SIEVE_TARGET_BUFFERPOOL_H

#include "sieve/Target/JitSymbol.h"

#include <cstddef>
#include <cstdint>

namespace mlir::sieve {

/// A buffer of at least `bytes` bytes aligned to `alignment` (a power of
/// two; at least 64), or null when the system has no memory.
void *poolAllocate(size_t bytes, size_t alignment);
/// Returns a buffer of poolAllocate (or null) to the pool.
void poolFree(void *buffer);
/// Whether buffers are pooled (not with SIEVE_BUFFER_POOL=0 or under
/// AddressSanitizer).
bool bufferPoolEnabled();
/// Gives every idle buffer back to the system.
void releaseBufferPool();

struct BufferPoolStats {
  /// Requests served by a kept buffer, and those that allocated.
  uint64_t hits = 0, misses = 0;
  /// Pooled bytes in use now, the most ever in use at once, idle now.
  uint64_t liveBytes = 0, peakLiveBytes = 0, idleBytes = 0;
};
BufferPoolStats bufferPoolStats();

/// The pool's entry points under the names finalize-memref-to-llvm's
/// generic allocation functions call, for the JIT's symbol map:
/// `_mlir_memref_to_llvm_alloc`, `_aligned_alloc` and `_free`.
const JitSymbol *bufferPoolSymbols(size_t &count);

} // namespace mlir::sieve

#endif // SIEVE_TARGET_BUFFERPOOL_H
