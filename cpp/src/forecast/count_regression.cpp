// Count regression: negative binomial GLM (log link) with a linear trend,
// season-of-year effects and optional exogenous regressors. Coefficients by
// penalised IRLS: a normal prior on the season effects (kSeasonPriorSd) and a
// tiny ridge on the trend and exogenous columns; dispersion theta by maximum
// likelihood, alternating as MASS::glm.nb. Intervals by simulation: coefficients
// drawn from the normal approximation of their posterior, counts from
// NB(mu, theta); the bounds are quantiles of the simulated counts (whole numbers).
#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <random>

#include "earlyhelp/common/error.hpp"
#include "detail.hpp"

namespace earlyhelp::forecast {

namespace {

constexpr double kRidge = 1e-4;
constexpr double kPoissonTheta = 1e6;  // above this the counts are treated as Poisson
// Season effects: a normal prior on the log scale with this standard deviation (a season
// position busier or quieter than the average by a factor e is one sd away). A position with
// no events in any year has no finite maximum likelihood effect: with only the ridge, its
// coefficient had a standard error of about 17 and the simulated means reached e^10 and more.
// With the prior its posterior spread is at most this.
constexpr double kSeasonPriorSd = 1.0;

struct Design {
  Eigen::MatrixXd X, Xf;  // history and future rows
  bool seasonal = false;
};

Design build_design(const Series& s, int m, int h, bool seasonal) {
  const std::size_t n = s.n;
  // one indicator per season position (none is the reference: the prior treats them alike)
  const int n_season = seasonal ? m : 0;
  const int p = 2 + n_season + static_cast<int>(s.n_exog);
  Design d;
  d.seasonal = seasonal;
  d.X.setZero(n, p);
  d.Xf.setZero(h, p);
  // exogenous columns standardised on the history for stable IRLS
  std::vector<double> centre(s.n_exog, 0.0), scale(s.n_exog, 1.0);
  for (std::size_t c = 0; c < s.n_exog; ++c) {
    double mean = 0.0, var = 0.0;
    for (std::size_t t = 0; t < n; ++t) mean += s.X[t * s.n_exog + c];
    mean /= static_cast<double>(n);
    for (std::size_t t = 0; t < n; ++t) var += std::pow(s.X[t * s.n_exog + c] - mean, 2);
    centre[c] = mean;
    scale[c] = var > 0.0 ? std::sqrt(var / static_cast<double>(n)) : 1.0;
  }
  auto fill = [&](Eigen::MatrixXd& M, std::size_t row, std::size_t t, const double* x) {
    M(row, 0) = 1.0;
    M(row, 1) = static_cast<double>(t) / static_cast<double>(n);
    if (seasonal) {
      const int phase = static_cast<int>((static_cast<std::size_t>(s.phase0) + t) % m);
      M(row, 2 + phase) = 1.0;
    }
    for (std::size_t c = 0; c < s.n_exog; ++c)
      M(row, 2 + n_season + c) = (x[c] - centre[c]) / scale[c];
  };
  for (std::size_t t = 0; t < n; ++t) fill(d.X, t, t, s.n_exog ? s.X + t * s.n_exog : nullptr);
  for (int j = 0; j < h; ++j)
    fill(d.Xf, j, n + j, s.n_exog ? s.X_future + static_cast<std::size_t>(j) * s.n_exog : nullptr);
  return d;
}

// Profile ML estimate of theta given the means (Newton on the score, log scale).
double theta_ml(const double* y, const Eigen::VectorXd& mu, double theta) {
  using boost::math::digamma;
  using boost::math::trigamma;
  const auto n = mu.size();
  for (int it = 0; it < 50; ++it) {
    double score = 0.0, info = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double tm = theta + mu(i);
      score += digamma(y[i] + theta) - digamma(theta) + std::log(theta) + 1.0 - std::log(tm) -
               (y[i] + theta) / tm;
      info += -trigamma(y[i] + theta) + trigamma(theta) - 1.0 / theta + 2.0 / tm -
              (y[i] + theta) / (tm * tm);
    }
    // Newton step on log(theta) keeps theta positive
    const double grad = score * theta;
    const double hess = -info * theta * theta + score * theta;
    double step = hess < 0.0 ? -grad / hess : (score > 0 ? 1.0 : -1.0);
    step = std::max(-3.0, std::min(3.0, step));
    theta *= std::exp(step);
    if (theta > kPoissonTheta) return kPoissonTheta;
    if (std::abs(step) < 1e-8) break;
  }
  return std::max(theta, 1e-4);
}

// Penalty (prior precision) on each coefficient: none on the intercept, the season prior's
// on the season effects, a tiny ridge on the trend and exogenous columns.
Eigen::VectorXd penalty(Eigen::Index p, int n_season, std::size_t n) {
  Eigen::VectorXd pen = Eigen::VectorXd::Constant(p, kRidge * static_cast<double>(n));
  pen(0) = 0.0;
  for (int k = 0; k < n_season; ++k) pen(2 + k) = 1.0 / (kSeasonPriorSd * kSeasonPriorSd);
  return pen;
}

// Penalised IRLS for fixed theta (the posterior mode); cov is the inverse of the penalised
// information (the Laplace approximation of the posterior). Returns false if it diverged.
bool irls(const Eigen::MatrixXd& X, const double* y, double theta, const Eigen::VectorXd& pen,
          Eigen::VectorXd& beta, Eigen::MatrixXd& cov) {
  const auto n = X.rows();
  Eigen::VectorXd eta = X * beta, mu(n), z(n), w(n);
  double dev_old = std::numeric_limits<double>::infinity();
  for (int it = 0; it < 100; ++it) {
    for (Eigen::Index i = 0; i < n; ++i) {
      eta(i) = std::max(-30.0, std::min(30.0, eta(i)));
      mu(i) = std::exp(eta(i));
      w(i) = mu(i) / (1.0 + mu(i) / theta);
      z(i) = eta(i) + (y[i] - mu(i)) / mu(i);
    }
    const Eigen::MatrixXd XtW = X.transpose() * w.asDiagonal();
    Eigen::MatrixXd A = XtW * X;
    A.diagonal() += pen;
    Eigen::LDLT<Eigen::MatrixXd> ldlt(A);
    if (ldlt.info() != Eigen::Success) return false;
    beta = ldlt.solve(XtW * z);
    eta = X * beta;
    double dev = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double m = std::exp(std::max(-30.0, std::min(30.0, eta(i))));
      dev += (y[i] > 0 ? y[i] * std::log(y[i] / m) : 0.0) -
             (y[i] + theta) * std::log((y[i] + theta) / (m + theta));
    }
    if (!std::isfinite(dev)) return false;
    if (std::abs(dev - dev_old) < 1e-9 * (std::abs(dev) + 0.1)) {
      cov = A.inverse();
      return true;
    }
    dev_old = dev;
    if (it == 99) cov = A.inverse();
  }
  return true;
}

