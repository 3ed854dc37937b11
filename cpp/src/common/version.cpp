#include "earlyhelp/common/version.hpp"

namespace earlyhelp {
std::string core_version() { return "0.1.0"; }
}  // namespace earlyhelp
