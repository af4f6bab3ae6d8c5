//===- PredictorTest.cpp - Fitting low-rank predictors ----------*- C++ -*-===//

#include "sieve/Analysis/Predictor.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir::sieve;

namespace {

/// A ReLU layer as the FFN benchmark builds it: W = L R + noise (rank
/// `trueRank`, then `noise` relative to the low-rank part), and a bias that
/// leaves about `density` of the neurons active on standard normal inputs.
struct Layer {
  int64_t d, n;
  std::vector<float> w, bias, x;
  int64_t rows;

  Layer(int64_t d, int64_t n, int64_t trueRank, double noise, double density,
        int64_t rows, unsigned seed)
      : d(d), n(n), w(d * n), bias(n), x(rows * d), rows(rows) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> normal;
    std::vector<double> l(d * trueRank), r(trueRank * n);
    for (double &v : l)
      v = normal(rng) / std::sqrt(double(d));
    for (double &v : r)
      v = normal(rng) / std::sqrt(double(trueRank));
    for (int64_t k = 0; k < d; ++k)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t c = 0; c < trueRank; ++c)
          s += l[k * trueRank + c] * r[c * n + j];
        w[k * n + j] =
            static_cast<float>(s + noise * normal(rng) / std::sqrt(double(d)));
      }
    for (float &v : x)
      v = static_cast<float>(normal(rng));
    // The column norms set each neuron's pre-activation spread: a bias of
    // -z * norm leaves `density` active, z the normal quantile.
    double z = std::sqrt(2.0) * inverseErfc(2.0 * density);
    for (int64_t j = 0; j < n; ++j) {
      double norm = 0;
      for (int64_t k = 0; k < d; ++k)
        norm += double(w[k * n + j]) * w[k * n + j];
      bias[j] = static_cast<float>(-z * std::sqrt(norm));
    }
  }

  static double inverseErfc(double y) {
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; ++i) {
      double mid = (lo + hi) / 2;
      (std::erfc(mid) > y ? lo : hi) = mid;
    }
    return lo;
  }
};

TEST(Predictor, ExactLowRankWeightIsPredictedWithoutMisses) {
  Layer layer(64, 256, 8, 0.0, 0.1, 800, 1);
  PredictorOptions options;
  options.rank = 16;
  options.targetRecall = 1.0;
  std::string error;
  auto fit = fitPredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                          layer.x.data(), layer.rows, options, error);
  ASSERT_TRUE(fit) << error;
  EXPECT_EQ(fit->rank, 16);
  EXPECT_EQ(fit->u.size(), size_t(64 * 16));
  EXPECT_EQ(fit->v.size(), size_t(16 * 256));
  EXPECT_EQ(fit->thresholds.size(), size_t(256));
  EXPECT_EQ(fit->heldOutRows, 200);
  // A rank above the weight's: the scores are the pre-activations, and the
  // thresholds that keep every active neuron of the fitting rows keep
  // (almost) every one of the held-out rows, with few false positives.
  EXPECT_GE(fit->recall, 0.999);
  EXPECT_NEAR(fit->density, fit->trueDensity, 0.01);
  EXPECT_NEAR(fit->trueDensity, 0.1, 0.03);
}

TEST(Predictor, NoisyWeightReachesTheRecallOnHeldOutRows) {
  Layer layer(128, 512, 16, 0.3, 0.1, 2000, 2);
  PredictorOptions options;
  options.targetRecall = 0.99;
  std::string error;
  auto fit = fitPredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                          layer.x.data(), layer.rows, options, error);
  ASSERT_TRUE(fit) << error;
  // Held-out rows miss a little more than the fitting rows.
  EXPECT_GE(fit->recall, 0.975);
  EXPECT_GE(fit->magnitudeRecall, fit->recall);
  // Predicting more than is active, but far from everything, and cheaper
  // than the dense layer by the cost model.
  EXPECT_GT(fit->density, fit->trueDensity);
  EXPECT_LT(fit->density, 0.4);
  EXPECT_LT(fit->relativeCost, 0.6);
  // The chosen rank is one of the candidates.
  EXPECT_TRUE(fit->rank == 8 || fit->rank == 16 || fit->rank == 32);
}

TEST(Predictor, RecallHoldsOnEveryPartOfTheCalibrationText) {
  // Calibration text is not uniform: here the last rows (the last part of
  // the threshold rows and the held-out rows) come from inputs of a larger
  // spread, as a different source file would. A threshold that keeps 99%
  // of the active pairs of all threshold rows together keeps less on that
  // part; one that meets the target on each run of rows keeps it there.
  Layer layer(128, 512, 16, 0.3, 0.1, 2000, 4);
  for (int64_t i = 1400; i < layer.rows; ++i)
    for (int64_t k = 0; k < layer.d; ++k)
      layer.x[i * layer.d + k] *= 2.0f;
  PredictorOptions options;
  options.rank = 16;
  std::string error;
  auto fit = fitPredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                          layer.x.data(), layer.rows, options, error);
  ASSERT_TRUE(fit) << error;
  EXPECT_EQ(fit->heldOutRows, 500);
  EXPECT_GE(fit->recall, 0.985);
}

