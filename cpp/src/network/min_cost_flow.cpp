// Min-cost maximum flow for assigning families to practitioners, by the
// primal-dual method: Dijkstra on reduced costs (potentials keep them >= 0),
// then Dinic's blocking flow on the arcs whose reduced cost is 0. Costs are
// scaled to integers so "reduced cost is 0" is exact.
#include <algorithm>
#include <cstdint>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/flow.hpp"

namespace earlyhelp::network {

namespace {

using Cost = std::int64_t;
constexpr Cost kInf = std::numeric_limits<Cost>::max() / 4;

// Residual network in CSR form; arc i and its reverse partner[i]. 32-bit
// node ids and capacities (capacities are clamped to the number of families)
// halve the memory traffic of the scans that dominate the run time.
struct Network {
  std::int64_t n = 0;
  std::vector<std::int64_t> start;
  std::vector<std::int32_t> to, cap, partner;
  std::vector<Cost> cost;
};

class PrimalDual {
 public:
  PrimalDual(Network& net, std::int64_t s, std::int64_t t)
      : g_(net), s_(s), t_(t), pot_(net.n, 0), dist_(net.n), level_(net.n), iter_(net.n) {}

  const std::vector<Cost>& potentials() const { return pot_; }

  std::int64_t run(std::int64_t& phases) {
    std::int64_t flow = 0;
    while (dijkstra()) {
      ++phases;
      collect_admissible();
      while (bfs_admissible()) {
        for (std::int64_t v = 0; v < g_.n; ++v) iter_[v] = zstart_[v];
        std::int64_t f;
        while ((f = augment()) > 0) flow += f;
      }
    }
    return flow;
  }

 private:
  Cost reduced(std::int64_t u, std::int64_t e) const { return g_.cost[e] + pot_[u] - pot_[g_.to[e]]; }

  // Arcs with zero reduced cost, per node. Potentials are fixed within a phase
  // and an arc's partner has the opposite reduced cost, so this list holds every
  // arc the phase's blocking flows can use: one scan of all arcs per phase
  // instead of one per breadth-first pass.
  void collect_admissible() {
    zstart_.assign(static_cast<std::size_t>(g_.n) + 1, 0);
    zarc_.clear();
    for (std::int64_t u = 0; u < g_.n; ++u) {
      for (auto e = g_.start[u]; e < g_.start[u + 1]; ++e)
        if (reduced(u, e) == 0) zarc_.push_back(e);
      zstart_[u + 1] = static_cast<std::int64_t>(zarc_.size());
    }
  }

  // Shortest reduced distances from s (stops once t is settled); updates potentials.
  bool dijkstra() {
    std::fill(dist_.begin(), dist_.end(), kInf);
    std::vector<char> settled(g_.n, 0);
    using Item = std::pair<Cost, std::int64_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
    dist_[s_] = 0;
    heap.push({0, s_});
    while (!heap.empty()) {
      auto [d, u] = heap.top();
      heap.pop();
      if (settled[u]) continue;
      settled[u] = 1;
      if (u == t_) break;
      for (auto e = g_.start[u]; e < g_.start[u + 1]; ++e) {
        if (g_.cap[e] == 0) continue;
        Cost nd = d + reduced(u, e);
        std::int64_t v = g_.to[e];
        if (nd < dist_[v]) {
          dist_[v] = nd;
          heap.push({nd, v});
        }
      }
    }
    if (!settled[t_]) return false;
    const Cost dt = dist_[t_];
    for (std::int64_t v = 0; v < g_.n; ++v) pot_[v] += settled[v] ? dist_[v] : dt;
    return true;
  }

  // Dinic levels over residual arcs with zero reduced cost.
  bool bfs_admissible() {
    std::fill(level_.begin(), level_.end(), -1);
    std::vector<std::int64_t> queue{s_};
    level_[s_] = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      std::int64_t u = queue[head];
      // Levels beyond the sink's are never on a shortest augmenting path.
      if (level_[t_] >= 0 && level_[u] >= level_[t_]) break;
      for (auto z = zstart_[u]; z < zstart_[u + 1]; ++z) {
        const std::int64_t e = zarc_[z];
        std::int64_t v = g_.to[e];
        if (g_.cap[e] > 0 && level_[v] < 0) {
          level_[v] = level_[u] + 1;
          queue.push_back(v);
        }
      }
    }
    return level_[t_] >= 0;
  }

