#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/models.hpp"

using namespace earlyhelp::forecast;

namespace {

ModelSpec spec_of(ModelKind kind) {
  ModelSpec spec;
  spec.kind = kind;
  return spec;
}

Series as_series(const std::vector<double>& y) {
  Series s;
  s.y = y.data();
  s.n = y.size();
  return s;
}

// Monthly counts with a known multiplicative season and a level.
std::vector<double> seasonal_counts(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<double> y(n);
  for (int t = 0; t < n; ++t) {
    const double lam = 80.0 * (1.0 + 0.3 * std::sin(2.0 * M_PI * t / 12.0));
    y[t] = static_cast<double>(std::poisson_distribution<int>(lam)(rng));
  }
  return y;
}

class CancelAtOnce : public earlyhelp::Progress {
 public:
  void update(std::size_t, std::size_t) override { throw earlyhelp::Cancelled(); }
};

}  // namespace

TEST(ForecastModels, NaiveAndSeasonalNaive) {
  std::vector<double> y;
  for (int t = 0; t < 30; ++t) y.push_back(t % 12 + 0.5 * t);
  const auto s = as_series(y);
  const auto naive_fc = forecast_one(s, spec_of(ModelKind::Naive), 3, {80.0});
  for (double v : naive_fc.mean) EXPECT_DOUBLE_EQ(v, y.back());
  // the interval widens with sqrt(step)
  const double w1 = naive_fc.hi[0] - naive_fc.lo[0], w3 = naive_fc.hi[2] - naive_fc.lo[2];
  EXPECT_NEAR(w3 / w1, std::sqrt(3.0), 1e-12);
  ModelSpec seasonal = spec_of(ModelKind::SeasonalNaive);
  seasonal.season_length = 12;
  const auto sn = forecast_one(s, seasonal, 14, {});
  for (int j = 0; j < 14; ++j) EXPECT_DOUBLE_EQ(sn.mean[j], y[30 - 12 + (j % 12)]);
}

TEST(ForecastModels, AutoEtsFindsTheSeasonAndForecastsIt) {
  const auto y = seasonal_counts(96, 3);
  ModelSpec spec = spec_of(ModelKind::AutoETS);
  const auto f = forecast_one(as_series(y), spec, 12, {95.0});
  EXPECT_EQ(f.method.find(",N)"), std::string::npos) << f.method;  // a seasonal model
  EXPECT_FALSE(f.fallback);
  EXPECT_TRUE(std::isfinite(f.aicc));
  for (int j = 0; j < 12; ++j) {
    const double truth = 80.0 * (1.0 + 0.3 * std::sin(2.0 * M_PI * (96 + j) / 12.0));
    EXPECT_NEAR(f.mean[j], truth, 0.15 * truth);
    EXPECT_LT(f.lo[j], f.mean[j]);
    EXPECT_GT(f.hi[j], f.mean[j]);
  }
}

TEST(ForecastModels, ThreadsDoNotChangeResults) {
  std::vector<std::vector<double>> data;
  std::vector<Series> series;
  for (unsigned i = 0; i < 12; ++i) data.push_back(seasonal_counts(40 + 5 * i, i));
  for (const auto& y : data) series.push_back(as_series(y));
  ModelSpec spec = spec_of(ModelKind::AutoETS);
  const auto one = forecast_many(series, spec, 6, {80.0}, 1);
  const auto two = forecast_many(series, spec, 6, {80.0}, 2);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].method, two[i].method);
    EXPECT_EQ(one[i].mean, two[i].mean);
    EXPECT_EQ(one[i].lo, two[i].lo);
  }
}

TEST(ForecastModels, ShortSeriesFallBack) {
  const std::vector<double> y{3.0, 4.0, 5.0};
  ModelSpec spec = spec_of(ModelKind::AutoETS);
  const auto f = forecast_one(as_series(y), spec, 2, {});
  EXPECT_TRUE(f.fallback);
  EXPECT_EQ(f.method.rfind("Naive", 0), 0u) << f.method;
  EXPECT_DOUBLE_EQ(f.mean[0], 5.0);
}

TEST(ForecastModels, BadInputAndCancel) {
  const auto y = seasonal_counts(24, 1);
  const auto s = as_series(y);
  EXPECT_THROW(forecast_one(s, spec_of(ModelKind::Naive), 0, {}), earlyhelp::InputError);
  EXPECT_THROW(model_kind("Prophet"), earlyhelp::InputError);
  EXPECT_THROW(forecast_one(s, spec_of(ModelKind::Naive), 3, {100.0}), earlyhelp::InputError);
  std::vector<double> negative{1.0, -2.0, 3.0, 4.0, 5.0, 6.0};
  EXPECT_THROW(forecast_one(as_series(negative), spec_of(ModelKind::CountRegression), 3, {}),
               earlyhelp::InputError);
  CancelAtOnce cancel;
  std::vector<Series> many(8, s);
  EXPECT_THROW(forecast_many(many, spec_of(ModelKind::AutoETS), 3, {}, 2, &cancel), earlyhelp::Cancelled);
}

