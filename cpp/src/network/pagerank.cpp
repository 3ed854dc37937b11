// PageRank by power iteration, as NetworkX computes it: each vertex passes
// damping * rank along its out-arcs in proportion to their weight; dangling
// vertices (no out-weight) spread theirs uniformly; everyone gets
// (1 - damping) / n. Converged when the L1 change < n * tol.
#include <cmath>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

std::vector<double> pagerank(const Graph& g, double damping, double tol, int max_iter) {
  require(std::isfinite(damping) && damping >= 0.0 && damping <= 1.0, "damping must be in [0, 1]");
  require(std::isfinite(tol) && tol > 0.0, "tol must be positive");
  require(max_iter > 0, "max_iter must be positive");
  const std::int64_t n = g.num_vertices();
  if (n == 0) return {};
  const auto* off = g.offsets();
  const auto* tgt = g.targets();
  const auto* wt = g.weights();
  // Out-strength per vertex; with no weights every arc weighs 1.
  std::vector<double> out(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t u = 0; u < n; ++u)
    for (auto e = off[u]; e < off[u + 1]; ++e) out[u] += wt[e].weight;
  std::vector<double> x(static_cast<std::size_t>(n), 1.0 / static_cast<double>(n)), next(x.size());
  const double base = (1.0 - damping) / static_cast<double>(n);
  for (int it = 0; it < max_iter; ++it) {
    double dangling = 0.0;
    for (std::int64_t u = 0; u < n; ++u)
      if (out[u] == 0.0) dangling += x[u];
    const double spread = base + damping * dangling / static_cast<double>(n);
    std::fill(next.begin(), next.end(), spread);
    for (std::int64_t u = 0; u < n; ++u) {
      if (out[u] == 0.0) continue;
      const double share = damping * x[u] / out[u];
      if (std::isfinite(share)) {
        for (auto e = off[u]; e < off[u + 1]; ++e) next[tgt[e]] += share * wt[e].weight;
      } else {
        // out-strength so small (subnormal weights) that rank / strength overflows: share by
        // each arc's fraction of the strength instead
        for (auto e = off[u]; e < off[u + 1]; ++e) next[tgt[e]] += damping * x[u] * (wt[e].weight / out[u]);
      }
    }
    double err = 0.0;
    for (std::int64_t u = 0; u < n; ++u) err += std::fabs(next[u] - x[u]);
    x.swap(next);
    if (err < static_cast<double>(n) * tol) return x;
  }
  throw InputError("pagerank did not converge in " + std::to_string(max_iter) + " iterations");
}

}  // namespace earlyhelp::network
