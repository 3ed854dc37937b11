// Connected (weakly connected when directed) components with Boost's
// disjoint sets, relabelled 0..k-1 in order of each component's smallest vertex.
#include <boost/pending/disjoint_sets.hpp>

#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

std::vector<std::int64_t> components(const Graph& g) {
  const auto n = static_cast<std::size_t>(g.num_vertices());
  std::vector<std::size_t> rank(n, 0), parent(n);
  boost::disjoint_sets<std::size_t*, std::size_t*> sets(rank.data(), parent.data());
  for (std::size_t v = 0; v < n; ++v) sets.make_set(v);
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  for (std::size_t u = 0; u < n; ++u)
    for (auto e = off[u]; e < off[u + 1]; ++e) sets.union_set(u, static_cast<std::size_t>(tgt[e]));
  std::vector<std::int64_t> label(n, -1), root_label(n, -1);
  std::int64_t next = 0;
  for (std::size_t v = 0; v < n; ++v) {
    std::size_t r = sets.find_set(v);
    if (root_label[r] < 0) root_label[r] = next++;
    label[v] = root_label[r];
  }
  return label;
}

}  // namespace earlyhelp::network
