// Building the CSR graph from an edge list: checks, symmetrising undirected
// edges, merging duplicates (weights summed, the shortest length kept), then
// Boost's CSR constructor.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

namespace {

struct Arc {
  std::uint32_t u, v;
  double w;
};

}  // namespace

Graph::Graph(const std::int64_t* src, const std::int64_t* dst, const double* weight, std::size_t m,
             bool directed, std::int64_t n)
    : directed_(directed), weighted_(weight != nullptr) {
  std::int64_t max_id = -1;
  // Checks build their message only on failure (this loop runs over every edge).
  for (std::size_t i = 0; i < m; ++i) {
    if (src[i] < 0 || dst[i] < 0)
      throw InputError("edge " + std::to_string(i) + " has a negative vertex id (" +
                       std::to_string(std::min(src[i], dst[i])) + ")");
    max_id = std::max({max_id, src[i], dst[i]});
  }
  if (weight != nullptr)
    for (std::size_t i = 0; i < m; ++i) {
      if (!std::isfinite(weight[i]))
        throw InputError("edge " + std::to_string(i) + " has a weight that is NaN or infinite");
      if (weight[i] < 0.0)
        throw InputError("edge " + std::to_string(i) + " has a negative weight (" + std::to_string(weight[i]) + ")");
    }
  require(max_id < kMaxVertices, "edge vertex id " + std::to_string(max_id) + " is too large for the graph engine (ids "
                                  "must be below " + std::to_string(kMaxVertices) + ")");
  if (n < 0) n = max_id + 1;
  require(max_id < n, "edge vertex id " + std::to_string(max_id) + " is out of range for n=" + std::to_string(n));
  require(n <= kMaxVertices, "n=" + std::to_string(n) + " is too many vertices for the graph engine (at most " +
                                 std::to_string(kMaxVertices) + ")");
  n_ = n;

  // Arcs in both directions when undirected (a self-loop once).
  std::vector<Arc> arcs;
  arcs.reserve(directed ? m : 2 * m);
  for (std::size_t i = 0; i < m; ++i) {
    auto u = static_cast<std::uint32_t>(src[i]);
    auto v = static_cast<std::uint32_t>(dst[i]);
    double w = weight != nullptr ? weight[i] : 1.0;
    arcs.push_back({u, v, w});
    if (!directed && u != v) arcs.push_back({v, u, w});
  }
  // Counting sort by source, then sort each row by target and merge repeats.
  std::vector<std::uint64_t> start(static_cast<std::size_t>(n) + 1, 0);
  for (const Arc& a : arcs) ++start[a.u + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<Arc> sorted(arcs.size());
  {
    std::vector<std::uint64_t> pos(start.begin(), start.end() - 1);
    for (const Arc& a : arcs) sorted[pos[a.u]++] = a;
  }
  arcs.clear();
  arcs.shrink_to_fit();
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  std::vector<EdgeWeight> props;
  pairs.reserve(sorted.size());
  props.reserve(sorted.size());
  for (std::int64_t u = 0; u < n; ++u) {
    auto b = sorted.begin() + static_cast<std::ptrdiff_t>(start[u]);
    auto e = sorted.begin() + static_cast<std::ptrdiff_t>(start[u + 1]);
    std::sort(b, e, [](const Arc& x, const Arc& y) { return x.v < y.v; });
    for (auto it = b; it != e; ++it) {
      if (it != b && it->v == pairs.back().second && pairs.size() > 0 && pairs.back().first == it->u) {
        if (weighted_) {
          props.back().weight += it->w;
          props.back().length = std::min(props.back().length, it->w);
        }
        continue;
      }
      pairs.emplace_back(it->u, it->v);
      props.push_back({it->w, it->w});
    }
  }
  std::int64_t loops = 0;
  for (const auto& p : pairs) loops += p.first == p.second;
  m_ = directed ? static_cast<std::int64_t>(pairs.size()) : (static_cast<std::int64_t>(pairs.size()) - loops) / 2 + loops;
  g_ = CsrGraph(boost::edges_are_sorted, pairs.begin(), pairs.end(), props.begin(),
                static_cast<std::uint32_t>(n), pairs.size());
}

void Graph::edges(std::vector<std::int64_t>& src, std::vector<std::int64_t>& dst, std::vector<double>& w,
                  std::vector<double>* length) const {
  const auto* off = offsets();
  const auto* tgt = targets();
  const auto* wt = weights();
  src.clear();
  dst.clear();
  w.clear();
  src.reserve(static_cast<std::size_t>(m_));
  dst.reserve(static_cast<std::size_t>(m_));
  w.reserve(static_cast<std::size_t>(m_));
  if (length != nullptr) {
    length->clear();
    length->reserve(static_cast<std::size_t>(m_));
  }
  for (std::int64_t u = 0; u < n_; ++u) {
    for (auto e = off[u]; e < off[u + 1]; ++e) {
      if (!directed_ && tgt[e] < u) continue;
      src.push_back(u);
      dst.push_back(tgt[e]);
      w.push_back(wt[e].weight);
      if (length != nullptr) length->push_back(wt[e].length);
    }
  }
}

std::vector<double> degree(const Graph& g) {
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  std::vector<double> d(static_cast<std::size_t>(g.num_vertices()), 0.0);
  for (std::int64_t u = 0; u < g.num_vertices(); ++u) {
    double k = static_cast<double>(off[u + 1] - off[u]);
    if (!g.directed())
      for (auto e = off[u]; e < off[u + 1]; ++e) k += tgt[e] == u;  // self-loop counts twice
    d[u] = k;
  }
  return d;
}

std::vector<double> strength(const Graph& g) {
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  const auto* wt = g.weights();
  std::vector<double> s(static_cast<std::size_t>(g.num_vertices()), 0.0);
  for (std::int64_t u = 0; u < g.num_vertices(); ++u) {
    double k = 0.0;
    for (auto e = off[u]; e < off[u + 1]; ++e) k += wt[e].weight * ((!g.directed() && tgt[e] == u) ? 2.0 : 1.0);
    s[u] = k;
  }
  return s;
}

}  // namespace earlyhelp::network
