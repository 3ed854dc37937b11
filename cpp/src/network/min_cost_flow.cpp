// Min-cost maximum flow for assigning families to practitioners, by the
// primal-dual method: Dijkstra on reduced costs (potentials keep them >= 0),
// then Dinic's blocking flow on the arcs whose reduced cost is 0. Costs are
// scaled to integers so "reduced cost is 0" is exact.
#include <algorithm>
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

// Residual network in CSR form; arc i and its reverse partner[i].
struct Network {
  std::int64_t n = 0;
  std::vector<std::int64_t> start, to, cap, partner;
  std::vector<Cost> cost;

  void build(std::int64_t nodes, const std::vector<std::int64_t>& tail, const std::vector<std::int64_t>& head,
             const std::vector<std::int64_t>& capacity, const std::vector<Cost>& c) {
    n = nodes;
    const std::size_t m = tail.size();
    start.assign(static_cast<std::size_t>(n) + 1, 0);
    for (std::size_t i = 0; i < m; ++i) {
      ++start[tail[i] + 1];
      ++start[head[i] + 1];
    }
    std::partial_sum(start.begin(), start.end(), start.begin());
    to.resize(2 * m);
    cap.resize(2 * m);
    partner.resize(2 * m);
    cost.resize(2 * m);
    std::vector<std::int64_t> pos(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < m; ++i) {
      std::int64_t f = pos[tail[i]]++, r = pos[head[i]]++;
      to[f] = head[i], cap[f] = capacity[i], cost[f] = c[i], partner[f] = r;
      to[r] = tail[i], cap[r] = 0, cost[r] = -c[i], partner[r] = f;
    }
  }
};

class PrimalDual {
 public:
  PrimalDual(Network& net, std::int64_t s, std::int64_t t)
      : g_(net), s_(s), t_(t), pot_(net.n, 0), dist_(net.n), level_(net.n), iter_(net.n) {}

  std::int64_t run(std::int64_t& phases) {
    std::int64_t flow = 0;
    while (dijkstra()) {
      ++phases;
      while (bfs_admissible()) {
        for (std::int64_t v = 0; v < g_.n; ++v) iter_[v] = g_.start[v];
        std::int64_t f;
        while ((f = augment()) > 0) flow += f;
      }
    }
    return flow;
  }

 private:
  Cost reduced(std::int64_t u, std::int64_t e) const { return g_.cost[e] + pot_[u] - pot_[g_.to[e]]; }

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
      for (auto e = g_.start[u]; e < g_.start[u + 1]; ++e) {
        std::int64_t v = g_.to[e];
        if (g_.cap[e] > 0 && level_[v] < 0 && reduced(u, e) == 0) {
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
      for (auto& e = iter_[u]; e < g_.start[u + 1]; ++e) {
        std::int64_t v = g_.to[e];
        if (g_.cap[e] > 0 && level_[v] == level_[u] + 1 && reduced(u, e) == 0) {
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
    for (auto e : path_) push = std::min(push, g_.cap[e]);
    for (auto e : path_) {
      g_.cap[e] -= push;
      g_.cap[g_.partner[e]] += push;
    }
    return push;
  }

  Network& g_;
  std::int64_t s_, t_;
  std::vector<Cost> pot_, dist_;
  std::vector<std::int64_t> level_, iter_, path_;
};

}  // namespace

Assignment assign_min_cost(std::int64_t n_families, const std::int64_t* capacity, std::int64_t n_practitioners,
                           const std::int64_t* family, const std::int64_t* practitioner, const double* cost,
                           std::size_t m) {
  require(n_families >= 0 && n_practitioners >= 0, "numbers of families and practitioners must be >= 0");
  for (std::int64_t p = 0; p < n_practitioners; ++p)
    require(capacity[p] >= 0, "practitioner " + std::to_string(p) + " has negative capacity");
  double cmax = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    require(family[i] >= 0 && family[i] < n_families,
            "candidate " + std::to_string(i) + ": family " + std::to_string(family[i]) + " out of range");
    require(practitioner[i] >= 0 && practitioner[i] < n_practitioners,
            "candidate " + std::to_string(i) + ": practitioner " + std::to_string(practitioner[i]) + " out of range");
    require(std::isfinite(cost[i]) && cost[i] >= 0.0,
            "candidate " + std::to_string(i) + ": cost must be finite and >= 0");
    cmax = std::max(cmax, cost[i]);
  }
  // Integer costs: the largest maps to 1e9 (path sums stay far below int64 limits).
  const double scale = cmax > 0.0 ? 1e9 / cmax : 1.0;
  const std::int64_t s = 0, t = n_families + n_practitioners + 1;
  std::vector<std::int64_t> tail, head, cap;
  std::vector<Cost> c;
  const std::size_t arcs = m + static_cast<std::size_t>(n_families + n_practitioners);
  tail.reserve(arcs), head.reserve(arcs), cap.reserve(arcs), c.reserve(arcs);
  for (std::int64_t f = 0; f < n_families; ++f) tail.push_back(s), head.push_back(1 + f), cap.push_back(1), c.push_back(0);
  for (std::size_t i = 0; i < m; ++i) {
    tail.push_back(1 + family[i]);
    head.push_back(1 + n_families + practitioner[i]);
    cap.push_back(1);
    c.push_back(static_cast<Cost>(std::llround(cost[i] * scale)));
  }
  for (std::int64_t p = 0; p < n_practitioners; ++p)
    tail.push_back(1 + n_families + p), head.push_back(t), cap.push_back(capacity[p]), c.push_back(0);
  Network net;
  net.build(t + 1, tail, head, cap, c);

  Assignment result;
  PrimalDual solver(net, s, t);
  solver.run(result.phases);

  result.practitioner.assign(static_cast<std::size_t>(n_families), -1);
  result.cost.assign(static_cast<std::size_t>(n_families), std::numeric_limits<double>::quiet_NaN());
  for (std::int64_t f = 0; f < n_families; ++f) {
    std::int64_t u = 1 + f;
    for (auto e = net.start[u]; e < net.start[u + 1]; ++e) {
      std::int64_t v = net.to[e];
      if (v > n_families && v < t && net.cap[e] == 0 && net.cost[e] >= 0) {
        result.practitioner[f] = v - 1 - n_families;
        break;
      }
    }
  }
  // Cost of each assignment: the cheapest candidate for that (family, practitioner).
  for (std::size_t i = 0; i < m; ++i) {
    std::int64_t f = family[i];
    if (result.practitioner[f] == practitioner[i] && !(result.cost[f] <= cost[i])) result.cost[f] = cost[i];
  }
  for (std::int64_t f = 0; f < n_families; ++f)
    if (result.practitioner[f] >= 0) result.total_cost += result.cost[f];
  return result;
}

}  // namespace earlyhelp::network
