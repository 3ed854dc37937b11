// Monte Carlo simulation of individual children moving between services
// (see flow.hpp). Each run draws from its own random stream, keyed by the
// seed and the run number, so a run is the same whichever thread, process or
// machine computes it; bands are histograms that merge by addition.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <string>
#include <thread>

#include "../synthetic/rng.hpp"
#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

namespace earlyhelp::flow {

namespace {

using synthetic::detail::Rng;
using synthetic::detail::stream_key;

double gamma_draw(Rng& rng, double shape) {
  if (shape <= 0) return 0;
  if (shape < 1) return gamma_draw(rng, shape + 1) * std::pow(std::max(rng.uniform(), 1e-300), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
  while (true) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(std::max(u, 1e-300)) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

struct Segment {
  int32_t start, end, regime;  // days [start, end)
};

class Runner {
 public:
  Runner(const SimModel& m, const std::vector<OpenCase>& open, const SimOptions& o)
      : m_(m), open_(open), o_(o), n_(m.n_states), n_age_(static_cast<int>(m.age_edges.size())),
        n_dur_(static_cast<int>(m.dur_edges.size())), out_(n_ + 1) {
    // Regime segments and the total exit multiplier per (regime, state, age).
    int32_t d0 = 0;
    for (int32_t d = 1; d <= o.days; ++d)
      if (d == o.days || o.regime_of_day[d] != o.regime_of_day[d0]) {
        segments_.push_back({d0, d, o.regime_of_day[d0]});
        d0 = d;
      }
    total_mult_.assign(static_cast<std::size_t>(m.n_regimes) * n_ * n_age_, 0.0);
    for (int k = 0; k < m.n_regimes; ++k)
      for (int s = 0; s < n_; ++s)
        for (int a = 0; a < n_age_; ++a) {
          double t = 0;
          for (int j = 0; j < out_; ++j) t += dest(s, a, j) * move_mult(k, s, j);
          total_mult_[(static_cast<std::size_t>(k) * n_ + s) * n_age_ + a] = t;
        }
    dest_cum_.assign(static_cast<std::size_t>(m.n_regimes) * n_ * n_age_ * out_, 0.0);
    for (int k = 0; k < m.n_regimes; ++k)
      for (int s = 0; s < n_; ++s)
        for (int a = 0; a < n_age_; ++a) {
          double c = 0;
          double* row = &dest_cum_[((static_cast<std::size_t>(k) * n_ + s) * n_age_ + a) * out_];
          for (int j = 0; j < out_; ++j) row[j] = (c += dest(s, a, j) * move_mult(k, s, j));
        }
    run_end_.assign(o.days, o.days);
    for (const Segment& g : segments_)
      for (int32_t d = g.start; d < g.end; ++d) run_end_[d] = g.end;
    // Cumulative hazard at each duration bin's lower edge, per (state, age band).
    cumh_.assign(static_cast<std::size_t>(n_) * n_age_ * (n_dur_ + 1), 0.0);
    for (std::size_t c = 0; c < static_cast<std::size_t>(n_) * n_age_; ++c)
      for (int b = 0; b < n_dur_; ++b) {
        const double width = b + 1 < n_dur_ ? m.dur_edges[b + 1] - m.dur_edges[b] : INFINITY;
        const double h = m.hazard[c * n_dur_ + b];
        cumh_[c * (n_dur_ + 1) + b + 1] = cumh_[c * (n_dur_ + 1) + b] + (h > 0 ? h * width : 0.0);
      }
    period_of_day_.assign(o.days, -1);
    int p = 0;
    for (int32_t d = 0; d < o.days; ++d) {
      while (p < static_cast<int>(o.period_ends.size()) && o.period_ends[p] < d) ++p;
      period_of_day_[d] = p < static_cast<int>(o.period_ends.size()) ? p : -1;
    }
  }

  int n_series() const { return n_ * n_age_ + n_ + 1; }

  void run(int64_t r, SimResult& result) {
    Rng rng(stream_key(o_.seed, static_cast<uint64_t>(r), 0x466c6f77));  // "Flow"
    const int days = o_.days;
    const std::size_t cells = static_cast<std::size_t>(n_) * n_age_;
    diff_.assign(cells * (days + 1), 0);
    entr_.assign(o_.period_ends.size() * n_, 0);
    for (const OpenCase& c : open_) follow(rng, c.state, 0.0, -c.entered, c.birth);
    // Entrants: rates drawn once per run (parameter uncertainty), then Poisson per regime segment.
    for (int s = 0; s < n_; ++s)
      for (int a = 0; a < n_age_; ++a) {
        const std::size_t i = static_cast<std::size_t>(s) * n_age_ + a;
        if (m_.entry_shape[i] <= 0 || m_.entry_rate[i] <= 0) continue;
        const double lambda = gamma_draw(rng, m_.entry_shape[i]) / m_.entry_rate[i];
        for (const Segment& g : segments_) {
          const double mean = lambda * m_.entry_mult[static_cast<std::size_t>(g.regime) * cells + i] * (g.end - g.start);
          const int k = rng.poisson(mean);
          for (int e = 0; e < k; ++e) {
            const double t = rng.uniform(g.start, g.end);
            const double age = rng.uniform(m_.entry_age_lo[i], m_.entry_age_hi[i]);
            const int day = std::min(days - 1, static_cast<int>(t));
            if (period_of_day_[day] >= 0) ++entr_[static_cast<std::size_t>(period_of_day_[day]) * n_ + s];
            follow(rng, s, t, 0.0, t - age);
          }
        }
      }
    record(result);
  }

 private:
  double dest(int s, int a, int j) const { return m_.dest[(static_cast<std::size_t>(s) * n_age_ + a) * out_ + j]; }
  double move_mult(int k, int s, int j) const {
    return m_.move_mult[(static_cast<std::size_t>(k) * n_ + s) * out_ + j];
  }
  int age_band(double age) const {
    int a = static_cast<int>(std::upper_bound(m_.age_edges.begin(), m_.age_edges.end(), age) - m_.age_edges.begin()) - 1;
    return std::max(0, a);
  }
  int regime_at(double t) const {
    const int d = std::clamp(static_cast<int>(t), 0, o_.days - 1);
    return o_.regime_of_day[d];
  }

  // Mark days [t0, t1) in state s (split at age-band boundaries).
  void occupy(int s, double t0, double t1, double birth) {
    const int days = o_.days;
    int d0 = std::max(0, static_cast<int>(std::ceil(t0)));
    const int d1 = std::min(days, static_cast<int>(std::ceil(t1)));
    if (d0 >= d1) return;
    int a = age_band(d0 - birth);
    while (true) {
      int dend = d1;
      if (a + 1 < n_age_) dend = std::min(d1, static_cast<int>(std::ceil(birth + m_.age_edges[a + 1])));
      if (dend <= d0) dend = d0 + 1;
      int32_t* row = &diff_[(static_cast<std::size_t>(s) * n_age_ + a) * (days + 1)];
      ++row[d0];
      --row[dend];
      if (dend >= d1) return;
      d0 = dend;
      a = std::min(a + 1, n_age_ - 1);
    }
  }

  // Follow one child from time t in state s (already e days in it) until they
  // leave every service or the horizon ends.
  void follow(Rng& rng, int s, double t, double e, double birth) {
    const double horizon = o_.days;
    int guard = 0;
    while (t < horizon && ++guard < 10000) {
      const int a = age_band(t - e - birth);  // age band at entry to the state
      const double cap = m_.max_duration.empty() || m_.max_duration[s] <= 0 ? INFINITY : m_.max_duration[s];
      const double leave_age = birth + m_.max_age;  // day the child is too old for services
      double need = rng.exponential(1.0);
      double tt = t, ee = e;
      bool exited = false, forced = false, aged_out = false;
      const int day0 = std::clamp(static_cast<int>(t), 0, o_.days - 1);
      if (run_end_[day0] >= o_.days) {
        // One regime to the horizon: invert the cumulative hazard directly.
        const int k = o_.regime_of_day[day0];
        const std::size_t cell = static_cast<std::size_t>(s) * n_age_ + a;
        const double mult = total_mult_[(static_cast<std::size_t>(k) * n_ + s) * n_age_ + a];
        const double* h = &m_.hazard[cell * n_dur_];
        const double* H = &cumh_[cell * (n_dur_ + 1)];
        int b = std::max(0, static_cast<int>(std::upper_bound(m_.dur_edges.begin(), m_.dur_edges.end(), e) -
                                             m_.dur_edges.begin()) - 1);
        double exit_e = INFINITY;
        if (mult > 0) {
          const double target = H[b] + h[b] * (e - m_.dur_edges[b]) + need / mult;
          while (b + 1 < n_dur_ && H[b + 1] <= target) ++b;
          if (h[b] > 0) exit_e = m_.dur_edges[b] + (target - H[b]) / h[b];
        }
        // A child already past the cap (an open case) leaves at once.
        const double t_exit = t + (exit_e - e), t_cap = t + std::max(0.0, cap - e);
        tt = std::min({t_exit, t_cap, leave_age});
        if (tt >= horizon) {
          tt = horizon;
        } else {
          exited = true;
          aged_out = tt == leave_age;
          forced = !aged_out && tt == t_cap && t_cap < t_exit;
        }
      } else {
      while (tt < horizon) {
        const int b = std::max(0, static_cast<int>(std::upper_bound(m_.dur_edges.begin(), m_.dur_edges.end(), ee) -
                                                   m_.dur_edges.begin()) - 1);
        double seg = b + 1 < n_dur_ ? m_.dur_edges[b + 1] - ee : INFINITY;
        const int day = std::clamp(static_cast<int>(tt), 0, o_.days - 1);
        const int k = o_.regime_of_day[day];
        seg = std::min(seg, run_end_[day] - tt);
        seg = std::min(seg, horizon - tt);
        double to_cap = cap - ee, to_age = leave_age - tt;
        seg = std::min({seg, std::max(0.0, to_cap), std::max(0.0, to_age)});
        const double rate = m_.hazard[(static_cast<std::size_t>(s) * n_age_ + a) * n_dur_ + b] *
                            total_mult_[(static_cast<std::size_t>(k) * n_ + s) * n_age_ + a];
        if (rate * seg >= need && rate > 0) {
          tt += need / rate;
          exited = true;
          break;
        }
        need -= rate * seg;
        tt += seg;
        ee += seg;
        if (tt >= leave_age - 1e-9) {
          exited = aged_out = true;
          break;
        }
        if (ee >= cap - 1e-9) {
          exited = forced = true;
          break;
        }
        if (seg <= 0 && rate <= 0) {  // nothing can happen before the horizon
          tt = horizon;
          break;
        }
      }
      }
      occupy(s, t, std::min(tt, horizon), birth);
      if (!exited || tt >= horizon) return;
      if (aged_out) return;
      // Destination, with the regime's cause-specific multipliers (the cap
      // forces an exit: "stay" is then not an option).
      const int k = regime_at(tt);
      int j = n_;
      if (!forced) {
        const double* cum = &dest_cum_[((static_cast<std::size_t>(k) * n_ + s) * n_age_ + a) * out_];
        const double u = rng.uniform() * cum[out_ - 1];
        if (cum[out_ - 1] > 0) {
          j = 0;
          while (j < out_ - 1 && u >= cum[j]) ++j;
        }
      } else {
        double total = 0;
        for (int d = 0; d < out_; ++d) total += d == s ? 0.0 : dest(s, a, d) * move_mult(k, s, d);
        if (total > 0) {
          double u = rng.uniform() * total;
          for (j = 0; j < out_; ++j) {
            const double w = j == s ? 0.0 : dest(s, a, j) * move_mult(k, s, j);
            if (u < w) break;
            u -= w;
          }
          if (j >= out_) j = n_;
        }
      }
      if (j >= n_) return;
      s = j;
      t = tt;
      e = 0;
      (void)forced;
    }
  }

  void record(SimResult& r) {
    const int days = o_.days;
    const std::size_t cells = static_cast<std::size_t>(n_) * n_age_;
    const int periods = static_cast<int>(o_.period_ends.size());
    std::vector<int64_t> by_state(n_);
    std::vector<double> cost(periods, 0.0);
    std::vector<int64_t> at_end(cells * periods, 0);
    for (std::size_t c = 0; c < cells; ++c) {
      const int s = static_cast<int>(c / n_age_);
      const double unit = m_.unit_cost.empty() ? 0.0 : m_.unit_cost[s];
      int32_t* row = &diff_[c * (days + 1)];
      int64_t level = 0;
      int p = 0;
      for (int d = 0; d < days; ++d) {
        level += row[d];
        const int pd = period_of_day_[d];
        if (pd >= 0 && unit != 0) cost[pd] += unit * static_cast<double>(level);
        while (p < periods && o_.period_ends[p] == d) {
          at_end[static_cast<std::size_t>(p) * cells + c] = level;
          ++p;
        }
      }
    }
    for (int p = 0; p < periods; ++p) {
      std::fill(by_state.begin(), by_state.end(), 0);
      int64_t total = 0;
      for (std::size_t c = 0; c < cells; ++c) {
        const int64_t v = at_end[static_cast<std::size_t>(p) * cells + c];
        r.stocks.add(p, static_cast<int>(c), v);
        by_state[c / n_age_] += v;
        total += v;
      }
      for (int s = 0; s < n_; ++s) r.stocks.add(p, static_cast<int>(cells) + s, by_state[s]);
      r.stocks.add(p, static_cast<int>(cells) + n_, total);
      const double factor = o_.cost_factor.empty() ? 1.0 : o_.cost_factor[p];
      r.costs.add(p, 0, std::llround(cost[p] * factor / o_.cost_quantum));
      for (int s = 0; s < n_; ++s) r.entrants.add(p, s, entr_[static_cast<std::size_t>(p) * n_ + s]);
    }
  }

  const SimModel& m_;
  const std::vector<OpenCase>& open_;
  const SimOptions& o_;
  int n_, n_age_, n_dur_, out_;
  std::vector<Segment> segments_;
  std::vector<double> total_mult_;
  std::vector<int> period_of_day_;
  std::vector<int32_t> run_end_;  // first day after the regime run holding each day
  std::vector<double> cumh_;      // [state][age][n_dur + 1] cumulative hazard at bin edges
  std::vector<double> dest_cum_;  // [regime][state][age][n_states + 1] cumulative destination weights
  std::vector<int32_t> diff_;
  std::vector<int64_t> entr_;
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
  std::atomic<int> exited{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&](int w) {
    try {
      Runner runner(model, open, o);
      SimResult& r = parts[w];
      r.stocks = Bands(periods, runner.n_series());
      r.costs = Bands(periods, 1);
      r.entrants = Bands(periods, model.n_states);
      while (!cancel.load()) {
        const int64_t i = next.fetch_add(1);
        if (i >= o.runs) break;
        runner.run(o.first_run + i, r);
        done.fetch_add(1);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      cancel.store(true);
    }
    exited.fetch_add(1);
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < threads; ++w) pool.emplace_back(worker, w);
  if (progress == nullptr) {
    worker(0);
  } else {
    pool.emplace_back(worker, 0);
    while (exited.load() < threads) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      try {
        report(progress, static_cast<std::size_t>(done.load()), static_cast<std::size_t>(o.runs));
      } catch (...) {
        cancel.store(true);
        for (auto& th : pool) th.join();
        throw;
      }
    }
  }
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  SimResult out = std::move(parts[0]);
  for (int w = 1; w < threads; ++w) {
    out.stocks.merge(parts[w].stocks);
    out.costs.merge(parts[w].costs);
    out.entrants.merge(parts[w].entrants);
  }
  return out;
}

}  // namespace earlyhelp::flow
