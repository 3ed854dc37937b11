// Monte Carlo simulation of individual children moving between services
// (see flow.hpp). Each run draws from its own random stream, keyed by the
// seed and the run number, so a run is the same whichever thread, process or
// machine computes it; bands are histograms that merge by addition.
//
// Stays are followed in cohorts: all the stays waiting in one cell (state and
// age band at entry to it) at once, cell after cell, then the stays those
// lead to, until every child has left services or reached the horizon. A
// cohort is taken a batch at a time and a step at a time (exit draws, then
// exit times, then marks and destinations), so the steps of different
// children overlap in the processor, and what the cell fixes (hazards,
// destination table, stock row) stays in registers. Per stay: an
// exponential draw (ziggurat, no logarithm) whose unused bits also pick the
// destination from an alias table, the inversion of a piecewise-linear
// cumulative hazard, and two writes into a difference array of stocks at
// period ends. Children for whom another regime lies ahead (a scenario's date
// range) are followed one by one. Runs' outcomes are buffered and added to
// the histograms a batch at a time, so each histogram is touched once per
// batch, not per run.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <string>

#include "../synthetic/gamma.hpp"
#include "../synthetic/rng.hpp"
#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/parallel.hpp"
#include "earlyhelp/flow/flow.hpp"
#include "poisson.hpp"
#include "ziggurat.hpp"

namespace earlyhelp::flow {

namespace {

using synthetic::detail::gamma_draw;
using synthetic::detail::Rng;
using synthetic::detail::stream_key;

constexpr int kBatch = 32;  // runs buffered before their outcomes go into the histograms
constexpr uint32_t kNoSpare = 0xffffffffu;  // no spare random bits (they have 24 bits)
constexpr double kMaxEntrants = 1e7;  // entrants of one cell in one segment: beyond any council
// Entrants of one run: each is held until the run settles (tens of bytes each), so beyond this
// a run's memory would reach gigabytes; the Python side refuses plans whose expected entrants
// come near it, and this stops a run drawn far into an entry trend's tail.
constexpr int64_t kMaxRunEntrants = 50'000'000;
constexpr int kMaxMoves = 10000;      // moves of one child in one run: beyond any service
constexpr int kBatchStays = 64;      // stays taken a step at a time (Runner::stays)

// Smallest whole number >= x (x well inside the int range).
inline int ceil_int(double x) {
  const int i = static_cast<int>(x);
  return i + (static_cast<double>(i) < x ? 1 : 0);
}

struct Segment {
  int32_t start, end, regime;  // days [start, end)
  int32_t period = 0;          // the period holding them (entry segments split by period)
};

// Walker's alias tables: 24 random bits pick an outcome among `m` with given
// weights. Tables are stored flat, `m` slots per table; a slot holds its
// outcome's share in units of 2^-24 and its alias, so a draw is one
// multiplication, one read and one comparison of whole numbers.
class AliasTables {
 public:
  // `none`: the outcome of a table whose weights are all zero
  AliasTables(std::size_t tables, int m, int none) : m_(m), none_(none), slots_(tables * m, Slot{0, none}) {}

  void set(std::size_t table, const std::vector<double>& w) {
    double total = 0;
    for (double v : w) total += v;
    Slot* slot = &slots_[table * m_];
    if (!(total > 0)) {
      std::fill(slot, slot + m_, Slot{0, none_});
      return;
    }
    std::vector<double>& p = p_;  // scratch kept between calls: tables are set once a run
    std::vector<double>& prob = prob_;
    std::vector<int>& alias = alias_;
    std::vector<int>& small = small_;
    std::vector<int>& large = large_;
    p.assign(m_, 0.0);
    prob.assign(m_, 1.0);
    alias.assign(m_, 0);
    small.clear();
    large.clear();
    for (int j = 0; j < m_; ++j) {
      alias[j] = j;
      p[j] = w[j] * m_ / total;
      (p[j] < 1 ? small : large).push_back(j);
    }
    while (!small.empty() && !large.empty()) {
      const int l = small.back(), g = large.back();
      small.pop_back();
      large.pop_back();
      prob[l] = p[l];
      alias[l] = g;
      p[g] += p[l] - 1;
      (p[g] < 1 ? small : large).push_back(g);
    }
    // The rounding leftovers in `small` and `large` keep probability 1 and alias themselves.
    // A position x (in 2^-24) stays in its slot when x 2^-24 < prob, i.e. x < ceil(prob 2^24).
    for (int j = 0; j < m_; ++j)
      slot[j] = {prob[j] <= 0 ? 0u : prob[j] >= 1 ? 1u << 24 : static_cast<uint32_t>(std::ceil(prob[j] * 0x1.0p24)),
                 alias[j]};
  }

  struct Slot {
    uint32_t below;  // positions below this stay in the slot
    int32_t alias;
  };

  // Outcome for `table` of `slots` (m per table) from 24 random bits
  // (probabilities resolved to m / 2^24).
  static int draw(const Slot* slots, uint64_t m, uint32_t bits24, std::size_t table) {
    const uint64_t u = uint64_t{bits24} * m;  // slot above bit 24, position below
    const int i = static_cast<int>(u >> 24);
    const Slot& slot = slots[table * m + static_cast<std::size_t>(i)];
    // without a branch: which way it goes is a coin toss, and a wrong guess costs more
    const int stay = -static_cast<int>((u & 0xffffffu) < slot.below);  // all ones or zero
    return slot.alias ^ ((i ^ slot.alias) & stay);
  }
  const Slot* slots() const { return slots_.data(); }

 private:
  int m_, none_;
  std::vector<Slot> slots_;
  std::vector<double> p_, prob_;
  std::vector<int> alias_, small_, large_;
};

// Ascending values padded with +infinity to a power of two (8 at least), so the
// last one at or below x is a count of comparisons of a fixed length:
// independent comparisons, short on the critical path. With `sentinel`, one
// +infinity at least follows the values, so v[n] ends any upward walk.
class SortedEdges {
 public:
  SortedEdges() = default;
  SortedEdges(const double* v, int n, bool sentinel) : steps_(3) {
    while ((1 << steps_) < n + (sentinel ? 1 : 0)) ++steps_;
    v_.assign(v, v + n);
    v_.resize(std::size_t{1} << steps_, INFINITY);
  }
  int steps() const { return steps_; }
  const double* data() const { return v_.data(); }

  // Index of the last of the padded `v[0 .. 2^steps)` at or below x (0 when
  // none; v[0] is never compared).
  static int last_at_or_below(const double* v, int steps, double x) {
    if (steps == 3) return count_at_or_below<8>(v, x);
    if (steps == 4) return count_at_or_below<16>(v, x);
    int i = 0;
    for (int j = 1; j < (1 << steps); ++j) i += v[j] <= x;
    return i;
  }
  int last_at_or_below(double x) const { return last_at_or_below(v_.data(), steps_, x); }

