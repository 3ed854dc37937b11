#include <gtest/gtest.h>

#include <cmath>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

using namespace earlyhelp;

TEST(FlowProject, TwoStateSteadyState) {
  // Entry 1/day into state 0, 0 -> 1 at 0.01/day, 1 leaves at 0.02/day: steady state 100 and 50.
  flow::Projection m;
  m.n_states = 2;
  m.exits_column = true;
  m.rates = {0.0, 0.01, 0.0, 0.0, 0.0, 0.02};
  m.entrants = {1.0, 0.0};
  std::vector<int32_t> regimes(20000, 0);
  auto x = flow::project(m, {0.0, 0.0}, regimes);
  EXPECT_NEAR(x[x.size() - 2], 100.0, 1e-6);
  EXPECT_NEAR(x[x.size() - 1], 50.0, 1e-6);
}

TEST(FlowProject, RejectsNegativeRates) {
  flow::Projection m;
  m.n_states = 1;
  m.rates = {-0.1};
  m.entrants = {0.0};
  EXPECT_THROW(flow::project(m, {1.0}, {0}), InputError);
}

TEST(FlowBands, QuantilesMergeExactly) {
  flow::Bands a(1, 1), b(1, 1), all(1, 1);
  for (int v = 0; v < 50; ++v) {
    a.add(0, 0, v);
    all.add(0, 0, v);
  }
  for (int v = 50; v < 100; ++v) {
    b.add(0, 0, v);
    all.add(0, 0, v);
  }
  a.merge(b);
  for (double q : {0.05, 0.5, 0.95}) EXPECT_EQ(a.quantile(0, 0, q), all.quantile(0, 0, q));
  EXPECT_EQ(a.quantile(0, 0, 0.5), 49);
  auto back = flow::Bands::from_flat(a.to_flat());
  EXPECT_EQ(back.quantile(0, 0, 0.95), a.quantile(0, 0, 0.95));
}

TEST(FlowBands, OutlyingRunsTurnACellSparseWithTheSameQuantiles) {
  // Two clusters a million apart: dense bins would need a million slots for 100 values.
  flow::Bands sparse(1, 1), dense_a(1, 1), dense_b(1, 1);
  for (int v = 0; v < 50; ++v) {
    sparse.add(0, 0, v);
    dense_a.add(0, 0, v);
  }
  for (int v = 0; v < 50; ++v) {
    sparse.add(0, 0, 1'000'000 + v);
    dense_b.add(0, 0, 1'000'000 + v);
  }
  // the flat state lists the values held, not the span between them
  EXPECT_LT(sparse.to_flat().size(), 1000u);
  EXPECT_EQ(sparse.quantile(0, 0, 0.25), 24);
  EXPECT_EQ(sparse.quantile(0, 0, 0.75), 1'000'024);
  EXPECT_EQ(sparse.runs(0, 0), 100);
  EXPECT_DOUBLE_EQ(sparse.mean(0, 0), (49.0 * 50 / 2 + (1'000'000.0 * 50 + 49.0 * 50 / 2)) / 100);
  // dense merged with dense across the gap, sparse merged into dense: the same quantiles
  dense_a.merge(dense_b);
  flow::Bands into_dense(1, 1);
  into_dense.add(0, 0, 3);
  into_dense.merge(sparse);
  for (double q : {0.05, 0.25, 0.5, 0.75, 0.95}) {
    EXPECT_EQ(dense_a.quantile(0, 0, q), sparse.quantile(0, 0, q));
    EXPECT_EQ(flow::Bands::from_flat(sparse.to_flat()).quantile(0, 0, q), sparse.quantile(0, 0, q));
  }
  EXPECT_EQ(into_dense.runs(0, 0), 101);
  EXPECT_EQ(into_dense.quantile(0, 0, 0.0), 0);
  EXPECT_LT(dense_a.to_flat().size(), 1000u);
}

namespace {
flow::SimModel one_state(double hazard, double entry_per_day) {
  flow::SimModel m;
  m.n_states = 1;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {hazard};
  m.dest = {0.0, 1.0};
  m.entry_shape = {1e6};
  m.entry_rate = {1e6 / entry_per_day};
  m.entry_age_lo = {0.0};
  m.entry_age_hi = {3000.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0};
  m.move_mult = {1.0, 1.0};
  m.unit_cost = {1.0};
  return m;
}
}  // namespace

