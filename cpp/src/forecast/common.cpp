// Helpers shared by the forecasting models: intervals, SES, Nelder-Mead,
// classical decomposition and the seasonality test.
#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "detail.hpp"

namespace earlyhelp::forecast::detail {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double normal_z(double level) {
  static const boost::math::normal_distribution<double> standard;
  return boost::math::quantile(standard, 0.5 + level / 200.0);
}

Forecast empty_forecast(std::size_t n, int h, const std::vector<double>& levels) {
  Forecast f;
  f.mean.assign(h, kNaN);
  f.lo.assign(levels.size() * h, kNaN);
  f.hi.assign(levels.size() * h, kNaN);
  f.fitted.assign(n, kNaN);
  return f;
}

void normal_intervals(Forecast& f, const std::vector<double>& sigma_h,
                      const std::vector<double>& levels) {
  const std::size_t h = f.mean.size();
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double z = normal_z(levels[k]);
    for (std::size_t j = 0; j < h; ++j) {
      f.lo[k * h + j] = f.mean[j] - z * sigma_h[j];
      f.hi[k * h + j] = f.mean[j] + z * sigma_h[j];
    }
  }
}

double sorted_quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(pos));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double frac = pos - static_cast<double>(below);
  return sorted[below] + frac * (sorted[above] - sorted[below]);
}

void path_intervals(Forecast& f, std::vector<double>& paths, std::size_t n_paths, int h,
                    const std::vector<double>& levels) {
  std::vector<double> column(n_paths);
  for (int j = 0; j < h; ++j) {
    std::size_t kept = 0;
    for (std::size_t p = 0; p < n_paths; ++p) {
      const double v = paths[p * h + j];
      if (std::isfinite(v)) column[kept++] = v;
    }
    std::vector<double> sorted(column.begin(), column.begin() + kept);
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t k = 0; k < levels.size(); ++k) {
      f.lo[k * h + j] = sorted_quantile(sorted, 0.5 - levels[k] / 200.0);
      f.hi[k * h + j] = sorted_quantile(sorted, 0.5 + levels[k] / 200.0);
    }
  }
}

double ses(const double* x, std::size_t n, double alpha, double* fitted) {
  double level = x[0];
  if (fitted != nullptr) fitted[0] = x[0];
  for (std::size_t i = 1; i < n; ++i) {
    level = alpha * x[i - 1] + (1.0 - alpha) * level;
    if (fitted != nullptr) fitted[i] = level;
  }
  return n > 1 ? alpha * x[n - 1] + (1.0 - alpha) * level : x[0];
}

double ses_optimal_alpha(const double* x, std::size_t n, double lo, double hi) {
  auto sse = [&](double alpha) {
    double level = x[0], total = 0.0;
    for (std::size_t i = 1; i < n; ++i) {
      level = alpha * x[i - 1] + (1.0 - alpha) * level;
      total += (x[i] - level) * (x[i] - level);
    }
    return total;
  };
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = lo, b = hi;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = sse(c), fd = sse(d);
  while (b - a > 1e-8) {
    if (fc < fd) {
      b = d; d = c; fd = fc;
      c = b - ratio * (b - a); fc = sse(c);
    } else if (fd < fc) {
      a = c; c = d; fc = fd;
      d = a + ratio * (b - a); fd = sse(d);
    } else {
      // a tie (a flat objective, e.g. two values: every alpha fits them alike): stop at
      // the middle, as statsforecast does, rather than drift to one bound
      break;
    }
  }
  return 0.5 * (a + b);
}

