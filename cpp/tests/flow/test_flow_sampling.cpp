// The samplers under the Monte Carlo: the ziggurat exponential and the
// destination draws (seen through simulate).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "../../src/flow/poisson.hpp"
#include "../../src/flow/ziggurat.hpp"
#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

using namespace earlyhelp;

namespace {

// One state entered at 2 a day (no rate uncertainty) and never left, ten 30-day periods.
flow::SimModel steady_entry_model() {
  flow::SimModel m;
  m.n_states = 1;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {0.0};
  m.dest = {0.0, 1.0};
  m.entry_shape = {1e12};
  m.entry_rate = {0.5e12};
  m.entry_age_lo = {0.0};
  m.entry_age_hi = {100.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0};
  m.move_mult = {1.0, 1.0};
  return m;
}

flow::SimOptions monthly_options(int runs) {
  flow::SimOptions o;
  o.days = 300;
  for (int p = 0; p < 10; ++p) o.period_ends.push_back(30 * p + 29);
  o.regime_of_day.assign(o.days, 0);
  o.runs = runs;
  return o;
}

// Mean and variance over runs of series `s` at period `p` (each run simulated alone).
std::pair<double, double> run_moments(const flow::SimModel& m, const std::vector<flow::OpenCase>& open,
                                      flow::SimOptions o, int runs, int p, int s, bool entrants) {
  double sum = 0, sq = 0;
  o.runs = 1;
  for (int r = 0; r < runs; ++r) {
    o.first_run = r;
    const auto res = flow::simulate(m, open, o);
    const double v = entrants ? res.entrants.mean(p, s) : res.stocks.mean(p, s);
    sum += v;
    sq += v * v;
  }
  const double mean = sum / runs;
  return {mean, (sq - runs * mean * mean) / (runs - 1)};
}


// State 0 empties fast (hazard 0.5) into the other states or out as `dest` says (3 x 4
// values); 1 and 2 are never left. 5000 children open in state 0, counted on day 59.
flow::SimModel split_model(std::vector<double> dest) {
  flow::SimModel m;
  m.n_states = 3;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {0.5, 0.0, 0.0};
  m.dest = std::move(dest);
  m.entry_shape = {0.0, 0.0, 0.0};
  m.entry_rate = {1.0, 1.0, 1.0};
  m.entry_age_lo = {0.0, 0.0, 0.0};
  m.entry_age_hi = {1.0, 1.0, 1.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0, 1.0, 1.0};
  m.move_mult.assign(12, 1.0);
  return m;
}

flow::SimOptions split_options() {
  flow::SimOptions o;
  o.days = 60;
  o.period_ends = {59};
  o.regime_of_day.assign(o.days, 0);
  return o;
}

const std::vector<flow::OpenCase> kSplitOpen(5000, flow::OpenCase{0, -1000.0, 0.0});

// 1000 children open at day 0 in the one state of steady_entry_model (no entrants), leaving
// at hazard 0.01; counted on day 30.
flow::SimModel leaving_model() {
  flow::SimModel m = steady_entry_model();
  m.entry_shape = {0.0};
  m.hazard = {0.01};
  return m;
}

flow::SimOptions one_month_options() {
  flow::SimOptions o = monthly_options(1);
  o.days = 31;
  o.period_ends = {30};
  o.regime_of_day.assign(o.days, 0);
  return o;
}

const std::vector<flow::OpenCase> kLeavingOpen(1000, flow::OpenCase{0, -1000.0, 0.0});

}  // namespace

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

