// Min-cost maximum flow for assigning families to practitioners. Costs are
// scaled to integers (the largest becomes 1e9), then solved by one of two
// methods (FlowMethod in flow.hpp):
// - primal-dual: Dijkstra on reduced costs (potentials keep them >= 0), then
//   Dinic's blocking flow on the arcs whose reduced cost is 0, with the
//   residual network implicit in the bipartite structure (BipartiteFlow);
//   fast when many routes cost the same;
// - cost scaling: a maximum flow first, then Goldberg's push-relabel
//   refinement on an explicit residual network (CostScaling); its work does
//   not grow with the number of distinct costs.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <numeric>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/flow.hpp"

namespace earlyhelp::network {

namespace {

using Cost = std::int64_t;
constexpr Cost kInf = std::numeric_limits<Cost>::max() / 4;

// A family's arc as the solver scans it: practitioner and integer cost (costs
// are scaled to at most 1e9, so both fit 32 bits; half the memory traffic).
struct PackedArc {
  std::int32_t p, c;
};

// More than `limit` distinct values among (up to 65,536 evenly spread) costs:
// the primal-dual method's phases would then be many.
bool many_distinct(const std::vector<Cost>& cost, std::size_t limit) {
  const std::size_t step = std::max<std::size_t>(1, cost.size() / 65536);
  std::vector<Cost> sample;
  for (std::size_t i = 0; i < cost.size(); i += step) sample.push_back(cost[i]);
  std::sort(sample.begin(), sample.end());
  return static_cast<std::size_t>(std::unique(sample.begin(), sample.end()) - sample.begin()) > limit;
}
constexpr std::size_t kFewCosts = 1000;

// Automatic candidates (candidates < 0). Cost scaling's work grows with the
// arcs it scans in every phase, so it starts from each family's few cheapest
// and prices the rest: 5-17x faster where the cheapest few hold the answer
// (distances). Where they do not (every family ranks the practitioners alike),
// pricing would take many rounds, so after a few the solver takes every arc.
// The primal-dual method is fastest on all arcs; beyond kAllArcs it starts
// from the cheapest kPrimalDualStart, to bound memory.
constexpr std::int64_t kScalingStart = 16;
constexpr std::int64_t kScalingPricingRounds = 2;
constexpr std::size_t kAllArcs = 5'000'000;
constexpr std::int64_t kPrimalDualStart = 40;

// Primal-dual min-cost max flow on the bipartite network source -> family
// (capacity 1) -> practitioner -> sink, without materialising a residual
// network: a family carries at most one unit, so its flow is the one arc
// `chosen[f]`, the reverse arcs out of practitioner p are the families
// assigned to it, and p -> sink has room while used[p] < capacity[p].
// Node ids (for the potentials): source 0, families 1..nf, practitioners
// nf+1..nf+np, sink nf+np+1.
class BipartiteFlow {
 public:
  // Arcs of family f: arcs[k] for k in [fstart[f], fstart[f+1]); chosen() holds
  // positions k.
  BipartiteFlow(std::int64_t nf, std::int64_t np, const std::int64_t* capacity, const std::vector<PackedArc>& arcs,
                const std::vector<std::int64_t>& fstart)
      : nf_(nf), np_(np), t_(nf + np + 1), arcs_(arcs), fstart_(fstart), pot_(static_cast<std::size_t>(nf + np + 2), 0), dist_(pot_.size()), settled_(pot_.size()),
        chosen_(static_cast<std::size_t>(nf), -1), used_(static_cast<std::size_t>(np), 0),
        cap_(static_cast<std::size_t>(np)), assigned_(static_cast<std::size_t>(np)),
        level_f_(static_cast<std::size_t>(nf)), level_p_(static_cast<std::size_t>(np)),
        iter_f_(static_cast<std::size_t>(nf)), iter_p_(static_cast<std::size_t>(np)) {
    for (std::int64_t p = 0; p < np; ++p) cap_[p] = std::min(capacity[p], nf);
  }

