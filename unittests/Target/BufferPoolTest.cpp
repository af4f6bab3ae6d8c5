//===- BufferPoolTest.cpp - The buffer pool (runtime/sieve_buffer_pool.c) -===//

#include "sieve/Target/BufferPool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace mlir::sieve;

namespace {

constexpr size_t kMiB = 1 << 20;

class BufferPoolTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (!bufferPoolEnabled())
      GTEST_SKIP()
          << "pooling is off (SIEVE_BUFFER_POOL=0 or AddressSanitizer)";
    releaseBufferPool();
    start = bufferPoolStats();
  }
  void TearDown() override { releaseBufferPool(); }
  BufferPoolStats start;
};

TEST_F(BufferPoolTest, ReusesAFreedBufferOfTheSameSize) {
  void *a = poolAllocate(3 * kMiB, 64);
  ASSERT_NE(a, nullptr);
  std::memset(a, 1, 3 * kMiB);
  poolFree(a);
  EXPECT_EQ(bufferPoolStats().idleBytes, 3 * kMiB);
  void *b = poolAllocate(3 * kMiB, 64);
  EXPECT_EQ(a, b);
  BufferPoolStats now = bufferPoolStats();
  EXPECT_EQ(now.hits - start.hits, 1u);
  EXPECT_EQ(now.misses - start.misses, 1u);
  EXPECT_EQ(now.liveBytes, 3 * kMiB);
  EXPECT_EQ(now.idleBytes, 0u);
  poolFree(b);
}

TEST_F(BufferPoolTest, SmallBuffersComeFromMalloc) {
  void *a = poolAllocate(1000, 64);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 64, 0u);
  BufferPoolStats now = bufferPoolStats();
  EXPECT_EQ(now.misses, start.misses);
  EXPECT_EQ(now.liveBytes, 0u);
  poolFree(a);
  EXPECT_EQ(bufferPoolStats().idleBytes, 0u);
}

TEST_F(BufferPoolTest, ServesRequestsOfMoreThanHalfItsSize) {
  void *a = poolAllocate(kMiB, 64);
  poolFree(a);
  // Just over half the kept size: the same buffer.
  void *b = poolAllocate(kMiB / 2 + 4096, 64);
  EXPECT_EQ(a, b);
  poolFree(b);
  // Half the size: a new one (the kept buffer stays idle).
  void *c = poolAllocate(kMiB / 2, 64);
  EXPECT_NE(c, a);
  EXPECT_EQ(bufferPoolStats().idleBytes, kMiB);
  poolFree(c);
}

// The most recently freed buffer that fits, not the smallest: the layer
// that freed it has just read it, so it is the one most likely in cache.
TEST_F(BufferPoolTest, ServesTheMostRecentlyFreedFirst) {
  void *a = poolAllocate(kMiB, 64);
  void *b = poolAllocate(kMiB + 256 * 1024, 64);
  void *c = poolAllocate(kMiB, 64);
  poolFree(a);
  poolFree(b);
  poolFree(c);
  // Idle, oldest first: a, b, c.
  EXPECT_EQ(poolAllocate(kMiB, 64), c);
  EXPECT_EQ(poolAllocate(kMiB, 64), b);
  EXPECT_EQ(poolAllocate(kMiB, 64), a);
  // The order survives taking one from the middle: free a, b, c again,
  // take b (the only one that fits a larger request), then c and a.
  poolFree(a);
  poolFree(b);
  poolFree(c);
  EXPECT_EQ(poolAllocate(kMiB + 100 * 1024, 64), b);
  EXPECT_EQ(poolAllocate(kMiB, 64), c);
  EXPECT_EQ(poolAllocate(kMiB, 64), a);
  poolFree(a);
  poolFree(b);
  poolFree(c);
}

TEST_F(BufferPoolTest, KeepsAtMostFourPeakWorkingSets) {
  // One buffer in use at a time, each a tenth larger than the one before
  // (so that no kept buffer serves it, and it is the peak): they are kept
  // while the idle bytes stay within four times it, the rest go back to
  // the system.
  size_t expected = 0, size = 256 * 1024;
  bool dropped = false;
  for (int i = 0; i < 30; ++i, size = (size * 11 / 10 + 4095) / 4096 * 4096) {
    void *p = poolAllocate(size, 64);
    poolFree(p);
    if (expected + size <= 4 * size)
      expected += size;
    else
      dropped = true;
    EXPECT_EQ(bufferPoolStats().idleBytes, expected) << "buffer " << i;
    EXPECT_EQ(bufferPoolStats().peakLiveBytes, size) << "buffer " << i;
  }
  EXPECT_TRUE(dropped);
  EXPECT_GT(expected, 3 * size);
}

TEST_F(BufferPoolTest, PooledBuffersArePageAligned) {
  void *a = poolAllocate(100 * 1024 + 3, 256);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a) % 4096, 0u);
  poolFree(a);
  // An alignment above a page is not pooled but still honoured.
  void *b = poolAllocate(kMiB, 1 << 16);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(b) % (1 << 16), 0u);
  poolFree(b);
}

TEST_F(BufferPoolTest, ReleaseEmptiesThePool) {
  void *a = poolAllocate(kMiB, 64);
  void *b = poolAllocate(kMiB, 64);
  poolFree(a);
  poolFree(b);
  EXPECT_EQ(bufferPoolStats().idleBytes, 2 * kMiB);
  releaseBufferPool();
  EXPECT_EQ(bufferPoolStats().idleBytes, 0u);
  EXPECT_EQ(bufferPoolStats().peakLiveBytes, 0u);
}

TEST_F(BufferPoolTest, GenericAllocationSymbols) {
  size_t count = 0;
  const JitSymbol *symbols = bufferPoolSymbols(count);
  ASSERT_EQ(count, 3u);
  EXPECT_STREQ(symbols[0].name, "_mlir_memref_to_llvm_alloc");
  EXPECT_STREQ(symbols[1].name, "_mlir_memref_to_llvm_aligned_alloc");
  EXPECT_STREQ(symbols[2].name, "_mlir_memref_to_llvm_free");
  auto *alloc = reinterpret_cast<void *(*)(size_t)>(symbols[0].address);
  auto *free = reinterpret_cast<void (*)(void *)>(symbols[2].address);
  void *a = alloc(kMiB);
  free(a);
  EXPECT_EQ(alloc(kMiB), a);
  free(a);
}

// A library's result is a pooled buffer that the caller frees with the C
// library's free() (the generated header does): the pool must not count
// it when its address comes back, nor treat a new buffer at that address
// as the old one.
TEST_F(BufferPoolTest, ForgetsAResultTheCallerFreed) {
  uint64_t live = bufferPoolStats().liveBytes;
  void *a = poolAllocate(kMiB, 64);
  ASSERT_NE(a, nullptr);
  std::free(a);
  void *b = poolAllocate(kMiB, 64);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(bufferPoolStats().liveBytes - live, b == a ? kMiB : 2 * kMiB);
  poolFree(b);
  EXPECT_EQ(bufferPoolStats().liveBytes - live, b == a ? 0u : kMiB);
  // A small buffer at a forgotten address is the C library's, whatever
  // size the pool once recorded there.
  void *c = poolAllocate(1000, 64);
  poolFree(c);
  EXPECT_EQ(bufferPoolStats().idleBytes, kMiB);
}

} // namespace