// Entrant counts: for means on both sides of the switch from inversion to PTRS (10) and
// beyond the rounded normal's range (30), the draws' frequencies match the Poisson
// probabilities (chi-square over cells of expected count >= 20, 0.1% critical value by the
// Wilson-Hilferty approximation), and so do their mean, variance and skew.
TEST(FlowSampling, PoissonDrawsHaveThePoissonDistribution) {
  synthetic::detail::Rng rng(2024);
  for (double mean : {0.7, 4.0, 9.9, 10.0, 31.0, 250.0, 40000.0}) {
    const int n = 400000;
    std::vector<int> x(n);
    double sum = 0;
    for (int& k : x) sum += k = flow::detail::poisson(rng, mean);
    double m2 = 0, m3 = 0;
    for (int k : x) {
      const double d = k - sum / n;
      m2 += d * d;
      m3 += d * d * d;
    }
    m2 /= n, m3 /= n;
    const double sd = std::sqrt(mean);
    EXPECT_NEAR(sum / n, mean, 4 * sd / std::sqrt(n)) << "mean " << mean;
    EXPECT_NEAR(m2 / mean, 1.0, 0.02) << "mean " << mean;
    EXPECT_NEAR(m3 / std::pow(m2, 1.5), 1 / sd, 0.03) << "mean " << mean;  // skew 1 / sqrt(mean)
    // chi-square against the pmf, cells merged until each expects 20 or more
    const int top = static_cast<int>(mean + 12 * sd + 20);
    std::vector<double> seen(top + 1, 0.0);
    for (int k : x) ++seen[std::min(k, top)];
    double chi2 = 0, expected = 0, observed = 0;
    int df = -1;
    for (int k = 0; k <= top; ++k) {
      expected += n * std::exp(-mean + k * std::log(mean) - std::lgamma(k + 1.0));
      observed += seen[k];
      if (expected >= 20 || k == top) {
        chi2 += (observed - expected) * (observed - expected) / expected;
        ++df;
        expected = observed = 0;
      }
    }
    const double z = 3.09, c = 2.0 / (9.0 * df);
    EXPECT_LT(chi2, df * std::pow(1 - c + z * std::sqrt(c), 3)) << "mean " << mean << ", " << df << " df";
  }
}

TEST(FlowSampling, DestinationsFollowTheirProbabilities) {
  // State 0 empties fast into 1 (20%), 2 (50%) or out (30%).
  const auto m = split_model({0.0, 0.2, 0.5, 0.3, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0});
  auto o = split_options();
  o.runs = 20;
  auto r = flow::simulate(m, kSplitOpen, o);
  // Series: 3 states x 1 age band, then the 3 state totals, then the total.
  EXPECT_NEAR(r.stocks.mean(0, 1) / 5000, 0.2, 0.005);
  EXPECT_NEAR(r.stocks.mean(0, 2) / 5000, 0.5, 0.005);
  EXPECT_NEAR(r.stocks.mean(0, 6) / 5000, 0.7, 0.005);
}

namespace {

// One state, one age band, exits at rate 1 a day, entries at rate 1 a day with no uncertainty.
flow::SimModel one_state_model() {
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
  return m;
}

}  // namespace

TEST(FlowSampling, TrendedEntriesFollowTheCurve) {
  // Entry rate exp(a + b t) a day with no uncertainty: entrants in [0, 200) and [200, 400)
  // are the integrals of the curve.
  flow::SimModel m = one_state_model();
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


TEST(FlowSampling, AddedEntrantsAreThatManyADayWhateverTheTrend) {
  // The trended curve of TrendedEntriesFollowTheCurve, and a scenario adding 3 a day from day
  // 200 (regime 1): the added children are 3 a day, not 3 times the curve over its level.
  flow::SimModel m = one_state_model();
  m.n_regimes = 2;
  m.entry_mult = {1.0, 1.0};
  m.move_mult = {1.0, 1.0, 1.0, 1.0};
  const double a = std::log(2.0), b = 0.002;
  m.entry_trend = {a, b, 0.0, 0.0, 0.0};
  m.entry_add = {0.0, 3.0};
  flow::SimOptions o;
  o.days = 400;
  o.period_ends = {199, 399};
  o.regime_of_day.assign(o.days, 0);
  std::fill(o.regime_of_day.begin() + 200, o.regime_of_day.end(), 1);
  o.runs = 400;
  const auto integral = [&](double t0, double t1) { return std::exp(a) * (std::exp(b * t1) - std::exp(b * t0)) / b; };
  auto r = flow::simulate(m, {}, o);
  EXPECT_NEAR(r.entrants.mean(0, 0), integral(0, 200), 3.0);
  EXPECT_NEAR(r.entrants.mean(1, 0), integral(200, 400) + 3.0 * 200, 4.0);
  // fewer a day come off the rate: 1 a day off a curve above 2 a day
  m.entry_add = {0.0, -1.0};
  r = flow::simulate(m, {}, o);
  EXPECT_NEAR(r.entrants.mean(1, 0), integral(200, 400) - 200, 3.0);
  // a state nobody entered (no rate to draw) still gets the children added
  m.entry_trend.clear();
  m.entry_shape = {0.0};
  m.entry_add = {0.0, 3.0};
  r = flow::simulate(m, {}, o);
  EXPECT_EQ(r.entrants.mean(0, 0), 0.0);
  EXPECT_NEAR(r.entrants.mean(1, 0), 600.0, 4.0);
  m.entry_add = {3.0};  // one value for two regimes
  EXPECT_THROW(flow::simulate(m, {}, o), InputError);
}

TEST(FlowSampling, CostsTooWideToKeepAreNamedAsCosts) {
  // 1000 children a day who never leave, at one unit a day, counted in quanta of 1e-6: the
  // monthly costs of the runs lie far more than 2^24 quanta apart.
  flow::SimModel m = steady_entry_model();
  m.entry_shape = {1e12};
  m.entry_rate = {1e9};
  m.unit_cost = {1.0};
  flow::SimOptions o = monthly_options(40);
  o.cost_quantum = 1e-6;
  try {
    flow::simulate(m, {}, o);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("simulated costs of month"), std::string::npos) << e.what();
  }
}


