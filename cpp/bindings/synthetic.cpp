// earlyhelp._core.synthetic: runs the C++ generator and hands its columns to
// numpy without copying (each vector is moved to the heap and owned by a capsule).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>

#include "earlyhelp/synthetic/generator.hpp"
#include "progress.hpp"
#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {
namespace {

template <class T>
py::array to_numpy(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>({static_cast<py::ssize_t>(heap->size())}, {static_cast<py::ssize_t>(sizeof(T))},
                        heap->data(), owner);
}

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

std::vector<synthetic::CouncilSpec> preset_councils(const std::string& preset, uint64_t seed) {
  if (preset == "coventry") return {synthetic::coventry_preset()};
  if (preset == "wolverhampton") return {synthetic::wolverhampton_preset()};
  if (preset == "england") return synthetic::england_preset(seed);
  throw InputError("preset must be one of 'coventry', 'wolverhampton', 'england', not '" + preset + "'");
}

py::dict generate(const std::string& preset, int32_t window_start, int32_t window_end, double scale, uint64_t seed,
                  int threads, py::object progress) {
  synthetic::Options opt;
  opt.window_start = window_start;
  opt.window_end = window_end;
  opt.scale = scale;
  opt.seed = seed;
  opt.threads = threads;
  auto councils = preset_councils(preset, seed);
  synthetic::Tables tables;
  {
    PythonProgress reporter(progress);
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
