#pragma once
// A Progress that forwards to a Python callable (a tqdm-like object's update,
// or None) and turns Ctrl-C into earlyhelp::Cancelled. Called with the GIL
// released; it takes the GIL only every `every` updates.
#include <pybind11/pybind11.h>

#include <chrono>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/progress.hpp"

namespace earlyhelp::bindings {

class PythonProgress : public Progress {
 public:
  explicit PythonProgress(pybind11::object callback) : callback_(std::move(callback)) {}
  ~PythonProgress() override {
    pybind11::gil_scoped_acquire gil;
    callback_ = pybind11::object();
  }

  void update(std::size_t done, std::size_t total) override {
    auto now = std::chrono::steady_clock::now();
    if (done < total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    pybind11::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      throw Cancelled();
    }
    if (!callback_.is_none()) callback_(done, total);
  }

 private:
  pybind11::object callback_;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace earlyhelp::bindings
