// Theta method in the state space form of Fiorucci et al. (2016), as
// statsforecast's Theta (STM: theta = 2) and OptimizedTheta (OTM: theta
// estimated). Seasonality tested at lag m and removed by classical
// decomposition (multiplicative unless the series has zeros), put back on
// the forecasts. Intervals simulated from the model's own recursion.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>

#include "detail.hpp"

namespace earlyhelp::forecast {

namespace {

using Row = std::array<double, 5>;  // level, mean of y, A_n, B_n, mu (one-step forecast)
constexpr double kInf = std::numeric_limits<double>::infinity();

// One transition at time index i from `prev` (y ignored when use_mu).
inline Row step(const Row& prev, std::size_t i, double alpha, double theta, double y, bool use_mu) {
  Row cur;
  const double di = static_cast<double>(i);
  cur[4] = prev[0] + (1.0 - 1.0 / theta) *
                         (prev[2] * std::pow(1.0 - alpha, di) +
                          prev[3] * (1.0 - std::pow(1.0 - alpha, di + 1.0)) / alpha);
  if (use_mu) y = cur[4];
  cur[0] = alpha * y + (1.0 - alpha) * prev[0];
  cur[1] = (di * prev[1] + y) / (di + 1.0);
  cur[2] = prev[2];
  cur[3] = prev[3];
  return cur;
}

// Filter the series; fills residuals and returns the last state row. The
// returned criterion is statsforecast's: SSE after the first 3 points / mean|y|.
double filter(const std::vector<double>& y, double level0, double alpha, double theta,
              std::vector<double>* resid, Row* last) {
  const std::size_t n = y.size();
  const double dn = static_cast<double>(n);
  double mean = 0.0, weighted = 0.0, mean_abs = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    mean += y[t];
    weighted += y[t] * static_cast<double>(t + 1);
    mean_abs += std::abs(y[t]);
  }
  mean /= dn;
  weighted /= dn;
  mean_abs /= dn;
  const double B = 6.0 * (2.0 * weighted - (dn + 1.0) * mean) / (dn * dn - 1.0);
  const double A = mean - (dn + 1.0) * B / 2.0;
  Row row{alpha * y[0] + (1.0 - alpha) * level0, y[0], A, B,
          level0 + (1.0 - 1.0 / theta) * (A + B)};
  double sse = 0.0;
  if (resid != nullptr) (*resid)[0] = y[0] - row[4];
  for (std::size_t i = 1; i < n; ++i) {
    const Row next = step(row, i, alpha, theta, y[i], false);
    const double e = y[i] - next[4];
    if (resid != nullptr) (*resid)[i] = e;
    if (i >= 3) sse += e * e;
    row = next;
  }
  if (last != nullptr) *last = row;
  return sse / std::max(mean_abs, 1e-10);
}

}  // namespace

