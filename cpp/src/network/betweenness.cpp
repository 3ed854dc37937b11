// Brandes betweenness: one BFS (or Dijkstra on edge lengths when weighted) per source with
// shortest-path counts, then dependencies accumulated in reverse order.
// Rescaled exactly as NetworkX's betweenness_centrality (endpoints=False),
// except from a single sampled source, where NetworkX gives the source NaN.
#include <cmath>
#include <limits>
#include <queue>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

namespace {

struct Workspace {
  std::vector<double> sigma, delta, dist;
  std::vector<std::uint32_t> order;          // vertices by non-decreasing distance
  std::vector<std::uint64_t> pred_start;     // predecessors stored per vertex in arc slots
  std::vector<std::uint32_t> pred;
  std::vector<std::uint32_t> pred_count;
};

// Single-source shortest paths with path counts, filling ws.order.
void sssp(const Graph& g, std::uint32_t s, Workspace& ws) {
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  const auto* wt = g.weights();
  const double inf = std::numeric_limits<double>::infinity();
  std::fill(ws.sigma.begin(), ws.sigma.end(), 0.0);
  std::fill(ws.dist.begin(), ws.dist.end(), inf);
  std::fill(ws.pred_count.begin(), ws.pred_count.end(), 0u);
  ws.order.clear();
  ws.sigma[s] = 1.0;
  ws.dist[s] = 0.0;
  auto add_pred = [&](std::uint32_t v, std::uint32_t u) { ws.pred[ws.pred_start[v] + ws.pred_count[v]++] = u; };
  if (!g.weighted()) {
    std::size_t head = 0;
    ws.order.push_back(s);
    while (head < ws.order.size()) {
      std::uint32_t u = ws.order[head++];
      for (auto e = off[u]; e < off[u + 1]; ++e) {
        std::uint32_t v = tgt[e];
        if (ws.dist[v] == inf) {
          ws.dist[v] = ws.dist[u] + 1.0;
          ws.order.push_back(v);
        }
        if (ws.dist[v] == ws.dist[u] + 1.0) {
          ws.sigma[v] += ws.sigma[u];
          add_pred(v, u);
        }
      }
    }
    return;
  }
  using Item = std::pair<double, std::uint32_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap;
  heap.push({0.0, s});
  std::vector<bool> settled(ws.dist.size(), false);
  while (!heap.empty()) {
    auto [d, u] = heap.top();
    heap.pop();
    if (settled[u] || d > ws.dist[u]) continue;
    settled[u] = true;
    ws.order.push_back(u);
    for (auto e = off[u]; e < off[u + 1]; ++e) {
      std::uint32_t v = tgt[e];
      if (v == u) continue;
      double nd = d + wt[e].length;  // the shortest parallel edge, as NetworkX on a MultiGraph
      if (nd < ws.dist[v]) {
        ws.dist[v] = nd;
        ws.sigma[v] = ws.sigma[u];
        ws.pred_count[v] = 0;
        add_pred(v, u);
        heap.push({nd, v});
      } else if (nd == ws.dist[v] && !settled[v]) {
        ws.sigma[v] += ws.sigma[u];
        add_pred(v, u);
      }
    }
  }
}

}  // namespace

std::vector<double> betweenness(const Graph& g, const std::vector<std::int64_t>& sources, bool sampled,
                                bool normalized, Progress* progress) {
  const std::int64_t n = g.num_vertices();
  const auto un = static_cast<std::size_t>(n);
  std::vector<char> is_source(un, 0);
  for (auto s : sources) {
    require(s >= 0 && s < n, "source " + std::to_string(s) + " is out of range for n=" + std::to_string(n));
    // a source drawn twice would count twice in a sum scaled for distinct sources
    require(!is_source[s], "source " + std::to_string(s) + " is given more than once");
    is_source[s] = 1;
  }
  require(!sampled || !sources.empty() || n == 0, "sampled betweenness needs at least one source");
  std::vector<double> bc(un, 0.0);
  if (n == 0) return bc;
  std::vector<std::int64_t> all;
  const std::vector<std::int64_t>* src = &sources;
  if (sources.empty() && !sampled) {
    all.resize(static_cast<std::size_t>(n));
    for (std::int64_t v = 0; v < n; ++v) all[v] = v;
    src = &all;
  }
  Workspace ws;
  ws.sigma.assign(un, 0.0);
  ws.delta.assign(un, 0.0);
  ws.dist.assign(un, 0.0);
  ws.pred_count.assign(un, 0);
  ws.order.reserve(un);
  // Predecessors of v are among its in-arcs: reserve in-degree slots per vertex.
  ws.pred_start.assign(un + 1, 0);
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  for (std::int64_t u = 0; u < n; ++u)
    for (auto e = off[u]; e < off[u + 1]; ++e) ++ws.pred_start[tgt[e] + 1];
  for (std::size_t v = 0; v < un; ++v) ws.pred_start[v + 1] += ws.pred_start[v];
  ws.pred.assign(ws.pred_start[un], 0);

  std::size_t done = 0;
  for (std::int64_t s : *src) {
    sssp(g, static_cast<std::uint32_t>(s), ws);
    for (auto v : ws.order) ws.delta[v] = 0.0;
    for (auto it = ws.order.rbegin(); it != ws.order.rend(); ++it) {
      std::uint32_t w = *it;
      const double coeff = (1.0 + ws.delta[w]) / ws.sigma[w];
      for (std::uint32_t i = 0; i < ws.pred_count[w]; ++i) {
        std::uint32_t v = ws.pred[ws.pred_start[w] + i];
        ws.delta[v] += ws.sigma[v] * coeff;
      }
      if (w != static_cast<std::uint32_t>(s)) bc[w] += ws.delta[w];
    }
    report(progress, ++done, src->size());
  }

  // NetworkX's _rescale with endpoints=False: N = n - 1 valid targets.
  const double N = static_cast<double>(n - 1);
  if (N < 2) return bc;
  const double correction = g.directed() ? 1.0 : 2.0;
  if (!sampled) {
    double scale = normalized ? 1.0 / (N * (N - 1.0)) : 1.0 / correction;
    for (auto& b : bc) b *= scale;
    return bc;
  }
  // Both estimates below are unbiased over the draw of k distinct sources out of n.
  const double k = static_cast<double>(src->size());
  if (k < 2) {
    // NetworkX's source scale N / (k - 1) is 0/0 here: no other source measures the source's
    // betweenness. Scale every vertex by n / k instead (each source is drawn with probability
    // k / n): the source keeps 0, the others n times their dependency on it, unbiased overall.
    const double scale = normalized ? static_cast<double>(n) / (k * N * (N - 1.0))
                                    : static_cast<double>(n) / (k * correction);
    for (auto& b : bc) b *= scale;
    return bc;
  }
  // NetworkX: a vertex among the sources is measured by the k - 1 others, one outside them by all
  // k, each out of the N = n - 1 sources other than itself.
  const double scale_source = normalized ? 1.0 / ((k - 1.0) * (N - 1.0)) : N / ((k - 1.0) * correction);
  const double scale_other = normalized ? 1.0 / (k * (N - 1.0)) : N / (k * correction);
  for (std::size_t v = 0; v < un; ++v) bc[v] *= is_source[v] ? scale_source : scale_other;
  return bc;
}

}  // namespace earlyhelp::network