TEST(FlowSampling, OverdispersedEntriesHaveTheGammaPoissonVariance) {
  // A month's entrants are Poisson given a gamma multiplier of mean 1 and variance w:
  // mean mu, variance mu + w mu^2; months are independent of each other.
  auto m = steady_entry_model();
  m.entry_dispersion = {0.1};
  const auto o = monthly_options(1);
  const double mu = 60.0;
  for (int p : {0, 9}) {
    const auto [mean, var] = run_moments(m, {}, o, 3000, p, 0, true);
    EXPECT_NEAR(mean, mu, 4 * std::sqrt((mu + 0.1 * mu * mu) / 3000));
    EXPECT_NEAR(var / (mu + 0.1 * mu * mu), 1.0, 0.1);
  }
  const auto [mean0, var0] = run_moments(steady_entry_model(), {}, o, 3000, 9, 0, true);
  EXPECT_NEAR(var0 / mu, 1.0, 0.1);  // without: Poisson
  m.entry_dispersion = {-0.1};
  EXPECT_THROW(flow::simulate(m, {}, o), InputError);
}

TEST(FlowSampling, DriftingEntriesKeepTheirMeanAndSpreadWithTime) {
  // The log rate takes a random walk with steps of variance q, mean-corrected: a month's
  // entrants keep mean mu; by period p their variance is mu + mu^2 (exp(q (p + 1)) - 1).
  auto m = steady_entry_model();
  const double q = 0.01, mu = 60.0;
  m.entry_drift = {q};
  const auto o = monthly_options(1);
  for (int p : {0, 9}) {
    const double want = mu + mu * mu * (std::exp(q * (p + 1)) - 1);
    const auto [mean, var] = run_moments(m, {}, o, 3000, p, 0, true);
    EXPECT_NEAR(mean, mu, 4 * std::sqrt(want / 3000));
    EXPECT_NEAR(var / want, 1.0, 0.12);
  }
}

TEST(FlowSampling, HazardsDrawnFromTheirPosteriorWidenTheStock) {
  // 1000 children open at day 0 leave at a hazard h ~ Gamma(50, 5000) drawn per run: the stock
  // at day 30 has variance E[N p (1 - p)] + N^2 Var(p), p = exp(-30 h), not the binomial's.
  flow::SimModel m = leaving_model();
  m.hazard_shape = {50.0};
  m.hazard_rate = {5000.0};
  const auto o = one_month_options();
  const auto& open = kLeavingOpen;
  // Moments of p = exp(-30 h) under the gamma: E[exp(-t h)] = (rate / (rate + t))^shape.
  const double e1 = std::pow(5000.0 / 5030.0, 50), e2 = std::pow(5000.0 / 5060.0, 50);
  const double want = 1000 * (e1 - e2) + 1000.0 * 1000.0 * (e2 - e1 * e1);
  const auto [mean, var] = run_moments(m, open, o, 3000, 0, 0, false);
  EXPECT_NEAR(mean, 1000 * e1, 4 * std::sqrt(want / 3000));
  EXPECT_NEAR(var / want, 1.0, 0.12);
  m.hazard_rate = {0.0};
  EXPECT_THROW(flow::simulate(m, open, o), InputError);
}