NelderMeadResult nelder_mead(const std::function<double(const double*)>& f,
                             std::vector<double> x0, const std::vector<double>& lower,
                             const std::vector<double>& upper, double tol_std, int max_iter,
                             double init_step, double zero_pert) {
  const std::size_t n = x0.size();
  auto clamp = [&](std::vector<double>& x) {
    for (std::size_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], lower[i]), upper[i]);
  };
  clamp(x0);
  // adaptive coefficients (Gao and Han), as statsforecast uses
  const double dn = static_cast<double>(n);
  const double reflect = 1.0, expand = 1.0 + 2.0 / dn, contract = 0.75 - 1.0 / (2.0 * dn),
               shrink = 1.0 - 1.0 / dn;
  std::vector<std::vector<double>> simplex(n + 1, x0);
  for (std::size_t i = 0; i < n; ++i) {
    double v = simplex[i][i];
    v = (v == 0.0) ? zero_pert : v * (1.0 + init_step);
    simplex[i][i] = std::min(std::max(v, lower[i]), upper[i]);
  }
  std::vector<double> values(n + 1);
  for (std::size_t i = 0; i <= n; ++i) values[i] = f(simplex[i].data());
  std::vector<std::size_t> order(n + 1);
  std::vector<double> centroid(n), xr(n), xe(n), xc(n);
  int it = 0;
  std::size_t best = 0;
  for (; it < max_iter; ++it) {
    double mean = std::accumulate(values.begin(), values.end(), 0.0) / (dn + 1.0);
    double var = 0.0;
    for (double v : values) var += (v - mean) * (v - mean);
    if (std::sqrt(var / (dn + 1.0)) < tol_std) break;
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    best = order[0];
    const std::size_t worst = order[n], second = order[n - 1];
    std::fill(centroid.begin(), centroid.end(), 0.0);
    for (std::size_t r = 0; r <= n; ++r) {
      if (r == worst) continue;
      for (std::size_t i = 0; i < n; ++i) centroid[i] += simplex[r][i] / dn;
    }
    for (std::size_t i = 0; i < n; ++i) xr[i] = centroid[i] + reflect * (centroid[i] - simplex[worst][i]);
    clamp(xr);
    const double fr = f(xr.data());
    if (values[best] <= fr && fr < values[second]) {
      simplex[worst] = xr; values[worst] = fr;
      continue;
    }
    if (fr < values[best]) {
      for (std::size_t i = 0; i < n; ++i) xe[i] = centroid[i] + expand * (xr[i] - centroid[i]);
      clamp(xe);
      const double fe = f(xe.data());
      if (fe < fr) { simplex[worst] = xe; values[worst] = fe; }
      else { simplex[worst] = xr; values[worst] = fr; }
      continue;
    }
    if (values[second] <= fr && fr < values[worst]) {
      for (std::size_t i = 0; i < n; ++i) xc[i] = centroid[i] + contract * (xr[i] - centroid[i]);
      clamp(xc);
      const double fc = f(xc.data());
      if (fc <= fr) { simplex[worst] = xc; values[worst] = fc; continue; }
    } else {
      for (std::size_t i = 0; i < n; ++i) xc[i] = centroid[i] - contract * (xr[i] - centroid[i]);
      clamp(xc);
      const double fc = f(xc.data());
      if (fc < values[worst]) { simplex[worst] = xc; values[worst] = fc; continue; }
    }
    for (std::size_t r = 0; r <= n; ++r) {
      if (r == best) continue;
      for (std::size_t i = 0; i < n; ++i)
        simplex[r][i] = simplex[best][i] + shrink * (simplex[r][i] - simplex[best][i]);
      clamp(simplex[r]);
      values[r] = f(simplex[r].data());
    }
  }
  best = static_cast<std::size_t>(std::min_element(values.begin(), values.end()) - values.begin());
  return {simplex[best], values[best], it + 1};
}

std::vector<double> seasonal_component(const double* y, std::size_t n, int m, bool multiplicative) {
  // centred moving average: 2 x m for even m, m for odd m
  std::vector<double> trend(n, kNaN);
  const std::size_t half = static_cast<std::size_t>(m / 2);
  for (std::size_t t = half; t + half < n; ++t) {
    double s = 0.0;
    if (m % 2 == 0) {
      s = 0.5 * y[t - half] + 0.5 * y[t + half];
      for (std::size_t k = t - half + 1; k < t + half; ++k) s += y[k];
    } else {
      for (std::size_t k = t - half; k <= t + half; ++k) s += y[k];
    }
    trend[t] = s / m;
  }
  std::vector<double> avg(m, 0.0);
  std::vector<int> count(m, 0);
  for (std::size_t t = 0; t < n; ++t) {
    if (std::isnan(trend[t])) continue;
    const double d = multiplicative ? y[t] / trend[t] : y[t] - trend[t];
    if (std::isnan(d)) continue;
    avg[t % m] += d;
    count[t % m] += 1;
  }
  double mean = 0.0;
  for (int i = 0; i < m; ++i) {
    avg[i] = count[i] > 0 ? avg[i] / count[i] : kNaN;
    mean += avg[i];
  }
  mean /= m;
  for (int i = 0; i < m; ++i) avg[i] = multiplicative ? avg[i] / mean : avg[i] - mean;
  std::vector<double> seasonal(n);
  for (std::size_t t = 0; t < n; ++t) seasonal[t] = avg[t % m];
  return seasonal;
}

bool seasonality_test(const double* y, std::size_t n, int m) {
  // acf as statsmodels (biased, mean removed), 90% one-sided test at lag m
  double mean = 0.0;
  for (std::size_t t = 0; t < n; ++t) mean += y[t];
  mean /= static_cast<double>(n);
  double denom = 0.0;
  for (std::size_t t = 0; t < n; ++t) denom += (y[t] - mean) * (y[t] - mean);
  if (denom <= 0.0) return false;
  std::vector<double> r(m + 1, 0.0);
  for (int k = 1; k <= m; ++k) {
    double s = 0.0;
    for (std::size_t t = static_cast<std::size_t>(k); t < n; ++t) s += (y[t] - mean) * (y[t - k] - mean);
    r[k] = s / denom;
  }
  double acc = 0.0;
  for (int k = 1; k < m; ++k) acc += r[k] * r[k];
  const double stat = std::sqrt((1.0 + 2.0 * acc) / static_cast<double>(n));
  return std::abs(r[m]) / stat > normal_z(90.0);  // z(0.95), as statsforecast
}

}  // namespace earlyhelp::forecast::detail
