// Mergeable per-period integer histograms: exact quantiles of whole-number
// outcomes without keeping every run.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/flow/flow.hpp"

namespace earlyhelp::flow {

Bands::Bands(int periods, int series)
    : periods_(periods), series_(series), cells_(static_cast<std::size_t>(periods) * series) {
  require(periods >= 0 && series >= 0, "bands need a non-negative number of periods and series");
}

// A dense cell keeps at most this many bins per value it holds (and at least kDenseBins):
// its memory then stays within a few words per run, however far apart the runs' outcomes lie.
constexpr int64_t kDenseBins = 4096;
constexpr int64_t kBinsPerValue = 4;

void Bands::Cell::cover(int64_t from, int64_t to, int64_t more) {
  // Outcomes this far apart mean rates that grow without bound, whatever the storage.
  constexpr int64_t kMaxSpan = int64_t{1} << 24;
  const bool empty = n == 0 && counts.empty() && sparse.empty();
  const bool listed = is_sparse && !sparse.empty();
  const int64_t held_lo = listed ? sparse.begin()->first : lo;
  const int64_t held_hi = listed ? sparse.rbegin()->first : lo + static_cast<int64_t>(counts.size()) - 1;
  const int64_t least = empty ? from : std::min(from, held_lo);
  const int64_t greatest = empty ? to : std::max(to, held_hi);
  if (greatest - least >= kMaxSpan)  // the message is built only when it is needed
    throw RangeError(least, greatest,
                     "simulated outcomes range from " + std::to_string(least) + " to " + std::to_string(greatest) +
                         ", too wide to keep as a histogram: the rates (an entry trend or a scenario's multipliers) "
                         "grow without bound");
  if (is_sparse) return;
  if (greatest - least + 1 > std::max(kDenseBins, kBinsPerValue * (n + more))) {
    make_sparse();
    return;
  }
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

void Bands::Cell::make_sparse() {
  for (std::size_t v = 0; v < counts.size(); ++v)
    if (counts[v]) sparse[lo + static_cast<int64_t>(v)] += counts[v];
  counts.clear();
  counts.shrink_to_fit();
  is_sparse = true;
}

void Bands::Cell::count(int64_t value, int64_t times) {
  if (is_sparse)
    sparse[value] += times;
  else
    counts[static_cast<std::size_t>(value - lo)] += times;
}

void Bands::add(int period, int series, int64_t value) { add_many(period, series, &value, 1); }

void Bands::add_many(int period, int series, const int64_t* values, int count) {
  if (count <= 0) return;
  Cell& c = cells_[static_cast<std::size_t>(period) * series_ + series];
  const auto [lo, hi] = std::minmax_element(values, values + count);
  c.cover(*lo, *hi, count);
  int64_t sum = 0;  // whole numbers: exact, and no chain of floating-point additions
  for (int i = 0; i < count; ++i) {
    c.count(values[i], 1);
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
    if (o.is_sparse) {
      c.cover(o.sparse.begin()->first, o.sparse.rbegin()->first, o.n);
      for (const auto& [value, times] : o.sparse) c.count(value, times);
    } else if (!o.counts.empty()) {
      c.cover(o.lo, o.lo + static_cast<int64_t>(o.counts.size()) - 1, o.n);
      for (std::size_t v = 0; v < o.counts.size(); ++v)
        if (o.counts[v]) c.count(o.lo + static_cast<int64_t>(v), o.counts[v]);
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
  if (c.is_sparse) {
    for (const auto& [value, times] : c.sparse) {
      cum += times;
      if (static_cast<double>(cum) >= target && cum > 0) return value;
    }
    return c.sparse.rbegin()->first;
  }
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
    if (c.is_sparse) {  // a negative length: that many (value, count) pairs follow
      out.push_back(0);
      out.push_back(-static_cast<int64_t>(c.sparse.size()));
      for (const auto& [value, times] : c.sparse) {
        out.push_back(value);
        out.push_back(times);
      }
      continue;
    }
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
    if (flat[at + 1] < 0) {  // sparse: (value, count) pairs
      const auto pairs = static_cast<std::size_t>(-flat[at + 1]);
      at += 2;
      require(pairs > 0 && at + 2 * pairs <= flat.size(), "band state is truncated");
      c.is_sparse = true;
      for (std::size_t k = 0; k < pairs; ++k, at += 2) {
        c.sparse[flat[at]] += flat[at + 1];
        c.n += flat[at + 1];
        c.sum += static_cast<double>(flat[at + 1]) * static_cast<double>(flat[at]);
      }
      continue;
    }
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
