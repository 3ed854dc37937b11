#pragma once
// Shared pieces of the intermittent-demand models (Croston, TSB).
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "detail.hpp"

namespace earlyhelp::forecast::detail {

// Throws InputError unless every value is non-negative: demand sizes and the
// intervals between demands mean nothing on a series with negative values.
inline void require_non_negative(const double* y, std::size_t n, const char* model) {
  for (std::size_t t = 0; t < n; ++t)
    require(y[t] >= 0.0, [&] {
      return std::string(model) + " needs non-negative values (demand counts): observation " + std::to_string(t) +
             " is " + std::to_string(y[t]);
    });
}

// Spread per-demand fitted values (index k = after k demands) over the
// periods, holding the last value between demands (statsforecast layout).
inline std::vector<double> expand_fitted(const std::vector<double>& fitted, const double* y,
                                         std::size_t n, bool intervals) {
  std::vector<double> out(n, std::numeric_limits<double>::quiet_NaN());
  std::size_t idx = 0;
  for (std::size_t i = 1; i < n; ++i) {
    const bool event = intervals ? y[i - 1] != 0.0 : y[i - 1] > 0.0;
    if (event) {
      ++idx;
      double v = idx < fitted.size() ? fitted[idx] : fitted.back();
      out[i] = (intervals && v == 0.0) ? 1.0 : v;
    } else if (idx > 0) {
      out[i] = out[i - 1];
    } else {
      out[i] = intervals ? 1.0 : y[i - 1];
    }
  }
  return out;
}

// Interval bounds from the empirical quantiles of the in-sample one-step
// errors added to the (flat) mean, both clipped at zero for non-negative series.
// statsforecast offers only conformal intervals for these models.
inline void residual_intervals(Forecast& f, const double* y, std::size_t n,
                               const std::vector<double>& levels) {
  std::vector<double> res;
  bool nonneg = true;
  for (std::size_t t = 0; t < n; ++t) {
    nonneg = nonneg && y[t] >= 0.0;
    if (std::isfinite(f.fitted[t])) res.push_back(y[t] - f.fitted[t]);
  }
  if (res.size() < 2) return;
  std::sort(res.begin(), res.end());
  const std::size_t h = f.mean.size();
  for (std::size_t k = 0; k < levels.size(); ++k) {
    const double qlo = sorted_quantile(res, 0.5 - levels[k] / 200.0);
    const double qhi = sorted_quantile(res, 0.5 + levels[k] / 200.0);
    for (std::size_t j = 0; j < h; ++j) {
      const double lo = f.mean[j] + qlo, hi = f.mean[j] + qhi;
      // both bounds clipped: a negative upper bound would sit below the clipped lower one
      f.lo[k * h + j] = nonneg ? std::max(lo, 0.0) : lo;
      f.hi[k * h + j] = nonneg ? std::max(hi, 0.0) : hi;
    }
  }
}

}  // namespace earlyhelp::forecast::detail