  const std::vector<Cost>& potentials() const { return pot_; }
  const std::vector<std::int64_t>& chosen() const { return chosen_; }

  void run(std::int64_t& phases) {
    while (dijkstra()) {
      ++phases;
      // Blocking flows on the zero reduced-cost arcs (Dinic) until none is left.
      while (levels()) {
        for (std::int64_t f = 0; f < nf_; ++f)
          if (chosen_[f] < 0 && level_f_[f] == 0) augment(f);
      }
    }
  }

 private:
  Cost& pf(std::int64_t f) { return pot_[1 + f]; }
  Cost& pp(std::int64_t p) { return pot_[1 + nf_ + p]; }

  bool dijkstra() {
    std::fill(dist_.begin(), dist_.end(), kInf);
    std::fill(settled_.begin(), settled_.end(), 0);
    using Item = std::pair<Cost, std::int64_t>;
    heap_.clear();
    auto push = [&](Cost d, std::int64_t v) {
      if (d < dist_[v]) {
        dist_[v] = d;
        heap_.push_back({d, v});
        std::push_heap(heap_.begin(), heap_.end(), std::greater<Item>());
      }
    };
    dist_[0] = 0;
    settled_[0] = 1;
    for (std::int64_t f = 0; f < nf_; ++f)
      if (chosen_[f] < 0 && fstart_[f] < fstart_[f + 1]) push(pot_[0] - pf(f), 1 + f);
    while (!heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Item>());
      auto [d, u] = heap_.back();
      heap_.pop_back();
      if (settled_[u]) continue;
      settled_[u] = 1;
      if (u == t_) break;
      if (u <= nf_) {  // family
        const std::int64_t f = u - 1;
        const Cost base = d + pf(f);
        const std::int64_t own = chosen_[f];
        for (auto k = fstart_[f]; k < fstart_[f + 1]; ++k) {
          if (k == own) continue;
          const PackedArc a = arcs_[k];
          const std::int64_t v = 1 + nf_ + a.p;
          const Cost nd = base + a.c - pot_[v];
          if (nd < dist_[v]) push(nd, v);
        }
      } else {  // practitioner
        const std::int64_t p = u - 1 - nf_;
        const Cost base = d + pp(p);
        for (auto f : assigned_[p]) {
          const Cost nd = base - arcs_[chosen_[f]].c - pf(f);
          if (nd < dist_[1 + f]) push(nd, 1 + f);
        }
        if (used_[p] < cap_[p]) push(base - pot_[t_], t_);
      }
    }
    if (!settled_[t_]) return false;
    const Cost dt = dist_[t_];
    for (std::size_t v = 0; v < pot_.size(); ++v) pot_[v] += settled_[v] ? dist_[v] : dt;
    return true;
  }

  bool zero_fp(std::int64_t f, std::int64_t k, std::int64_t p) { return arcs_[k].c + pf(f) - pp(p) == 0; }
  bool zero_pf(std::int64_t p, std::int64_t g) { return pp(p) - arcs_[chosen_[g]].c - pf(g) == 0; }
  bool to_sink(std::int64_t p) { return used_[p] < cap_[p] && pp(p) == pot_[t_]; }

