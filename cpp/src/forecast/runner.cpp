// Dispatch to the models and fit many independent series over threads.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/models.hpp"

namespace earlyhelp::forecast {

Forecast forecast_one(const Series& s, const ModelSpec& spec, int h,
                      const std::vector<double>& levels) {
  require(h >= 1, "forecast horizon h must be at least 1");
  require(s.n >= 1, "a series needs at least one observation");
  for (double level : levels) require(level > 0.0 && level < 100.0, "levels must be in (0, 100)");
  // the models assume finite data (gaps filled by the caller): NaN or inf would come back
  // as NaN forecasts, or overflow inside the count model
  for (std::size_t t = 0; t < s.n; ++t)
    require(std::isfinite(s.y[t]), [&] {
      return "y must be finite (no NaN or inf): observation " + std::to_string(t) + " is " + std::to_string(s.y[t]);
    });
  for (std::size_t i = 0; i < s.n * s.n_exog; ++i)
    require(std::isfinite(s.X[i]), "exogenous values must be finite (no NaN or inf)");
  for (std::size_t i = 0; i < static_cast<std::size_t>(h) * s.n_exog; ++i)
    require(std::isfinite(s.X_future[i]), "future exogenous values must be finite (no NaN or inf)");
  require(spec.n_sim >= 1, "n_sim (simulated paths) must be at least 1");
  switch (spec.kind) {
    case ModelKind::Naive: return naive(s, h, levels);
    case ModelKind::SeasonalNaive: return seasonal_naive(s, spec.season_length, h, levels);
    case ModelKind::AutoETS: return auto_ets(s, spec, h, levels);
    case ModelKind::Theta: return theta(s, spec.season_length, false, h, levels, spec.seed);
    case ModelKind::OptimizedTheta: return theta(s, spec.season_length, true, h, levels, spec.seed);
    case ModelKind::CrostonOptimized: return croston_optimized(s, h, levels, spec.fitted);
    case ModelKind::TSB: return tsb(s, spec.alpha_d, spec.alpha_p, h, levels);
    case ModelKind::CountRegression:
      return count_regression(s, spec.season_length, h, levels, spec.n_sim, spec.seed);
  }
  throw InputError("unknown model kind " + std::to_string(static_cast<int>(spec.kind)));
}

std::vector<Forecast> forecast_many(const std::vector<Series>& series, const ModelSpec& spec, int h,
                                    const std::vector<double>& levels, int n_threads,
                                    Progress* progress) {
  const std::size_t total = series.size();
  std::vector<Forecast> out(total);
  std::atomic<std::size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  // Takes the next series and forecasts it; false when there is nothing left or a
  // worker has failed (the first error is kept and rethrown by the caller).
  auto forecast_next = [&]() -> bool {
    if (stop.load()) return false;
    const std::size_t i = next.fetch_add(1);
    if (i >= total) return false;
    try {
      try {
        out[i] = forecast_one(series[i], spec, h, levels);
      } catch (const InputError& e) {  // say which series
        throw InputError("series " + std::to_string(i) + ": " + e.what());
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      stop.store(true);
      return false;
    }
    done.fetch_add(1);
    return true;
  };
  auto work = [&]() {
    while (forecast_next()) {
    }
  };
  const int workers = std::max(1, std::min<int>(n_threads, static_cast<int>(total)));
  std::vector<std::thread> threads;
  for (int t = 1; t < workers; ++t) threads.emplace_back(work);
  // the calling thread works too, and is the only one reporting progress
  try {
    while (forecast_next()) report(progress, done.load(), total);
    for (auto& th : threads) th.join();
    threads.clear();
    if (!error) report(progress, total, total);
  } catch (...) {  // Cancelled from the progress reporter
    stop.store(true);
    for (auto& th : threads) th.join();
    throw;
  }
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace earlyhelp::forecast
