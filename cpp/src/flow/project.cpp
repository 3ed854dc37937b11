// Deterministic daily stock-flow projection (see flow.hpp).
#include <algorithm>
#include <cmath>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

namespace earlyhelp::flow {

namespace {

void check(const Projection& m, const std::vector<double>& initial, const std::vector<int32_t>& regime_of_day) {
  const int n = m.n_states;
  const int cols = n + (m.exits_column ? 1 : 0);
  require(n > 0, "n_states must be positive");
  require(m.n_regimes > 0, "there must be at least one regime");
  require(m.rates.size() == static_cast<std::size_t>(m.n_regimes) * n * cols,
          "rates must hold n_regimes x n x " + std::to_string(cols) + " values");
  require(m.entrants.size() == static_cast<std::size_t>(m.n_regimes) * n, "entrants must hold n_regimes x n values");
  require(initial.size() == static_cast<std::size_t>(n), "initial must hold n values");
  for (std::size_t i = 0; i < m.rates.size(); ++i) {
    const double r = m.rates[i];
    if (!(r >= 0) || !std::isfinite(r)) {
      const std::size_t k = i / (static_cast<std::size_t>(n) * cols), rest = i % (static_cast<std::size_t>(n) * cols);
      throw InputError("rate from state " + std::to_string(rest / cols) + " to " + std::to_string(rest % cols) +
                       " in regime " + std::to_string(k) + " is negative or not finite (" + std::to_string(r) + ")");
    }
  }
  for (std::size_t i = 0; i < m.entrants.size(); ++i)
    require(m.entrants[i] >= 0 && std::isfinite(m.entrants[i]),
            [&] { return "entrants into state " + std::to_string(i % n) + " are negative or not finite"; });
  for (std::size_t i = 0; i < initial.size(); ++i)
    require(initial[i] >= 0 && std::isfinite(initial[i]), "initial stock of state " + std::to_string(i) +
                                                               " is negative or not finite");
  for (int32_t k : regime_of_day) require(k >= 0 && k < m.n_regimes, "regime_of_day names a regime that does not exist");
  if (m.cap_group.empty()) {
    require(m.cap_days.empty() && m.initial_elapsed.empty() && m.cap_survival.empty(),
            "cap_days given without cap_group");
    return;
  }
  require(m.cap_group.size() == static_cast<std::size_t>(n), "cap_group must hold n values");
  const auto groups = static_cast<int32_t>(m.cap_days.size());
  for (int32_t g : m.cap_group) require(g >= -1 && g < groups, "cap_group names a group that does not exist");
  require(m.initial_elapsed.size() == m.cap_days.size(), "initial_elapsed must hold one histogram per capped group");
  for (std::size_t g = 0; g < m.cap_days.size(); ++g) {
    require(m.cap_days[g] >= 1, "cap of group " + std::to_string(g) + " must be at least one day");
    require(m.initial_elapsed[g].size() == static_cast<std::size_t>(m.cap_days[g]) + 1,
            "initial_elapsed of group " + std::to_string(g) + " must hold cap + 1 values");
    for (double v : m.initial_elapsed[g])
      require(v >= 0 && std::isfinite(v), "initial_elapsed of group " + std::to_string(g) + " is negative or not finite");
    require(m.cap_survival.size() == m.cap_days.size() &&
                m.cap_survival[g].size() == static_cast<std::size_t>(m.cap_days[g]),
            "cap_survival of group " + std::to_string(g) + " must hold cap values");
    for (double v : m.cap_survival[g])
      require(v >= 0 && v <= 1, "cap_survival of group " + std::to_string(g) + " must lie in [0, 1]");
  }
}

// Daily cohorts of the capped groups (see flow.hpp).
class Caps {
 public:
  Caps(const Projection& m, int cols) : m_(m), n_(m.n_states), cols_(cols), groups_(m.cap_group.empty() ? 0 : m.cap_days.size()) {
    for (std::size_t g = 0; g < groups_; ++g) {
      const auto& init = m.initial_elapsed[g];
      cohorts_.emplace_back(init.begin(), init.end() - 1);  // cohorts_[g][u]: entered u days ago
      forced_.push_back(init.back());                        // already past the cap: leave on day 0
    }
    in_.assign(groups_, 0.0);
  }
  bool active() const { return groups_ > 0; }

