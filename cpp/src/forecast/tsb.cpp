// Teunter-Syntetos-Babai: demand probability and demand size smoothed
// separately with fixed alpha_p and alpha_d, as statsforecast's TSB.
#include <algorithm>

#include "earlyhelp/common/error.hpp"
#include "intermittent.hpp"

namespace earlyhelp::forecast {

Forecast tsb(const Series& s, double alpha_d, double alpha_p, int h,
             const std::vector<double>& levels) {
  require(alpha_d > 0.0 && alpha_d <= 1.0 && alpha_p > 0.0 && alpha_p <= 1.0,
          "TSB alpha_d and alpha_p must be in (0, 1]");
  detail::require_non_negative(s.y, s.n, "TSB");
  Forecast f = detail::empty_forecast(s.n, h, levels);
  f.method = "TSB";
  std::vector<double> sizes, occurs(s.n);
  for (std::size_t t = 0; t < s.n; ++t) {
    if (s.y[t] > 0.0) sizes.push_back(s.y[t]);
    occurs[t] = s.y[t] != 0.0 ? 1.0 : 0.0;
  }
  if (sizes.empty()) {
    std::fill(f.mean.begin(), f.mean.end(), 0.0);
    for (std::size_t t = 1; t < s.n; ++t) f.fitted[t] = 0.0;
    detail::residual_intervals(f, s.y, s.n, levels);
    return f;
  }
  std::vector<double> p_fit(s.n), d_fit(sizes.size() + 1);
  const double p_fc = detail::ses(occurs.data(), s.n, alpha_p, p_fit.data());
  const double d_fc = detail::ses(sizes.data(), sizes.size(), alpha_d, d_fit.data());
  std::fill(f.mean.begin(), f.mean.end(), p_fc * d_fc);
  d_fit[0] = NAN;
  d_fit[sizes.size()] = d_fc;
  const auto d_expanded = detail::expand_fitted(d_fit, s.y, s.n, false);
  for (std::size_t t = 1; t < s.n; ++t) f.fitted[t] = p_fit[t] * d_expanded[t];
  detail::residual_intervals(f, s.y, s.n, levels);
  return f;
}

}  // namespace earlyhelp::forecast
