// earlyhelp._core.network: converts numpy arrays and registers the graph
// engine. Inputs are read in place (contiguous int64 / float64), results are
// handed to numpy without copying, and the GIL is released around the work.
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "earlyhelp/network/flow.hpp"
#include "earlyhelp/network/graph.hpp"
#include "numpy.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

namespace {

std::shared_ptr<network::Graph> make_graph(IdArray src, IdArray dst, std::optional<DoubleArray> weight, bool directed,
                                           std::int64_t n) {
  require_1d(src, "src");
  require_1d(dst, "dst");
  require_same_length(src, "src", dst, "dst");
  const double* w = nullptr;
  if (weight) {
    require_1d(*weight, "weight");
    require(weight->size() == src.size(), "weight has length " + std::to_string(weight->size()) + ", expected " +
                                              std::to_string(src.size()));
    w = weight->data();
  }
  py::gil_scoped_release release;
  return std::make_shared<network::Graph>(src.data(), dst.data(), w, static_cast<std::size_t>(src.size()), directed,
                                          n);
}

}  // namespace

void register_network(py::module_& m) {
  m.attr("MAX_VERTICES") = network::kMaxVertices;
  py::class_<network::Graph, std::shared_ptr<network::Graph>>(m, "Graph",
                                                               "CSR graph (Boost.Graph) built from an edge list.")
      .def(py::init(&make_graph), py::arg("src"), py::arg("dst"), py::arg("weight") = py::none(),
           py::arg("directed") = false, py::arg("n") = -1)
      .def_property_readonly("n", &network::Graph::num_vertices)
      .def_property_readonly("m", &network::Graph::num_edges)
      .def_property_readonly("directed", &network::Graph::directed)
      .def_property_readonly("weighted", &network::Graph::weighted)
      .def("edges",
           [](const network::Graph& g) {
             std::vector<std::int64_t> s, d;
             std::vector<double> w;
             {
               py::gil_scoped_release release;
               g.edges(s, d, w);
             }
             return py::make_tuple(to_numpy(std::move(s)), to_numpy(std::move(d)), to_numpy(std::move(w)));
           })
      .def("lengths",
           [](const network::Graph& g) {
             std::vector<std::int64_t> s, d;
             std::vector<double> w, length;
             {
               py::gil_scoped_release release;
               g.edges(s, d, w, &length);
             }
             return to_numpy(std::move(length));
           },
           "Length of each merged edge, in the order of edges(): the shortest of its parallel edges.")
      .def("degree",
           [](const network::Graph& g) {
             std::vector<double> out;
             {
               py::gil_scoped_release release;
               out = network::degree(g);
             }
             return to_numpy(std::move(out));
           })
      .def("strength",
           [](const network::Graph& g) {
             std::vector<double> out;
             {
               py::gil_scoped_release release;
               out = network::strength(g);
             }
             return to_numpy(std::move(out));
           })
      .def("components",
           [](const network::Graph& g) {
             std::vector<std::int64_t> out;
             {
               py::gil_scoped_release release;
               out = network::components(g);
             }
             return to_numpy(std::move(out));
           })
      .def(
          "pagerank",
          [](const network::Graph& g, double damping, double tol, int max_iter) {
            std::vector<double> out;
            {
              py::gil_scoped_release release;
              out = network::pagerank(g, damping, tol, max_iter);
            }
            return to_numpy(std::move(out));
          },
          py::arg("damping") = 0.85, py::arg("tol") = 1e-6, py::arg("max_iter") = 100)
      .def(
          "betweenness",
          [](const network::Graph& g, IdArray sources, bool sampled, bool normalized, py::object progress) {
            require_1d(sources, "sources");
            std::vector<std::int64_t> src(sources.data(), sources.data() + sources.size());
            std::vector<double> out;
            {
              PythonProgress reporter(std::move(progress));
              py::gil_scoped_release release;
              out = network::betweenness(g, src, sampled, normalized, &reporter);
            }
            return to_numpy(std::move(out));
          },
          py::arg("sources"), py::arg("sampled"), py::arg("normalized") = true, py::arg("progress") = py::none())
      .def(
          "distances",
          [](const network::Graph& g, IdArray sources, py::object progress) {
            require_1d(sources, "sources");
            const auto k = static_cast<std::size_t>(sources.size());
            const auto n = static_cast<std::size_t>(g.num_vertices());
            py::array_t<double> out({k, n});
            double* data = out.mutable_data();
            {
              PythonProgress reporter(std::move(progress));
              py::gil_scoped_release release;
              network::distances(g, sources.data(), k, data, &reporter);
            }
            return out;
          },
          py::arg("sources"), py::arg("progress") = py::none());

  py::enum_<network::ProjectionWeight>(m, "ProjectionWeight", "Edge weight of a bipartite projection.")
      .value("count", network::ProjectionWeight::count)
      .value("jaccard", network::ProjectionWeight::jaccard);
  m.def(
      "bipartite_projection",
      [](IdArray left, IdArray right, std::int64_t n_right, network::ProjectionWeight weight) {
        require_1d(left, "left");
        require_1d(right, "right");
        require_same_length(left, "left", right, "right");
        std::vector<std::int64_t> a, b;
        std::vector<double> w;
        {
          py::gil_scoped_release release;
          network::bipartite_projection(left.data(), right.data(), static_cast<std::size_t>(left.size()), n_right,
                                        weight, a, b, w);
        }
        return py::make_tuple(to_numpy(std::move(a)), to_numpy(std::move(b)), to_numpy(std::move(w)));
      },
      py::arg("left"), py::arg("right"), py::arg("n_right") = -1,
      py::arg("weight") = network::ProjectionWeight::count,
      "Project a bipartite edge list onto its right vertices: returns (a, b, weight), a < b.");

  py::enum_<network::FlowMethod>(m, "FlowMethod", "How assign_min_cost solves the flow.")
      .value("automatic", network::FlowMethod::automatic)
      .value("primal_dual", network::FlowMethod::primal_dual)
      .value("cost_scaling", network::FlowMethod::cost_scaling);

  m.def(
      "assign_min_cost",
      [](std::int64_t n_families, IdArray capacity, IdArray family, IdArray practitioner, DoubleArray cost,
         std::int64_t candidates, network::FlowMethod method) {
        require_1d(capacity, "capacity");
        require_1d(family, "family");
        require_1d(practitioner, "practitioner");
        require_1d(cost, "cost");
        require_same_length(family, "family", practitioner, "practitioner");
        require_same_length(family, "family", cost, "cost");
        network::Assignment result;
        {
          py::gil_scoped_release release;
          result = network::assign_min_cost(n_families, capacity.data(), static_cast<std::int64_t>(capacity.size()),
                                            family.data(), practitioner.data(), cost.data(),
                                            static_cast<std::size_t>(family.size()), candidates, method);
        }
        return py::make_tuple(to_numpy(std::move(result.practitioner)), to_numpy(std::move(result.cost)),
                              result.total_cost, result.phases, result.rounds);
      },
      py::arg("n_families"), py::arg("capacity"), py::arg("family"), py::arg("practitioner"), py::arg("cost"),
      py::arg("candidates") = 0, py::arg("method") = network::FlowMethod::automatic,
      "Min-cost max-flow assignment: returns (practitioner per family or -1, cost per family, total, phases, "
      "rounds). candidates > 0: start from each family's cheapest arcs and add the rest by pricing (exact); 0: all "
      "arcs; < 0: the solver's choice by method.");
}

}  // namespace earlyhelp::bindings
