//===- Predictor.cpp - Low-rank predictors of active neurons ----*- C++ -*-===//

#include "sieve/Analysis/Predictor.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace mlir::sieve;

namespace {

// The fit's inner loops are `y += a * x` over contiguous rows; they are
// compiled for AVX-512, AVX2 and the baseline and picked at run time (the
// library itself targets baseline x86-64).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define SIEVE_VECTOR_CLONES                                                    \
  __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SIEVE_VECTOR_CLONES
#endif

SIEVE_VECTOR_CLONES
void axpy(double a, const double *x, double *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += a * x[i];
}

SIEVE_VECTOR_CLONES
void axpyf(float a, const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    y[i] += a * x[i];
}

/// A row-major matrix of doubles (the fit's own arithmetic; inputs and
/// results are floats).
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<double> data;
  Matrix() = default;
  Matrix(int64_t rows, int64_t cols)
      : rows(rows), cols(cols), data(rows * cols, 0.0) {}
  double *row(int64_t i) { return data.data() + i * cols; }
  const double *row(int64_t i) const { return data.data() + i * cols; }
};

/// The rows of the stacked matrix `[A / |A|; W / |W|]` whose right singular
/// vectors span the predictor's subspace: A (the pre-activations of the
/// fitting rows, without bias) and W are given row by row as float arrays
/// of N elements with a scale each.
struct Stacked {
  std::vector<const float *> rows;
  std::vector<double> scales;
  int64_t n = 0;

  /// Rows of M handled together: each pass over the (N x l) operand serves
  /// this many rows, so that it streams from memory once per block rather
  /// than once per row.
  static constexpr size_t kBlock = 8;

  /// out = this * v, for v (N x l): (m x l).
  Matrix times(const Matrix &v) const {
    Matrix out(rows.size(), v.cols);
    for (size_t i0 = 0; i0 < rows.size(); i0 += kBlock) {
      size_t i1 = std::min(rows.size(), i0 + kBlock);
      for (int64_t j = 0; j < n; ++j) {
        const double *vj = v.row(j);
        for (size_t i = i0; i < i1; ++i) {
          double a = rows[i][j] * scales[i];
          if (a == 0.0)
            continue;
          axpy(a, vj, out.row(i), v.cols);
        }
      }
    }
    return out;
  }

  /// out = this^T * b, for b (m x l): (N x l).
  Matrix transposeTimes(const Matrix &b) const {
    Matrix out(n, b.cols);
    for (size_t i0 = 0; i0 < rows.size(); i0 += kBlock) {
      size_t i1 = std::min(rows.size(), i0 + kBlock);
      for (int64_t j = 0; j < n; ++j) {
        double *o = out.row(j);
        for (size_t i = i0; i < i1; ++i) {
          double a = rows[i][j] * scales[i];
          if (a == 0.0)
            continue;
          axpy(a, b.row(i), o, b.cols);
        }
      }
    }
    return out;
  }
};

