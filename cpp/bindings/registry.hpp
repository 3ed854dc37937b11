#pragma once
// One register function per module; each lives in its own bindings file and
// only converts arrays and registers functions into earlyhelp._core.<module>.
#include <pybind11/pybind11.h>

namespace earlyhelp::bindings {
void register_synthetic(pybind11::module_& m);
void register_network(pybind11::module_& m);
void register_risk(pybind11::module_& m);
void register_forecast(pybind11::module_& m);
void register_reconcile(pybind11::module_& m);  // also into _core.forecast
void register_flow(pybind11::module_& m);
}  // namespace earlyhelp::bindings