  // Breadth-first levels from the free families over residual arcs with zero
  // reduced cost; false when the sink is not reached. Resets the current-arc pointers.
  bool levels() {
    std::fill(level_f_.begin(), level_f_.end(), -1);
    std::fill(level_p_.begin(), level_p_.end(), -1);
    queue_.clear();
    for (std::int64_t f = 0; f < nf_; ++f)
      if (chosen_[f] < 0 && pot_[0] == pf(f) && fstart_[f] < fstart_[f + 1]) level_f_[f] = 0, queue_.push_back(f);
    std::int64_t sink_level = std::numeric_limits<std::int64_t>::max();
    for (std::size_t h = 0; h < queue_.size(); ++h) {
      const std::int64_t u = queue_[h];
      if (u < nf_) {
        const std::int64_t f = u, l = level_f_[f];
        if (l + 1 >= sink_level) break;
        const std::int64_t own = chosen_[f];
        for (auto k = fstart_[f]; k < fstart_[f + 1]; ++k) {
          if (k == own) continue;
          const std::int64_t p = arcs_[k].p;
          if (level_p_[p] < 0 && zero_fp(f, k, p)) level_p_[p] = l + 1, queue_.push_back(nf_ + p);
        }
      } else {
        const std::int64_t p = u - nf_, l = level_p_[p];
        if (to_sink(p)) sink_level = std::min(sink_level, l + 1);
        if (l + 1 >= sink_level) continue;
        for (auto g : assigned_[p])
          if (level_f_[g] < 0 && zero_pf(p, g)) level_f_[g] = l + 1, queue_.push_back(g);
      }
    }
    if (sink_level == std::numeric_limits<std::int64_t>::max()) return false;
    for (std::int64_t f = 0; f < nf_; ++f) iter_f_[f] = fstart_[f];
    std::fill(iter_p_.begin(), iter_p_.end(), 0);
    return true;
  }

  // One augmenting path from free family f0 in the level graph (iterative
  // depth-first search with current-arc pointers; dead ends leave the level graph).
  bool augment(std::int64_t f0) {
    stack_.clear();
    stack_.push_back({f0, -1, -1, 0});
    bool found = false;
    while (!stack_.empty() && !found) {
      Frame& fr = stack_.back();
      if (fr.p >= 0) {  // at practitioner fr.p: on to a family assigned to it
        const std::int64_t p = fr.p;
        const auto& list = assigned_[p];
        const std::int64_t next_level = level_p_[p] + 1;
        bool pushed = false;
        for (auto& j = iter_p_[p]; j < list.size(); ++j) {
          const std::int64_t g = list[j];
          if (level_f_[g] == next_level && zero_pf(p, g)) {
            fr.j = j;
            stack_.push_back({g, -1, -1, 0});
            pushed = true;
            break;
          }
        }
        if (pushed) continue;
        level_p_[p] = -1;  // dead end
        fr.p = -1;
        ++iter_f_[fr.f];
      }
      const std::int64_t f = fr.f, own = chosen_[f], next_level = level_f_[f] + 1;
      bool next = false;
      for (auto& k = iter_f_[f]; k < fstart_[f + 1]; ++k) {
        if (k == own) continue;
        const std::int64_t p = arcs_[k].p;
        if (level_p_[p] != next_level || !zero_fp(f, k, p)) continue;
        fr.i = k, fr.p = p;
        next = true;
        if (to_sink(p)) found = true;
        break;
      }
      if (next) continue;
      level_f_[f] = -1;  // dead end
      stack_.pop_back();
      if (!stack_.empty()) ++iter_p_[stack_.back().p];
    }
    if (!found) return false;
    // Unwind: the deepest family takes the sink's room at its practitioner;
    // each one above takes the place of the family below it.
    {
      const Frame& fr = stack_.back();
      chosen_[fr.f] = fr.i;
      ++used_[fr.p];
      assigned_[fr.p].push_back(fr.f);
      ++iter_f_[fr.f];
      stack_.pop_back();
    }
    while (!stack_.empty()) {
      const Frame& fr = stack_.back();
      chosen_[fr.f] = fr.i;
      assigned_[fr.p][fr.j] = fr.f;
      ++iter_p_[fr.p];
      ++iter_f_[fr.f];
      stack_.pop_back();
    }
    return true;
  }

