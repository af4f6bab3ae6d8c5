//===- BufferPool.cpp - Reuse the buffers of JIT-compiled models -*- C++
//-*-===//

#include "sieve/Target/BufferPool.h"

#include "sieve_buffer_pool.h"

using namespace mlir::sieve;

// The pool itself is runtime/sieve_buffer_pool.c, which sievec also links
// into every shared library: one implementation.

bool mlir::sieve::bufferPoolEnabled() { return sieve_pool_enabled(); }

void *mlir::sieve::poolAllocate(size_t bytes, size_t alignment) {
  return sieve_pool_allocate(bytes, alignment);
}

void mlir::sieve::poolFree(void *buffer) { sieve_pool_free(buffer); }

void mlir::sieve::releaseBufferPool() { sieve_pool_release(); }

BufferPoolStats mlir::sieve::bufferPoolStats() {
  sieve_pool_stats s;
  sieve_pool_get_stats(&s);
  BufferPoolStats stats;
  stats.hits = s.hits;
  stats.misses = s.misses;
  stats.liveBytes = s.live_bytes;
  stats.peakLiveBytes = s.peak_live_bytes;
  stats.idleBytes = s.idle_bytes;
  return stats;
}

namespace {
void *sievePoolAlloc(size_t bytes) { return poolAllocate(bytes, 64); }
void *sievePoolAlignedAlloc(size_t alignment, size_t bytes) {
  return poolAllocate(bytes, alignment);
}
void sievePoolFree(void *buffer) { poolFree(buffer); }

const JitSymbol kSymbols[] = {
    {"_mlir_memref_to_llvm_alloc", reinterpret_cast<void *>(&sievePoolAlloc)},
    {"_mlir_memref_to_llvm_aligned_alloc",
     reinterpret_cast<void *>(&sievePoolAlignedAlloc)},
    {"_mlir_memref_to_llvm_free", reinterpret_cast<void *>(&sievePoolFree)},
};
} // namespace

const JitSymbol *mlir::sieve::bufferPoolSymbols(size_t &count) {
  count = sizeof(kSymbols) / sizeof(kSymbols[0]);
  return kSymbols;
}
