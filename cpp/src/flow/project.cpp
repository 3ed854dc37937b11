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
            "entrants into state " + std::to_string(i % n) + " are negative or not finite");
  for (std::size_t i = 0; i < initial.size(); ++i)
    require(initial[i] >= 0 && std::isfinite(initial[i]), "initial stock of state " + std::to_string(i) +
                                                               " is negative or not finite");
  for (int32_t k : regime_of_day) require(k >= 0 && k < m.n_regimes, "regime_of_day names a regime that does not exist");
}

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
  for (std::size_t d = 0; d < days; ++d) {
    const int k = regime_of_day[d];
    const double* x = &out[d * n];
    const double* entr = &m.entrants[static_cast<std::size_t>(k) * n];
    for (int i = 0; i < n; ++i) next[i] = x[i] + entr[i];
    for (int i = 0; i < n; ++i) {
      const double total = out_rate[static_cast<std::size_t>(k) * n + i];
      if (total <= 0 || x[i] <= 0) continue;
      const double leaving = std::min(x[i] * total, x[i]);
      next[i] -= leaving;
      const double share = leaving / total;
      const double* row = &m.rates[(static_cast<std::size_t>(k) * n + i) * cols];
      for (int j = 0; j < n; ++j) next[j] += row[j] * share;
    }
    std::copy(next.begin(), next.end(), out.begin() + (d + 1) * n);
  }
  return out;
}

}  // namespace earlyhelp::flow