  std::int64_t nf_, np_, t_;
  const std::vector<PackedArc>& arcs_;
  const std::vector<std::int64_t>& fstart_;
  std::vector<Cost> pot_, dist_;
  std::vector<char> settled_;
  std::vector<std::int64_t> chosen_, used_, cap_;
  std::vector<std::vector<std::int64_t>> assigned_;
  std::vector<std::pair<Cost, std::int64_t>> heap_;
  struct Frame {
    std::int64_t f, i, p;  // family, arc taken out of it, that arc's practitioner (-1: none yet)
    std::size_t j;         // position in assigned_[p] of the family the path goes on to
  };
  std::vector<std::int64_t> level_f_, level_p_, iter_f_, queue_;
  std::vector<std::size_t> iter_p_;
  std::vector<Frame> stack_;
};

// Goldberg's cost scaling (push-relabel) on an explicit residual network:
// source -> family -> practitioner -> sink as a circulation carrying a
// given maximum flow. Its work grows with log(n C), where the primal-dual
// method's grows with the number of distinct shortest-path lengths: one
// family a phase when costs are real values with no ties. Costs are
// multiplied by n + 1, so a 1-optimal flow (every residual arc's reduced
// cost >= -1) is optimal for the integer costs.
class CostScaling {
 public:
  // `chosen`: a maximum flow (arc position per family, -1 unassigned); `scale`: n + 1 or more.
  CostScaling(std::int64_t nf, std::int64_t np, const std::int64_t* capacity, const std::vector<PackedArc>& arcs,
              const std::vector<std::int64_t>& fstart, const std::vector<std::int64_t>& chosen, Cost scale)
      : nf_(nf), n_(nf + np + 2), arc_of_(arcs.size()) {
    const std::int64_t t = n_ - 1;
    std::vector<std::int64_t> degree(static_cast<std::size_t>(n_) + 1, 0), used(static_cast<std::size_t>(np), 0);
    degree[1] = nf;  // the source's arcs
    for (std::int64_t f = 0; f < nf; ++f) degree[2 + f] = 1 + (fstart[f + 1] - fstart[f]);
    for (const PackedArc& a : arcs) ++degree[2 + nf + a.p];
    for (std::int64_t p = 0; p < np; ++p) ++degree[2 + nf + p];
    degree[1 + t] = np;
    std::partial_sum(degree.begin(), degree.end(), degree.begin());
    start_ = degree;
    const std::size_t n_arcs = static_cast<std::size_t>(start_.back());
    head_.resize(n_arcs);
    rev_.resize(n_arcs);
    residual_.resize(n_arcs);
    cost_.resize(n_arcs);
    std::vector<std::int64_t> next(start_.begin(), start_.end() - 1);
    auto add = [&](std::int64_t u, std::int64_t v, std::int64_t room, std::int64_t flow, Cost c) {
      const std::int64_t a = next[u]++, b = next[v]++;
      head_[a] = static_cast<std::int32_t>(v), rev_[a] = b, residual_[a] = room - flow, cost_[a] = c;
      head_[b] = static_cast<std::int32_t>(u), rev_[b] = a, residual_[b] = flow, cost_[b] = -c;
      return a;
    };
    for (std::int64_t f = 0; f < nf; ++f) {
      add(0, 1 + f, 1, chosen[f] >= 0, 0);
      for (auto k = fstart[f]; k < fstart[f + 1]; ++k) {
        const std::int64_t p = arcs[k].p;
        used[p] += chosen[f] == k;
        arc_of_[k] = add(1 + f, 1 + nf + p, 1, chosen[f] == k, static_cast<Cost>(arcs[k].c) * scale);
        max_cost_ = std::max(max_cost_, static_cast<Cost>(arcs[k].c) * scale);
      }
    }
    for (std::int64_t p = 0; p < np; ++p) add(1 + nf + p, t, std::min(capacity[p], nf), used[p], 0);
    price_.assign(static_cast<std::size_t>(n_), 0);
    excess_.assign(static_cast<std::size_t>(n_), 0);
    current_.resize(static_cast<std::size_t>(n_));
  }

