//===- ParallelChunksTest.cpp - How loops are split for threads -*- C++ -*-===//

#include "sieve/Analysis/CostModel.h"

#include "gtest/gtest.h"

using namespace mlir::sieve;

namespace {

TEST(ParallelChunks, OneThreadOrOneBlockIsNotSplit) {
  EXPECT_EQ(planParallelChunks(128, 1 << 20, 1, 1000), 1);
  EXPECT_EQ(planParallelChunks(1, 1 << 30, 8, 1000), 1);
}

TEST(ParallelChunks, EvenSplitForTheThreads) {
  // 128 blocks of plenty of work: one chunk per thread.
  EXPECT_EQ(planParallelChunks(128, 1 << 20, 2, 1000), 2);
  EXPECT_EQ(planParallelChunks(128, 1 << 20, 4, 1000), 4);
}

TEST(ParallelChunks, UnevenThreadCountsGetMoreChunks) {
  // Three threads over 128 blocks: the fewest chunks within 5% of the best
  // balance (43 rounds of 1/128): 32 chunks, 11 rounds.
  EXPECT_EQ(planParallelChunks(128, 1 << 20, 3, 1000), 32);
  // A prime number of blocks: every block a chunk.
  EXPECT_EQ(planParallelChunks(43, 1 << 20, 2, 1000), 43);
}

TEST(ParallelChunks, ChunksHoldTheLeastWork) {
  // 4 blocks of 100: chunks of 200 need 2 chunks at most; 400 none.
  EXPECT_EQ(planParallelChunks(4, 100, 4, 200), 2);
  EXPECT_EQ(planParallelChunks(4, 100, 4, 401), 1);
}

TEST(ParallelChunks, CyclesAreComputeOrStreamingWhicheverIsMore) {
  // A batch-32 matmul 1024x4096: compute-bound at 16 lanes.
  EXPECT_EQ(kernelCycles(32 * 1024 * 4096, 4 * 1024 * 4096, 16),
            32 * 1024 * 4096 / 16);
  // The same at batch 1 streams its 16 MiB weight: memory-bound.
  EXPECT_EQ(kernelCycles(1024 * 4096, 4 * 1024 * 4096, 16),
            4 * 1024 * 4096 / kStreamBytesPerCycle);
  // Narrower vectors take longer.
  EXPECT_EQ(kernelCycles(1 << 20, 0, 8), 2 * kernelCycles(1 << 20, 0, 16));
  EXPECT_EQ(kMinParallelChunkCycles, 10 * kForkJoinCycles);
}

TEST(ParallelChunks, HugeWorkDoesNotOverflow) {
  EXPECT_EQ(planParallelChunks(1 << 20, int64_t(1) << 50, 2, 1000), 2);
}

} // namespace

TEST(DividingTileRows, LargestTileFromThreeQuartersUp) {
  EXPECT_EQ(dividingTileRows(64, 8), 8);
  EXPECT_EQ(dividingTileRows(49, 8), 7);  // a 7x7 map
  EXPECT_EQ(dividingTileRows(196, 8), 7); // 14x14
  EXPECT_EQ(dividingTileRows(12, 8), 6);
  EXPECT_EQ(dividingTileRows(81, 8), 0); // 9x9: padded instead
  EXPECT_EQ(dividingTileRows(50, 8), 0);
  EXPECT_EQ(dividingTileRows(25, 4), 0); // 3 and 4 do not divide 25
  EXPECT_EQ(dividingTileRows(9, 4), 3);
  EXPECT_EQ(dividingTileRows(0, 8), 0);
  EXPECT_EQ(dividingTileRows(8, 0), 0);
}