  void start_day(const double* entrants) {
    std::fill(in_.begin(), in_.end(), 0.0);
    for (int i = 0; i < n_; ++i)
      if (group(i) >= 0) in_[group(i)] += entrants[i];
  }
  // A flow of `amount` from bin i to bin j (j == n_: out of the model).
  void flow(int i, int j, double amount) {
    const int gj = j < n_ ? group(j) : -1;
    if (gj >= 0 && gj != group(i)) in_[gj] += amount;
  }
  // Ages the cohorts by a day, scales them to the stocks `next` and moves the
  // part reaching the cap out of `next`, by `rates`.
  void end_day(const double* rates, double* next) {
    for (std::size_t g = 0; g < groups_; ++g) {
      auto& c = cohorts_[g];
      const auto& survive = m_.cap_survival[g];
      forced_[g] += c.back() * survive.back();
      for (std::size_t u = c.size() - 1; u > 0; --u) c[u] = c[u - 1] * survive[u - 1];
      c[0] = in_[g];
    }
    for (std::size_t g = 0; g < groups_; ++g) {
      auto& c = cohorts_[g];
      double held = 0;
      for (int i = 0; i < n_; ++i)
        if (group(i) == static_cast<int>(g)) held += next[i];
      double total = forced_[g];
      for (double v : c) total += v;
      const double scale = total > 0 ? held / total : 0.0;
      for (double& v : c) v *= scale;
      const double leaving = forced_[g] * scale;
      forced_[g] = 0;
      if (leaving > 0) move_out(static_cast<int>(g), leaving, held, rates, next);
    }
  }

 private:
  int group(int bin) const { return m_.cap_group[bin]; }

  // Takes `leaving` from group g's bins in proportion to their stocks (held in
  // all) to the bins' destinations outside the group.
  void move_out(int g, double leaving, double held, const double* rates, double* next) {
    for (int i = 0; i < n_; ++i) {
      if (group(i) != g || next[i] <= 0) continue;
      const double amount = leaving * next[i] / held;
      next[i] -= amount;
      const double* row = &rates[static_cast<std::size_t>(i) * cols_];
      double total = 0;
      for (int j = 0; j < cols_; ++j) total += j < n_ && group(j) == g ? 0.0 : row[j];
      if (total <= 0) continue;  // nowhere else to go: leaves the model
      for (int j = 0; j < n_; ++j) {
        if (group(j) == g || row[j] <= 0) continue;
        next[j] += amount * row[j] / total;
        if (group(j) >= 0) cohorts_[group(j)][0] += amount * row[j] / total;
      }
    }
  }

  const Projection& m_;
  int n_, cols_;
  std::size_t groups_;
  std::vector<std::vector<double>> cohorts_;
  std::vector<double> forced_, in_;
};

}  // namespace

std::vector<double> project(const Projection& m, const std::vector<double>& initial,
                            const std::vector<int32_t>& regime_of_day) {
  check(m, initial, regime_of_day);
  const int n = m.n_states;
  const int cols = n + (m.exits_column ? 1 : 0);
  const std::size_t days = regime_of_day.size();
  // Out-rate totals per regime, computed once.
  std::vector<double> out_rate(static_cast<std::size_t>(m.n_regimes) * n, 0.0);
  for (int k = 0; k < m.n_regimes; ++k)
    for (int i = 0; i < n; ++i) {
      const double* row = &m.rates[(static_cast<std::size_t>(k) * n + i) * cols];
      double s = 0;
      for (int j = 0; j < cols; ++j) s += row[j];
      out_rate[static_cast<std::size_t>(k) * n + i] = s;
    }
  std::vector<double> out((days + 1) * n);
  std::copy(initial.begin(), initial.end(), out.begin());
  std::vector<double> next(n);
  Caps caps(m, cols);
  for (std::size_t d = 0; d < days; ++d) {
    const int k = regime_of_day[d];
    const double* x = &out[d * n];
    const double* entr = &m.entrants[static_cast<std::size_t>(k) * n];
    const double* rates = &m.rates[static_cast<std::size_t>(k) * n * cols];
    for (int i = 0; i < n; ++i) next[i] = x[i] + entr[i];
    if (caps.active()) caps.start_day(entr);
    for (int i = 0; i < n; ++i) {
      const double total = out_rate[static_cast<std::size_t>(k) * n + i];
      if (total <= 0 || x[i] <= 0) continue;
      const double leaving = std::min(x[i] * total, x[i]);
      next[i] -= leaving;
      const double share = leaving / total;
      const double* row = &rates[static_cast<std::size_t>(i) * cols];
      for (int j = 0; j < n; ++j) next[j] += row[j] * share;
      if (caps.active())
        for (int j = 0; j < cols; ++j) caps.flow(i, j, row[j] * share);
    }
    if (caps.active()) caps.end_day(rates, next.data());
    std::copy(next.begin(), next.end(), out.begin() + (d + 1) * n);
  }
  return out;
}

}  // namespace earlyhelp::flow
