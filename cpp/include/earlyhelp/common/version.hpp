#pragma once
#include <string>

namespace earlyhelp {
// Version of the C++ core, kept in step with the Python package.
std::string core_version();
}  // namespace earlyhelp
