#pragma once
// One register function per core module, each in its own bindings file
// (<module>.cpp), called once from module.cpp with the submodule
// earlyhelp._core.<module> to fill. See README.md here.
#include <pybind11/pybind11.h>

namespace earlyhelp::bindings {
void register_synthetic(pybind11::module_& m);
void register_network(pybind11::module_& m);
void register_risk(pybind11::module_& m);
void register_forecast(pybind11::module_& m);
void register_reconcile(pybind11::module_& m);  // also into _core.forecast
void register_flow(pybind11::module_& m);
}  // namespace earlyhelp::bindings
