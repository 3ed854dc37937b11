#include <pybind11/pybind11.h>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/version.hpp"
#include "registry.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "earlyhelp C++ core (Boost.Graph, Eigen).";
  m.attr("__version__") = earlyhelp::core_version();

  // InputError -> earlyhelp._core.CoreInputError (a ValueError);
  // Cancelled -> KeyboardInterrupt, so Ctrl-C in C++ work behaves as in Python.
  static py::exception<earlyhelp::InputError> input_error(m, "CoreInputError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const earlyhelp::InputError& e) {
      py::set_error(input_error, e.what());
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
