// Croston's method with optimised smoothing (alpha in [0.1, 0.3] by least
// squares, separately for demand sizes and inter-demand intervals), as
// statsforecast's CrostonOptimized.
#include <algorithm>

#include "intermittent.hpp"

namespace earlyhelp::forecast {

namespace {
double optimised_ses(const std::vector<double>& x, std::size_t n) {
  const double alpha = detail::ses_optimal_alpha(x.data(), n, 0.1, 0.3);
  return detail::ses(x.data(), n, alpha);
}
}  // namespace

Forecast croston_optimized(const Series& s, int h, const std::vector<double>& levels,
                           bool with_fitted) {
  detail::require_non_negative(s.y, s.n, "CrostonOptimized");
  std::vector<double> sizes, intervals;
  std::size_t last = 0;
  for (std::size_t t = 0; t < s.n; ++t) {
    if (s.y[t] > 0.0) sizes.push_back(s.y[t]);
    if (s.y[t] != 0.0) {
      intervals.push_back(static_cast<double>(t + 1 - last));
      last = t + 1;
    }
  }
  if (sizes.empty()) {
    Forecast f = naive(s, h, levels);
    f.method = "Naive (no demand in the series)";
    return f;
  }
  Forecast f = detail::empty_forecast(s.n, h, levels);
  f.method = "CrostonOptimized";
  const double size_fc = optimised_ses(sizes, sizes.size());
  const double interval_fc = optimised_ses(intervals, intervals.size());
  const double mean = interval_fc != 0.0 ? size_fc / interval_fc : size_fc;
  std::fill(f.mean.begin(), f.mean.end(), mean);
  if (!with_fitted && levels.empty()) return f;  // the prefix refits are O(n^2)
  // fitted: refit on each prefix of demands, as statsforecast does
  std::vector<double> size_fit(sizes.size() + 1, NAN), interval_fit(intervals.size() + 1, NAN);
  for (std::size_t i = 0; i < sizes.size(); ++i) size_fit[i + 1] = optimised_ses(sizes, i + 1);
  for (std::size_t i = 0; i < intervals.size(); ++i) {
    const double v = optimised_ses(intervals, i + 1);
    interval_fit[i + 1] = v == 0.0 ? 1.0 : v;
  }
  const auto sz = detail::expand_fitted(size_fit, s.y, s.n, false);
  const auto iv = detail::expand_fitted(interval_fit, s.y, s.n, true);
  for (std::size_t t = 0; t < s.n; ++t) f.fitted[t] = sz[t] / iv[t];
  detail::residual_intervals(f, s.y, s.n, levels);
  return f;
}

}  // namespace earlyhelp::forecast
