#pragma once
// A general graph on Boost.Graph's compressed_sparse_row_graph, built from an
// edge list, with the algorithms earlyhelp needs. Vertices are 0..n-1.
//
// Conventions (kept in step with NetworkX, documented in Python):
// - Undirected graphs store each edge in both directions; a self-loop once.
// - Duplicate edges are merged into one edge. A weight has two uses, kept apart:
//   as a strength (degree/strength, PageRank) the parallel weights are summed,
//   as when a MultiGraph is collapsed; as a length (distances, betweenness)
//   the shortest parallel edge counts, as in NetworkX's and igraph's shortest
//   paths on a multigraph. An unweighted graph keeps weight and length 1.
// - Weights must be finite and >= 0 (checked on construction).
#include <cstdint>
#include <vector>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include "earlyhelp/common/progress.hpp"

namespace earlyhelp::network {

// Vertex ids are stored in 32 bits (CsrGraph below): ids and vertex counts
// must stay below this.
constexpr std::int64_t kMaxVertices = 0xFFFFFFF0;

struct EdgeWeight {
  double weight = 1.0;  // sum over parallel edges (strength, PageRank)
  double length = 1.0;  // shortest parallel edge (distances, betweenness)
};

using CsrGraph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, EdgeWeight,
                                                    boost::no_property, std::uint32_t, std::uint64_t>;

class Graph {
 public:
  // src, dst: m vertex ids in [0, n); weight: m weights or nullptr.
  // n < 0 means max id + 1.
  Graph(const std::int64_t* src, const std::int64_t* dst, const double* weight, std::size_t m,
        bool directed, std::int64_t n = -1);

  std::int64_t num_vertices() const { return n_; }
  // Number of distinct edges after merging duplicates (undirected: counted once).
  std::int64_t num_edges() const { return m_; }
  bool directed() const { return directed_; }
  bool weighted() const { return weighted_; }
  const CsrGraph& csr() const { return g_; }

  // Raw CSR arrays (row offsets n+1, targets, weights) for tight loops.
  const std::uint64_t* offsets() const { return g_.m_forward.m_rowstart.data(); }
  const std::uint32_t* targets() const { return g_.m_forward.m_column.data(); }
  const EdgeWeight* weights() const { return g_.m_forward.m_edge_properties.data(); }

  // Merged edge list (undirected: u <= v once), in CSR order: summed weights, and the
  // shortest parallel length when `length` is given.
  void edges(std::vector<std::int64_t>& src, std::vector<std::int64_t>& dst, std::vector<double>& w,
             std::vector<double>* length = nullptr) const;

 private:
  CsrGraph g_;
  std::int64_t n_ = 0;
  std::int64_t m_ = 0;
  bool directed_ = false;
  bool weighted_ = false;
};

// Degree (out-degree for directed graphs); a self-loop counts twice when undirected.
std::vector<double> degree(const Graph& g);
// Sum of edge weights (out-strength for directed graphs); self-loops twice when undirected.
std::vector<double> strength(const Graph& g);

// Connected components (weakly connected when directed): a label per vertex,
// labels 0..k-1 numbered by smallest vertex.
std::vector<std::int64_t> components(const Graph& g);

// PageRank, NetworkX conventions: dangling vertices spread their rank
// uniformly, weighted by edge weight when the graph is weighted, stop when the
// L1 change < n * tol; throws InputError if max_iter is reached first.
std::vector<double> pagerank(const Graph& g, double damping = 0.85, double tol = 1e-6, int max_iter = 100);

// Brandes betweenness from the given sources (all vertices when empty);
// Dijkstra on edge lengths when weighted. Rescaled as NetworkX does (endpoints excluded),
// including the sampled-sources correction when `sampled` is true: an unbiased
// estimate from distinct sources drawn uniformly (at least one; from a single
// source every vertex is scaled by n, where NetworkX gives the source NaN).
// Throws InputError for a source out of range or given twice.
std::vector<double> betweenness(const Graph& g, const std::vector<std::int64_t>& sources, bool sampled,
                                bool normalized, Progress* progress = nullptr);

// Shortest path lengths from each source to every vertex (row-major,
// sources.size() x n); +inf when unreachable. BFS, or Dijkstra on edge lengths.
void distances(const Graph& g, const std::int64_t* sources, std::size_t k, double* out,
               Progress* progress = nullptr);

// Projection of a bipartite edge list (left[i], right[i]) onto the right
// vertices: right a and b are joined when they share a left vertex. Repeated
// (left, right) pairs count once. Weight: shared count, or Jaccard
// |N(a) & N(b)| / |N(a) | N(b)|. Output edges a < b. Left ids may be any
// non-negative int64 (memory stays proportional to m); right ids and n_right
// (< 0: max right id + 1) must be below kMaxVertices.
enum class ProjectionWeight { count, jaccard };
void bipartite_projection(const std::int64_t* left, const std::int64_t* right, std::size_t m,
                          std::int64_t n_right, ProjectionWeight kind, std::vector<std::int64_t>& out_a,
                          std::vector<std::int64_t>& out_b, std::vector<double>& out_w);

}  // namespace earlyhelp::network
