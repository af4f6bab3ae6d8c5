//===- LayerProfileTest.cpp - The JIT's per-layer timing hooks ------------===//

#include "sieve/Target/LayerProfile.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cstring>
#include <thread>

using namespace mlir::sieve;

namespace {

using Hook = void (*)(int64_t);

void hooks(Hook &begin, Hook &end) {
  size_t count = 0;
  const JitSymbol *symbols = layerProfileSymbols(count);
  ASSERT_EQ(count, 2u);
  EXPECT_STREQ(symbols[0].name, "sieve_profile_begin");
  EXPECT_STREQ(symbols[1].name, "sieve_profile_end");
  begin = reinterpret_cast<Hook>(symbols[0].address);
  end = reinterpret_cast<Hook>(symbols[1].address);
}

TEST(LayerProfileTest, AddsTimeAndCallsToTheThreadsCounters) {
  Hook begin = nullptr, end = nullptr;
  hooks(begin, end);
  // Without counters installed the hooks do nothing.
  begin(0);
  end(0);

  LayerCounters counters;
  EXPECT_EQ(setThreadLayerCounters(&counters), nullptr);
  begin(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  end(1);
  begin(1);
  end(1);
  begin(0);
  end(0);
  EXPECT_EQ(setThreadLayerCounters(nullptr), &counters);
  // Ids beyond the counters grow them.
  ASSERT_EQ(counters.calls.size(), 2u);
  EXPECT_EQ(counters.calls[0], 1u);
  EXPECT_EQ(counters.calls[1], 2u);
  EXPECT_GE(counters.nanos[1], 2'000'000u);
  EXPECT_LT(counters.nanos[0], counters.nanos[1]);

  // Another thread's runs do not reach these counters.
  std::thread other([&] {
    begin(0);
    end(0);
  });
  other.join();
  EXPECT_EQ(counters.calls[0], 1u);
}

} // namespace