  // One augmenting path in the level graph (iterative DFS with current-arc pointers).
  std::int64_t augment() {
    path_.clear();
    std::int64_t u = s_;
    while (u != t_) {
      bool advanced = false;
      for (auto& z = iter_[u]; z < zstart_[u + 1]; ++z) {
        const std::int64_t e = zarc_[z];
        std::int64_t v = g_.to[e];
        if (g_.cap[e] > 0 && level_[v] == level_[u] + 1) {
          path_.push_back(e);
          u = v;
          advanced = true;
          break;
        }
      }
      if (advanced) continue;
      if (path_.empty()) return 0;
      level_[u] = -1;  // dead end: retreat
      std::int64_t e = path_.back();
      path_.pop_back();
      u = g_.to[g_.partner[e]];
      ++iter_[u];
    }
    std::int64_t push = std::numeric_limits<std::int64_t>::max();
    for (auto e : path_) push = std::min<std::int64_t>(push, g_.cap[e]);
    for (auto e : path_) {
      g_.cap[e] -= static_cast<std::int32_t>(push);
      g_.cap[g_.partner[e]] += static_cast<std::int32_t>(push);
    }
    return push;
  }

  Network& g_;
  std::int64_t s_, t_;
  std::vector<Cost> pot_, dist_;
  std::vector<std::int64_t> level_, iter_, path_, zstart_, zarc_;
};

}  // namespace

namespace {

// Network on the arcs in `in_set`: source 0, families 1..nf, practitioners, sink,
// built straight into `net` (its buffers are reused from round to round: fresh
// large allocations cost page faults comparable to the solve itself).
// arc_pos[i] = position of arc i's forward residual arc, or -1 when not in the set.
void build_network(std::int64_t nf, std::int64_t np, const std::int64_t* capacity, const std::int64_t* family,
                   const std::int64_t* practitioner, const std::vector<Cost>& ic, const std::vector<char>& in_set,
                   Network& net, std::vector<std::int64_t>& arc_pos) {
  const std::int64_t t = nf + np + 1;
  const std::size_t m = ic.size();
  net.n = t + 1;
  auto& start = net.start;
  start.assign(static_cast<std::size_t>(t) + 2, 0);
  std::size_t arcs = 0;
  for (std::int64_t f = 0; f < nf; ++f) ++start[1], ++start[1 + f + 1], ++arcs;
  for (std::size_t i = 0; i < m; ++i)
    if (in_set[i]) ++start[1 + family[i] + 1], ++start[1 + nf + practitioner[i] + 1], ++arcs;
  for (std::int64_t p = 0; p < np; ++p) ++start[1 + nf + p + 1], ++start[t + 1], ++arcs;
  std::partial_sum(start.begin(), start.end(), start.begin());
  net.to.resize(2 * arcs);
  net.cap.resize(2 * arcs);
  net.partner.resize(2 * arcs);
  net.cost.resize(2 * arcs);
  std::vector<std::int64_t> pos(start.begin(), start.end() - 1);
  auto add = [&](std::int64_t u, std::int64_t v, std::int64_t capa, Cost c) {
    const std::int64_t f = pos[u]++, r = pos[v]++;
    net.to[f] = static_cast<std::int32_t>(v), net.cap[f] = static_cast<std::int32_t>(capa), net.cost[f] = c;
    net.partner[f] = static_cast<std::int32_t>(r);
    net.to[r] = static_cast<std::int32_t>(u), net.cap[r] = 0, net.cost[r] = -c;
    net.partner[r] = static_cast<std::int32_t>(f);
    return f;
  };
  for (std::int64_t f = 0; f < nf; ++f) add(0, 1 + f, 1, 0);
  arc_pos.assign(m, -1);
  for (std::size_t i = 0; i < m; ++i)
    if (in_set[i]) arc_pos[i] = add(1 + family[i], 1 + nf + practitioner[i], 1, ic[i]);
  for (std::int64_t p = 0; p < np; ++p) add(1 + nf + p, t, std::min(capacity[p], nf), 0);
}

}  // namespace

