// Mergeable per-period integer histograms: exact quantiles of whole-number
// outcomes without keeping every run.
#include <algorithm>
#include <cmath>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

namespace earlyhelp::flow {

Bands::Bands(int periods, int series)
    : periods_(periods), series_(series), cells_(static_cast<std::size_t>(periods) * series) {
  require(periods >= 0 && series >= 0, "bands need a non-negative number of periods and series");
}

void Bands::Cell::cover(int64_t from, int64_t to) {
  // A histogram keeps one bin per whole value between the least and the greatest outcome.
  constexpr int64_t kMaxSpan = int64_t{1} << 24;
  const int64_t least = counts.empty() ? from : std::min(from, lo);
  const int64_t greatest = counts.empty() ? to : std::max(to, lo + static_cast<int64_t>(counts.size()) - 1);
  if (greatest - least >= kMaxSpan)  // the message is built only when it is needed
    throw InputError("simulated outcomes range from " + std::to_string(least) + " to " + std::to_string(greatest) +
                     ", too wide to keep as a histogram: the rates (an entry trend or a scenario's multipliers) "
                     "grow without bound");
  if (counts.empty()) {
    lo = from;
    counts.assign(static_cast<std::size_t>(to - from + 1), 0);
    return;
  }
  if (from < lo) {
    counts.insert(counts.begin(), static_cast<std::size_t>(lo - from), 0);
    lo = from;
  }
  if (to - lo >= static_cast<int64_t>(counts.size())) counts.resize(static_cast<std::size_t>(to - lo + 1), 0);
}

void Bands::add(int period, int series, int64_t value) { add_many(period, series, &value, 1); }

void Bands::add_many(int period, int series, const int64_t* values, int count) {
  if (count <= 0) return;
  Cell& c = cells_[static_cast<std::size_t>(period) * series_ + series];
  const auto [lo, hi] = std::minmax_element(values, values + count);
  c.cover(*lo, *hi);
  int64_t sum = 0;  // whole numbers: exact, and no chain of floating-point additions
  for (int i = 0; i < count; ++i) {
    ++c.counts[static_cast<std::size_t>(values[i] - c.lo)];
    sum += values[i];
  }
  c.sum += static_cast<double>(sum);
  c.n += count;
}

void Bands::merge(const Bands& other) {
  if (other.cells_.empty()) return;
  if (cells_.empty()) {
    *this = other;
    return;
  }
  require(other.periods_ == periods_ && other.series_ == series_, "bands of different shapes cannot merge");
  for (std::size_t i = 0; i < cells_.size(); ++i) {
    const Cell& o = other.cells_[i];
    Cell& c = cells_[i];
    if (!o.counts.empty()) {
      c.cover(o.lo, o.lo + static_cast<int64_t>(o.counts.size()) - 1);
      for (std::size_t v = 0; v < o.counts.size(); ++v) c.counts[static_cast<std::size_t>(o.lo - c.lo) + v] += o.counts[v];
    }
    c.n += o.n;
    c.sum += o.sum;
  }
}

int64_t Bands::quantile(int period, int series, double q) const {
  require(q >= 0 && q <= 1, "a quantile must lie in [0, 1]");
  const Cell& c = cells_[static_cast<std::size_t>(period) * series_ + series];
  require(c.n > 0, "no runs recorded");
  const double target = q * static_cast<double>(c.n);
  int64_t cum = 0;
  for (std::size_t v = 0; v < c.counts.size(); ++v) {
    cum += c.counts[v];
    if (static_cast<double>(cum) >= target && cum > 0) return c.lo + static_cast<int64_t>(v);
  }
  return c.lo + static_cast<int64_t>(c.counts.size()) - 1;
}

double Bands::mean(int period, int series) const {
  const Cell& c = cells_[static_cast<std::size_t>(period) * series_ + series];
  return c.n ? c.sum / static_cast<double>(c.n) : std::nan("");
}

int64_t Bands::runs(int period, int series) const {
  return cells_[static_cast<std::size_t>(period) * series_ + series].n;
}

std::vector<int64_t> Bands::to_flat() const {
  std::vector<int64_t> out{periods_, series_};
  for (const Cell& c : cells_) {
    out.push_back(c.lo);
    out.push_back(static_cast<int64_t>(c.counts.size()));
    out.insert(out.end(), c.counts.begin(), c.counts.end());
  }
  return out;
}

Bands Bands::from_flat(const std::vector<int64_t>& flat) {
  require(flat.size() >= 2, "band state is too short");
  Bands b(static_cast<int>(flat[0]), static_cast<int>(flat[1]));
  std::size_t at = 2;
  for (Cell& c : b.cells_) {
    require(at + 2 <= flat.size(), "band state is truncated");
    c.lo = flat[at];
    const auto len = static_cast<std::size_t>(flat[at + 1]);
    at += 2;
    require(at + len <= flat.size(), "band state is truncated");
    c.counts.assign(flat.begin() + static_cast<std::ptrdiff_t>(at), flat.begin() + static_cast<std::ptrdiff_t>(at + len));
    at += len;
    for (std::size_t v = 0; v < len; ++v) {
      c.n += c.counts[v];
      c.sum += static_cast<double>(c.counts[v]) * static_cast<double>(c.lo + static_cast<int64_t>(v));
    }
  }
  return b;
}

}  // namespace earlyhelp::flow
