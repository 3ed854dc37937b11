#pragma once
// Stock-flow models of children's services: a deterministic daily Markov
// projection of stocks by state (the cs-demand-model update), and a Monte
// Carlo simulation of individual children whose time in a state follows a
// piecewise-constant hazard (survival-based durations), with bands kept as
// per-period histograms rather than every run.
//
// Time is in days from the projection start (day 0). Scenarios are "regimes":
// day d uses regime regime_of_day[d], each with its own rate multipliers.
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/progress.hpp"

namespace earlyhelp::flow {

// ---- deterministic projection ------------------------------------------------
// x_{d+1}[i] = x_d[i] - out_d[i] + sum_j in_d[j -> i] + entrants[k][i], with
// out_d[i] = clamp(x_d[i] * sum_j R_k[i][j], 0, x_d[i]) shared among the
// destinations j in proportion to R_k[i][j]; k = regime_of_day[d]. Destination
// column n (when `exits_column` is true, R has n + 1 columns) leaves the model.
//
// Duration caps: bins may belong to a capped group (a state over its age
// bins; moves between bins of one group, such as ageing, stay inside it).
// The group's stock is followed as daily cohorts by days since entering the
// group: the cohorts' profile follows the group's survival curve (the chance
// of staying another day after u days, `cap_survival`, from the duration
// hazards the Monte Carlo uses), their level is the Markov stock, and the
// part still there when it reaches the cap is moved out that day, to the
// bins' other destinations in proportion to their rates (or out of the
// model). The initial stock's cohorts come from the days it had already
// spent in the group.
struct Projection {
  int n_states = 0;
  int n_regimes = 1;
  bool exits_column = false;
  std::vector<double> rates;     // n_regimes x n x (n or n + 1), daily, row-major
  std::vector<double> entrants;  // n_regimes x n, children entering per day
  std::vector<int32_t> cap_group;  // n: capped group of each bin, -1 for none (empty: no caps)
  std::vector<int32_t> cap_days;   // per group: the longest stay, whole days (>= 1)
  // per group, cap_days[g] + 1 values: initial stock by days already spent in
  // the group (0 .. cap - 1), then the stock already at or past the cap
  std::vector<std::vector<double>> initial_elapsed;
  std::vector<std::vector<double>> cap_survival;  // per group, cap_days[g] values in [0, 1]
};

// Returns (days + 1) x n stocks, row d the stocks at the start of day d.
std::vector<double> project(const Projection& model, const std::vector<double>& initial,
                            const std::vector<int32_t>& regime_of_day);

// ---- streaming bands ------------------------------------------------------------
// Outcomes of one histogram too far apart to count (a Bands cell's span): the least and the
// greatest, so that a caller can say which outcome it was (a stock, a cost).
class RangeError : public InputError {
 public:
  RangeError(int64_t least, int64_t greatest, const std::string& what)
      : InputError(what), least(least), greatest(greatest) {}
  int64_t least, greatest;
};

// One integer histogram per (period, series): values are whole numbers (a
// count of children, or a cost in whole units of `quantum`). Histograms from
// different runs merge by addition, so bands do not depend on how runs were
// split between threads or machines.
class Bands {
 public:
  Bands() = default;
  Bands(int periods, int series);
  void add(int period, int series, int64_t value);
  // Adds `count` values (one per run) to one histogram.
  void add_many(int period, int series, const int64_t* values, int count);
  void merge(const Bands& other);
  // q-quantile (0..1) of series s at period p: the smallest value v with
  // P(X <= v) >= q.
  int64_t quantile(int period, int series, double q) const;
  double mean(int period, int series) const;
  int64_t runs(int period, int series) const;
  int periods() const { return periods_; }
  int series() const { return series_; }
  // Flat state for transport: per cell, the offset into values/counts.
  std::vector<int64_t> to_flat() const;
  static Bands from_flat(const std::vector<int64_t>& flat);