  // Refines from max-cost-optimal (any flow, prices 0) down to 1-optimal.
  void run(std::int64_t& phases) {
    Cost eps = std::max<Cost>(1, max_cost_);
    do {
      eps = std::max<Cost>(1, eps / kAlpha);
      refine(eps);
      ++phases;
    } while (eps > 1);
  }

  // Per family: the position of its arc carrying flow, -1 when unassigned.
  std::vector<std::int64_t> chosen(const std::vector<std::int64_t>& fstart) const {
    std::vector<std::int64_t> out(static_cast<std::size_t>(nf_), -1);
    for (std::int64_t f = 0; f < nf_; ++f)
      for (auto k = fstart[f]; k < fstart[f + 1]; ++k)
        if (residual_[arc_of_[k]] == 0) out[f] = k;
    return out;
  }
  // Node prices (source 0, families 1..nf, practitioners, sink), in scaled cost units.
  const std::vector<Cost>& potentials() const { return price_; }

 private:
  static constexpr Cost kAlpha = 4;  // eps shrinks by this factor a phase

  Cost reduced(std::int64_t u, std::int64_t a) const { return cost_[a] + price_[u] - price_[head_[a]]; }

  void refine(Cost eps) {
    // Saturating every arc with negative reduced cost makes the flow 0-optimal, leaving excesses to route.
    for (std::int64_t u = 0; u < n_; ++u)
      for (auto a = start_[u]; a < start_[u + 1]; ++a)
        if (residual_[a] > 0 && reduced(u, a) < 0) push(u, a, residual_[a]);
    active_.clear();
    for (std::int64_t u = 0; u < n_; ++u) {
      current_[u] = start_[u];
      if (excess_[u] > 0) active_.push_back(u);
    }
    while (!active_.empty()) {  // first in, first out
      const std::int64_t u = active_.front();
      active_.pop_front();
      discharge(u, eps);
    }
  }

  void push(std::int64_t u, std::int64_t a, std::int64_t delta) {
    residual_[a] -= delta;
    residual_[rev_[a]] += delta;
    excess_[u] -= delta;
    excess_[head_[a]] += delta;
  }

  void discharge(std::int64_t u, Cost eps) {
    while (excess_[u] > 0) {
      auto a = current_[u];
      for (; a < start_[u + 1] && excess_[u] > 0; ++a) {
        if (residual_[a] == 0 || reduced(u, a) >= 0) continue;
        const std::int64_t v = head_[a];
        const bool was_active = excess_[v] > 0;
        push(u, a, std::min(excess_[u], residual_[a]));
        if (!was_active && excess_[v] > 0) active_.push_back(v);
        if (residual_[a] > 0) break;  // u is empty and the arc still admissible: keep it current
      }
      current_[u] = a;
      if (excess_[u] > 0) relabel(u, eps);
    }
  }

  // Lowers u's price until its cheapest residual arc has reduced cost -eps.
  void relabel(std::int64_t u, Cost eps) {
    Cost best = std::numeric_limits<Cost>::min();
    for (auto a = start_[u]; a < start_[u + 1]; ++a)
      if (residual_[a] > 0) best = std::max(best, price_[head_[a]] - cost_[a]);
    if (best == std::numeric_limits<Cost>::min())
      throw InputError("internal error: the cost-scaling flow found a node with excess and no residual arc");
    price_[u] = best - eps;
    current_[u] = start_[u];
  }

  std::int64_t nf_, n_;
  Cost max_cost_ = 0;
  std::vector<std::int64_t> start_, rev_, residual_, excess_, current_, arc_of_;
  std::deque<std::int64_t> active_;
  std::vector<std::int32_t> head_;
  std::vector<Cost> cost_, price_;
};

}  // namespace

