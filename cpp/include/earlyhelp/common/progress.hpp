#pragma once
// Progress reporting and cancellation for long loops, with no Python in it:
// the binding layer supplies an implementation that updates tqdm and checks
// for Ctrl-C; C++ users pass nothing or their own.
#include <cstddef>

namespace earlyhelp {

class Progress {
 public:
  virtual ~Progress() = default;
  // Called now and then from the thread doing the work, never concurrently.
  // Throws earlyhelp::Cancelled when the caller wants to stop.
  virtual void update(std::size_t done, std::size_t total) = 0;
};

// Report progress if a reporter was given.
inline void report(Progress* progress, std::size_t done, std::size_t total) {
  if (progress != nullptr) progress->update(done, total);
}

}  // namespace earlyhelp
