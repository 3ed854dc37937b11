// The samplers under the Monte Carlo: the ziggurat exponential and the
// destination draws (seen through simulate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "../../src/flow/ziggurat.hpp"
#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

using namespace earlyhelp;

TEST(FlowSampling, ZigguratExponentialHasTheExponentialDistribution) {
  synthetic::detail::Rng rng(12345);
  const auto& draw = flow::detail::ExponentialZiggurat::instance();
  const int n = 200000;
  std::vector<double> x(n);
  double sum = 0, sq = 0;
  uint32_t spare;
  for (double& v : x) {
    v = draw(rng, spare);
    sum += v;
    sq += v * v;
  }
  const double mean = sum / n, var = sq / n - mean * mean;
  EXPECT_NEAR(mean, 1.0, 4 * 1.0 / std::sqrt(n));
  EXPECT_NEAR(var, 1.0, 0.03);
  // Kolmogorov-Smirnov distance to 1 - exp(-x); 1.95 / sqrt(n) is its 0.1% critical value.
  std::sort(x.begin(), x.end());
  double d = 0;
  for (int i = 0; i < n; ++i) {
    const double f = 1 - std::exp(-x[i]);
    d = std::max({d, std::abs(f - static_cast<double>(i) / n), std::abs(f - static_cast<double>(i + 1) / n)});
  }
  EXPECT_LT(d, 1.95 / std::sqrt(n));
  EXPECT_GT(x.back(), 9.0);  // the tail beyond the base layer (7.7) is reached
}

TEST(FlowSampling, DestinationsFollowTheirProbabilities) {
  // State 0 empties fast into 1 (20%), 2 (50%) or out (30%); 1 and 2 are never left.
  flow::SimModel m;
  m.n_states = 3;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {0.5, 0.0, 0.0};
  m.dest = {0.0, 0.2, 0.5, 0.3, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0};
  m.entry_shape = {0.0, 0.0, 0.0};
  m.entry_rate = {1.0, 1.0, 1.0};
  m.entry_age_lo = {0.0, 0.0, 0.0};
  m.entry_age_hi = {1.0, 1.0, 1.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0, 1.0, 1.0};
  m.move_mult.assign(12, 1.0);
  flow::SimOptions o;
  o.days = 60;
  o.period_ends = {59};
  o.regime_of_day.assign(o.days, 0);
  o.runs = 20;
  std::vector<flow::OpenCase> open(5000, flow::OpenCase{0, -1000.0, 0.0});
  auto r = flow::simulate(m, open, o);
  // Series: 3 states x 1 age band, then the 3 state totals, then the total.
  EXPECT_NEAR(r.stocks.mean(0, 1) / 5000, 0.2, 0.005);
  EXPECT_NEAR(r.stocks.mean(0, 2) / 5000, 0.5, 0.005);
  EXPECT_NEAR(r.stocks.mean(0, 6) / 5000, 0.7, 0.005);
}

TEST(FlowSampling, TrendedEntriesFollowTheCurve) {
  // Entry rate exp(a + b t) a day with no uncertainty: entrants in [0, 200) and [200, 400)
  // are the integrals of the curve.
  flow::SimModel m;
  m.n_states = 1;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {1.0};
  m.dest = {0.0, 1.0};
  m.entry_shape = {1.0};
  m.entry_rate = {1.0};
  m.entry_age_lo = {0.0};
  m.entry_age_hi = {100.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0};
  m.move_mult = {1.0, 1.0};
  const double a = std::log(2.0), b = 0.002;
  m.entry_trend = {a, b, 0.0, 0.0, 0.0};
  flow::SimOptions o;
  o.days = 400;
  o.period_ends = {199, 399};
  o.regime_of_day.assign(o.days, 0);
  o.runs = 400;
  auto r = flow::simulate(m, {}, o);
  const auto integral = [&](double t0, double t1) { return std::exp(a) * (std::exp(b * t1) - std::exp(b * t0)) / b; };
  EXPECT_NEAR(r.entrants.mean(0, 0), integral(0, 200), 3.0);
  EXPECT_NEAR(r.entrants.mean(1, 0), integral(200, 400), 3.0);
  m.entry_trend = {a, b, 0.0};  // wrong length
  EXPECT_THROW(flow::simulate(m, {}, o), InputError);
}
