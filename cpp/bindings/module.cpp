// earlyhelp._core: one submodule per core module, each filled by the
// register_<module>() of its own bindings file (see README.md here for how
// to add one). Bindings only convert and register; the work is in cpp/src/.
#include <pybind11/pybind11.h>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/version.hpp"
#include "registry.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "earlyhelp C++ core (Boost.Graph, Eigen).";
  m.attr("__version__") = earlyhelp::kVersion;

  // InputError -> earlyhelp.CoreInputError, a ValidationError defined in
  // Python so every module handles core input errors like its own;
  // Cancelled -> KeyboardInterrupt, so Ctrl-C in C++ work behaves as in Python.
  static py::handle input_error = py::object(py::module_::import("earlyhelp._errors").attr("CoreInputError")).release();
  m.attr("CoreInputError") = input_error;
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const earlyhelp::InputError& e) {
      PyErr_SetString(input_error.ptr(), e.what());
    } catch (const earlyhelp::Cancelled&) {
      PyErr_SetNone(PyExc_KeyboardInterrupt);
    }
  });

  auto synthetic = m.def_submodule("synthetic", "Synthetic council generator.");
  earlyhelp::bindings::register_synthetic(synthetic);
  auto network = m.def_submodule("network", "Graph algorithms on Boost.Graph.");
  earlyhelp::bindings::register_network(network);
  auto risk = m.def_submodule("risk", "Generalised linear models and calibration on Eigen.");
  earlyhelp::bindings::register_risk(risk);
  auto forecast = m.def_submodule("forecast", "Time-series models and reconciliation.");
  earlyhelp::bindings::register_forecast(forecast);
  earlyhelp::bindings::register_reconcile(forecast);
  auto flow = m.def_submodule("flow", "Stock-flow projection and Monte Carlo simulation.");
  earlyhelp::bindings::register_flow(flow);
}
