// A cap limits the days a child spends in a state, not in one episode: a move to a new episode
// in the same state (a move between foster placements, a new legal status) does not restart it.
#include <gtest/gtest.h>

#include <cmath>

#include "earlyhelp/flow/flow.hpp"

using namespace earlyhelp;

namespace {

// One state whose episodes end at `hazard` a day, 90% of them into a new episode of the same
// state: stays in the state last ten episodes on average. One entrant a day.
flow::SimModel placement_moves(double hazard) {
  flow::SimModel m;
  m.n_states = 1;
  m.age_edges = {0.0};
  m.dur_edges = {0.0};
  m.hazard = {hazard};
  m.dest = {0.9, 0.1};
  m.entry_shape = {1e6};
  m.entry_rate = {1e6};
  m.entry_age_lo = {0.0};
  m.entry_age_hi = {3000.0};
  m.max_age = 1e9;
  m.entry_mult = {1.0, 1.0};
  m.move_mult = {1.0, 1.0, 1.0, 1.0};
  m.n_regimes = 2;
  m.max_duration = {150.0};
  return m;
}

flow::SimOptions horizon(int days, int switch_day) {
  flow::SimOptions o;
  o.days = days;
  o.period_ends = {days - 1};
  o.regime_of_day.assign(days, 0);
  // a second regime (the same rates) from switch_day: the children before it are followed one
  // by one, those after it in cohorts
  for (int d = switch_day; d < days; ++d) o.regime_of_day[d] = 1;
  o.seed = 3;
  o.runs = 40;
  o.threads = 1;
  return o;
}

}  // namespace

TEST(FlowSimulateCap, CountsTheDaysInTheStateAcrossNewEpisodesOfIt) {
  // Episodes of 100 days on average, a stay in the state of 1000: with the cap at 150 days in
  // the state, the steady stock is the entrants' days in the state up to 150, about
  // sum over u < 150 of exp(-u / 1000) = 139; restarting the cap at each episode would keep
  // about 259 (a stay then ends only when one episode reaches 150 days).
  for (int switch_day : {1, 1999}) {  // cohorts; children followed one by one
    const auto m = placement_moves(0.01);
    const auto r = flow::simulate(m, {}, horizon(2000, switch_day));
    EXPECT_NEAR(r.stocks.mean(0, 0), 139.0, 10.0) << "regime switch on day " << switch_day;
  }
}

TEST(FlowSimulateCap, AnOpenCaseCountsItsEarlierEpisodesInTheState) {
  // 100 children in the state for 200 days, their current episode begun 10 days ago: past the
  // cap of 150 days, they leave at once; the episode's 10 days alone would keep most of them.
  auto m = placement_moves(0.01);
  m.entry_shape = {0.0};
  m.entry_rate = {0.0};
  std::vector<flow::OpenCase> open(100, flow::OpenCase{0, -3000.0, -10.0, -200.0});
  for (int switch_day : {1, 199}) {
    auto o = horizon(200, switch_day);
    o.period_ends = {30};
    const auto r = flow::simulate(m, open, o);
    EXPECT_EQ(r.stocks.quantile(0, 0, 1.0), 0) << "regime switch on day " << switch_day;
  }
  // the same children counted from their episode's start: most are still there on day 30
  std::vector<flow::OpenCase> episodes(100, flow::OpenCase{0, -3000.0, -10.0});
  auto o = horizon(200, 1);
  o.period_ends = {30};
  EXPECT_GT(flow::simulate(m, episodes, o).stocks.mean(0, 0), 50.0);
}

TEST(FlowSimulateCap, RefusesAStayBegunAfterItsEpisode) {
  auto m = placement_moves(0.01);
  std::vector<flow::OpenCase> open(1, flow::OpenCase{0, -3000.0, -10.0, -5.0});
  EXPECT_THROW(flow::simulate(m, open, horizon(20, 1)), InputError);
}