Assignment assign_min_cost(std::int64_t n_families, const std::int64_t* capacity, std::int64_t n_practitioners,
                           const std::int64_t* family, const std::int64_t* practitioner, const double* cost,
                           std::size_t m, std::int64_t candidates, FlowMethod method) {
  if (n_families < 0 || n_practitioners < 0)
    throw InputError("numbers of families and practitioners must be >= 0");
  // Arcs are packed as 32-bit (practitioner, cost) pairs and nodes indexed by int.
  if (2 * (static_cast<double>(m) + static_cast<double>(n_families) + static_cast<double>(n_practitioners)) >=
      static_cast<double>(INT32_MAX))
    throw InputError("too many families, practitioners or candidate pairs for the flow solver");
  for (std::int64_t p = 0; p < n_practitioners; ++p)
    if (capacity[p] < 0) throw InputError("practitioner " + std::to_string(p) + " has negative capacity");
  double cmax = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    if (family[i] < 0 || family[i] >= n_families)
      throw InputError("candidate " + std::to_string(i) + ": family " + std::to_string(family[i]) + " out of range");
    if (practitioner[i] < 0 || practitioner[i] >= n_practitioners)
      throw InputError("candidate " + std::to_string(i) + ": practitioner " + std::to_string(practitioner[i]) +
                       " out of range");
    if (!(std::isfinite(cost[i]) && cost[i] >= 0.0))
      throw InputError("candidate " + std::to_string(i) + ": cost must be finite and >= 0");
    cmax = std::max(cmax, cost[i]);
  }
  // Integer costs: the largest maps to 1e9 (path sums stay far below int64 limits).
  const double scale = cmax > 0.0 ? 1e9 / cmax : 1.0;
  std::vector<Cost> ic(m);
  // Round half up (costs are >= 0): a plain conversion, much cheaper than llround.
  for (std::size_t i = 0; i < m; ++i) ic[i] = static_cast<Cost>(cost[i] * scale + 0.5);

  // Arcs grouped by family (counting sort; not needed when the input already is).
  const auto nf = static_cast<std::size_t>(n_families);
  std::vector<std::int64_t> fstart(nf + 1, 0), by_family;
  bool grouped = true;
  for (std::size_t i = 0; i < m; ++i) {
    ++fstart[family[i] + 1];
    if (i > 0 && family[i] < family[i - 1]) grouped = false;
  }
  std::partial_sum(fstart.begin(), fstart.end(), fstart.begin());
  if (!grouped) {
    by_family.resize(m);
    std::vector<std::int64_t> pos(fstart.begin(), fstart.end() - 1);
    for (std::size_t i = 0; i < m; ++i) by_family[pos[family[i]]++] = static_cast<std::int64_t>(i);
  }
  const std::int64_t* order = grouped ? nullptr : by_family.data();
  auto arc_at = [&](std::int64_t k) { return order ? order[k] : k; };
  // Cost scaling for costs with many distinct values (see kFewCosts).
  const bool scaling = method == FlowMethod::cost_scaling ||
                       (method == FlowMethod::automatic && many_distinct(ic, kFewCosts));
  // Rounds of pricing before every arc joins (automatic candidates with cost scaling).
  std::int64_t pricing_rounds = std::numeric_limits<std::int64_t>::max();
  if (candidates < 0) {
    if (scaling) {
      candidates = static_cast<double>(m) > 2.0 * kScalingStart * static_cast<double>(nf) ? kScalingStart : 0;
      if (m <= kAllArcs) pricing_rounds = kScalingPricingRounds;
    } else {
      candidates = m > kAllArcs ? kPrimalDualStart : 0;
    }
  }
  std::vector<std::pair<Cost, std::int64_t>> sorted_arcs;
  std::vector<char> in_set;
  if (candidates > 0) {
    in_set.assign(m, 0);
    for (std::size_t f = 0; f < nf; ++f) {
      // (cost, arc) keys: cheapest first, ties by input order.
      sorted_arcs.clear();
      for (auto k = fstart[f]; k < fstart[f + 1]; ++k) sorted_arcs.emplace_back(ic[arc_at(k)], arc_at(k));
      auto b = sorted_arcs.begin(), e = sorted_arcs.end();
      if (e - b > candidates) std::nth_element(b, b + candidates, e);
      for (auto it = b; it != e && it - b < candidates; ++it) in_set[it->second] = 1;
    }
  }

  Assignment result;
  std::vector<std::int64_t> who(nf, -1), used(static_cast<std::size_t>(n_practitioners), 0);
  std::vector<std::int64_t> chosen(nf, -1);  // input arc carrying each family's flow
  std::vector<std::int64_t> sub_fstart, sub_order;
  std::vector<PackedArc> packed, zero_cost;
  std::vector<Cost> pot;
  // Cost scaling's prices fall by up to about 3 n eps a phase, eps starting at the largest cost
  // times n + 1, and must fit 64 bits: beyond about 33,000 nodes it counts costs in coarser
  // steps (the largest over 9e18 / (8 n^2)).
  const double nodes = static_cast<double>(n_families) + static_cast<double>(n_practitioners) + 2.0;
  const Cost scale_up = scaling ? static_cast<Cost>(nodes) + 1 : 1;
  const Cost step = scaling ? static_cast<Cost>(std::ceil(8.0 * nodes * (nodes + 1.0) * 1e9 / 9.0e18)) : 1;
  if (step > 1)
    for (auto& c : ic) c = (c + step / 2) / step;
  while (true) {
    ++result.rounds;
    // Pricing added arcs more rounds than allowed: the cheapest few did not hold the answer.
    if (candidates > 0 && result.rounds - 1 > pricing_rounds) candidates = 0;
    // The solver's arcs: those in the set (all without pruning), grouped by family.
    sub_fstart.assign(nf + 1, 0);
    sub_order.clear();
    packed.clear();
    packed.reserve(candidates > 0 ? m / 2 : m);
    for (std::size_t f = 0; f < nf; ++f) {
      for (auto k = fstart[f]; k < fstart[f + 1]; ++k) {
        const std::int64_t i = arc_at(k);
        if (candidates > 0 && !in_set[i]) continue;
        if (candidates > 0) sub_order.push_back(i);
        packed.push_back({static_cast<std::int32_t>(practitioner[i]), static_cast<std::int32_t>(ic[i])});
      }
      sub_fstart[f + 1] = static_cast<std::int64_t>(packed.size());
    }
    if (scaling) {
      // A maximum flow first (every cost 0: one Dinic phase), then cost scaling from it.
      zero_cost.assign(packed.size(), PackedArc{0, 0});
      for (std::size_t k = 0; k < packed.size(); ++k) zero_cost[k].p = packed[k].p;
      BipartiteFlow most(n_families, n_practitioners, capacity, zero_cost, sub_fstart);
      most.run(result.phases);
      CostScaling solver(n_families, n_practitioners, capacity, packed, sub_fstart, most.chosen(), scale_up);
      solver.run(result.phases);
      chosen = solver.chosen(sub_fstart);
      pot = solver.potentials();
    } else {
      BipartiteFlow solver(n_families, n_practitioners, capacity, packed, sub_fstart);
      solver.run(result.phases);
      chosen = solver.chosen();
      pot = solver.potentials();
    }
    for (auto& k : chosen)
      if (k >= 0) k = candidates > 0 ? sub_order[k] : arc_at(k);
    std::fill(who.begin(), who.end(), -1);
    std::fill(used.begin(), used.end(), 0);
    for (std::size_t f = 0; f < nf; ++f)
      if (chosen[f] >= 0) who[f] = practitioner[chosen[f]], ++used[who[f]];
    if (candidates <= 0) break;
    // Pricing: arcs left out that have negative reduced cost could lower the
    // total. Each family brings in at most `candidates` of them per round, the
    // most negative first (partial pricing keeps each re-solve small).
    std::size_t added = 0;
    std::vector<std::pair<Cost, std::int64_t>> negative;
    for (std::size_t f = 0; f < nf; ++f) {
      negative.clear();
      const Cost pf = pot[1 + f];
      for (auto e = fstart[f]; e < fstart[f + 1]; ++e) {
        const std::int64_t i = arc_at(e);
        if (in_set[i]) continue;
        const Cost rc = ic[i] * scale_up + pf - pot[1 + n_families + practitioner[i]];
        if (rc < (scaling ? -1 : 0)) negative.emplace_back(rc, i);  // (cost scaling leaves -1 on optimal arcs)
      }
      if (static_cast<std::int64_t>(negative.size()) > candidates) {
        std::nth_element(negative.begin(), negative.begin() + candidates, negative.end());
        negative.resize(static_cast<std::size_t>(candidates));
      }
      for (const auto& [rc, i] : negative) in_set[i] = 1, ++added;
    }
    // Re-solve at once when pricing found arcs; the reachability search below
    // is only needed to certify (or repair) maximality at the end.
    if (added > 0) continue;
    // Augmenting paths through left-out arcs: search the full residual network
    // from the unassigned families; if the sink is reachable, add every left-out
    // arc between a family and a practitioner the search reached. Every
    // augmenting path, and so every flow the full network could add, runs only
    // through nodes the search reaches, so the next solve is maximal over all
    // arcs; the search therefore goes on past the first path (stopping there
    // left one family a round to repair).
    std::vector<char> seen_f(nf, 0), seen_p(static_cast<std::size_t>(n_practitioners), 0);
    std::vector<std::int64_t> queue;
    for (std::size_t f = 0; f < nf; ++f)
      if (who[f] < 0) seen_f[f] = 1, queue.push_back(static_cast<std::int64_t>(f));
    // Families assigned to each practitioner (reverse arcs p -> f).
    std::vector<std::int64_t> pstart(static_cast<std::size_t>(n_practitioners) + 1, 0), pfam(nf);
    for (std::size_t f = 0; f < nf; ++f)
      if (who[f] >= 0) ++pstart[who[f] + 1];
    std::partial_sum(pstart.begin(), pstart.end(), pstart.begin());
    {
      std::vector<std::int64_t> pos(pstart.begin(), pstart.end() - 1);
      for (std::size_t f = 0; f < nf; ++f)
        if (who[f] >= 0) pfam[pos[who[f]]++] = static_cast<std::int64_t>(f);
    }
    bool sink = false;
    for (std::size_t h = 0; h < queue.size(); ++h) {
      const std::int64_t f = queue[h];
      for (auto e = fstart[f]; e < fstart[f + 1]; ++e) {
        const std::int64_t i = arc_at(e);
        const std::int64_t p = practitioner[i];
        if (i == chosen[f] || seen_p[p]) continue;
        seen_p[p] = 1;
        if (used[p] < capacity[p]) sink = true;
        for (auto j = pstart[p]; j < pstart[p + 1]; ++j)
          if (!seen_f[pfam[j]]) seen_f[pfam[j]] = 1, queue.push_back(pfam[j]);
      }
    }
    if (sink)
      for (std::size_t f = 0; f < nf; ++f)
        if (seen_f[f])
          for (auto e = fstart[f]; e < fstart[f + 1]; ++e) {
            const std::int64_t i = arc_at(e);
            if (!in_set[i] && seen_p[practitioner[i]]) in_set[i] = 1, ++added;
          }
    if (added == 0) break;
  }

  result.practitioner.assign(nf, -1);
  result.cost.assign(nf, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t f = 0; f < nf; ++f) result.practitioner[f] = who[f];
  // Cost of each assignment: the cheapest candidate for that (family, practitioner).
  for (std::size_t i = 0; i < m; ++i) {
    std::int64_t f = family[i];
    if (result.practitioner[f] == practitioner[i] && !(result.cost[f] <= cost[i])) result.cost[f] = cost[i];
  }
  for (std::size_t f = 0; f < nf; ++f)
    if (result.practitioner[f] >= 0) result.total_cost += result.cost[f];
  return result;
}

}  // namespace earlyhelp::network
