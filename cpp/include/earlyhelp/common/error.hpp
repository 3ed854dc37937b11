#pragma once
// Errors the core raises. The binding layer maps InputError to a Python
// ValueError subclass and Cancelled to KeyboardInterrupt.
#include <stdexcept>
#include <string>

namespace earlyhelp {

// Bad input from the caller: the message names what was wrong and where.
class InputError : public std::invalid_argument {
 public:
  explicit InputError(const std::string& what) : std::invalid_argument(what) {}
};

// Long work stopped because the caller asked (Ctrl-C in Python).
class Cancelled : public std::runtime_error {
 public:
  Cancelled() : std::runtime_error("cancelled") {}
};

// Throws InputError(message) unless condition holds.
inline void require(bool condition, const std::string& message) {
  if (!condition) throw InputError(message);
}

}  // namespace earlyhelp
