//===- UnionDensityTest.cpp - The expected union of a batch -----*- C++ -*-===//

#include "sieve/Analysis/CostModel.h"

#include "gtest/gtest.h"

#include <random>
#include <vector>

using namespace mlir::sieve;

namespace {

TEST(UnionDensity, UniformRates) {
  // Every neuron at rate d: 1 - (1 - d)^B.
  std::vector<double> rates(100, 0.1);
  EXPECT_NEAR(expectedUnionDensity(rates, 1), 0.1, 1e-12);
  EXPECT_NEAR(expectedUnionDensity(rates, 4), 1 - 0.9 * 0.9 * 0.9 * 0.9, 1e-12);
  EXPECT_NEAR(expectedUnionDensity(rates, 64), 1 - std::pow(0.9, 64), 1e-12);
}

TEST(UnionDensity, HotNeuronsKeepTheUnionSmaller) {
  // The same mean rate (10%), half of it on a few hot neurons: the union
  // of a batch grows more slowly than at a uniform rate.
  std::vector<double> skewed(100, 0.05);
  for (int i = 0; i < 5; ++i)
    skewed[i] = 1.0;
  skewed[5] = 0.3; // mean: (5 * 1 + 0.3 + 94 * 0.05) / 100 = 0.1
  double mean = 0;
  for (double p : skewed)
    mean += p / skewed.size();
  EXPECT_NEAR(mean, 0.1, 1e-12);
  std::vector<double> uniform(100, 0.1);
  EXPECT_LT(expectedUnionDensity(skewed, 16),
            expectedUnionDensity(uniform, 16));
}

TEST(UnionDensity, MatchesSampledIndependentRows) {
  // Rows drawn independently at the neurons' rates: the mean union of
  // batches of 8 is the formula's.
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> rates(256);
  for (double &p : rates)
    p = 0.3 * unit(rng) * unit(rng);
  double sum = 0;
  int trials = 2000;
  for (int t = 0; t < trials; ++t) {
    int active = 0;
    for (double p : rates) {
      bool any = false;
      for (int r = 0; r < 8; ++r)
        any |= unit(rng) < p;
      active += any;
    }
    sum += double(active) / rates.size();
  }
  EXPECT_NEAR(sum / trials, expectedUnionDensity(rates, 8), 2e-3);
}

TEST(UnionDensity, Degenerate) {
  EXPECT_EQ(expectedUnionDensity({}, 4), 0.0);
  std::vector<double> rates{0.0, 1.0};
  EXPECT_EQ(expectedUnionDensity(rates, 0), 0.0);
  EXPECT_DOUBLE_EQ(expectedUnionDensity(rates, 3), 0.5);
}

} // namespace
