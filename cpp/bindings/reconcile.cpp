#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

void register_reconcile(py::module_& m) {}

}  // namespace earlyhelp::bindings
