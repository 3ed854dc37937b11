#pragma once
// Statistical forecasting models for one series each, and a runner that fits
// many independent series in parallel. Conventions follow statsforecast (and
// R's forecast package, which it ports) so results can be compared directly.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "earlyhelp/common/progress.hpp"

namespace earlyhelp::forecast {

// One series to forecast: `n` observations (no NaN; gaps already filled by
// the caller), optional exogenous regressors (row-major n x n_exog for the
// history, h x n_exog for the future) and the seasonal position of the first
// observation (e.g. month of year - 1), used by CountRegression.
struct Series {
  const double* y = nullptr;
  std::size_t n = 0;
  const double* X = nullptr;
  const double* X_future = nullptr;
  std::size_t n_exog = 0;
  int phase0 = 0;
};

// The forecast of one series: h means, interval bounds for each level (level
// k occupies [k*h, (k+1)*h)), in-sample one-step fitted values (NaN where the
// model has none) and a description of the model actually used (e.g.
// "ETS(M,Ad,M)", or a note when a fallback was needed).
struct Forecast {
  std::vector<double> mean;
  std::vector<double> lo;
  std::vector<double> hi;
  std::vector<double> fitted;
  std::string method;
  bool fallback = false;  // a simpler model was used than the one asked for
  double loglik = NAN;    // log-likelihood up to a constant (ETS: -0.5 * n log SSE ...)
  double aicc = NAN;      // AICc of the chosen model, where the model has one
  std::array<double, 4> params{NAN, NAN, NAN, NAN};  // ETS alpha, beta, gamma, phi (NaN: not in the model)
};

// The models, named as statsforecast names them.
enum class ModelKind {
  Naive,
  SeasonalNaive,
  AutoETS,
  Theta,
  OptimizedTheta,
  CrostonOptimized,
  TSB,
  CountRegression,
};

// The kind called `name` (e.g. "AutoETS"); throws InputError naming the kinds otherwise.
ModelKind model_kind(const std::string& name);
const char* model_name(ModelKind kind);

// One component of an ETS model; `choose` lets AutoETS pick by AICc.
enum class EtsComponent : char { additive = 'A', multiplicative = 'M', none = 'N', choose = 'Z' };

// The ETS models AutoETS may choose from. The error is never `none` and the
// trend never `multiplicative` (as statsforecast and R's forecast::ets).
struct EtsSpec {
  EtsComponent error = EtsComponent::choose;
  EtsComponent trend = EtsComponent::choose;
  EtsComponent season = EtsComponent::choose;
  std::optional<bool> damped;  // empty: choose
};

// From statsforecast's three letters, error/trend/season, e.g. "ZZZ" or "AAN"
// (error A/M/Z, trend A/N/Z, season A/M/N/Z); throws InputError otherwise.
EtsSpec ets_spec(const std::string& letters, std::optional<bool> damped = std::nullopt);

// What to fit, and the settings the kind uses.
struct ModelSpec {
  ModelKind kind = ModelKind::Naive;
  int season_length = 12;  // SeasonalNaive, AutoETS, Theta, CountRegression
  EtsSpec ets;             // AutoETS
  double alpha_d = 0.1;    // TSB
  double alpha_p = 0.1;    // TSB
  int n_sim = 2000;        // paths for simulated intervals
  std::uint64_t seed = 0;
  bool fitted = true;  // in-sample fitted values wanted (costly for Croston only)
};

// --- one model per source file (cpp/src/forecast/<model>.cpp) -------------
// `levels` are coverage percentages (e.g. 80, 95).
Forecast naive(const Series& s, int h, const std::vector<double>& levels);
Forecast seasonal_naive(const Series& s, int m, int h, const std::vector<double>& levels);
Forecast auto_ets(const Series& s, const ModelSpec& spec, int h, const std::vector<double>& levels);
Forecast theta(const Series& s, int m, bool optimized, int h, const std::vector<double>& levels,
               std::uint64_t seed);
// Fitted values (needed for its intervals too) refit on every prefix of the
// demands, as statsforecast; skipped when neither is wanted.
Forecast croston_optimized(const Series& s, int h, const std::vector<double>& levels,
                           bool with_fitted = true);
Forecast tsb(const Series& s, double alpha_d, double alpha_p, int h,
             const std::vector<double>& levels);
Forecast count_regression(const Series& s, int m, int h, const std::vector<double>& levels,
                          int n_sim, std::uint64_t seed);

// Dispatch one series to the model of spec.kind.
Forecast forecast_one(const Series& s, const ModelSpec& spec, int h,
                      const std::vector<double>& levels);

// Fit every series independently over `n_threads` threads (series are
// independent, so results do not depend on the thread count). Progress is
// reported from the calling thread; Cancelled from it stops all workers.
std::vector<Forecast> forecast_many(const std::vector<Series>& series, const ModelSpec& spec, int h,
                                    const std::vector<double>& levels, int n_threads,
                                    Progress* progress = nullptr);

}  // namespace earlyhelp::forecast