Assignment assign_min_cost(std::int64_t n_families, const std::int64_t* capacity, std::int64_t n_practitioners,
                           const std::int64_t* family, const std::int64_t* practitioner, const double* cost,
                           std::size_t m, std::int64_t candidates) {
  if (n_families < 0 || n_practitioners < 0)
    throw InputError("numbers of families and practitioners must be >= 0");
  // Residual arcs (two per arc) are indexed with 32-bit integers.
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
  for (std::size_t i = 0; i < m; ++i) ic[i] = static_cast<Cost>(std::llround(cost[i] * scale));

  // Arcs grouped by family (counting sort), for pruning and pricing.
  const auto nf = static_cast<std::size_t>(n_families);
  std::vector<std::int64_t> fstart, by_family;
  if (candidates > 0) {
    fstart.assign(nf + 1, 0);
    by_family.resize(m);
    for (std::size_t i = 0; i < m; ++i) ++fstart[family[i] + 1];
    std::partial_sum(fstart.begin(), fstart.end(), fstart.begin());
    std::vector<std::int64_t> pos(fstart.begin(), fstart.end() - 1);
    for (std::size_t i = 0; i < m; ++i) by_family[pos[family[i]]++] = static_cast<std::int64_t>(i);
  }
  std::vector<char> in_set(m, 1);
  if (candidates > 0) {
    std::fill(in_set.begin(), in_set.end(), 0);
    for (std::size_t f = 0; f < nf; ++f) {
      auto b = by_family.begin() + fstart[f], e = by_family.begin() + fstart[f + 1];
      auto less = [&](std::int64_t x, std::int64_t y) { return ic[x] != ic[y] ? ic[x] < ic[y] : x < y; };
      if (e - b > candidates) std::nth_element(b, b + candidates, e, less);
      for (auto it = b; it != e && it - b < candidates; ++it) in_set[*it] = 1;
    }
  }

  const std::int64_t t = n_families + n_practitioners + 1;
  Assignment result;
  std::vector<std::int64_t> arc_pos;
  std::vector<std::int64_t> who(nf, -1), used(static_cast<std::size_t>(n_practitioners), 0);
  std::vector<std::int64_t> chosen(nf, -1);  // input arc carrying each family's flow
  Network net;
  while (true) {
    ++result.rounds;
    build_network(n_families, n_practitioners, capacity, family, practitioner, ic, in_set, net, arc_pos);
    PrimalDual solver(net, 0, t);
    solver.run(result.phases);
    std::fill(who.begin(), who.end(), -1);
    std::fill(chosen.begin(), chosen.end(), -1);
    std::fill(used.begin(), used.end(), 0);
    for (std::size_t i = 0; i < m; ++i) {
      if (arc_pos[i] >= 0 && net.cap[arc_pos[i]] == 0 && chosen[family[i]] < 0) {
        chosen[family[i]] = static_cast<std::int64_t>(i);
        who[family[i]] = practitioner[i];
        ++used[practitioner[i]];
      }
    }
    if (candidates <= 0) break;
    // Pricing: arcs left out that have negative reduced cost could lower the
    // total. Each family brings in at most `candidates` of them per round, the
    // most negative first (partial pricing keeps each re-solve small).
    const auto& pot = solver.potentials();
    std::size_t added = 0;
    std::vector<std::pair<Cost, std::int64_t>> negative;
    for (std::size_t f = 0; f < nf; ++f) {
      negative.clear();
      const Cost pf = pot[1 + f];
      for (auto e = fstart[f]; e < fstart[f + 1]; ++e) {
        const std::int64_t i = by_family[e];
        if (in_set[i]) continue;
        const Cost rc = ic[i] + pf - pot[1 + n_families + practitioner[i]];
        if (rc < 0) negative.emplace_back(rc, i);
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
    // from the unassigned families; if the sink is reachable, add the arcs from
    // every family reached to practitioners with room (the path's last arc is one).
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
    for (std::size_t h = 0; h < queue.size() && !sink; ++h) {
      const std::int64_t f = queue[h];
      for (auto e = fstart[f]; e < fstart[f + 1] && !sink; ++e) {
        const std::int64_t i = by_family[e];
        const std::int64_t p = practitioner[i];
        if (i == chosen[f] || seen_p[p]) continue;
        seen_p[p] = 1;
        if (used[p] < capacity[p]) {
          sink = true;
          break;
        }
        for (auto j = pstart[p]; j < pstart[p + 1]; ++j)
          if (!seen_f[pfam[j]]) seen_f[pfam[j]] = 1, queue.push_back(pfam[j]);
      }
    }
    if (sink)
      for (std::size_t f = 0; f < nf; ++f)
        if (seen_f[f])
          for (auto e = fstart[f]; e < fstart[f + 1]; ++e) {
            const std::int64_t i = by_family[e];
            if (!in_set[i] && used[practitioner[i]] < capacity[practitioner[i]]) in_set[i] = 1, ++added;
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
