// earlyhelp._core.synthetic: runs the C++ generator and hands its columns to
// numpy without copying.
#include <pybind11/stl.h>

#include "earlyhelp/synthetic/generator.hpp"
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
  synthetic::Options opt;
  opt.window_start = window_start;
  opt.window_end = window_end;
  opt.scale = scale;
  opt.seed = seed;
  opt.threads = threads;
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
}

}  // namespace earlyhelp::bindings
