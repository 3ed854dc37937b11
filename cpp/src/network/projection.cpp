// Bipartite projection as a sparse product B^T B: for each right vertex a,
// walk its left neighbours and their right neighbours b > a, counting shared
// left vertices in a dense scratch row. No Boost templates: plain CSR arrays.
#include <algorithm>
#include <numeric>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

namespace {

// CSR of `from` -> sorted unique `to`, for ids in [0, n_from).
void build_csr(const std::int64_t* from, const std::int64_t* to, std::size_t m, std::int64_t n_from,
               std::vector<std::int64_t>& start, std::vector<std::int64_t>& adj) {
  start.assign(static_cast<std::size_t>(n_from) + 1, 0);
  for (std::size_t i = 0; i < m; ++i) ++start[from[i] + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  adj.resize(m);
  std::vector<std::int64_t> pos(start.begin(), start.end() - 1);
  for (std::size_t i = 0; i < m; ++i) adj[pos[from[i]]++] = to[i];
  // Sort rows and drop repeats, compacting in place.
  std::int64_t w = 0;
  for (std::int64_t u = 0; u < n_from; ++u) {
    auto b = adj.begin() + start[u], e = adj.begin() + start[u + 1];
    std::sort(b, e);
    auto last = std::unique(b, e);
    const std::int64_t row_begin = w;
    for (auto it = b; it != last; ++it) adj[w++] = *it;
    start[u] = row_begin;
  }
  start[n_from] = w;
  adj.resize(static_cast<std::size_t>(w));
}

// Left ids only group the edges: when they are sparse (some id >= m, which
// also covers ids near INT64_MAX) they are renumbered 0..k-1 in order, so the
// dense arrays indexed by left id never outgrow the edge list.
std::int64_t dense_left_ids(const std::int64_t* left, std::size_t m, std::int64_t max_left,
                            std::vector<std::int64_t>& renumbered) {
  if (max_left < static_cast<std::int64_t>(m)) return max_left + 1;
  std::vector<std::int64_t> ids(left, left + m);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  renumbered.resize(m);
  for (std::size_t i = 0; i < m; ++i)
    renumbered[i] = std::lower_bound(ids.begin(), ids.end(), left[i]) - ids.begin();
  return static_cast<std::int64_t>(ids.size());
}

}  // namespace

void bipartite_projection(const std::int64_t* left, const std::int64_t* right, std::size_t m, std::int64_t n_right,
                          ProjectionWeight kind, std::vector<std::int64_t>& out_a, std::vector<std::int64_t>& out_b,
                          std::vector<double>& out_w) {
  std::int64_t max_left = -1, max_right = -1;
  for (std::size_t i = 0; i < m; ++i) {
    if (left[i] < 0) throw InputError("left id at position " + std::to_string(i) + " is negative");
    if (right[i] < 0) throw InputError("right id at position " + std::to_string(i) + " is negative");
    max_left = std::max(max_left, left[i]);
    max_right = std::max(max_right, right[i]);
  }
  require(max_right < kMaxVertices, "right id " + std::to_string(max_right) + " is too large for the graph engine "
                                    "(ids must be below " + std::to_string(kMaxVertices) + ")");
  require(n_right <= kMaxVertices, "n_right=" + std::to_string(n_right) + " is too many vertices for the graph "
                                   "engine (at most " + std::to_string(kMaxVertices) + ")");
  if (n_right < 0) n_right = max_right + 1;
  require(max_right < n_right,
          "right id " + std::to_string(max_right) + " is out of range for n_right=" + std::to_string(n_right));
  std::vector<std::int64_t> renumbered;
  const std::int64_t n_left = dense_left_ids(left, m, max_left, renumbered);
  if (!renumbered.empty()) left = renumbered.data();
  std::vector<std::int64_t> l_start, l_adj, r_start, r_adj;
  build_csr(left, right, m, n_left, l_start, l_adj);
  // Right -> left from the de-duplicated left CSR.
  std::vector<std::int64_t> lsrc(l_adj.size());
  for (std::int64_t u = 0; u < n_left; ++u)
    for (auto e = l_start[u]; e < l_start[u + 1]; ++e) lsrc[e] = u;
  build_csr(l_adj.data(), lsrc.data(), l_adj.size(), n_right, r_start, r_adj);

  out_a.clear();
  out_b.clear();
  out_w.clear();
  std::vector<std::int64_t> count(static_cast<std::size_t>(n_right), 0);
  std::vector<std::int64_t> touched;
  for (std::int64_t a = 0; a < n_right; ++a) {
    touched.clear();
    for (auto e = r_start[a]; e < r_start[a + 1]; ++e) {
      const std::int64_t u = r_adj[e];
      // Rows of l_adj are sorted: start from the first right id > a.
      auto row_b = l_adj.begin() + l_start[u], row_e = l_adj.begin() + l_start[u + 1];
      for (auto it = std::upper_bound(row_b, row_e, a); it != row_e; ++it) {
        if (count[*it]++ == 0) touched.push_back(*it);
      }
    }
    std::sort(touched.begin(), touched.end());
    const double deg_a = static_cast<double>(r_start[a + 1] - r_start[a]);
    for (auto b : touched) {
      const double shared = static_cast<double>(count[b]);
      double w = shared;
      if (kind == ProjectionWeight::jaccard) {
        const double deg_b = static_cast<double>(r_start[b + 1] - r_start[b]);
        w = shared / (deg_a + deg_b - shared);
      }
      out_a.push_back(a);
      out_b.push_back(b);
      out_w.push_back(w);
      count[b] = 0;
    }
  }
}

}  // namespace earlyhelp::network