TEST(FlowSampling, DestinationsDrawnFromTheirDirichletSpreadTheSplit) {
  // 5000 children leave state 0 for 1 or 2 with shares ~ Dirichlet(20, 80) drawn per run:
  // the share reaching 1 has variance p (1 - p) / 101 + p (1 - p) / 5000 around p = 0.2.
  auto m = split_model({0.0, 0.2, 0.8, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0});
  m.dest_weight = {0.0, 20.0, 80.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  const auto [mean, var] = run_moments(m, kSplitOpen, split_options(), 1500, 0, 1, false);
  const double want = 0.16 / 101 + 0.16 / 5000;
  EXPECT_NEAR(mean / 5000, 0.2, 4 * std::sqrt(want / 1500));
  EXPECT_NEAR(var / 5000 / 5000 / want, 1.0, 0.12);
}

TEST(FlowSampling, KeptRunsAreEachRunsOwnOutcomeInOrder) {
  // keep_runs returns run r's stocks and costs in row r - first_run, whatever thread made it:
  // the same values a call for run r alone gives.
  auto m = steady_entry_model();
  m.entry_dispersion = {0.05};
  m.hazard = {0.02};
  m.unit_cost = {3.0};
  auto o = monthly_options(37);
  o.first_run = 5;
  o.threads = 2;
  o.keep_runs = true;
  const auto all = flow::simulate(m, {}, o);
  const int periods = 10, series = 3;
  ASSERT_EQ(all.run_stocks.size(), static_cast<std::size_t>(37 * periods * series));
  ASSERT_EQ(all.run_costs.size(), static_cast<std::size_t>(37 * periods));
  o.runs = 1;
  o.threads = 1;
  o.keep_runs = false;
  for (int r : {0, 17, 36}) {
    o.first_run = 5 + r;
    const auto one = flow::simulate(m, {}, o);
    for (int p = 0; p < periods; ++p) {
      for (int s = 0; s < series; ++s)
        EXPECT_EQ(all.run_stocks[(static_cast<std::size_t>(r) * periods + p) * series + s], one.stocks.mean(p, s));
      EXPECT_EQ(all.run_costs[static_cast<std::size_t>(r) * periods + p], one.costs.mean(p, 0));
    }
  }
}

TEST(FlowSampling, YearToYearRateChangeSpreadsTheStockAsALognormalFactor) {
  // 1000 children open at day 0 leave at hazard 0.01 times a factor exp(N(-v/2, v)) drawn per
  // run (no other rate uncertainty: a huge gamma shape): the stock at day 30 has mean
  // 1000 E[p] and variance 1000 E[p (1 - p)] + 1000^2 Var(p), p = exp(-0.3 f).
  flow::SimModel m = leaving_model();
  m.hazard_shape = {1e12};
  m.hazard_rate = {1e14};
  m.rate_change = {0.09, 0.0};
  const auto o = one_month_options();
  const auto& open = kLeavingOpen;
  double e1 = 0, e2 = 0;  // E[p], E[p^2] by quadrature over the normal
  for (double z = -8; z <= 8; z += 0.001) {
    const double w = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI) * 0.001;
    const double p = std::exp(-0.3 * std::exp(0.3 * z - 0.045));
    e1 += w * p;
    e2 += w * p * p;
  }
  const double want = 1000 * (e1 - e2) + 1000.0 * 1000.0 * (e2 - e1 * e1);
  const auto [mean, var] = run_moments(m, open, o, 3000, 0, 0, false);
  EXPECT_NEAR(mean, 1000 * e1, 4 * std::sqrt(want / 3000));
  EXPECT_NEAR(var / want, 1.0, 0.12);
  m.rate_change = {0.09};  // wrong length
  EXPECT_THROW(flow::simulate(m, open, o), InputError);
}
