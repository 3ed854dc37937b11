#pragma once
// Errors the core raises. The binding layer maps InputError to a Python
// ValueError subclass and Cancelled to KeyboardInterrupt.
#include <stdexcept>
#include <string>
#include <utility>

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

// The same for a fixed message: no string is made unless the check fails.
inline void require(bool condition, const char* message) {
  if (!condition) throw InputError(message);
}

// For checks of every value in a loop: the message (a callable returning it) is
// built only when the check fails, so a check costs a comparison, not a string.
template <class Message, class = decltype(std::declval<Message&>()())>
inline void require(bool condition, Message&& message) {
  if (!condition) throw InputError(std::string(message()));
}

}  // namespace earlyhelp
