// Seasonal naive: the value one season ago; intervals from the seasonal
// difference residuals, sigma * sqrt(floor((step - 1) / m) + 1), as
// statsforecast. Series shorter than one season fall back to Naive.
#include <cmath>

#include "earlyhelp/common/error.hpp"
#include "detail.hpp"

namespace earlyhelp::forecast {

Forecast seasonal_naive(const Series& s, int m, int h, const std::vector<double>& levels) {
  require(m >= 1, "season_length must be at least 1");
  if (m == 1 || s.n <= static_cast<std::size_t>(m)) {
    Forecast f = naive(s, h, levels);
    if (m > 1) {
      f.method = "Naive (series shorter than one season plus one)";
      f.fallback = true;
    }
    return f;
  }
  Forecast f = detail::empty_forecast(s.n, h, levels);
  f.method = "SeasonalNaive";
  const std::size_t n = s.n, mm = static_cast<std::size_t>(m);
  for (int j = 0; j < h; ++j) f.mean[j] = s.y[n - mm + (static_cast<std::size_t>(j) % mm)];
  double sse = 0.0;
  for (std::size_t t = mm; t < n; ++t) {
    f.fitted[t] = s.y[t - mm];
    sse += (s.y[t] - s.y[t - mm]) * (s.y[t] - s.y[t - mm]);
  }
  const double sigma = std::sqrt(sse / static_cast<double>(n - mm));
  std::vector<double> sigma_h(h);
  for (int j = 0; j < h; ++j) sigma_h[j] = sigma * std::sqrt(std::floor(static_cast<double>(j) / m) + 1.0);
  detail::normal_intervals(f, sigma_h, levels);
  return f;
}

}  // namespace earlyhelp::forecast