/// The dot product of `a` and `b` (`n` elements) in four interleaved sums,
/// which the compiler can vectorize.
double dot(const double *a, const double *b, int64_t n) {
  double s[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; ++k)
      s[k] += a[i + k] * b[i + k];
  for (; i < n; ++i)
    s[0] += a[i] * b[i];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

/// The transpose of `m`.
Matrix transposed(const Matrix &m) {
  Matrix t(m.cols, m.rows);
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      t.row(c)[r] = m.row(r)[c];
  return t;
}

/// Orthonormalizes the columns of `m` in place (modified Gram-Schmidt,
/// twice for stability, on a transposed copy so that every vector is
/// contiguous); a column that vanishes becomes zero.
void orthonormalizeColumns(Matrix &m) {
  Matrix t = transposed(m);
  int64_t len = t.cols;
  for (int pass = 0; pass < 2; ++pass)
    for (int64_t c = 0; c < t.rows; ++c) {
      double *vc = t.row(c);
      for (int64_t p = 0; p < c; ++p) {
        const double *vp = t.row(p);
        double d = dot(vc, vp, len);
        axpy(-d, vp, vc, len);
      }
      double norm = std::sqrt(dot(vc, vc, len));
      double inv = norm > 1e-300 ? 1.0 / norm : 0.0;
      for (int64_t r = 0; r < len; ++r)
        vc[r] *= inv;
    }
  m = transposed(t);
}

/// The eigenvectors of the symmetric `a` (l x l) as the columns of the
/// result, by descending eigenvalue (cyclic Jacobi rotations).
Matrix symmetricEigenvectors(Matrix a) {
  int64_t l = a.rows;
  Matrix vecs(l, l);
  for (int64_t i = 0; i < l; ++i)
    vecs.row(i)[i] = 1.0;
  for (int sweep = 0; sweep < 50; ++sweep) {
    double off = 0, total = 0;
    for (int64_t i = 0; i < l; ++i)
      for (int64_t j = 0; j < l; ++j) {
        double v = a.row(i)[j] * a.row(i)[j];
        total += v;
        if (i != j)
          off += v;
      }
    if (off <= 1e-24 * total)
      break;
    for (int64_t p = 0; p < l; ++p)
      for (int64_t q = p + 1; q < l; ++q) {
        double apq = a.row(p)[q];
        if (std::abs(apq) < 1e-300)
          continue;
        double theta = (a.row(q)[q] - a.row(p)[p]) / (2 * apq);
        double t = (theta >= 0 ? 1.0 : -1.0) /
                   (std::abs(theta) + std::sqrt(theta * theta + 1));
        double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (int64_t k = 0; k < l; ++k) {
          double akp = a.row(k)[p], akq = a.row(k)[q];
          a.row(k)[p] = c * akp - s * akq;
          a.row(k)[q] = s * akp + c * akq;
        }
        for (int64_t k = 0; k < l; ++k) {
          double apk = a.row(p)[k], aqk = a.row(q)[k];
          a.row(p)[k] = c * apk - s * aqk;
          a.row(q)[k] = s * apk + c * aqk;
        }
        for (int64_t k = 0; k < l; ++k) {
          double vkp = vecs.row(k)[p], vkq = vecs.row(k)[q];
          vecs.row(k)[p] = c * vkp - s * vkq;
          vecs.row(k)[q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<int64_t> order(l);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) {
    return a.row(x)[x] > a.row(y)[y];
  });
  Matrix sorted(l, l);
  for (int64_t r = 0; r < l; ++r)
    for (int64_t c = 0; c < l; ++c)
      sorted.row(r)[c] = vecs.row(r)[order[c]];
  return sorted;
}

/// The runs of threshold rows whose recall quantiles alpha must all meet.
constexpr int64_t kRecallFolds = 8;

/// What a predictor gives on a set of rows.
struct Measured {
  double recall = 1, magnitudeRecall = 1, density = 0, trueDensity = 0;
};

/// Counts (row, neuron) pairs, each with its pre-activation `z` and
/// whether the predictor turns the neuron on, into a Measured.
struct Tally {
  int64_t pairs = 0, active = 0, kept = 0, predicted = 0;
  double activeSum = 0, keptSum = 0;

  void add(double z, bool on) {
    ++pairs;
    predicted += on;
    if (z > 0) {
      ++active;
      activeSum += z;
      kept += on;
      keptSum += on ? z : 0.0;
    }
  }

  Measured result() const {
    Measured m;
    if (active) {
      m.recall = double(kept) / active;
      m.magnitudeRecall = activeSum > 0 ? keptSum / activeSum : 1.0;
    }
    m.density = pairs ? double(predicted) / pairs : 0;
    m.trueDensity = pairs ? double(active) / pairs : 0;
    return m;
  }
};

/// The dense FFN's weight elements and one predicted neuron's, as
/// `options` give them or a plain FFN's (2 D N and 2 D).
std::pair<int64_t, int64_t> ffnElements(const PredictorOptions &options,
                                        int64_t d, int64_t n) {
  return {options.denseElements > 0 ? options.denseElements : 2 * d * n,
          options.perNeuronElements > 0 ? options.perNeuronElements : 2 * d};
}

/// The cost model's weight reads of a predictor of `rank` at `density`
/// over the dense FFN's.
double relativeReads(int64_t rank, double density, int64_t d, int64_t n,
                     std::pair<int64_t, int64_t> elements) {
  return (double(rank) * (d + n) + density * n * elements.second) /
         double(elements.first);
}

/// The pre-activations without bias, A = X W (rows x N), for W (D x N)
/// and X (rows x D). (In blocks of 8 rows per pass over W, and of 1024
/// columns, so that the rows' accumulators stay in cache.)
std::vector<float> preActivations(const float *w, int64_t d, int64_t n,
                                  const float *x, int64_t rows) {
  std::vector<float> a(rows * n, 0.0f);
  for (int64_t i0 = 0; i0 < rows; i0 += 8)
    for (int64_t j0 = 0; j0 < n; j0 += 1024) {
      int64_t j1 = std::min(n, j0 + 1024);
      for (int64_t k = 0; k < d; ++k) {
        const float *wk = w + k * n;
        for (int64_t i = i0; i < std::min(rows, i0 + 8); ++i) {
          float xk = x[i * d + k];
          if (xk == 0.0f)
            continue;
          axpyf(xk, wk + j0, a.data() + i * n + j0, j1 - j0);
        }
      }
    }
  return a;
}

} // namespace

std::optional<PredictorFit>
mlir::sieve::fitPredictor(const float *w, int64_t d, int64_t n,
                          const float *bias, const float *x, int64_t rows,
                          const PredictorOptions &options, std::string &error) {
  if (d <= 0 || n <= 0) {
    error = "the weight has no elements";
    return std::nullopt;
  }
  if (rows <= 0) {
    error = "no calibration rows";
    return std::nullopt;
  }
  if (!(options.targetRecall > 0 && options.targetRecall <= 1)) {
    error = "the target recall must be in (0, 1]";
    return std::nullopt;
  }
  int64_t heldOut =
      rows >= 4 ? std::clamp<int64_t>(
                      static_cast<int64_t>(rows * options.heldOutFraction), 1,
                      rows - 1)
                : 0;
  int64_t fitRows = rows - heldOut;
  // The subspace is fitted on the first half of the fitting rows and the
  // thresholds (and the rank) on the second: residuals on the rows a
  // subspace was fitted to understate its errors on new rows.
  int64_t subspaceRows = fitRows >= 8 ? fitRows / 2 : fitRows;
  int64_t thresholdBegin = fitRows >= 8 ? subspaceRows : 0;
  int64_t thresholdRows = fitRows - thresholdBegin;
  std::pair<int64_t, int64_t> elements = ffnElements(options, d, n);
  int64_t denseElements = elements.first;

  std::vector<float> a = preActivations(w, d, n, x, rows);

  // Candidate ranks: powers of two from 8 whose predictor reads at most a
  // quarter of the dense weights (or the requested rank).
  std::vector<int64_t> ranks;
  int64_t limit = std::max<int64_t>(1, std::min(d, n));
  if (options.rank > 0) {
    ranks.push_back(std::min(options.rank, limit));
  } else {
    for (int64_t r = 8; r <= std::min<int64_t>(limit / 2, 256); r *= 2)
      if (r * (d + n) * 4 <= denseElements)
        ranks.push_back(r);
    if (ranks.empty())
      ranks.push_back(std::min<int64_t>(limit, 8));
  }
  int64_t maxRank = ranks.back();

  // The subspace: randomized range finder on the stacked matrix.
  auto frobenius = [](const float *p, int64_t count) {
    double s = 0;
    for (int64_t i = 0; i < count; ++i)
      s += double(p[i]) * p[i];
    return std::sqrt(s);
  };
  Stacked stacked;
  stacked.n = n;
  double aNorm = frobenius(a.data(), subspaceRows * n),
         wNorm = frobenius(w, d * n);
  for (int64_t i = 0; i < subspaceRows && aNorm > 0; ++i) {
    stacked.rows.push_back(a.data() + i * n);
    stacked.scales.push_back(1.0 / aNorm);
  }
  for (int64_t k = 0; k < d && wNorm > 0; ++k) {
    stacked.rows.push_back(w + k * n);
    stacked.scales.push_back(1.0 / wNorm);
  }
  int64_t width = std::min<int64_t>(
      n, std::min<int64_t>(maxRank + 8,
                           std::max<int64_t>(1, stacked.rows.size())));
  Matrix basis(n, width);
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal;
  for (double &v : basis.data)
    v = normal(rng);
  orthonormalizeColumns(basis);
  if (!stacked.rows.empty()) {
    for (int power = 0; power < 2; ++power) {
      basis = stacked.transposeTimes(stacked.times(basis));
      orthonormalizeColumns(basis);
    }
    // Rayleigh-Ritz: order the basis by singular value, so that every
    // prefix is the best subspace of its size.
    Matrix b = stacked.times(basis);
    Matrix gram(width, width);
    for (int64_t i = 0; i < b.rows; ++i)
      for (int64_t p = 0; p < width; ++p) {
        double a = b.row(i)[p];
        axpy(a, b.row(i), gram.row(p), width);
      }
    Matrix rotation = symmetricEigenvectors(gram);
    Matrix rotated(n, width);
    for (int64_t j = 0; j < n; ++j) {
      double *out = rotated.row(j);
      for (int64_t q = 0; q < width; ++q) {
        double a = basis.row(j)[q];
        axpy(a, rotation.row(q), out, width);
      }
    }
    basis = std::move(rotated);
  }
  maxRank = std::min(maxRank, width);
  for (int64_t &r : ranks)
    r = std::min(r, maxRank);

  // u = W V (D x maxRank) and the projections P = X u (rows x maxRank).
  // (Blocks of 8 rows share each pass over the right-hand matrix.)
  Matrix u(d, maxRank);
  for (int64_t k0 = 0; k0 < d; k0 += 8)
    for (int64_t j = 0; j < n; ++j) {
      const double *vj = basis.row(j);
      for (int64_t k = k0; k < std::min(d, k0 + 8); ++k) {
        double wkj = w[k * n + j];
        if (wkj == 0.0)
          continue;
        axpy(wkj, vj, u.row(k), maxRank);
      }
    }
  Matrix proj(rows, maxRank);
  for (int64_t i0 = 0; i0 < rows; i0 += 8)
    for (int64_t k = 0; k < d; ++k) {
      const double *uk = u.row(k);
      for (int64_t i = i0; i < std::min(rows, i0 + 8); ++i) {
        double xk = x[i * d + k];
        if (xk == 0.0)
          continue;
        axpy(xk, uk, proj.row(i), maxRank);
      }
    }

  // Scores of every rank, built up prefix by prefix.
  std::vector<double> scores(rows * n, 0.0);
  auto biasAt = [&](int64_t j) { return bias ? double(bias[j]) : 0.0; };
  double zScale = 0;
  for (int64_t i = 0; i < fitRows * n; ++i)
    zScale += double(a[i]) * a[i];
  zScale = std::sqrt(zScale / std::max<int64_t>(1, fitRows * n));
  double sigmaFloor = 1e-6 * zScale + 1e-30;

  // Threshold alpha for the target recall on the fitting rows, and the
  // measurements of rows [begin, end).
  std::vector<double> sigma(n);
  auto fitAlpha = [&]() {
    for (int64_t j = 0; j < n; ++j) {
      double s2 = 0;
      for (int64_t i = thresholdBegin; i < fitRows; ++i) {
        double e = a[i * n + j] - scores[i * n + j];
        s2 += e * e;
      }
      sigma[j] = std::max(std::sqrt(s2 / thresholdRows), sigmaFloor);
    }
    // Each truly active pair is predicted once alpha exceeds its need. The
    // threshold rows are split into kRecallFolds runs of consecutive rows
    // and alpha is the largest of the runs' quantiles: the target recall
    // then holds on each part of the calibration text, not only on their
    // mix, which keeps it on new text (one quantile over all rows fell
    // 0.1-0.3% short on held-out rows of the trained LMs).
    int64_t folds = thresholdRows >= 4 * kRecallFolds ? kRecallFolds : 1;
    double alpha = -std::numeric_limits<double>::infinity();
    std::vector<double> need;
    for (int64_t f = 0; f < folds; ++f) {
      need.clear();
      int64_t begin = thresholdBegin + thresholdRows * f / folds;
      int64_t end = thresholdBegin + thresholdRows * (f + 1) / folds;
      for (int64_t i = begin; i < end; ++i)
        for (int64_t j = 0; j < n; ++j)
          if (a[i * n + j] + biasAt(j) > 0)
            need.push_back(-(scores[i * n + j] + biasAt(j)) / sigma[j]);
      if (need.empty())
        continue;
      auto at = need.begin() +
                std::min<int64_t>(need.size() - 1,
                                  static_cast<int64_t>(std::ceil(
                                      options.targetRecall * need.size())) -
                                      1);
      std::nth_element(need.begin(), at, need.end());
      // Strictly above the need of the pair at the quantile.
      double foldAlpha =
          std::nextafter(*at, std::numeric_limits<double>::infinity());
      alpha = std::max(alpha, foldAlpha);
    }
    // No active pair: no threshold to meet.
    return std::isfinite(alpha) ? alpha : 0.0;
  };
  auto measure = [&](double alpha, int64_t begin, int64_t end) {
    Tally tally;
    for (int64_t i = begin; i < end; ++i)
      for (int64_t j = 0; j < n; ++j)
        tally.add(a[i * n + j] + biasAt(j),
                  scores[i * n + j] + biasAt(j) + alpha * sigma[j] > 0);
    return tally.result();
  };

  // The basis with each vector contiguous, for the score updates.
  Matrix basisT = transposed(basis);
  PredictorFit best;
  double bestCost = std::numeric_limits<double>::infinity();
  int64_t built = 0;
  for (int64_t r : ranks) {
    // Add the components [built, r) to the scores.
    for (int64_t i = 0; i < rows; ++i) {
      double *si = scores.data() + i * n;
      for (int64_t c = built; c < r; ++c) {
        double p = proj.row(i)[c];
        axpy(p, basisT.row(c), si, n);
      }
    }
    built = r;
    double alpha = fitAlpha();
    Measured fit = measure(alpha, thresholdBegin, fitRows);
    double cost = relativeReads(r, fit.density, d, n, elements);
    if (cost < bestCost) {
      bestCost = cost;
      best.rank = r;
      best.thresholds.assign(n, 0.0f);
      for (int64_t j = 0; j < n; ++j)
        best.thresholds[j] = static_cast<float>(-biasAt(j) - alpha * sigma[j]);
      // The measurements need these scores: take them now.
      Measured held = heldOut ? measure(alpha, fitRows, rows) : fit;
      best.recall = held.recall;
      best.magnitudeRecall = held.magnitudeRecall;
      best.density = held.density;
      best.trueDensity = held.trueDensity;
    }
  }
  best.d = d;
  best.n = n;
  best.fitRows = fitRows;
  best.heldOutRows = heldOut;
  best.relativeCost = relativeReads(best.rank, best.density, d, n, elements);
  best.u.resize(d * best.rank);
  best.v.resize(best.rank * n);
  for (int64_t k = 0; k < d; ++k)
    for (int64_t c = 0; c < best.rank; ++c)
      best.u[k * best.rank + c] = static_cast<float>(u.row(k)[c]);
  for (int64_t c = 0; c < best.rank; ++c)
    for (int64_t j = 0; j < n; ++j)
      best.v[c * n + j] = static_cast<float>(basisT.row(c)[j]);
  return best;
}

bool mlir::sieve::measurePredictor(const float *w, int64_t d, int64_t n,
                                   const float *bias, const float *x,
                                   int64_t rows,
                                   const PredictorOptions &options,
                                   PredictorFit &fit, std::string &error) {
  int64_t r = fit.rank;
  if (d <= 0 || n <= 0 || r <= 0 ||
      fit.u.size() != static_cast<size_t>(d * r) ||
      fit.v.size() != static_cast<size_t>(r * n) ||
      fit.thresholds.size() != static_cast<size_t>(n)) {
    error = "the predictor's sizes do not match the FFN's";
    return false;
  }
  if (rows <= 0) {
    error = "no calibration rows";
    return false;
  }
  fit.d = d;
  fit.n = n;
  // The pre-activations (as the fit computes them), then per row the
  // projection p = x u and the scores p v.
  std::vector<float> a = preActivations(w, d, n, x, rows);
  Tally tally;
  std::vector<float> p(r), score(n);
  for (int64_t i = 0; i < rows; ++i) {
    const float *xi = x + i * d;
    std::fill(p.begin(), p.end(), 0.0f);
    std::fill(score.begin(), score.end(), 0.0f);
    for (int64_t k = 0; k < d; ++k)
      if (xi[k] != 0.0f)
        axpyf(xi[k], fit.u.data() + k * r, p.data(), r);
    for (int64_t c = 0; c < r; ++c)
      axpyf(p[c], fit.v.data() + c * n, score.data(), n);
    for (int64_t j = 0; j < n; ++j)
      tally.add(double(a[i * n + j]) + (bias ? bias[j] : 0.0f),
                score[j] > fit.thresholds[j]);
  }
  Measured m = tally.result();
  fit.recall = m.recall;
  fit.magnitudeRecall = m.magnitudeRecall;
  fit.density = m.density;
  fit.trueDensity = m.trueDensity;
  fit.fitRows = 0;
  fit.heldOutRows = rows;
  fit.relativeCost =
      relativeReads(r, fit.density, d, n, ffnElements(options, d, n));
  return true;
}
