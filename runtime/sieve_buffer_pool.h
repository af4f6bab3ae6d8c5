/*===- sieve_buffer_pool.h - Reuse the buffers of compiled models -*- C -*-===//
 *
 * The allocator that compiled models' buffers come from: models allocate
 * and free the same large intermediate buffers on every call, and the C
 * library returns big blocks to the system on free, so each call faulted
 * them in again (a third of a small convolution's time in the kernel).
 * Buffers of at least 64 KiB are kept when freed, page-aligned, and serve
 * later requests of more than half their size, the most recently freed
 * first (it is the most likely to be in cache still); the idle buffers
 * never exceed four times the most ever in use at once. Smaller ones come
 * from malloc, which keeps them.
 *
 * One implementation, two users: sieve-run's JIT (Target/BufferPool.h
 * wraps it) and every shared library sievec links (the file is compiled
 * into it, its functions hidden: each library has a pool of its own).
 * SIEVE_BUFFER_POOL=0 in the environment turns pooling off (every buffer
 * from the C library); builds with AddressSanitizer never pool.
 *
 * A pooled buffer is an aligned_alloc block: a caller may free a model's
 * result with the C library's free() (the generated header does), and the
 * pool forgets it when that address is handed out again.
 *===----------------------------------------------------------------------===*/

#ifndef SIEVE_BUFFER_POOL_H
#define SIEVE_BUFFER_POOL_H

#include <stddef.h>
#include <stdint.h>

#ifndef SIEVE_POOL_API
#define SIEVE_POOL_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct sieve_pool_stats {
  /* Requests served by a kept buffer, and those that allocated. */
  uint64_t hits, misses;
  /* Pooled bytes in use now, the most ever in use at once, idle now. */
  uint64_t live_bytes, peak_live_bytes, idle_bytes;
};

/* A buffer of `bytes` aligned to `alignment` (at least 64). */
SIEVE_POOL_API void *sieve_pool_allocate(size_t bytes, size_t alignment);
/* Returns a buffer of sieve_pool_allocate's (or null). */
SIEVE_POOL_API void sieve_pool_free(void *buffer);
/* Frees the idle buffers; the next working set sets the bound anew. */
SIEVE_POOL_API void sieve_pool_release(void);
SIEVE_POOL_API void sieve_pool_get_stats(struct sieve_pool_stats *stats);
/* Whether buffers are pooled (SIEVE_BUFFER_POOL, sanitizers). */
SIEVE_POOL_API int sieve_pool_enabled(void);

#ifdef __cplusplus
}
#endif

#endif /* SIEVE_BUFFER_POOL_H */