 private:
  template <int N>
  static int count_at_or_below(const double* v, double x) {
    int i = 0;
    for (int j = 1; j < N; ++j) i += v[j] <= x;
    return i;
  }
  std::vector<double> v_;
  int steps_ = 0;
};

// A stay waiting in a cell's cohort: when it starts, the child's birth
// day, and the days already spent in the episode (open cases). A cohort's
// stays have spent no more days in the state than in the episode: a stay
// continuing the state in a capped one is followed one by one (follow()).
struct Stay {
  double t, birth, e;
};

// The stays of one cohort. Appending is a comparison and a store, inlined
// into the loops that append (std::vector's append is a call there, about
// 5% of a run); growing is out of line.
class StayList {
 public:
  void push_back(const Stay& stay) {
    if (size_ == capacity_) grow();
    data_[size_++] = stay;
  }
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  const Stay* data() const { return data_.get(); }
  const Stay& front() const { return data_[0]; }
  void clear() { size_ = 0; }
  void swap(StayList& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  EARLYHELP_NOINLINE void grow() {
    capacity_ = std::max<std::size_t>(64, 2 * capacity_);
    std::unique_ptr<Stay[]> bigger(new Stay[capacity_]);
    std::copy(data_.get(), data_.get() + size_, bigger.get());
    data_ = std::move(bigger);
  }
  std::unique_ptr<Stay[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

class Runner {
 public:
  Runner(const SimModel& m, const std::vector<OpenCase>& open, const SimOptions& o)
      : m_(m), open_(open), o_(o), n_(m.n_states), n_age_(static_cast<int>(m.age_edges.size())),
        n_dur_(static_cast<int>(m.dur_edges.size())), out_(n_ + 1), cells_(static_cast<std::size_t>(n_) * n_age_),
        periods_(static_cast<int>(o.period_ends.size())), expo_(detail::ExponentialZiggurat::instance()),
        dest_(m.n_regimes * cells_, out_, n_), forced_dest_(m.n_regimes * cells_, out_, n_) {
    int32_t d0 = 0;
    for (int32_t d = 1; d <= o.days; ++d)
      if (d == o.days || o.regime_of_day[d] != o.regime_of_day[d0]) {
        segments_.push_back({d0, d, o.regime_of_day[d0]});
        d0 = d;
      }
    run_end_.assign(o.days, o.days);
    for (const Segment& g : segments_)
      for (int32_t d = g.start; d < g.end; ++d) run_end_[d] = g.end;
    single_from_ = segments_.back().start;
    single_kc_ = static_cast<std::size_t>(segments_.back().regime) * cells_;
    total_mult_.assign(m.n_regimes * cells_, 0.0);
    inv_mult_.assign(m.n_regimes * cells_, 0.0);
    capped_ = std::any_of(m.max_duration.begin(), m.max_duration.end(), [](double d) { return d > 0; });
    set_destinations(m.dest);
    ages_ = SortedEdges(m.age_edges.data(), n_age_, true);
    durations_ = SortedEdges(m.dur_edges.data(), n_dur_, false);
    hazard_ = m.hazard;
    set_hazards();
    if (!m.entry_trend.empty()) {
      trend_.assign(n_, Trend{});
      for (int s = 0; s < n_; ++s) {
        if (std::isnan(m.entry_trend[s * 5])) continue;
        for (int a = 0; a < n_age_; ++a) trend_[s].share_total += m.entry_shape[s * n_age_ + a];
      }
    }
    cap_.assign(n_, INFINITY);
    for (int s = 0; s < n_ && !m.max_duration.empty(); ++s)
      if (m.max_duration[s] > 0) cap_[s] = m.max_duration[s];
    // Stocks are only counted at period ends and costs by period, so a stay
    // is marked on periods, not days: small arrays that stay in cache.
    period_of_day_.assign(o.days + 1, periods_);
    int p = 0;
    for (int32_t d = 0; d <= o.days; ++d) {
      while (p < periods_ && o.period_ends[p] < d) ++p;
      period_of_day_[d] = p;
    }
    // Entry segments: the regime runs, cut at period ends when entry rates vary by period.
    monthly_ = !m.entry_dispersion.empty() || !m.entry_drift.empty() || !o.entry_season.empty();
    for (const Segment& g : segments_) {
      if (!monthly_) {
        entry_segments_.push_back(g);
        continue;
      }
      for (int32_t d0 = g.start; d0 < g.end;) {
        const int p = period_of_day_[d0];
        const int32_t d1 = p < periods_ ? std::min(g.end, o.period_ends[p] + 1) : g.end;
        entry_segments_.push_back({d0, d1, g.regime, p});
        d0 = d1;
      }
    }
    period_mult_.assign(monthly_ ? static_cast<std::size_t>(periods_ + 1) * n_ : 0, 1.0);
    costed_.assign(n_, 0);
    for (int s = 0; s < n_ && !m.unit_cost.empty(); ++s) costed_[s] = m.unit_cost[s] != 0;
    diff_.assign(cells_ * (periods_ + 1), 0);
    whole_.assign(static_cast<std::size_t>(n_) * (periods_ + 1), 0);
    part_days_.assign(static_cast<std::size_t>(n_) * (periods_ + 1), 0);
    entr_.assign(static_cast<std::size_t>(periods_) * n_, 0);
    buffer_.assign(slots() * kBatch, 0);
    cohort_.resize(cells_);
  }

  int n_series() const { return static_cast<int>(cells_) + n_ + 1; }

  // Per (regime, state, age): the total exit multiplier and the destination
  // tables, with and without "stay" (a cap forces a move elsewhere).
  void set_destinations(const std::vector<double>& dest) {
    std::vector<double> w(out_), wf(out_);
    for (int k = 0; k < m_.n_regimes; ++k)
      for (std::size_t c = 0; c < cells_; ++c) {
        const int s = static_cast<int>(c / n_age_);
        for (int j = 0; j < out_; ++j) {
          w[j] = dest[c * out_ + j] * m_.move_mult[(static_cast<std::size_t>(k) * n_ + s) * out_ + j];
          wf[j] = j == s ? 0.0 : w[j];
        }
        const std::size_t kc = k * cells_ + c;
        total_mult_[kc] = 0;
        for (double v : w) total_mult_[kc] += v;
        inv_mult_[kc] = total_mult_[kc] > 0 ? 1.0 / total_mult_[kc] : 0.0;
        dest_.set(kc, w);
        if (capped_) forced_dest_.set(kc, wf);  // only a cap forces a move
      }
  }

  // Per (state, age band), from hazard_: the cumulative hazard at each
  // duration bin's lower edge (padded like durations_), the hazards and their
  // inverses (0 where the hazard is 0), side by side for the exit draw.
  void set_hazards() {
    const std::size_t stride = std::size_t{1} << durations_.steps();
    cellh_.assign(cells_ * 3 * stride, 0.0);
    for (std::size_t c = 0; c < cells_; ++c) {
      double* H = &cellh_[c * 3 * stride];
      double* h = H + stride;
      double* inv = h + stride;
      std::fill(H, H + stride, INFINITY);
      H[0] = 0.0;
      for (int b = 0; b < n_dur_; ++b) {
        h[b] = hazard_[c * n_dur_ + b];
        inv[b] = h[b] > 0 ? 1.0 / h[b] : 0.0;
        if (b + 1 < n_dur_) H[b + 1] = H[b] + (h[b] > 0 ? h[b] * (m_.dur_edges[b + 1] - m_.dur_edges[b]) : 0.0);
      }
    }
  }

  // This run's hazards and destinations, drawn from their posteriors (gamma
  // and Dirichlet), when the model gives them: bands then carry the
  // uncertainty of every estimated rate, not only of the entry rates.
  void draw_rates(Rng& rng) {
    const double v = m_.rate_change.empty() ? 0.0 : m_.rate_change[0];
    const double w = m_.rate_change.empty() ? 0.0 : m_.rate_change[1];
    if (!m_.hazard_shape.empty()) {
      for (std::size_t i = 0; i < hazard_.size(); ++i)
        hazard_[i] = m_.hazard_shape[i] > 0 ? gamma_draw(rng, m_.hazard_shape[i]) / m_.hazard_rate[i] : m_.hazard[i];
      for (int s = 0; s < n_ && v > 0; ++s) {
        const double change = std::exp(std::sqrt(v) * rng.normal() - 0.5 * v);
        const std::size_t per_state = static_cast<std::size_t>(n_age_) * n_dur_;
        for (std::size_t i = s * per_state; i < (s + 1) * per_state; ++i) hazard_[i] *= change;
      }
      set_hazards();
    }
    if (!m_.dest_weight.empty()) {
      // buffers kept between runs: this is done once a run
      std::vector<double>& change = dest_change_;
      std::vector<double>& dest = dest_draw_;
      change.assign(static_cast<std::size_t>(n_) * out_, 1.0);
      for (double& c : change)
        if (w > 0) c = std::exp(std::sqrt(w) * rng.normal() - 0.5 * w);
      dest.resize(m_.dest_weight.size());
      for (std::size_t c = 0; c < cells_; ++c) {
        const double* f = &change[c / n_age_ * out_];
        double total = 0;
        for (int j = 0; j < out_; ++j) total += dest[c * out_ + j] = gamma_draw(rng, m_.dest_weight[c * out_ + j]) * f[j];
        for (int j = 0; j < out_; ++j)
          dest[c * out_ + j] = total > 0 ? dest[c * out_ + j] / total : m_.dest[c * out_ + j];
      }
      set_destinations(dest);
    }
  }

  void run(int64_t r) {
    current_run_ = r;
    Rng rng(stream_key(o_.seed, static_cast<uint64_t>(r), 0x466c6f77));  // "Flow"
    draw_rates(rng);
    // Open cases join the cohort of their state and age band at entry to it, but for those in a
    // capped state since before their episode began (the cap counts the days in the state).
    for (const OpenCase& c : open_) {
      const double entry_age = c.entered - c.birth;
      const int a = ages_.last_at_or_below(entry_age);
      const double in_state = std::isnan(c.stay_entered) ? -c.entered : -c.stay_entered;
      if (single_from_ == 0 && !(in_state > -c.entered && cap_[c.state] < INFINITY))
        cohort_[static_cast<std::size_t>(c.state) * n_age_ + a].push_back(Stay{0.0, c.birth, -c.entered});
      else
        single_.push_back(Start{c.state, 0.0, -c.entered, c.birth, a, in_state});
    }
    // Entrants: rates drawn once per run (parameter uncertainty), then Poisson per regime segment.
    draw_trends(rng);
    draw_period_multipliers(rng);
    int64_t run_entrants = 0;
    for (std::size_t i = 0; i < cells_; ++i) {
      const int s = static_cast<int>(i / n_age_);
      const bool trended = !trend_.empty() && trend_[s].share_total > 0;
      if (!trended && (m_.entry_shape[i] <= 0 || m_.entry_rate[i] <= 0)) continue;
      if (trended && m_.entry_shape[i] <= 0) continue;
      const double lambda = trended ? std::exp(trend_[s].alpha) * m_.entry_shape[i] / trend_[s].share_total
                                    : gamma_draw(rng, m_.entry_shape[i]) / m_.entry_rate[i];
      const double beta = trended ? trend_[s].beta : 0.0;
      const double age_lo = m_.entry_age_lo[i], age_span = m_.entry_age_hi[i] - m_.entry_age_lo[i];
      const int band = static_cast<int>(i % n_age_);
      for (const Segment& g : entry_segments_) {
        // Expected entrants in [start, end) at rate lambda exp(beta t), and arrival times
        // drawn from that rate (uniform when it is flat).
        const double length = g.end - g.start, flat = std::abs(beta) * length < 1e-9;
        const double e0 = flat ? 1.0 : std::exp(beta * g.start), e1 = flat ? 1.0 : std::exp(beta * g.end);
        const double mass = flat ? length * e0 : (e1 - e0) / beta;
        const double month = monthly_ ? period_mult_[static_cast<std::size_t>(g.period) * n_ + s] : 1.0;
        double expected = lambda * m_.entry_mult[g.regime * cells_ + i] * month * mass;
        // a scenario's fewer children a day come off the rate (more are drawn below)
        const double added = m_.entry_add.empty() ? 0.0 : m_.entry_add[g.regime * cells_ + i];
        if (added < 0) expected = std::max(0.0, expected + added * length);
        const EntryCell cell{s, band, flat != 0, static_cast<double>(g.start), static_cast<double>(g.end),
                             length, e0, e1, beta, age_lo, age_span};
        run_entrants += draw_entrants(rng, r, expected, g, cell, run_entrants);
      }
    }
    // Entrants a scenario adds: that many a day, uniformly over the segment, at the cell's entry
    // ages (after the others, so a run without them draws as it did).
    for (std::size_t i = 0; i < cells_ && !m_.entry_add.empty(); ++i) {
      const int s = static_cast<int>(i / n_age_);
      for (const Segment& g : entry_segments_) {
        const double rate = m_.entry_add[g.regime * cells_ + i];
        if (!(rate > 0)) continue;
        const double length = g.end - g.start;
        const EntryCell cell{s, static_cast<int>(i % n_age_), true, static_cast<double>(g.start),
                             static_cast<double>(g.end), length, 1.0, 1.0, 0.0, m_.entry_age_lo[i],
                             m_.entry_age_hi[i] - m_.entry_age_lo[i]};
        run_entrants += draw_entrants(rng, r, rate * length, g, cell, run_entrants);
      }
    }
    settle(rng);
    record();
  }

  // This run's trended entry rates: (alpha, beta) = (a, b) + L z per trended state.
  void draw_trends(Rng& rng) {
    for (std::size_t s = 0; s < trend_.size(); ++s) {
      if (!(trend_[s].share_total > 0)) continue;
      const double* v = &m_.entry_trend[s * 5];
      const double z1 = rng.normal(), z2 = rng.normal();
      trend_[s].alpha = v[0] + v[2] * z1;
      trend_[s].beta = v[1] + v[3] * z1 + v[4] * z2;
    }
  }

  // This run's entry multiplier of each (period, state): the season, times a
  // gamma draw of mean 1 (overdispersion: months busier or quieter than the
  // rate), times the exponential of a random walk (drift: the rate wanders).
  void draw_period_multipliers(Rng& rng) {
    if (!monthly_) return;
    for (int s = 0; s < n_; ++s) {
      const double w = m_.entry_dispersion.empty() ? 0.0 : m_.entry_dispersion[s];
      const double q = m_.entry_drift.empty() ? 0.0 : m_.entry_drift[s];
      double walk = 0;
      for (int p = 0; p <= periods_; ++p) {
        double v = o_.entry_season.empty() ? 1.0 : o_.entry_season[static_cast<std::size_t>(p) * n_ + s];
        if (w > 0) v *= gamma_draw(rng, 1.0 / w) * w;
        if (q > 0) {
          walk += std::sqrt(q) * rng.normal();
          v *= std::exp(walk - 0.5 * q * (p + 1));
        }
        period_mult_[static_cast<std::size_t>(p) * n_ + s] = v;
      }
    }
  }

  // Adds the buffered runs' outcomes to the histograms and, when `kept` is
  // given, writes each one to its run's row there.
  void flush(SimResult& r, SimResult* kept = nullptr) {
    if (filled_ == 0) return;
    const int series = n_series();
    for (int p = 0; p < periods_; ++p) {
      for (int s = 0; s < series; ++s) r.stocks.add_many(p, s, slot(p * series + s), filled_);
      try {
        r.costs.add_many(p, 0, slot(periods_ * series + p), filled_);
      } catch (const RangeError& e) {
        // costs, not children: inflation compounding over a long horizon widens them too
        throw InputError("simulated costs of month " + std::to_string(p + 1) + " range from " +
                         std::to_string(e.least) + " to " + std::to_string(e.greatest) +
                         " cost quanta, too wide to keep as a histogram: the costs grow without bound (inflation "
                         "compounding over the horizon, or rates that grow without bound)");
      }
      for (int s = 0; s < n_; ++s) r.entrants.add_many(p, s, slot(periods_ * (series + 1) + p * n_ + s), filled_);
    }
    for (int i = 0; kept != nullptr && i < filled_; ++i) {
      const auto row = static_cast<std::size_t>(batch_run_[i]) * periods_;
      for (int p = 0; p < periods_; ++p) {
        for (int s = 0; s < series; ++s)
          kept->run_stocks[(row + p) * series + s] = static_cast<int32_t>(slot(p * series + s)[i]);
        kept->run_costs[row + p] = slot(periods_ * series + p)[i];
      }
    }
    filled_ = 0;
  }

  bool batch_full() const { return filled_ == kBatch; }

 private:
  std::size_t slots() const { return static_cast<std::size_t>(periods_) * (n_series() + 1 + n_); }
  int64_t* slot(std::size_t i) { return &buffer_[i * kBatch]; }

  int dur_bin(double e) const { return durations_.last_at_or_below(e); }
  int day_of(double t) const { return std::clamp(static_cast<int>(t), 0, o_.days - 1); }

  // Days [d0, d1) spent in state s, by period: the part of the first and
  // last period, and the periods wholly between them.
  void add_days(int s, int d0, int d1) {
    // Day 0 is the starting date, the last day of the fit window: its stock is the data's, not
    // the projection's, and the deterministic projection (compare) costs the days after it only.
    d0 = std::max(d0, 1);
    if (d1 <= d0) return;
    const int q0 = period_of_day_[d0], q1 = period_of_day_[d1 - 1];
    if (q0 >= periods_) return;  // after the last period end
    int64_t* part = &part_days_[static_cast<std::size_t>(s) * (periods_ + 1)];
    if (q0 == q1) {
      part[q0] += d1 - d0;
      return;
    }
    part[q0] += o_.period_ends[q0] + 1 - d0;
    if (q1 < periods_) part[q1] += d1 - (o_.period_ends[q1 - 1] + 1);
    int32_t* whole = &whole_[static_cast<std::size_t>(s) * (periods_ + 1)];
    ++whole[q0 + 1];
    --whole[q1];
  }

  // How a stay ends: when, the spare bits of its exit draw, and whether a
  // cap forced the child out or they aged out.
  struct Exit {
    double t;
    uint32_t spare = kNoSpare;
    bool forced = false, aged_out = false;
  };

  // The exit time when the regime changes before the horizon: walk through
  // the pieces where both the duration bin and the regime are constant (e:
  // days in the episode, in_state: in the state, which the cap counts).
  // Returns the exit time (or the horizon). Results are returned, not written
  // through references, so the caller's can stay in registers.
  Exit exit_time_regimes(Rng& rng, int s, int a, double t, double e, double in_state, double leave_age) const {
    const double horizon = o_.days, cap = cap_[s];
    const std::size_t c = static_cast<std::size_t>(s) * n_age_ + a;
    Exit x;
    double need = expo_(rng, x.spare), tt = t, ee = e, ii = in_state;
    while (tt < horizon) {
      const int b = dur_bin(ee);
      const int day = day_of(tt);
      double seg = b + 1 < n_dur_ ? m_.dur_edges[b + 1] - ee : INFINITY;
      seg = std::min({seg, run_end_[day] - tt, horizon - tt, std::max(0.0, cap - ii), std::max(0.0, leave_age - tt)});
      const double rate = hazard_[c * n_dur_ + b] * total_mult_[o_.regime_of_day[day] * cells_ + c];
      if (rate > 0 && rate * seg >= need) {
        x.t = tt + need / rate;
        return x;
      }
      need -= rate * seg;
      tt += seg;
      ee += seg;
      ii += seg;
      if (tt >= leave_age - 1e-9) {
        x.t = tt;
        x.aged_out = true;
        return x;
      }
      if (ii >= cap - 1e-9) {
        x.t = tt;
        x.forced = true;
        return x;
      }
      if (seg <= 0 && rate <= 0) break;  // nothing can happen before the horizon
    }
    x.t = horizon;
    return x;
  }

  // A child's start: state, time, days already spent in the episode, birth day.
  struct Start {
    int s;
    double t, e, birth;
    int band;         // the likely age band at entry to the state (checked)
    double in_state;  // days already spent in the state (>= e): the cap counts them
  };

  // Follows `count` children, child i starting as start(rng, i) says, each
  // until they leave every service or the horizon ends. The members the loop
  // reads are copied into locals first, and the stream too: the stocks are
  // written through int pointers, which could otherwise alias the members
  // and force reloading them at every move.
  template <class StartOf>
  void follow(Rng& stream, int64_t count, StartOf start) {
    Rng rng = stream;
    const int days = o_.days, n = n_, n_age = n_age_, age_steps = ages_.steps(), steps = durations_.steps();
    const int single_from = single_from_;
    const double horizon = days, max_age = m_.max_age;
    const std::size_t single_kc = single_kc_, width = static_cast<std::size_t>(periods_) + 1;
    const std::size_t stride = std::size_t{1} << steps, cell_size = 3 * stride;
    const double* age_edges = ages_.data();  // padded: the oldest band's next edge is +infinity
    const double* dur_edges = durations_.data();
    const double* cellh = cellh_.data();
    const double* inv_mult = inv_mult_.data();
    const double* cap = cap_.data();
    const int* period_of_day = period_of_day_.data();
    const char* costed = costed_.data();
    int32_t* diff = diff_.data();
    const detail::ExponentialZiggurat& expo = expo_;
    const AliasTables::Slot *dest = dest_.slots(), *forced_dest = forced_dest_.slots();
    const uint64_t outcomes = static_cast<uint64_t>(out_);
    for (int64_t child = 0; child < count; ++child) {
      const Start start_at = start(rng, child);
      int s = start_at.s;
      double t = start_at.t, e = start_at.e, in_state = start_at.in_state;
      const double birth = start_at.birth;
      const double leave_age = birth + max_age;  // day the child is too old for services
      // The age band at entry to the state: mostly the entry cell's, else a search.
      const double entry_age = t - e - birth;
      int a = start_at.band;
      if (!(age_edges[a] <= entry_age && entry_age < age_edges[a + 1]))
        a = SortedEdges::last_at_or_below(age_edges, age_steps, entry_age);
      int d0 = std::max(0, ceil_int(t));  // first day of the stay
      Band band{a, birth + age_edges[a + 1]};  // the age band on whole days from d0 on
      for (int moves = 0;; ++moves) {
        if (!(t < horizon && moves < kMaxMoves)) too_many_moves(s, t);
        const std::size_t c = static_cast<std::size_t>(s) * n_age + a;
        bool forced = false, aged_out = false;
        uint32_t spare = kNoSpare;  // bits the exit draw left for the destination
        double tt;
        std::size_t kc;  // (regime, cell) at the exit
        if (static_cast<int>(t) >= single_from) {  // one regime to the horizon
          kc = single_kc + c;
          // Invert the cumulative hazard at an exponential draw (H, h, 1 / h per duration bin).
          double t_exit = INFINITY;
          if (inv_mult[kc] > 0) {
            const double* H = cellh + c * cell_size;
            const double* h = H + stride;
            const double* inv_h = h + stride;
            double target = expo(rng, spare) * inv_mult[kc];
            if (e > 0) {
              const int b0 = SortedEdges::last_at_or_below(dur_edges, steps, e);
              target += H[b0] + h[b0] * (e - dur_edges[b0]);
            }
            const int b = SortedEdges::last_at_or_below(H, steps, target);  // the bin where the exit falls
            if (h[b] > 0) t_exit = t + (dur_edges[b] + (target - H[b]) * inv_h[b] - e);
          }
          const double t_cap = t + std::max(0.0, cap[s] - in_state);  // one past the cap leaves at once
          tt = t_exit;
          if (!(t_exit < t_cap && t_exit < leave_age)) {  // the cap or the age limit may come first
            tt = std::min({t_exit, t_cap, leave_age});
            aged_out = tt == leave_age;
            forced = !aged_out && tt == t_cap && t_cap < t_exit;
          }
        } else {
          Rng copy = rng;  // the stream's address stays here
          const Exit x = exit_time_regimes(copy, s, a, t, e, in_state, leave_age);
          rng = copy;
          tt = x.t;
          spare = x.spare;
          forced = x.forced;
          aged_out = x.aged_out;
          kc = tt < horizon ? o_.regime_of_day[day_of(tt)] * cells_ + c : 0;
        }
        // Days [d0, d1) in state s, split at age-band boundaries; stocks are only
        // counted at period ends, so a stay is marked on periods, not days.
        const int d1 = tt < horizon ? ceil_int(tt) : days;
        if (d0 < d1) {
          if (band.band >= a && band.next > d1 - 1) {  // one age band throughout: most stays
            int32_t* row = diff + (static_cast<std::size_t>(s) * n_age + band.band) * width;
            ++row[period_of_day[d0]];
            --row[period_of_day[d1]];
            if (costed[s]) add_days(s, d0, d1);
          } else {
            band = mark_bands(s, a, band, d0, d1, birth);
          }
        }
        if (tt >= horizon || aged_out) break;
        // Destination, with the regime's cause-specific multipliers.
        if (spare == kNoSpare) spare = static_cast<uint32_t>(rng.next() >> 40);  // no exit draw was made
        const int j = AliasTables::draw(forced ? forced_dest : dest, outcomes, spare, kc);
        if (j >= n) break;
        // a new episode in the same state (a placement move) does not restart the cap's clock
        in_state = j == s ? in_state + (tt - t) : 0.0;
        s = j;
        t = tt;
        e = 0;
        d0 = d1;
        while (age_edges[a + 1] <= t - birth) ++a;  // the age band at entry to the new state
      }
    }
    stream = rng;
  }

  // What the entrants of one cell in one entry segment share: state, age band
  // at entry, arrival-time law (uniform, or at rate exp(beta t)) and ages.
  struct EntryCell {
    int s, band;
    bool flat;
    double start, end, length, e0, e1, beta, age_lo, age_span;
  };

  // Draws the number of `cell`'s entrants in segment `g` (Poisson of mean `expected`) and
  // enters them; returns how many. `so_far`: the run's entrants before them.
  int64_t draw_entrants(Rng& rng, int64_t r, double expected, const Segment& g, const EntryCell& cell,
                        int64_t so_far) {
    if (!(expected < kMaxEntrants))  // the message is built only when it is needed
      throw InputError("the entry rate of state " + std::to_string(cell.s) + " reaches " + std::to_string(expected) +
                       " children in days " + std::to_string(g.start) + "-" + std::to_string(g.end) +
                       ": an entry trend or multiplier grows without bound");
    const int k = detail::poisson(rng, expected);
    if (k == 0) return 0;
    if (so_far + k > kMaxRunEntrants)
      throw InputError("run " + std::to_string(r) + " draws more than " + std::to_string(kMaxRunEntrants) +
                       " entrants: an entry trend or multiplier grows without bound");
    // Segments cut at period ends lie in one period: their entrants are counted at once.
    if (monthly_ && g.period < periods_) entr_[static_cast<std::size_t>(g.period) * n_ + cell.s] += k;
    enter(rng, k, cell);
    return k;
  }

  // An arrival time at rate exp(beta t) in the cell's segment, from a uniform u.
  static EARLYHELP_NOINLINE double trended_arrival(const EntryCell& cell, double u) {
    return std::clamp(std::log(cell.e0 + u * (cell.e1 - cell.e0)) / cell.beta, cell.start,
                      std::nextafter(cell.end, 0.0));
  }

  // Draws `count` entrants of `cell`. Those arriving where the last regime
  // holds with an age inside the cell's band (nearly all) join the cell's
  // cohort (followed by settle()); the others are followed one by one at the
  // end of the run (follow()). Which way a child goes is decided before any of its
  // durations is drawn.
  void enter(Rng& stream, int count, const EntryCell& cell) {
    Rng rng = stream;
    const int s = cell.s, band = cell.band, n = n_, last_day = o_.days - 1, single_from = single_from_;
    const double lo_edge = ages_.data()[band], hi_edge = ages_.data()[band + 1];
    const bool count_entrants = !monthly_, flat = cell.flat;
    const double start = cell.start, length = cell.length, age_lo = cell.age_lo, age_span = cell.age_span;
    const int* period_of_day = period_of_day_.data();
    int64_t* entrants = entr_.data() + s;
    StayList& cohort = cohort_[static_cast<std::size_t>(s) * n_age_ + band];
    for (int child = 0; child < count; ++child) {
      // One number gives the arrival time and the age: 32 bits each.
      const uint64_t bits = rng.next();
      const double u = static_cast<double>(bits >> 32) * 0x1.0p-32;
      const double t = flat ? start + length * u : trended_arrival(cell, u);
      const double age = age_lo + age_span * static_cast<double>(bits & 0xffffffffu) * 0x1.0p-32;
      if (count_entrants) {
        const int period = period_of_day[std::min(last_day, static_cast<int>(t))];
        if (period < periods_) ++entrants[static_cast<std::size_t>(period) * n];
      }
      const double birth = t - age, entry_age = t - birth;
      if (lo_edge <= entry_age && entry_age < hi_edge && static_cast<int>(t) >= single_from)
        cohort.push_back(Stay{t, birth, 0.0});
      else
        single_.push_back(Start{s, t, 0.0, birth, band, 0.0});
    }
    stream = rng;
  }

  // Follows every cohort's stays, cell by cell, then the stays they lead to,
  // move by move, until every child has left services or reached the horizon;
  // then the children outside the cohorts, one by one.
  void settle(Rng& rng) {
    for (int moves = 0;; ++moves) {
      bool any = false;
      for (std::size_t c = 0; c < cells_; ++c) {
        if (cohort_[c].empty()) continue;
        any = true;
        if (moves >= kMaxMoves) too_many_moves(static_cast<int>(c / n_age_), cohort_[c].front().t);
        cohort_[c].swap(now_);
        cohort_[c].clear();
        stays(rng, c, now_);
      }
      if (!any) break;
    }
    follow(rng, static_cast<int64_t>(single_.size()), [this](Rng&, int64_t i) { return single_[i]; });
    single_.clear();
  }

  // The stays in cell c (state, age band at entry to the state), a batch at
  // a time and one step at a time: the steps of different children are
  // independent, so the processor overlaps them, where one child's stay is
  // a chain of dependent steps. Children moving on join the cohort of their
  // next cell (or, where their age falls outside its band's edges or another
  // regime lies ahead, the one-by-one list).
  void stays(Rng& stream, std::size_t c, const StayList& list) {
    Rng rng = stream;
    const int s = static_cast<int>(c / n_age_), band = static_cast<int>(c % n_age_), n = n_, days = o_.days;
    const int steps = durations_.steps(), single_from = single_from_;
    const std::size_t kc = single_kc_ + c, stride = std::size_t{1} << steps;
    const double* H = cellh_.data() + c * 3 * stride;
    const double* h = H + stride;
    const double* inv_h = h + stride;
    const double* dur_edges = durations_.data();
    const double* age_edges = ages_.data();
    const double inv_mult = inv_mult_[kc], cap = cap_[s], max_age = m_.max_age, horizon = days;
    const bool capped = cap < INFINITY;
    const double hi_edge = age_edges[band + 1];
    const int* period_of_day = period_of_day_.data();
    int32_t* row = diff_.data() + c * (static_cast<std::size_t>(periods_) + 1);
    const bool costed = costed_[s];
    const detail::ExponentialZiggurat& expo = expo_;
    const AliasTables::Slot *dest = dest_.slots(), *forced_dest = forced_dest_.slots();
    const uint64_t outcomes = static_cast<uint64_t>(out_);
    double target[kBatchStays], exit[kBatchStays];
    uint32_t spare[kBatchStays];
    struct Span {
      int d0, d1;
      double birth;
    } across[kBatchStays];  // stays crossing an age band
    struct Move {
      double t, birth;
      int state, from;  // the next state, and the stay moving (in this batch)
    } next[kBatchStays];  // stays that lead to another state
    const int count = static_cast<int>(list.size());
    for (int first = 0; first < count; first += kBatchStays) {
      const Stay* stay = list.data() + first;
      const int batch = std::min(kBatchStays, count - first);
      // The exits: the cumulative hazard inverted at exponential draws (past the days already spent).
      if (inv_mult > 0) {
        for (int i = 0; i < batch; ++i) target[i] = expo(rng, spare[i]) * inv_mult;
        for (int i = 0; i < batch; ++i) {
          const double e = stay[i].e;
          if (e > 0) {
            const int b0 = SortedEdges::last_at_or_below(dur_edges, steps, e);
            target[i] += H[b0] + h[b0] * (e - dur_edges[b0]);
          }
          const int b = SortedEdges::last_at_or_below(H, steps, target[i]);
          const double t_exit = stay[i].t + (dur_edges[b] + (target[i] - H[b]) * inv_h[b] - e);
          exit[i] = h[b] > 0 ? t_exit : INFINITY;
        }
      } else {
        std::fill(exit, exit + batch, INFINITY);
        std::fill(spare, spare + batch, kNoSpare);
      }
      // Marks and destinations. Which stays cross an age band and which move on
      // are coin tosses to the processor: they are noted without branches
      // (the marks add 0 or 1, the lists advance by 0 or 1) and handled after.
      int crossing = 0, moving = 0;
      for (int i = 0; i < batch; ++i) {
        const double t = stay[i].t, birth = stay[i].birth, t_exit = exit[i];
        const double leave_age = birth + max_age, t_cap = t + std::max(0.0, cap - stay[i].e);
        double tt = t_exit;
        bool forced = false, aged_out = false;
        if (!(t_exit < t_cap && t_exit < leave_age)) {  // the cap or the age limit comes first (rarely)
          tt = std::min({t_exit, t_cap, leave_age});
          aged_out = tt == leave_age;
          forced = !aged_out && tt == t_cap && t_cap < t_exit;
        }
        const bool ends = tt < horizon;
        const int d0 = std::max(0, ceil_int(t)), d1 = ends ? std::max(d0, ceil_int(tt)) : days;
        const bool one_band = birth + hi_edge > d1 - 1, marked = d0 < d1;
        const int32_t mark = marked & one_band;
        row[period_of_day[d0]] += mark;
        row[period_of_day[d1]] -= mark;
        if (costed && mark) add_days(s, d0, d1);
        across[crossing] = Span{d0, d1, birth};
        crossing += marked & !one_band;
        if (!ends || aged_out) continue;  // (mostly predicted: few stays reach the horizon)
        uint32_t bits = spare[i];
        if (bits == kNoSpare) bits = static_cast<uint32_t>(rng.next() >> 40);  // no exit draw was made
        const int j = AliasTables::draw(forced ? forced_dest : dest, outcomes, bits, kc);
        next[moving] = Move{tt, birth, j, i};
        moving += j < n;
      }
      for (int i = 0; i < crossing; ++i)
        mark_bands(s, band, Band{band, across[i].birth + hi_edge}, across[i].d0, across[i].d1, across[i].birth);
      for (int i = 0; i < moving; ++i) {
        const double tt = next[i].t, birth = next[i].birth;
        // the age band at entry to the next state (never younger than this stay's: tt >= t)
        int a = band + (age_edges[band + 1] <= tt - birth);
        while (age_edges[a + 1] <= tt - birth) ++a;
        if (capped && next[i].state == s) {  // a new episode in a capped state: the cap's clock runs on
          const Stay& from = stay[next[i].from];
          single_.push_back(Start{s, tt, 0.0, birth, a, from.e + (tt - from.t)});
        } else if (static_cast<int>(tt) >= single_from) {
          cohort_[static_cast<std::size_t>(next[i].state) * n_age_ + a].push_back(Stay{tt, birth, 0.0});
        } else {
          single_.push_back(Start{next[i].state, tt, 0.0, birth, a, 0.0});
        }
      }
    }
    stream = rng;
  }

  // An age band and the day its next one starts (birth + the next edge): a
  // whole day d is in a later band once next <= d.
  struct Band {
    int band;
    double next;  // +infinity past the oldest band
  };

  // Marks days [d0, d1) in state s split at age-band boundaries, given the
  // band at d0 or a younger one (and a, the band at entry to the state, or a
  // younger one); returns the band at d1 - 1.
  EARLYHELP_NOINLINE Band mark_bands(int s, int a, Band b, int d0, int d1, double birth) {
    const double* edges = ages_.data();  // padded: the oldest band's next edge is +infinity
    if (b.band < a) b = {a, birth + edges[a + 1]};  // (rounding aside, the band at d0 is never below a)
    while (b.next <= d0) {
      ++b.band;
      b.next = birth + edges[b.band + 1];
    }
    for (int from = d0;;) {
      const int to = b.next < d1 ? std::max(from + 1, ceil_int(b.next)) : d1;
      int32_t* row = &diff_[(static_cast<std::size_t>(s) * n_age_ + b.band) * (periods_ + 1)];
      ++row[period_of_day_[from]];
      --row[period_of_day_[to]];
      if (costed_[s]) add_days(s, from, to);
      if (to >= d1) return b;
      from = to;
      ++b.band;
      b.next = birth + edges[b.band + 1];
    }
  }

  // Only exit rates far beyond any service's keep a child moving this often; stopping
  // here would drop the child from every stock after it, so it is an error.
  [[noreturn]] void too_many_moves(int s, double t) const {
    throw InputError("a child moved between states " + std::to_string(kMaxMoves) +
                     " times within the horizon (last in state " + std::to_string(s) + " on day " +
                     std::to_string(t) + "): the exit rates, or a scenario's multipliers of them, are far too high");
  }

  // Stocks at each period end, cost and entrants of the period, into the
  // batch buffer; clears the run's arrays for the next run.
  void record() {
    const int series = n_series();
    const std::size_t width = periods_ + 1;
    for (int p = 0; p < periods_; ++p)
      for (int s = 0; s <= n_; ++s) slot(p * series + cells_ + s)[filled_] = 0;
    for (std::size_t c = 0; c < cells_; ++c) {
      const int s = static_cast<int>(c / n_age_);
      int32_t* row = &diff_[c * width];
      int64_t level = 0;
      for (int p = 0; p < periods_; ++p) {
        level += row[p];
        slot(p * series + c)[filled_] = level;
        slot(p * series + cells_ + s)[filled_] += level;
        slot(p * series + cells_ + n_)[filled_] += level;
      }
      std::fill(row, row + width, 0);
    }
    std::vector<double> cost(periods_, 0.0);
    for (int s = 0; s < n_; ++s) {
      if (!costed_[s]) continue;
      int32_t* whole = &whole_[s * width];
      int64_t* part = &part_days_[s * width];
      int64_t covering = 0;
      for (int p = 0; p < periods_; ++p) {
        covering += whole[p];
        const int length = o_.period_ends[p] - (p ? o_.period_ends[p - 1] : 0);  // from day 1
        cost[p] += m_.unit_cost[s] * static_cast<double>(part[p] + covering * length);
      }
      std::fill(whole, whole + width, 0);
      std::fill(part, part + width, 0);
    }
    for (int p = 0; p < periods_; ++p) {
      const double factor = o_.cost_factor.empty() ? 1.0 : o_.cost_factor[p];
      slot(periods_ * series + p)[filled_] = std::llround(cost[p] * factor / o_.cost_quantum);
      for (int s = 0; s < n_; ++s)
        slot(periods_ * (series + 1) + p * n_ + s)[filled_] = entr_[static_cast<std::size_t>(p) * n_ + s];
    }
    std::fill(entr_.begin(), entr_.end(), 0);
    batch_run_[filled_] = current_run_ - o_.first_run;
    ++filled_;
  }

  const SimModel& m_;
  const std::vector<OpenCase>& open_;
  const SimOptions& o_;
  int n_, n_age_, n_dur_, out_;
  std::size_t cells_;
  int periods_;
  const detail::ExponentialZiggurat& expo_;
  AliasTables dest_, forced_dest_;  // per (regime, state, age)
  bool capped_ = false;             // a state has a longest stay (else forced_dest_ is never read)
  std::vector<Segment> segments_;        // runs of one regime
  std::vector<Segment> entry_segments_;  // the same, cut at period ends when monthly_
  bool monthly_ = false;                 // entry rates vary by period (season, dispersion)
  std::vector<double> period_mult_;      // [period + 1][state] this run's entry multipliers
  std::vector<double> total_mult_, inv_mult_;  // per (regime, state, age)
  std::vector<int> period_of_day_;  // [day 0 .. days]: first period ending on or after it (periods: none)
  std::vector<int32_t> run_end_;  // first day after the regime run holding each day
  int single_from_ = 0;           // the last regime run's first day: from there one regime holds
  std::size_t single_kc_ = 0;     // that regime x cells_
  SortedEdges ages_, durations_;  // age_edges, dur_edges
  // [state][age][3][2^durations_.steps()]: cumulative hazard at bin edges (padded), hazard, 1 / hazard
  std::vector<double> cellh_;
  std::vector<double> hazard_;    // [state][age][n_dur] this run's hazards
  std::vector<double> dest_change_, dest_draw_;  // draw_rates' buffers
  std::vector<double> cap_;       // [state] longest stay (infinite: no cap)
  struct Trend {
    double share_total = 0;    // sum of the state's entry_shape (0: not trended)
    double alpha = 0, beta = 0;  // this run's draw
  };
  std::vector<Trend> trend_;      // [state] (empty: no trended entry)
  std::vector<int32_t> diff_;     // [state][age][period + 1]: changes of the stock at period ends
  std::vector<char> costed_;      // [state]: has a unit cost
  std::vector<int32_t> whole_;    // [state][period + 1]: changes of the stays covering whole periods
  std::vector<int64_t> part_days_;  // [state][period + 1]: days of stays covering part of a period
  std::vector<int64_t> entr_;     // [period][state] entrants of this run
  std::vector<StayList> cohort_;        // [state][age]: stays waiting for stays()
  StayList now_;                           // the cohort stays() is following
  std::vector<Start> single_;              // children followed one by one (follow())
  std::vector<int64_t> buffer_;   // [slot][run in batch]
  int64_t batch_run_[kBatch] = {};  // each buffered run's number from first_run
  int64_t current_run_ = 0;
  int filled_ = 0;
};

void check(const SimModel& m, const std::vector<OpenCase>& open, const SimOptions& o) {
  const int n = m.n_states;
  const std::size_t na = m.age_edges.size(), nd = m.dur_edges.size(), K = m.n_regimes;
  require(n > 0, "n_states must be positive");
  require(na > 0 && nd > 0, "age_edges and dur_edges must not be empty");
  require(std::is_sorted(m.age_edges.begin(), m.age_edges.end()), "age_edges must be ascending");
  require(std::is_sorted(m.dur_edges.begin(), m.dur_edges.end()) && m.dur_edges[0] == 0,
          "dur_edges must be ascending and start at 0");
  const std::size_t cells = n * na;
  require(m.hazard.size() == cells * nd, "hazard must hold n_states x n_age x n_dur values");
  require(m.dest.size() == cells * (n + 1), "dest must hold n_states x n_age x (n_states + 1) values");
  require(m.entry_shape.size() == cells && m.entry_rate.size() == cells, "entry_shape/entry_rate: n_states x n_age");
  require(m.entry_age_lo.size() == cells && m.entry_age_hi.size() == cells, "entry ages: n_states x n_age");
  require(K > 0 && m.entry_mult.size() == K * cells, "entry_mult must hold n_regimes x n_states x n_age values");
  require(m.move_mult.size() == K * n * (n + 1), "move_mult must hold n_regimes x n_states x (n_states + 1) values");
  require(m.max_duration.empty() || m.max_duration.size() == static_cast<std::size_t>(n), "max_duration: n_states");
  require(m.unit_cost.empty() || m.unit_cost.size() == static_cast<std::size_t>(n), "unit_cost: n_states");
  for (double h : m.hazard) require(h >= 0 && std::isfinite(h), "a hazard is negative or not finite");
  require(m.hazard_shape.size() == m.hazard_rate.size() && (m.hazard_shape.empty() || m.hazard_shape.size() == cells * nd),
          "hazard_shape and hazard_rate must both be empty or hold n_states x n_age x n_dur values");
  for (std::size_t i = 0; i < m.hazard_shape.size(); ++i)
    require(m.hazard_shape[i] >= 0 && std::isfinite(m.hazard_shape[i]) &&
                (m.hazard_shape[i] == 0 || (m.hazard_rate[i] > 0 && std::isfinite(m.hazard_rate[i]))),
            "a hazard's posterior shape is negative or its rate is not positive");
  require(m.dest_weight.empty() || m.dest_weight.size() == cells * (n + 1),
          "dest_weight must be empty or hold n_states x n_age x (n_states + 1) values");
  for (double v : m.dest_weight) require(v >= 0 && std::isfinite(v), "a destination weight is negative or not finite");
  require(m.rate_change.empty() || m.rate_change.size() == 2, "rate_change must be empty or hold 2 variances");
  for (double v : m.rate_change) require(v >= 0 && v <= 4, "a rate change variance is negative or above 4");
  for (std::size_t c = 0; c < cells; ++c) {
    double s = 0;
    for (int j = 0; j <= n; ++j) {
      const double p = m.dest[c * (n + 1) + j];
      require(p >= 0 && std::isfinite(p), "destination probability of state " + std::to_string(c / na) +
                                              " is negative or not finite");
      s += p;
    }
    require(s == 0 || std::abs(s - 1) < 1e-6, "destination probabilities of state " + std::to_string(c / na) +
                                                  ", age band " + std::to_string(c % na) + " sum to " +
                                                  std::to_string(s) + ", not 1");
  }
  for (double v : m.entry_mult) require(v >= 0 && std::isfinite(v), "an entry multiplier is negative");
  require(m.entry_add.empty() || m.entry_add.size() == K * cells,
          "entry_add must be empty or hold n_regimes x n_states x n_age values");
  for (double v : m.entry_add) require(std::isfinite(v), "an added entry rate is not finite");
  require(m.entry_trend.empty() || m.entry_trend.size() == static_cast<std::size_t>(n) * 5,
          "entry_trend must hold n_states x 5 values");
  for (std::size_t s = 0; s < m.entry_trend.size() / 5; ++s) {
    if (std::isnan(m.entry_trend[s * 5])) continue;
    for (int j = 0; j < 5; ++j)
      require(std::isfinite(m.entry_trend[s * 5 + j]), "entry trend of state " + std::to_string(s) + " is not finite");
  }
  require(m.entry_dispersion.empty() || m.entry_dispersion.size() == static_cast<std::size_t>(n),
          "entry_dispersion: n_states");
  for (double v : m.entry_dispersion) require(v >= 0 && v < 1e6, "an entry dispersion is negative or not finite");
  require(m.entry_drift.empty() || m.entry_drift.size() == static_cast<std::size_t>(n), "entry_drift: n_states");
  for (double v : m.entry_drift) require(v >= 0 && v < 1, "an entry drift variance is negative or not below 1");
  require(o.entry_season.empty() || o.entry_season.size() == (o.period_ends.size() + 1) * n,
          "entry_season must hold (periods + 1) x n_states values");
  for (double v : o.entry_season) require(v >= 0 && std::isfinite(v), "a seasonal entry multiplier is negative");
  for (double v : m.move_mult) require(v >= 0 && std::isfinite(v), "a rate multiplier is negative");
  require(o.days > 0, "days must be positive");
  require(o.regime_of_day.size() == static_cast<std::size_t>(o.days), "regime_of_day must hold one value per day");
  for (int32_t k : o.regime_of_day) require(k >= 0 && static_cast<std::size_t>(k) < K, "unknown regime in regime_of_day");
  require(std::is_sorted(o.period_ends.begin(), o.period_ends.end()), "period_ends must be ascending");
  for (int32_t d : o.period_ends) require(d >= 0 && d < o.days, "period_ends must lie in [0, days)");
  require(o.cost_factor.empty() || o.cost_factor.size() == o.period_ends.size(), "cost_factor: one per period");
  require(o.cost_quantum > 0, "cost_quantum must be positive");
  require(o.runs >= 0 && o.first_run >= 0, "runs must not be negative");
  for (const OpenCase& c : open) {
    require(c.state >= 0 && c.state < n, "an open case names a state that does not exist");
    require(c.entered <= 0, "an open case entered its state after day 0");
    require(std::isfinite(c.birth) && std::isfinite(c.entered), "an open case has a birth or entry day that is not finite");
    require(std::isnan(c.stay_entered) || (std::isfinite(c.stay_entered) && c.stay_entered <= c.entered),
            "an open case entered its state (stay_entered) after its episode began or on a day that is not finite");
  }
}

}  // namespace

SimResult simulate(const SimModel& model, const std::vector<OpenCase>& open, const SimOptions& o, Progress* progress) {
  check(model, open, o);
  const int periods = static_cast<int>(o.period_ends.size());
  const int threads = std::max(1, std::min<int>(o.threads, static_cast<int>(std::max<int64_t>(1, o.runs))));
  std::vector<SimResult> parts(threads);
  std::atomic<int64_t> next{0}, done{0};
  std::atomic<bool> cancel{false};
  SimResult kept;
  if (o.keep_runs) {
    const std::size_t series = model.n_states * (model.age_edges.size() + 1) + 1;  // as Runner::n_series
    kept.run_stocks.assign(static_cast<std::size_t>(o.runs) * periods * series, 0);
    kept.run_costs.assign(static_cast<std::size_t>(o.runs) * periods, 0);
  }
  auto work = [&](int w) {
    Runner runner(model, open, o);
    SimResult& r = parts[w];
    r.stocks = Bands(periods, runner.n_series());
    r.costs = Bands(periods, 1);
    r.entrants = Bands(periods, model.n_states);
    while (!cancel.load()) {
      const int64_t i = next.fetch_add(1);
      if (i >= o.runs) break;
      runner.run(o.first_run + i);
      if (runner.batch_full()) runner.flush(r, o.keep_runs ? &kept : nullptr);
      done.fetch_add(1);
    }
    runner.flush(r, o.keep_runs ? &kept : nullptr);
  };
  run_workers(threads, work, cancel, [&] { return static_cast<std::size_t>(done.load()); },
              static_cast<std::size_t>(o.runs), progress);
  SimResult out = std::move(parts[0]);
  for (int w = 1; w < threads; ++w) {
    out.stocks.merge(parts[w].stocks);
    out.costs.merge(parts[w].costs);
    out.entrants.merge(parts[w].entrants);
  }
  out.run_stocks = std::move(kept.run_stocks);
  out.run_costs = std::move(kept.run_costs);
  return out;
}

}  // namespace earlyhelp::flow