TEST(ForecastModels, KindsAndEtsLettersAsStatsforecastSpellsThem) {
  EXPECT_EQ(model_kind("AutoETS"), ModelKind::AutoETS);
  EXPECT_EQ(model_kind("CountRegression"), ModelKind::CountRegression);
  for (auto kind : {ModelKind::Naive, ModelKind::SeasonalNaive, ModelKind::AutoETS, ModelKind::Theta,
                    ModelKind::OptimizedTheta, ModelKind::CrostonOptimized, ModelKind::TSB,
                    ModelKind::CountRegression})
    EXPECT_EQ(model_kind(model_name(kind)), kind);
  try {
    model_kind("Prophet");
    FAIL() << "expected InputError";
  } catch (const earlyhelp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown model kind 'Prophet'"), std::string::npos);
  }
  const EtsSpec aan = ets_spec("AAN", false);
  EXPECT_EQ(aan.error, EtsComponent::additive);
  EXPECT_EQ(aan.trend, EtsComponent::additive);
  EXPECT_EQ(aan.season, EtsComponent::none);
  EXPECT_EQ(aan.damped, std::optional<bool>(false));
  EXPECT_FALSE(ets_spec("ZZZ").damped.has_value());
  EXPECT_THROW(ets_spec("ZZ"), earlyhelp::InputError);
  EXPECT_THROW(ets_spec("NZZ"), earlyhelp::InputError);  // the error cannot be none
  EXPECT_THROW(ets_spec("ZMZ"), earlyhelp::InputError);  // nor the trend multiplicative
  // A spec built field by field is checked by the model too.
  std::vector<double> y(30, 5.0);
  ModelSpec spec = spec_of(ModelKind::AutoETS);
  spec.ets.error = EtsComponent::none;
  EXPECT_THROW(forecast_one(as_series(y), spec, 3, {}), earlyhelp::InputError);
}

// ---- edge series councils produce -------------------------------------------------------

TEST(ForecastEdgeSeries, NonFiniteValuesAreInputErrorsForEveryModel) {
  const double nan = std::nan(""), inf = HUGE_VAL;
  for (auto kind : {ModelKind::Naive, ModelKind::SeasonalNaive, ModelKind::AutoETS, ModelKind::Theta,
                    ModelKind::OptimizedTheta, ModelKind::CrostonOptimized, ModelKind::TSB,
                    ModelKind::CountRegression}) {
    for (double bad : {nan, inf, -inf}) {
      std::vector<double> y{1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0};
      y[3] = bad;
      EXPECT_THROW(forecast_one(as_series(y), spec_of(kind), 3, {80.0}), earlyhelp::InputError)
          << model_name(kind) << " with " << bad;
    }
  }
  // exogenous values too, and the error names the series
  std::vector<double> y{1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0}, X(8, 1.0), Xf(3, 1.0);
  Series s = as_series(y);
  s.X = X.data();
  s.X_future = Xf.data();
  s.n_exog = 1;
  Xf[2] = nan;
  EXPECT_THROW(forecast_one(s, spec_of(ModelKind::CountRegression), 3, {}), earlyhelp::InputError);
  std::vector<double> z{1.0, 2.0, nan};
  try {
    forecast_many({as_series(y), as_series(z)}, spec_of(ModelKind::Naive), 2, {}, 1);
    FAIL() << "expected InputError";
  } catch (const earlyhelp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("series 1"), std::string::npos) << e.what();
  }
  ModelSpec none = spec_of(ModelKind::CountRegression);
  none.n_sim = 0;
  EXPECT_THROW(forecast_one(as_series(y), none, 3, {80.0}), earlyhelp::InputError);
}

TEST(ForecastEdgeSeries, IntermittentModelsRejectNegativeValues) {
  const std::vector<double> y{0.0, 2.0, 0.0, -1.0, 0.0, 3.0, 0.0, 0.0};
  EXPECT_THROW(forecast_one(as_series(y), spec_of(ModelKind::CrostonOptimized), 3, {}), earlyhelp::InputError);
  EXPECT_THROW(forecast_one(as_series(y), spec_of(ModelKind::TSB), 3, {}), earlyhelp::InputError);
}

TEST(ForecastEdgeSeries, CrostonWithTwoDemandsMatchesStatsforecast) {
  // Two demands and two intervals: the smoothing objective is flat in alpha, and
  // statsforecast's golden section stops at the middle of [0.1, 0.3]: sizes 4, 6 give
  // 0.2 * 6 + 0.8 * 4 = 4.4 (not the 4.6 of alpha 0.3).
  const std::vector<double> y{4.0, 6.0};
  const auto f = forecast_one(as_series(y), spec_of(ModelKind::CrostonOptimized), 2, {});
  EXPECT_NEAR(f.mean[0], 4.4, 1e-9);
  // demands 5 and 4 three periods apart: sizes 5, 4 -> 4.8; intervals 1, 3 -> 1.4
  const std::vector<double> z{5.0, 0.0, 0.0, 4.0, 0.0};
  const auto g = forecast_one(as_series(z), spec_of(ModelKind::CrostonOptimized), 2, {});
  EXPECT_NEAR(g.mean[0], 4.8 / 1.4, 1e-9);
}