// Bounds from simulated counts (n_paths x h, row-major): for each level the smallest simulated
// count whose share of paths at or below it reaches the tail probability (a count, as the
// count intervals are), widened to the whole numbers either side of the mean where they leave
// it out (a forecast of 0.3 is 0 in most paths: its interval would be [0, 0]).
void count_intervals(Forecast& f, const std::vector<double>& paths, std::size_t n_paths, int h,
                     const std::vector<double>& levels) {
  std::vector<double> column;
  column.reserve(n_paths);
  for (int j = 0; j < h; ++j) {
    column.clear();
    for (std::size_t p = 0; p < n_paths; ++p) {
      const double v = paths[p * h + j];
      if (std::isfinite(v)) column.push_back(v);
    }
    if (column.empty()) continue;
    std::sort(column.begin(), column.end());
    const double n = static_cast<double>(column.size());
    auto quantile = [&](double q) {
      // less a rounding allowance: 0.025 * 2000 is 50, not the next double above it
      const double k = std::ceil(q * n - 1e-9) - 1.0;
      return column[static_cast<std::size_t>(std::max(0.0, std::min(n - 1.0, k)))];
    };
    const double mean = f.mean[j];
    for (std::size_t k = 0; k < levels.size(); ++k) {
      double lo = quantile(0.5 - levels[k] / 200.0), hi = quantile(0.5 + levels[k] / 200.0);
      if (std::isfinite(mean)) {
        lo = std::min(lo, std::floor(mean));
        hi = std::max(hi, std::ceil(mean));
      }
      f.lo[k * h + j] = lo;
      f.hi[k * h + j] = hi;
    }
  }
}

}  // namespace