TEST(Predictor, ThresholdsFollowTheScores) {
  // The predicted set of a row is where x u v exceeds the thresholds: the
  // same density as the fit measured, computed here from its outputs.
  Layer layer(64, 128, 4, 0.1, 0.2, 400, 3);
  std::string error;
  auto fit =
      fitPredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                   layer.x.data(), layer.rows, PredictorOptions(), error);
  ASSERT_TRUE(fit) << error;
  int64_t predicted = 0, active = 0, kept = 0;
  for (int64_t i = layer.rows - fit->heldOutRows; i < layer.rows; ++i) {
    std::vector<double> p(fit->rank, 0.0);
    for (int64_t k = 0; k < layer.d; ++k)
      for (int64_t c = 0; c < fit->rank; ++c)
        p[c] += double(layer.x[i * layer.d + k]) * fit->u[k * fit->rank + c];
    for (int64_t j = 0; j < layer.n; ++j) {
      double s = 0, z = layer.bias[j];
      for (int64_t c = 0; c < fit->rank; ++c)
        s += p[c] * fit->v[c * layer.n + j];
      for (int64_t k = 0; k < layer.d; ++k)
        z += double(layer.x[i * layer.d + k]) * layer.w[k * layer.n + j];
      bool on = s > fit->thresholds[j];
      predicted += on;
      active += z > 0;
      kept += on && z > 0;
    }
  }
  double pairs = double(fit->heldOutRows) * layer.n;
  EXPECT_NEAR(predicted / pairs, fit->density, 1e-3);
  EXPECT_NEAR(double(kept) / active, fit->recall, 1e-3);
}

TEST(Predictor, MeasuresATrainedPredictor) {
  // A predictor fitted elsewhere, measured on the rows a fit held out:
  // the same recall and density as the fit measured there.
  Layer layer(64, 128, 4, 0.1, 0.2, 400, 5);
  std::string error;
  auto fit =
      fitPredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                   layer.x.data(), layer.rows, PredictorOptions(), error);
  ASSERT_TRUE(fit) << error;
  PredictorFit trained;
  trained.rank = fit->rank;
  trained.u = fit->u;
  trained.v = fit->v;
  trained.thresholds = fit->thresholds;
  int64_t first = layer.rows - fit->heldOutRows;
  ASSERT_TRUE(
      measurePredictor(layer.w.data(), layer.d, layer.n, layer.bias.data(),
                       layer.x.data() + first * layer.d, fit->heldOutRows,
                       PredictorOptions(), trained, error))
      << error;
  EXPECT_EQ(trained.heldOutRows, fit->heldOutRows);
  EXPECT_EQ(trained.fitRows, 0);
  EXPECT_NEAR(trained.recall, fit->recall, 1e-3);
  EXPECT_NEAR(trained.magnitudeRecall, fit->magnitudeRecall, 1e-3);
  EXPECT_NEAR(trained.density, fit->density, 1e-3);
  EXPECT_NEAR(trained.trueDensity, fit->trueDensity, 1e-9);
  EXPECT_NEAR(trained.relativeCost, fit->relativeCost, 1e-3);
  // Thresholds that predict nothing: no recall, no density.
  trained.thresholds.assign(layer.n, 1e30f);
  ASSERT_TRUE(measurePredictor(layer.w.data(), layer.d, layer.n,
                               layer.bias.data(), layer.x.data(), layer.rows,
                               PredictorOptions(), trained, error));
  EXPECT_EQ(trained.recall, 0.0);
  EXPECT_EQ(trained.density, 0.0);
  // Sizes that do not match the FFN's.
  trained.v.pop_back();
  EXPECT_FALSE(measurePredictor(layer.w.data(), layer.d, layer.n,
                                layer.bias.data(), layer.x.data(), layer.rows,
                                PredictorOptions(), trained, error));
  EXPECT_EQ(error, "the predictor's sizes do not match the FFN's");
}

TEST(Predictor, RejectsBadInputs) {
  std::vector<float> w(8, 1.0f), x(4, 1.0f);
  std::string error;
  EXPECT_FALSE(fitPredictor(w.data(), 2, 4, nullptr, x.data(), 0,
                            PredictorOptions(), error));
  EXPECT_EQ(error, "no calibration rows");
  PredictorOptions bad;
  bad.targetRecall = 1.5;
  EXPECT_FALSE(fitPredictor(w.data(), 2, 4, nullptr, x.data(), 2, bad, error));
  EXPECT_EQ(error, "the target recall must be in (0, 1]");
  // Two rows: no held-out part, measured on the fitting rows.
  auto fit = fitPredictor(w.data(), 2, 4, nullptr, x.data(), 2,
                          PredictorOptions(), error);
  ASSERT_TRUE(fit) << error;
  EXPECT_EQ(fit->heldOutRows, 0);
  EXPECT_EQ(fit->recall, 1.0);
}

} // namespace
