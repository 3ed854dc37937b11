#pragma once
// Helpers shared by the forecasting models (private to cpp/src/forecast/).
#include <cstddef>
#include <functional>
#include <vector>

#include "earlyhelp/forecast/models.hpp"

namespace earlyhelp::forecast::detail {

// Standard normal quantile for a central interval of `level` percent.
double normal_z(double level);

// lo/hi = mean -/+ z(level) * sigma_h for each level (statsforecast layout).
void normal_intervals(Forecast& f, const std::vector<double>& sigma_h,
                      const std::vector<double>& levels);

// Empirical interval bounds from simulated paths (n_paths x h, row-major),
// using linear-interpolation quantiles like numpy's default.
void path_intervals(Forecast& f, std::vector<double>& paths, std::size_t n_paths, int h,
                    const std::vector<double>& levels);

// Linear-interpolation quantile of a sorted vector (numpy default).
double sorted_quantile(const std::vector<double>& sorted, double q);

// Forecast with NaN intervals sized for h and levels.
Forecast empty_forecast(std::size_t n, int h, const std::vector<double>& levels);

// Simple exponential smoothing: returns the one-step forecast after the last
// observation; fitted[i] is the forecast of x[i] (fitted[0] = x[0]).
double ses(const double* x, std::size_t n, double alpha, double* fitted = nullptr);

// alpha in [lo, hi] minimising the SES sum of squared one-step errors
// (golden-section search, as statsforecast's optimised SES: an exact tie
// between the two inner points ends the search at the middle of the bracket).
double ses_optimal_alpha(const double* x, std::size_t n, double lo, double hi);

// Bounded Nelder-Mead minimiser (points clamped to the box), the variant
// statsforecast uses for ETS and Theta (adaptive coefficients, stop when the
// standard deviation of the simplex values falls below tol_std).
struct NelderMeadResult {
  std::vector<double> x;
  double value = 0.0;
  int iterations = 0;
};
NelderMeadResult nelder_mead(const std::function<double(const double*)>& f,
                             std::vector<double> x0, const std::vector<double>& lower,
                             const std::vector<double>& upper, double tol_std = 1e-4,
                             int max_iter = 1000, double init_step = 0.05,
                             double zero_pert = 1e-4);

// Classical (moving average) seasonal decomposition as statsmodels'
// seasonal_decompose: the seasonal component (length n) for period m.
std::vector<double> seasonal_component(const double* y, std::size_t n, int m,
                                       bool multiplicative);

// Whether the series is seasonal at lag m by the 90% ACF test statsforecast's
// Theta uses.
bool seasonality_test(const double* y, std::size_t n, int m);

}  // namespace earlyhelp::forecast::detail
