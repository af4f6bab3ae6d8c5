//===- Predictor.h - Low-rank predictors of active neurons ------*- C++ -*-===//
//
// Fits the predictor of `--sparsity=approx` (docs/predictors.md) for one
// ReLU FFN: a rank-R factorization `u v` whose score `x u v` tells which
// neurons of `relu(x W + b)` will be active, and per-neuron thresholds
// chosen on calibration rows for a target recall. Plain C++ on float
// arrays: the compile API feeds it the weights and the calibration inputs
// it collected, and attaches the result as #sieve.predictor.
//
//===----------------------------------------------------------------------===//

#ifndef SIEVE_ANALYSIS_PREDICTOR_H
#define SIEVE_ANALYSIS_PREDICTOR_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::sieve {

struct PredictorOptions {
  /// The fraction of truly active (row, neuron) pairs of the fitting rows
  /// that the thresholds keep.
  double targetRecall = 0.99;
  /// The rank (0: the cost model picks among the powers of two from 8 to
  /// 256 whose predictor reads at most a quarter of the dense weights).
  int64_t rank = 0;
  /// What one predicted neuron costs the sparse path, in weight elements
  /// read (a plain FFN reads a column of W1 and a row of W2: 2 D), and what
  /// the dense FFN reads in all (2 D N); the rank minimizes
  /// `R (D + N) + density(R) N perNeuron`.
  int64_t perNeuronElements = 0;
  int64_t denseElements = 0;
  /// The share of the calibration rows held out to measure recall and
  /// density (the rest fit the subspace and the thresholds).
  double heldOutFraction = 0.25;
  /// Seed of the random projections (the fit is deterministic).
  uint64_t seed = 1;
};

struct PredictorFit {
  int64_t d = 0, n = 0, rank = 0;
  /// `u` (D x rank) and `v` (rank x N), row-major; the score of a row `x`
  /// is `x u v`, and neuron `j` is predicted active when it exceeds
  /// `thresholds[j]` (the bias is folded in).
  std::vector<float> u, v, thresholds;
  /// Measured on the held-out rows (on the fitting rows when there are
  /// fewer than 4 rows in all): the fraction of truly active (row, neuron)
  /// pairs predicted active, the fraction of the active activations' sum
  /// they carry, the fraction of (row, neuron) pairs predicted active, and
  /// the fraction truly active.
  double recall = 0, magnitudeRecall = 0, density = 0, trueDensity = 0;
  int64_t fitRows = 0, heldOutRows = 0;
  /// The cost model's estimate of the sparse path's weight reads over the
  /// dense FFN's (1: no saving), at the held-out density.
  double relativeCost = 1;
};

/// Fits a predictor of `relu(x W + b)` for `W` (D x N, row-major, as a
/// matmul reads it), `bias` (N, or null) and the calibration inputs `x`
/// (rows x D, row-major). The subspace is the top singular subspace of the
/// pre-activations on the calibration rows, regularized by the weight's own
/// (so that a few rows still give a sensible predictor): `v` spans the top
/// right singular vectors of `[X W / |X W|; W / |W|]` (randomized range
/// finder with two power iterations and a Rayleigh-Ritz rotation), and
/// `u = W v^T`. Thresholds: `-b_j - alpha * sigma_j`, with `sigma_j` the
/// standard deviation of neuron j's prediction error and one `alpha` for all
/// neurons, the least that reaches the target recall on each of 8 runs of
/// consecutive threshold rows (calibration text is not uniform). The fitting
/// rows are split in two: the subspace comes from the first half, the errors,
/// `alpha` and the rank from the second (errors on the rows a subspace was
/// fitted to understate those on new rows); the held-out rows only measure.
/// Returns nullopt with `error` set on inconsistent sizes or no rows.
std::optional<PredictorFit> fitPredictor(const float *w, int64_t d, int64_t n,
                                         const float *bias, const float *x,
                                         int64_t rows,
                                         const PredictorOptions &options,
                                         std::string &error);

/// Measures a predictor fitted elsewhere (a user's trained one: `fit.rank`,
/// `fit.u`, `fit.v` and `fit.thresholds` set) of `relu(x W + b)` on all
/// `rows` calibration rows, none of which it was fitted on: sets the
/// recall, the activation-mass recall, the predicted and the true density
/// (`heldOutRows` = rows) and the relative cost, with `options`' element
/// counts. Returns false with `error` set on sizes that do not match.
bool measurePredictor(const float *w, int64_t d, int64_t n, const float *bias,
                      const float *x, int64_t rows,
                      const PredictorOptions &options, PredictorFit &fit,
                      std::string &error);

} // namespace mlir::sieve

#endif // SIEVE_ANALYSIS_PREDICTOR_H
