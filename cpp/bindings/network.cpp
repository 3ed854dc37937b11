#include "registry.hpp"

namespace py = pybind11;

namespace earlyhelp::bindings {

void register_network(py::module_& m) {}

}  // namespace earlyhelp::bindings
