//===- BufferPool.cpp - Reuse the buffers of JIT-compiled models -*- C++
//-*-===//

#include "sieve/Target/BufferPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>

using namespace mlir::sieve;

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIEVE_POOL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SIEVE_POOL_ASAN 1
#endif

namespace {

/// Smaller buffers come from malloc directly: glibc keeps them in its heap,
/// where they do not fault again.
constexpr size_t kPooledMinBytes = 64 * 1024;
/// Pooled buffers are whole pages, page-aligned.
constexpr size_t kPage = 4096;
/// A kept buffer serves a request up to this fraction larger than it
/// (dynamic shapes ask for sizes that move a little between runs).
constexpr size_t kSlackDivisor = 4;

size_t roundUp(size_t bytes, size_t to) { return (bytes + to - 1) / to * to; }

bool poolingEnabled() {
#ifdef SIEVE_POOL_ASAN
  return false;
#else
  static const bool enabled = [] {
    const char *env = std::getenv("SIEVE_BUFFER_POOL");
    return !(env && std::strcmp(env, "0") == 0);
  }();
  return enabled;
#endif
}

struct Pool {
  std::mutex mutex;
  /// Pooled buffers in use, with their sizes.
  std::unordered_map<void *, size_t> live;
  /// Idle buffers by size.
  std::multimap<size_t, void *> idle;
  BufferPoolStats stats;
};

/// Never destroyed: a model's code may free a buffer during static
/// destruction (a result held by a global).
Pool &pool() {
  static Pool *p = new Pool();
  return *p;
}

void *systemAllocate(size_t bytes, size_t alignment) {
  return std::aligned_alloc(alignment, roundUp(bytes ? bytes : 1, alignment));
}

} // namespace

bool mlir::sieve::bufferPoolEnabled() { return poolingEnabled(); }

void *mlir::sieve::poolAllocate(size_t bytes, size_t alignment) {
  if (alignment < 64)
    alignment = 64;
  if (!poolingEnabled() || bytes < kPooledMinBytes || alignment > kPage)
    return systemAllocate(bytes, alignment);
  size_t size = roundUp(bytes, kPage);
  Pool &p = pool();
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.idle.lower_bound(size);
    if (it != p.idle.end() && it->first - size <= size / kSlackDivisor) {
      void *buffer = it->second;
      size_t kept = it->first;
      p.idle.erase(it);
      p.stats.idleBytes -= kept;
      p.live.emplace(buffer, kept);
      p.stats.liveBytes += kept;
      p.stats.peakLiveBytes =
          std::max(p.stats.peakLiveBytes, p.stats.liveBytes);
      ++p.stats.hits;
      return buffer;
    }
  }
  void *buffer = systemAllocate(size, kPage);
  if (!buffer)
    return nullptr;
  std::lock_guard<std::mutex> lock(p.mutex);
  p.live.emplace(buffer, size);
  p.stats.liveBytes += size;
  p.stats.peakLiveBytes = std::max(p.stats.peakLiveBytes, p.stats.liveBytes);
  ++p.stats.misses;
  return buffer;
}

void mlir::sieve::poolFree(void *buffer) {
  if (!buffer)
    return;
  if (poolingEnabled()) {
    Pool &p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.live.find(buffer);
    if (it != p.live.end()) {
      size_t size = it->second;
      p.live.erase(it);
      p.stats.liveBytes -= size;
      // Keep it while the idle buffers stay within the working set.
      if (p.stats.idleBytes + size <= p.stats.peakLiveBytes) {
        p.idle.emplace(size, buffer);
        p.stats.idleBytes += size;
        return;
      }
    }
  }
  std::free(buffer);
}

void mlir::sieve::releaseBufferPool() {
  Pool &p = pool();
  std::multimap<size_t, void *> idle;
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    idle.swap(p.idle);
    p.stats.idleBytes = 0;
    // The next model's working set sets the bound anew.
    p.stats.peakLiveBytes = p.stats.liveBytes;
  }
  for (auto &entry : idle)
    std::free(entry.second);
}

BufferPoolStats mlir::sieve::bufferPoolStats() {
  Pool &p = pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  return p.stats;
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
