// earlyhelp._core.synthetic: runs the C++ generator and hands its columns to
// numpy without copying.
#include <pybind11/stl.h>

#include "earlyhelp/synthetic/generator.hpp"
#include "earlyhelp/synthetic/oracle.hpp"
#include "numpy.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {
namespace {

py::object column_to_python(synthetic::ColumnData&& data) {
  return std::visit(
      [](auto&& v) -> py::object {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<std::string>>) {
          return py::cast(v);
        } else {
          return to_numpy(std::move(v));
        }
      },
      std::move(data));
}

py::dict generate(const std::string& preset, int32_t window_start, int32_t window_end, double scale, uint64_t seed,
                  int threads, py::object progress) {
  const synthetic::Options opt{window_start, window_end, scale, seed, threads};
  auto councils = synthetic::preset_councils(preset, seed);
  synthetic::Tables tables;
  {
    PythonProgress reporter(std::move(progress));
    py::gil_scoped_release release;
    tables = synthetic::generate(councils, opt, &reporter);
  }
  py::dict out;
  for (auto& [name, table] : tables) {
    py::list columns;
    for (auto& c : table.columns) {
      columns.append(py::make_tuple(c.name, c.kind, c.ref, column_to_python(std::move(c.data))));
    }
    out[py::str(name)] = columns;
  }
  return out;
}

// ---- the oracle (oracle.hpp): label probabilities from the generator's closure model
using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using I32 = py::array_t<int32_t, py::array::c_style | py::array::forcecast>;

py::array_t<double> oracle_step_up(F64 p_end, F64 duration_scale, F64 p_rereferral, I32 days_open, int window_days,
                                   int link_days) {
  const auto n = static_cast<std::size_t>(days_open.size());
  if (p_end.ndim() != 2 || p_end.shape(1) != synthetic::kEndReasonCount || static_cast<std::size_t>(p_end.shape(0)) != n ||
      static_cast<std::size_t>(duration_scale.size()) != n || static_cast<std::size_t>(p_rereferral.size()) != n)
    throw InputError("p_end must be rows x 7 and duration_scale, p_rereferral, days_open one value a row");
  synthetic::OpenEpisodes rows{p_end.data(), duration_scale.data(), p_rereferral.data(), days_open.data(), n};
  std::vector<double> out;
  {
    py::gil_scoped_release release;
    out = synthetic::step_up_probability(rows, window_days, link_days);
  }
  return to_numpy(std::move(out));
}

py::array_t<double> oracle_rereferral(F64 p_rereferral, I32 days_since_closure, int window_days) {
  const auto n = static_cast<std::size_t>(days_since_closure.size());
  if (static_cast<std::size_t>(p_rereferral.size()) != n)
    throw InputError("p_rereferral and days_since_closure must have one value a row");
  std::vector<double> out;
  {
    py::gil_scoped_release release;
    out = synthetic::rereferral_probability(p_rereferral.data(), days_since_closure.data(), n, window_days);
  }
  return to_numpy(std::move(out));
}

}  // namespace

void register_synthetic(py::module_& m) {
  m.def("generate", &generate, py::arg("preset"), py::arg("window_start"), py::arg("window_end"),
        py::arg("scale") = 1.0, py::arg("seed") = 0, py::arg("threads") = 1, py::arg("progress") = py::none(),
        "Generate a synthetic council (or England). Dates are days since 1970-01-01.\n\n"
        "Returns {table: [(column, kind, ref, values)]}: ids are 0-based int64 (-1 missing), codes int32\n"
        "indices into code_labels()[ref] (-1 missing), dates int32 days (INT32_MIN missing), bools int8\n"
        "(-1 missing), factor masks int64 bit sets over code_labels()['assessment_factor'].");
  m.def("code_labels", &synthetic::code_labels, "Labels of the integer codes, by code list.");
  m.attr("NO_DATE") = py::int_(synthetic::kNoDate);
  // the oracle
  m.def("oracle_step_up", &oracle_step_up, py::arg("p_end"), py::arg("duration_scale"), py::arg("p_rereferral"),
        py::arg("days_open"), py::arg("window_days"), py::arg("link_days"),
        "P(step-up within window_days | episode still open after days_open days), from the closure model.");
  m.def("oracle_rereferral", &oracle_rereferral, py::arg("p_rereferral"), py::arg("days_since_closure"),
        py::arg("window_days"), "P(a request within window_days of the closure, after the cut-off | none yet).");
}

}  // namespace earlyhelp::bindings
