// Connected (weakly connected when directed) components by union-find over
// the CSR arcs (path halving, union by smaller root id, so each root is its
// component's smallest vertex), then labels 0..k-1 in order of that vertex.
// A flat array loop rather than boost::disjoint_sets: the same algorithm
// without the property-map indirection, which this hot loop pays for.
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

namespace {

inline std::uint32_t find(std::uint32_t* parent, std::uint32_t v) {
  while (parent[v] != v) {
    parent[v] = parent[parent[v]];
    v = parent[v];
  }
  return v;
}

}  // namespace

std::vector<std::int64_t> components(const Graph& g) {
  const auto n = static_cast<std::size_t>(g.num_vertices());
  std::vector<std::uint32_t> parent(n);
  for (std::size_t v = 0; v < n; ++v) parent[v] = static_cast<std::uint32_t>(v);
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  const bool both_ways = !g.directed();  // undirected: each edge is stored twice, look at one copy
  for (std::size_t u = 0; u < n; ++u) {
    for (auto e = off[u]; e < off[u + 1]; ++e) {
      const std::uint32_t v = tgt[e];
      if (both_ways && v >= u) continue;
      std::uint32_t a = find(parent.data(), static_cast<std::uint32_t>(u)), b = find(parent.data(), v);
      if (a == b) continue;
      if (a < b) std::swap(a, b);
      parent[a] = b;  // the smaller id stays root
    }
  }
  std::vector<std::int64_t> label(n);
  std::int64_t next = 0;
  for (std::size_t v = 0; v < n; ++v) {
    const std::uint32_t r = find(parent.data(), static_cast<std::uint32_t>(v));
    label[v] = r == v ? next++ : label[r];  // the root (smallest vertex) was labelled first
  }
  return label;
}

}  // namespace earlyhelp::network
