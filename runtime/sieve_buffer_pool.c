/*===- sieve_buffer_pool.c - Reuse the buffers of compiled models -*- C -*-===//
 *
 * See sieve_buffer_pool.h. The live buffers are an open-addressing table
 * from address to size; the idle ones an array in the order they were
 * freed, searched from the most recent (a model keeps tens of them).
 *===----------------------------------------------------------------------===*/

#include "sieve_buffer_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIEVE_POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIEVE_POOL_ASAN 1
#endif

enum {
  /* Smaller buffers come from malloc directly: glibc keeps them in its
     heap, where they do not fault again. */
  kPooledMinBytes = 64 * 1024,
  /* Pooled buffers are whole pages, page-aligned. */
  kPage = 4096,
  /* A kept buffer serves requests of more than 1/kLargestFactor of its
     size. */
  kLargestFactor = 2,
  /* The idle buffers stay within this many times the most bytes ever in
     use at once. Buffers are freed after their last use, so a model's
     peak is a few layers' activations while a call goes through buffers
     of many sizes: one peak's worth of idle buffers would return most of
     them to the system on every call. */
  kIdleFactor = 4,
};

struct entry {
  void *buffer;
  size_t size;
};

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
/* Live pooled buffers: open addressing, a power-of-two capacity, at most
   half full; a null buffer is an empty slot, `tombstone` a deleted one. */
static struct entry *live;
static size_t liveCapacity, liveCount, liveUsed;
static char tombstoneByte;
#define TOMBSTONE ((void *)&tombstoneByte)
/* Idle buffers. */
static struct entry *idle;
static size_t idleCount, idleCapacity;
static struct sieve_pool_stats stats;

static size_t roundUp(size_t bytes, size_t to) {
  return (bytes + to - 1) / to * to;
}

int sieve_pool_enabled(void) {
#ifdef SIEVE_POOL_ASAN
  return 0;
#else
  static int enabled = -1;
  if (enabled < 0) {
    const char *env = getenv("SIEVE_BUFFER_POOL");
    enabled = !(env && strcmp(env, "0") == 0);
  }
  return enabled;
#endif
}

static size_t slotOf(void *buffer, size_t capacity) {
  uintptr_t h = (uintptr_t)buffer >> 12;
  h *= (uintptr_t)0x9E3779B97F4A7C15ull;
  return (size_t)(h >> 7) & (capacity - 1);
}

/* The slot holding `buffer`, or null. */
static struct entry *findLive(void *buffer) {
  if (!liveCapacity)
    return NULL;
  for (size_t i = slotOf(buffer, liveCapacity);;
       i = (i + 1) & (liveCapacity - 1)) {
    if (live[i].buffer == buffer)
      return &live[i];
    if (!live[i].buffer)
      return NULL;
  }
}

/* Forgets `buffer` if the table holds it (a result the caller freed with
   free(), whose address came back). */
static void forgetLive(void *buffer) {
  struct entry *e = findLive(buffer);
  if (!e)
    return;
  stats.live_bytes -= e->size;
  e->buffer = TOMBSTONE;
  --liveCount;
}

/* Rehashes without the deleted slots, into twice the capacity when more
   than a quarter of it is live. */
static int growLive(void) {
  size_t capacity = !liveCapacity                        ? 64
                    : (liveCount + 1) * 4 > liveCapacity ? liveCapacity * 2
                                                         : liveCapacity;
  struct entry *table = calloc(capacity, sizeof(struct entry));
  if (!table)
    return 0;
  for (size_t i = 0; i < liveCapacity; ++i) {
    void *b = live[i].buffer;
    if (!b || b == TOMBSTONE)
      continue;
    size_t j = slotOf(b, capacity);
    while (table[j].buffer)
      j = (j + 1) & (capacity - 1);
    table[j] = live[i];
  }
  free(live);
  live = table;
  liveCapacity = capacity;
  liveUsed = liveCount;
  return 1;
}

/* Records `buffer` as live; 0 when the table cannot grow. */
static int addLive(void *buffer, size_t size) {
  forgetLive(buffer);
  if ((liveUsed + 1) * 2 > liveCapacity && !growLive())
    return 0;
  size_t i = slotOf(buffer, liveCapacity);
  while (live[i].buffer && live[i].buffer != TOMBSTONE)
    i = (i + 1) & (liveCapacity - 1);
  if (!live[i].buffer)
    ++liveUsed;
  live[i].buffer = buffer;
  live[i].size = size;
  ++liveCount;
  stats.live_bytes += size;
  if (stats.live_bytes > stats.peak_live_bytes)
    stats.peak_live_bytes = stats.live_bytes;
  return 1;
}