TEST(FlowSimulate, MeanMatchesTheoryAndSplitsAgree) {
  // M/M/inf queue: stationary mean = arrival rate / hazard = 2 / 0.02 = 100.
  auto m = one_state(0.02, 2.0);
  flow::SimOptions o;
  o.days = 1500;
  o.period_ends = {1499};
  o.regime_of_day.assign(o.days, 0);
  o.seed = 7;
  o.runs = 400;
  o.threads = 2;
  auto r = flow::simulate(m, {}, o);
  EXPECT_NEAR(r.stocks.mean(0, 0), 100.0, 3.0);
  // The same runs split in two calls give identical histograms.
  o.runs = 150;
  o.threads = 1;
  auto a = flow::simulate(m, {}, o);
  o.first_run = 150;
  o.runs = 250;
  auto b = flow::simulate(m, {}, o);
  a.stocks.merge(b.stocks);
  for (double q : {0.05, 0.5, 0.95}) EXPECT_EQ(a.stocks.quantile(0, 0, q), r.stocks.quantile(0, 0, q));
}

TEST(FlowSimulate, RejectsDestinationsThatDoNotSum) {
  auto m = one_state(0.02, 2.0);
  m.dest = {0.3, 0.3};
  flow::SimOptions o;
  o.days = 10;
  o.period_ends = {9};
  o.regime_of_day.assign(10, 0);
  o.runs = 1;
  EXPECT_THROW(flow::simulate(m, {}, o), InputError);
}

TEST(FlowSimulate, CapEndsStaysIncludingOpenCasesPastIt) {
  auto m = one_state(0.001, 1.0);
  m.max_duration = {30.0};
  flow::SimOptions o;
  o.days = 400;
  o.period_ends = {399};
  o.regime_of_day.assign(o.days, 0);
  o.runs = 50;
  // 100 open cases already 200 days in: all leave at once; entrants stay at most 30 days.
  std::vector<flow::OpenCase> open(100, flow::OpenCase{0, -3000.0, -200.0});
  auto r = flow::simulate(m, open, o);
  EXPECT_LE(r.stocks.quantile(0, 0, 1.0), 60);
  EXPECT_NEAR(r.stocks.mean(0, 0), 30.0, 5.0);
}

TEST(FlowProject, CapKeepsOnlyTheStaysShorterThanIt) {
  // Entry 1/day, exit 0.01/day, stays capped at 50 days: the steady stock is about
  // sum over u < 50 of 0.99^u = 39.5 (100 without the cap).
  flow::Projection m;
  m.n_states = 1;
  m.exits_column = true;
  m.rates = {0.0, 0.01};
  m.entrants = {1.0};
  m.cap_group = {0};
  m.cap_days = {50};
  m.initial_elapsed = {std::vector<double>(51, 0.0)};
  m.cap_survival = {std::vector<double>(50, 0.99)};
  std::vector<int32_t> regimes(2000, 0);
  auto x = flow::project(m, {0.0}, regimes);
  EXPECT_NEAR(x.back(), (1 - std::pow(0.99, 50)) / 0.01, 0.5);
  m.initial_elapsed[0].assign(50, 1.0);  // wrong length
  EXPECT_THROW(flow::project(m, {0.0}, regimes), InputError);
}

TEST(FlowBands, RefuseARangeTooWideToKeep) {
  flow::Bands b(1, 1);
  b.add(0, 0, 0);
  EXPECT_THROW(b.add(0, 0, int64_t{1} << 25), InputError);
  b.add(0, 0, 1000);  // still usable
  EXPECT_EQ(b.quantile(0, 0, 1.0), 1000);
}

TEST(FlowSimulate, AChildThatNeverStopsMovingIsAnErrorNotDropped) {
  // Exit rate 100 a day, every exit back into the same state: about 40,000 moves in 400
  // days. Stopping after 10,000 would leave the child out of every later stock.
  auto m = one_state(100.0, 1e-9);
  m.dest = {1.0, 0.0};
  flow::SimOptions o;
  o.days = 400;
  o.period_ends = {399};
  o.regime_of_day.assign(o.days, 0);
  o.runs = 1;
  std::vector<flow::OpenCase> open(1, flow::OpenCase{0, -3000.0, 0.0});
  try {
    flow::simulate(m, open, o);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("moved between states"), std::string::npos) << e.what();
  }
}
