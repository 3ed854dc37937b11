#pragma once
// Runs work on a few threads while the calling thread reports progress (so a
// Progress is never called concurrently), stops every worker when one fails
// or the caller cancels, and rethrows the first failure.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "earlyhelp/common/progress.hpp"

namespace earlyhelp {

// work(w) runs once for each w in [0, threads) and should return soon after
// `cancel` becomes true; done() tells how many of `total` units are finished.
// Without a progress reporter, worker 0 runs on the calling thread.
inline void run_workers(int threads, const std::function<void(int)>& work, std::atomic<bool>& cancel,
                        const std::function<std::size_t()>& done, std::size_t total, Progress* progress) {
  threads = std::max(1, threads);
  std::atomic<int> exited{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto body = [&](int w) {
    try {
      work(w);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      cancel.store(true);
    }
    exited.fetch_add(1);
  };
  std::vector<std::thread> pool;
  const int first = progress == nullptr ? 1 : 0;
  try {
    for (int w = first; w < threads; ++w) pool.emplace_back(body, w);
  } catch (...) {  // a thread that could not start (std::system_error): stop and join those that did
    cancel.store(true);
    for (auto& th : pool) th.join();
    throw;
  }
  if (progress == nullptr) body(0);
  while (exited.load() < threads) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    try {
      report(progress, std::min(done(), total), total);
    } catch (...) {
      cancel.store(true);
      for (auto& th : pool) th.join();
      throw;
    }
  }
  for (auto& th : pool) th.join();
  if (error) std::rethrow_exception(error);
  report(progress, total, total);
}

}  // namespace earlyhelp