Forecast theta(const Series& s, int m, bool optimized, int h, const std::vector<double>& levels,
               std::uint64_t seed) {
  const std::size_t n = s.n;
  if (n <= 3) {
    Forecast f = naive(s, h, levels);
    f.method = "Naive (series too short for Theta)";
    f.fallback = true;
    return f;
  }
  std::vector<double> y(s.y, s.y + n);
  // seasonal test and decomposition
  bool decompose = false, multiplicative = true;
  std::vector<double> seasonal;
  if (m >= 4 && n >= static_cast<std::size_t>(2 * m)) decompose = detail::seasonality_test(s.y, n, m);
  if (decompose) {
    const bool positive = std::all_of(y.begin(), y.end(), [](double v) { return v > 0.0; });
    multiplicative = positive;
    seasonal = detail::seasonal_component(s.y, n, m, multiplicative);
    if (multiplicative && std::any_of(seasonal.begin(), seasonal.end(), [](double v) { return v < 0.01; })) {
      multiplicative = false;
      seasonal = detail::seasonal_component(s.y, n, m, false);
    }
    for (std::size_t t = 0; t < n; ++t) y[t] = multiplicative ? y[t] / seasonal[t] : y[t] - seasonal[t];
  }
  // estimate initial level, alpha (and theta for OTM) by bounded Nelder-Mead
  std::vector<double> x0{y[0] / 2.0, 0.5}, lo{-1e10, 0.1}, hi{1e10, 0.99};
  if (optimized) { x0.push_back(2.0); lo.push_back(1.0); hi.push_back(1e10); }
  auto objective = [&](const double* v) {
    const double crit = filter(y, v[0], v[1], optimized ? v[2] : 2.0, nullptr, nullptr);
    return std::isnan(crit) ? kInf : std::max(crit, -1e10);
  };
  const auto best = detail::nelder_mead(objective, x0, lo, hi, 1e-4, 1000);
  const double level0 = best.x[0], alpha = best.x[1], th = optimized ? best.x[2] : 2.0;
  std::vector<double> resid(n);
  Row last;
  filter(y, level0, alpha, th, &resid, &last);

  Forecast f = detail::empty_forecast(n, h, levels);
  f.method = optimized ? "OptimizedTheta" : "Theta";
  if (decompose) f.method += multiplicative ? " (multiplicative seasonal)" : " (additive seasonal)";
  Row row = last;
  for (int j = 0; j < h; ++j) {
    row = step(row, n + j, alpha, th, 0.0, true);
    f.mean[j] = row[4];
  }
  for (std::size_t t = 0; t < n; ++t) f.fitted[t] = y[t] - resid[t];

  if (!levels.empty() && n > 4) {
    // statsforecast: sigma of the residuals after the first three, simulated paths
    double mean = 0.0;
    for (std::size_t t = 3; t < n; ++t) mean += resid[t];
    mean /= static_cast<double>(n - 3);
    double var = 0.0;
    for (std::size_t t = 3; t < n; ++t) var += (resid[t] - mean) * (resid[t] - mean);
    const double sigma = std::sqrt(var / static_cast<double>(n - 4));
    double mean_y = 0.0;
    for (double v : y) mean_y += v;
    mean_y /= static_cast<double>(n);
    const int n_sim = 2000;
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, sigma);
    std::vector<double> paths(static_cast<std::size_t>(n_sim) * h);
    for (int p = 0; p < n_sim; ++p) {
      double level = last[0], A = last[2], B = last[3], my = mean_y;
      for (int j = 0; j < h; ++j) {
        const double i = static_cast<double>(n + j);
        double v = level + (1.0 - 1.0 / th) *
                               (A * std::pow(1.0 - alpha, i) + B * (1.0 - std::pow(1.0 - alpha, i + 1.0)) / alpha);
        v += noise(rng);
        paths[static_cast<std::size_t>(p) * h + j] = v;
        level = alpha * v + (1.0 - alpha) * level;
        my = (i * my + v) / (i + 1.0);
        B = ((i - 1.0) * B + 6.0 * (v - my) / (i + 1.0)) / (i + 2.0);
        A = my - B * (i + 2.0) / 2.0;
      }
    }
    detail::path_intervals(f, paths, n_sim, h, levels);
  }
  if (decompose) {
    // the last season of the seasonal component, repeated
    auto put_back = [&](double v, std::size_t idx) {
      const double sv = seasonal[idx];
      return multiplicative ? v * sv : v + sv;
    };
    const std::size_t mm = static_cast<std::size_t>(m);
    for (int j = 0; j < h; ++j) {
      const std::size_t idx = n - mm + static_cast<std::size_t>(j) % mm;
      f.mean[j] = put_back(f.mean[j], idx);
      for (std::size_t k = 0; k < levels.size(); ++k) {
        f.lo[k * h + j] = put_back(f.lo[k * h + j], idx);
        f.hi[k * h + j] = put_back(f.hi[k * h + j], idx);
      }
    }
    for (std::size_t t = 0; t < n; ++t) f.fitted[t] = put_back(f.fitted[t], t);
  }
  return f;
}

}  // namespace earlyhelp::forecast