 private:
  int periods_ = 0, series_ = 0;
  // A cell counts its values densely (one bin per whole value from the least to the
  // greatest) while that span is narrow against the values it holds; beyond, sparsely (one
  // entry per distinct value), so a few outlying runs (an entry trend's steepest draws) cannot
  // make its memory grow with their distance from the rest.
  struct Cell {
    int64_t lo = 0;               // value of counts[0]
    std::vector<int64_t> counts;  // dense: counts[v - lo]
    std::map<int64_t, int64_t> sparse;  // sparse: value -> count (counts then empty)
    bool is_sparse = false;
    int64_t n = 0;
    double sum = 0;
    // make room for `more` values in [lo, hi]: widen the dense bins or turn sparse
    void cover(int64_t lo, int64_t hi, int64_t more);
    void count(int64_t value, int64_t times);  // after cover
    void make_sparse();
  };
  std::vector<Cell> cells_;
};

// ---- individual Monte Carlo ---------------------------------------------------
// States 0..n_states-1 are services (EH, CIN, CP, care by placement, ...);
// "leaving" is destination n_states. Hazards depend on the state, the age band
// at entry to the state and the time already spent in it (duration bins).
struct SimModel {
  int n_states = 0;
  std::vector<double> age_edges;  // ascending lower edges of the age bands, in days (first <= 0)
  std::vector<double> dur_edges;  // ascending lower edges of duration bins, days (first 0)
  std::vector<double> hazard;     // [state][age][dur bin] daily exit hazard
  std::vector<double> dest;       // [state][age][n_states + 1] destination probabilities on exit
  // Parameter uncertainty (optional): each run draws hazard ~ Gamma(hazard_shape, hazard_rate)
  // (a 0 shape keeps `hazard`) and the destinations ~ Dirichlet(dest_weight).
  std::vector<double> hazard_shape, hazard_rate;  // [state][age][dur bin]
  std::vector<double> dest_weight;                // [state][age][n_states + 1]
  // Year-to-year change (optional, 2 values): each run also multiplies each state's drawn
  // hazards by exp(N(-v/2, v)) with v = rate_change[0], and each (state, destination)'s drawn
  // weight by exp(N(-w/2, w)) with w = rate_change[1].
  std::vector<double> rate_change;
  std::vector<double> entry_shape, entry_rate;  // [state][age]: daily entry rate ~ Gamma(shape, rate)
  std::vector<double> entry_age_lo, entry_age_hi;  // [state][age]: entrant's age, days, uniform
  // Trended entry (optional, [state][5]; a NaN first value: the state's entry is not trended):
  // the state's entry rate per day at day t is exp(alpha + beta t), with (alpha, beta) drawn
  // once per run as (a, b) + L z, z standard normal, from the values (a, b, L00, L10, L11)
  // (L the Cholesky factor of the estimates' covariance). An age band's share of the state's
  // entrants is its entry_shape over the state's total; entry_rate is then not used.
  std::vector<double> entry_trend;
  // Overdispersed entry (optional, [state]; 0: none): in each period (month) the state's entry
  // rate is multiplied by a gamma draw of mean 1 and this variance, once per run and period.
  std::vector<double> entry_dispersion;
  // Drifting entry (optional, [state]; 0: none): the logarithm of the state's entry rate takes a
  // random walk, one normal step of this variance per period, mean-corrected so the expected
  // rate is unchanged.
  std::vector<double> entry_drift;
  double max_age = 18 * 365.25;  // children leave every service at this age (days)
  // Regimes (scenarios): multipliers applied on days with regime k.
  int n_regimes = 1;
  std::vector<double> entry_mult;  // [k][state][age]
  // Added entry (optional, [k][state][age]; empty: none): children a day a scenario adds on days
  // with regime k, arriving as a Poisson process at the cell's entry ages. Unlike the rate
  // entry_mult multiplies, it is not drawn per run, trended, seasonal, overdispersed or drifting:
  // an amount added is that many children a day. A negative amount comes off the cell's rate
  // (as it is that run, in each entry segment, at least 0).
  std::vector<double> entry_add;
  std::vector<double> move_mult;   // [k][state][n_states + 1]: cause-specific exit rate multipliers
  // [state]: cap on days in a state (0 = none), counted from the child's entry to the state: a
  // move to a new episode in the same state (a placement move) does not restart it
  std::vector<double> max_duration;
  std::vector<double> unit_cost;     // [state] cost per day
};

struct OpenCase {
  int state;
  double birth;    // day of birth (negative: before day 0)
  double entered;  // day the child's episode in the state began (<= 0): the duration hazards count from it
  // day the child's stay in the state began (<= entered): earlier when episodes in the same
  // state came before it (a placement move). The cap (max_duration) counts from it. NaN: entered.
  double stay_entered = NAN;
};

struct SimOptions {
  int days = 0;                         // horizon
  std::vector<int32_t> period_ends;     // ascending days at which stocks are counted (< days)
  std::vector<int32_t> regime_of_day;   // size days
  // Seasonal entry (optional, [period + 1][state]): multiplier of each state's entry rate in
  // each period (days after the previous period end up to its own), the last row for the
  // days after the last period end.
  std::vector<double> entry_season;
  std::vector<double> cost_factor;      // per period (inflation); empty = 1
  double cost_quantum = 1.0;            // cost histogram resolution
  uint64_t seed = 0;
  int64_t first_run = 0;                // runs first_run .. first_run + runs - 1
  int64_t runs = 0;
  int threads = 1;
  bool keep_runs = false;               // also return every run's outcome (SimResult::run_*)
};

struct SimResult {
  // series: state * n_age + age band at the count date; then n_states totals
  // by state; then one total; cost series: one per period (period cost).
  Bands stocks;
  Bands costs;     // series 0: cost in the period (units of cost_quantum)
  Bands entrants;  // series = state: entrants during the period
  // With keep_runs, each run's outcome, runs in order (first_run first):
  std::vector<int32_t> run_stocks;  // [run][period][series]
  std::vector<int64_t> run_costs;   // [run][period], units of cost_quantum
};

SimResult simulate(const SimModel& model, const std::vector<OpenCase>& open, const SimOptions& options,
                   Progress* progress = nullptr);

}  // namespace earlyhelp::flow