Forecast count_regression(const Series& s, int m, int h, const std::vector<double>& levels,
                          int n_sim, std::uint64_t seed) {
  const std::size_t n = s.n;
  for (std::size_t t = 0; t < n; ++t)
    require(s.y[t] >= 0.0, "CountRegression needs non-negative counts");
  double total = 0.0;
  for (std::size_t t = 0; t < n; ++t) total += s.y[t];
  const bool seasonal = m > 1 && n >= static_cast<std::size_t>(2 * m);
  const std::size_t p_needed = 2 + (seasonal ? m - 1 : 0) + s.n_exog;
  if (total == 0.0 || n < p_needed + 1) {
    Forecast f = naive(s, h, levels);
    f.method = total == 0.0 ? "Naive (no counts in the series)"
                            : "Naive (series too short for the count regression)";
    f.fallback = total != 0.0;
    return f;
  }
  Forecast f = detail::empty_forecast(n, h, levels);
  f.method = "CountRegression (negative binomial)";
  if (!seasonal && m > 1) {
    f.method += " [no season effects: series shorter than two seasons]";
    f.fallback = true;
  }
  const Design d = build_design(s, m, h, seasonal);
  const auto p = d.X.cols();
  const Eigen::VectorXd pen = penalty(p, seasonal ? m : 0, n);
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  beta(0) = std::log(total / static_cast<double>(n));
  Eigen::MatrixXd cov;
  double theta = kPoissonTheta;
  irls(d.X, s.y, theta, pen, beta, cov);  // Poisson start
  for (int outer = 0; outer < 25; ++outer) {
    const Eigen::VectorXd mu = (d.X * beta).array().min(30.0).exp();
    const double next = theta_ml(s.y, mu, theta >= kPoissonTheta ? 10.0 : theta);
    const bool done = std::abs(std::log(next) - std::log(theta)) < 1e-6;
    theta = next;
    if (!irls(d.X, s.y, theta, pen, beta, cov)) break;
    if (done) break;
  }
  const Eigen::VectorXd fitted = (d.X * beta).array().min(30.0).exp();
  for (std::size_t t = 0; t < n; ++t) f.fitted[t] = fitted(t);
  const Eigen::VectorXd eta_f = d.Xf * beta;
  for (int j = 0; j < h; ++j) f.mean[j] = std::exp(std::min(eta_f(j), 30.0));
  if (!levels.empty()) {
    // posterior covariance of the coefficients (inverse penalised information)
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    const Eigen::MatrixXd L = llt.info() == Eigen::Success ? Eigen::MatrixXd(llt.matrixL())
                                                           : Eigen::MatrixXd::Zero(p, p);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::vector<double> paths(static_cast<std::size_t>(n_sim) * h);
    Eigen::VectorXd zvec(p);
    for (int path = 0; path < n_sim; ++path) {
      for (Eigen::Index i = 0; i < p; ++i) zvec(i) = normal(rng);
      const Eigen::VectorXd b = beta + L * zvec;
      const Eigen::VectorXd eta = d.Xf * b;
      for (int j = 0; j < h; ++j) {
        const double mu = std::exp(std::min(eta(j), 30.0));
        double rate = mu;
        if (theta < kPoissonTheta) {
          std::gamma_distribution<double> gamma(theta, mu / theta);
          rate = gamma(rng);
        }
        std::poisson_distribution<long long> poisson(std::max(rate, 1e-12));
        paths[static_cast<std::size_t>(path) * h + j] = static_cast<double>(poisson(rng));
      }
    }
    count_intervals(f, paths, static_cast<std::size_t>(n_sim), h, levels);
  }
  return f;
}

}  // namespace earlyhelp::forecast
