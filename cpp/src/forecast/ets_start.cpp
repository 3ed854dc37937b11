// R's arithmetic for AutoETS's start values (R's initstate). Nelder-Mead's path
// depends on the last digits of its start, so the start is computed as R
// computes it: means as R's mean() (extended precision, one correction pass),
// the moving average summed as R's filter(), the line as R's lsfit().
#include <cmath>
#include <vector>

#include "earlyhelp/forecast/ets.hpp"

namespace earlyhelp::forecast::ets {

double r_mean(const double* x, std::size_t n) {
  long double s = 0.0L;
  for (std::size_t i = 0; i < n; ++i) s += x[i];
  s /= static_cast<long double>(n);
  if (std::isfinite(static_cast<double>(s))) {
    long double t = 0.0L;
    for (std::size_t i = 0; i < n; ++i) t += x[i] - s;
    s += t / static_cast<long double>(n);
  }
  return static_cast<double>(s);
}

// Intercept and slope of the least squares line through (1, v[0]), ..., (n, v[n-1])
// as R's lsfit() computes them: Householder QR of [1, t] (LINPACK dqrdc2), Q'v
// and back substitution (dqrsl), summed in the same order.
void r_line_fit(const double* v, std::size_t n, double& intercept, double& slope) {
  if (n < 2) {
    intercept = n == 1 ? v[0] : 0.0;
    slope = 0.0;
    return;
  }
  std::vector<double> cols[2] = {std::vector<double>(n, 1.0), std::vector<double>(n)};
  for (std::size_t i = 0; i < n; ++i) cols[1][i] = static_cast<double>(i + 1);
  double qraux[2] = {0.0, 0.0};
  for (std::size_t l = 0; l < 2 && l + 1 < n; ++l) {  // no reflection for the last row
    std::vector<double>& c = cols[l];
    double ss = 0.0;
    for (std::size_t i = l; i < n; ++i) ss += c[i] * c[i];
    double norm = std::sqrt(ss);
    if (norm == 0.0) continue;
    if (c[l] != 0.0) norm = std::copysign(norm, c[l]);
    const double inv = 1.0 / norm;
    for (std::size_t i = l; i < n; ++i) c[i] = inv * c[i];
    c[l] = 1.0 + c[l];
    if (l == 0) {
      double t = 0.0;
      for (std::size_t i = 0; i < n; ++i) t += c[i] * cols[1][i];
      t = -t / c[0];
      for (std::size_t i = 0; i < n; ++i) cols[1][i] = cols[1][i] + t * c[i];
    }
    qraux[l] = c[l];
    c[l] = -norm;
  }
  std::vector<double> qty(v, v + n);
  for (std::size_t j = 0; j < 2; ++j) {
    if (qraux[j] == 0.0) continue;
    std::vector<double>& c = cols[j];
    const double diagonal = c[j];
    c[j] = qraux[j];
    double t = 0.0;
    for (std::size_t i = j; i < n; ++i) t += c[i] * qty[i];
    t = -t / c[j];
    for (std::size_t i = j; i < n; ++i) qty[i] = qty[i] + t * c[i];
    c[j] = diagonal;
  }
  slope = qty[1] / cols[1][1];
  intercept = (qty[0] + (-slope) * cols[1][0]) / cols[0][0];
}

// Seasonal component of R's decompose(): a centred moving average (2 x m for
// even m), the mean detrended value per position in the season, centred.
std::vector<double> r_decompose_seasonal(const double* y, std::size_t n, int m, bool mult) {
  const bool even = m % 2 == 0;
  const std::size_t nf = static_cast<std::size_t>(even ? m + 1 : m), shift = nf / 2;
  std::vector<double> weights(nf, 1.0 / m);
  if (even) weights.front() = weights.back() = 0.5 / m;
  std::vector<std::vector<double>> by_position(m);
  for (std::size_t i = nf - 1 - shift; i + shift < n; ++i) {
    double z = 0.0;
    for (std::size_t j = 0; j < nf; ++j) z += weights[j] * y[i + shift - j];
    const double d = mult ? y[i] / z : y[i] - z;
    if (!std::isnan(d)) by_position[i % m].push_back(d);
  }
  std::vector<double> figure(m);
  for (int i = 0; i < m; ++i)
    figure[i] = by_position[i].empty() ? NAN : r_mean(by_position[i].data(), by_position[i].size());
  const double centre = r_mean(figure.data(), figure.size());
  for (double& f : figure) f = mult ? f / centre : f - centre;
  std::vector<double> seasonal(n);
  for (std::size_t t = 0; t < n; ++t) seasonal[t] = figure[t % m];
  return seasonal;
}

}  // namespace earlyhelp::forecast::ets
