// Shortest path lengths from a set of sources: Boost's breadth-first search
// when unweighted, Boost's Dijkstra on edge lengths (the shortest of parallel
// edges, not their sum) when weighted. Unreachable = +inf.
#include <limits>
#include <string>

#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>
#include <boost/property_map/property_map.hpp>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/network/graph.hpp"

namespace earlyhelp::network {

namespace {

// Records BFS depth as a double distance.
class DepthRecorder : public boost::default_bfs_visitor {
 public:
  explicit DepthRecorder(double* dist) : dist_(dist) {}
  template <class Edge, class G>
  void tree_edge(Edge e, const G& g) const {
    dist_[boost::target(e, g)] = dist_[boost::source(e, g)] + 1.0;
  }

 private:
  double* dist_;
};

}  // namespace

void distances(const Graph& g, const std::int64_t* sources, std::size_t k, double* out, Progress* progress) {
  const std::int64_t n = g.num_vertices();
  for (std::size_t i = 0; i < k; ++i)
    require(sources[i] >= 0 && sources[i] < n,
            "source " + std::to_string(sources[i]) + " is out of range for n=" + std::to_string(n));
  const double inf = std::numeric_limits<double>::infinity();
  const CsrGraph& csr = g.csr();
  std::vector<boost::default_color_type> color(static_cast<std::size_t>(n));
  std::vector<std::uint32_t> pred(static_cast<std::size_t>(n));
  auto index = get(boost::vertex_index, csr);
  for (std::size_t i = 0; i < k; ++i) {
    double* dist = out + i * static_cast<std::size_t>(n);
    std::fill(dist, dist + n, inf);
    auto s = static_cast<std::uint32_t>(sources[i]);
    dist[s] = 0.0;
    if (g.weighted()) {
      boost::dijkstra_shortest_paths_no_color_map(
          csr, s,
          boost::weight_map(get(&EdgeWeight::length, csr))
              .distance_map(boost::make_iterator_property_map(dist, index))
              .predecessor_map(boost::make_iterator_property_map(pred.data(), index))
              .distance_inf(inf));
    } else {
      std::fill(color.begin(), color.end(), boost::white_color);
      boost::breadth_first_search(csr, s,
                                  boost::visitor(DepthRecorder(dist))
                                      .color_map(boost::make_iterator_property_map(color.data(), index)));
    }
    report(progress, i + 1, k);
  }
}

}  // namespace earlyhelp::network
