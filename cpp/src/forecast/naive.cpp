// Naive: the last value repeated; intervals from the random-walk residual
// standard deviation, sigma * sqrt(step), as statsforecast computes them.
#include <cmath>

#include "earlyhelp/common/error.hpp"
#include "detail.hpp"

namespace earlyhelp::forecast {

Forecast naive(const Series& s, int h, const std::vector<double>& levels) {
  require(s.n >= 1, "Naive needs at least one observation");
  Forecast f = detail::empty_forecast(s.n, h, levels);
  f.method = "Naive";
  for (int j = 0; j < h; ++j) f.mean[j] = s.y[s.n - 1];
  double sse = 0.0;
  for (std::size_t t = 1; t < s.n; ++t) {
    f.fitted[t] = s.y[t - 1];
    sse += (s.y[t] - s.y[t - 1]) * (s.y[t] - s.y[t - 1]);
  }
  // statsforecast divides the n-1 residuals' sum of squares by n-1
  const double sigma = s.n > 1 ? std::sqrt(sse / static_cast<double>(s.n - 1)) : NAN;
  std::vector<double> sigma_h(h);
  for (int j = 0; j < h; ++j) sigma_h[j] = sigma * std::sqrt(static_cast<double>(j + 1));
  detail::normal_intervals(f, sigma_h, levels);
  return f;
}

}  // namespace earlyhelp::forecast