static void *systemAllocate(size_t bytes, size_t alignment) {
  return aligned_alloc(alignment, roundUp(bytes ? bytes : 1, alignment));
}

void *sieve_pool_allocate(size_t bytes, size_t alignment) {
  if (alignment < 64)
    alignment = 64;
  if (!sieve_pool_enabled())
    return systemAllocate(bytes, alignment);
  if (bytes < kPooledMinBytes || alignment > kPage) {
    void *buffer = systemAllocate(bytes, alignment);
    pthread_mutex_lock(&mutex);
    forgetLive(buffer);
    pthread_mutex_unlock(&mutex);
    return buffer;
  }
  size_t size = roundUp(bytes, kPage);
  pthread_mutex_lock(&mutex);
  /* The most recently freed buffer that fits: the layer that freed it
     has just read it, so much of it is still in cache, where one freed
     long ago has left it and each store to it would first fetch a line
     from memory (the smallest fitting buffer, the rule before, made
     MobileNetV2 5-15% slower; docs/performance.md, stop 36). */
  size_t best = idleCount;
  for (size_t i = idleCount; i-- > 0;)
    if (idle[i].size >= size && idle[i].size / kLargestFactor < size) {
      best = i;
      break;
    }
  if (best < idleCount) {
    struct entry kept = idle[best];
    memmove(&idle[best], &idle[best + 1],
            (idleCount - best - 1) * sizeof(struct entry));
    --idleCount;
    stats.idle_bytes -= kept.size;
    if (addLive(kept.buffer, kept.size)) {
      ++stats.hits;
      pthread_mutex_unlock(&mutex);
      return kept.buffer;
    }
    pthread_mutex_unlock(&mutex);
    free(kept.buffer);
    return systemAllocate(size, kPage);
  }
  pthread_mutex_unlock(&mutex);
  void *buffer = systemAllocate(size, kPage);
  if (!buffer)
    return NULL;
  pthread_mutex_lock(&mutex);
  if (!addLive(buffer, size))
    forgetLive(buffer);
  ++stats.misses;
  pthread_mutex_unlock(&mutex);
  return buffer;
}

void sieve_pool_free(void *buffer) {
  if (!buffer)
    return;
  if (sieve_pool_enabled()) {
    pthread_mutex_lock(&mutex);
    struct entry *e = findLive(buffer);
    if (e) {
      size_t size = e->size;
      e->buffer = TOMBSTONE;
      --liveCount;
      stats.live_bytes -= size;
      /* Keep it while the idle buffers stay within kIdleFactor working
         sets. */
      if (stats.idle_bytes + size <= kIdleFactor * stats.peak_live_bytes) {
        if (idleCount == idleCapacity) {
          size_t capacity = idleCapacity ? idleCapacity * 2 : 32;
          struct entry *grown = realloc(idle, capacity * sizeof(struct entry));
          if (grown) {
            idle = grown;
            idleCapacity = capacity;
          }
        }
        if (idleCount < idleCapacity) {
          idle[idleCount].buffer = buffer;
          idle[idleCount].size = size;
          ++idleCount;
          stats.idle_bytes += size;
          pthread_mutex_unlock(&mutex);
          return;
        }
      }
    }
    pthread_mutex_unlock(&mutex);
  }
  free(buffer);
}

void sieve_pool_release(void) {
  pthread_mutex_lock(&mutex);
  struct entry *kept = idle;
  size_t count = idleCount;
  idle = NULL;
  idleCount = idleCapacity = 0;
  stats.idle_bytes = 0;
  /* The next model's working set sets the bound anew. */
  stats.peak_live_bytes = stats.live_bytes;
  pthread_mutex_unlock(&mutex);
  for (size_t i = 0; i < count; ++i)
    free(kept[i].buffer);
  free(kept);
}

void sieve_pool_get_stats(struct sieve_pool_stats *out) {
  pthread_mutex_lock(&mutex);
  *out = stats;
  pthread_mutex_unlock(&mutex);
}