TEST(ForecastEdgeSeries, IntermittentIntervalsNeverHaveLowerAboveUpper) {
  // one demand at the start, then nothing (a closed service): the one-step errors are all
  // below the forecast, so the upper bound fell below the lower one clipped at zero
  std::vector<double> y(24, 0.0);
  y[0] = 3.0;
  for (auto kind : {ModelKind::TSB, ModelKind::CrostonOptimized}) {
    const auto f = forecast_one(as_series(y), spec_of(kind), 4, {80.0, 95.0});
    for (std::size_t i = 0; i < f.lo.size(); ++i) {
      EXPECT_GE(f.lo[i], 0.0) << model_name(kind);
      EXPECT_LE(f.lo[i], f.hi[i]) << model_name(kind) << " at " << i;
    }
  }
}

TEST(ForecastEdgeSeries, EveryModelOnEveryEdgeSeries) {
  // Zeros, constants, one demand, lengths 1 to 13, a long run of zeros at either end, huge and
  // tiny values, seasons longer than the series: every model returns finite point forecasts
  // and ordered bounds (run under the sanitizers by scripts/test-sanitizers.sh).
  std::vector<std::vector<double>> edge;
  edge.push_back(std::vector<double>(24, 0.0));
  edge.push_back(std::vector<double>(24, 5.0));
  for (std::size_t n = 1; n <= 13; ++n) {
    std::vector<double> y(n);
    for (std::size_t t = 0; t < n; ++t) y[t] = static_cast<double>((t * 7) % 5);
    edge.push_back(y);
  }
  std::vector<double> one(24, 0.0);
  one[0] = 3.0;
  edge.push_back(one);
  one[0] = 0.0;
  one[20] = 7.0;
  edge.push_back(one);
  auto counts = seasonal_counts(48, 3);
  std::vector<double> closed = counts, opened = counts;
  for (std::size_t t = 30; t < 48; ++t) closed[t] = 0.0;
  for (std::size_t t = 0; t < 30; ++t) opened[t] = 0.0;
  edge.push_back(closed);
  edge.push_back(opened);
  std::vector<double> huge(36), tiny(36);
  for (std::size_t t = 0; t < 36; ++t) {
    huge[t] = 1e12 - 1e9 * static_cast<double>(t % 7);
    tiny[t] = 1e-12 * (1.0 + static_cast<double>(t % 5));
  }
  edge.push_back(huge);
  edge.push_back(tiny);
  for (auto kind : {ModelKind::Naive, ModelKind::SeasonalNaive, ModelKind::AutoETS, ModelKind::Theta,
                    ModelKind::OptimizedTheta, ModelKind::CrostonOptimized, ModelKind::TSB,
                    ModelKind::CountRegression}) {
    for (int m : {1, 12, 52}) {
      ModelSpec spec = spec_of(kind);
      spec.season_length = m;
      spec.n_sim = 200;
      for (std::size_t e = 0; e < edge.size(); ++e) {
        const auto f = forecast_one(as_series(edge[e]), spec, 13, {50.0, 99.9});
        for (double v : f.mean) EXPECT_TRUE(std::isfinite(v)) << model_name(kind) << " m=" << m << " series " << e;
        for (std::size_t i = 0; i < f.lo.size(); ++i) {
          if (!std::isnan(f.lo[i]) && !std::isnan(f.hi[i])) {
            EXPECT_LE(f.lo[i], f.hi[i]) << model_name(kind) << " m=" << m << " series " << e;
          }
        }
      }
    }
  }
}

TEST(ForecastEdgeSeries, CountRegressionMonthWithNoEventsHasBoundedCountIntervals) {
  // every other month 0 in all three years: the effect of those months had no finite maximum
  // likelihood value, its standard error was about 17 on the log scale, and the 95% upper bound
  // reached thousands on a series that never exceeded 1
  std::vector<double> y;
  for (int t = 0; t < 36; ++t) y.push_back(t % 2 == 0 ? 1.0 : 0.0);
  ModelSpec spec = spec_of(ModelKind::CountRegression);
  spec.season_length = 12;
  const auto f = forecast_one(as_series(y), spec, 12, {80.0, 95.0});
  for (int j = 0; j < 12; ++j) {
    const double hi95 = f.hi[12 + j];
    EXPECT_LE(hi95, j % 2 == 0 ? 5.0 : 3.0) << "step " << j;
    for (int k = 0; k < 2; ++k) {
      const double lo = f.lo[k * 12 + j], hi = f.hi[k * 12 + j];
      EXPECT_EQ(lo, std::floor(lo));  // counts: whole numbers
      EXPECT_EQ(hi, std::floor(hi));
      EXPECT_LE(lo, f.mean[j]);
      EXPECT_GE(hi, f.mean[j]);
    }
  }
}
