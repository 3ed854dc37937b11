#pragma once
// Conversions between numpy arrays and the core's types, shared by every
// bindings file. Inputs are read in place when they are already C-contiguous
// of the right dtype (forcecast copies otherwise); outputs hand a moved
// vector's buffer to numpy, so nothing is copied on the way out.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "earlyhelp/common/error.hpp"

namespace earlyhelp::bindings {

using DoubleArray = pybind11::array_t<double, pybind11::array::c_style | pybind11::array::forcecast>;
using IdArray = pybind11::array_t<std::int64_t, pybind11::array::c_style | pybind11::array::forcecast>;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A 1-d numpy array owning the vector's buffer (the vector is moved, not copied).
template <class T>
pybind11::array_t<T> to_numpy(std::vector<T>&& v) {
  auto* owned = new std::vector<T>(std::move(v));
  pybind11::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return pybind11::array_t<T>({static_cast<pybind11::ssize_t>(owned->size())},
                              {static_cast<pybind11::ssize_t>(sizeof(T))}, owned->data(), free_when_done);
}

// A 1-d numpy copy of an Eigen vector (results small enough not to matter).
inline pybind11::array_t<double> to_numpy(const Eigen::VectorXd& v) {
  return pybind11::array_t<double>(v.size(), v.data());
}

inline void require_1d(const pybind11::array& a, const char* name) {
  require(a.ndim() == 1, std::string(name) + " must be one-dimensional, got " + std::to_string(a.ndim()) +
                             " dimensions");
}

inline void require_same_length(const pybind11::array& a, const char* a_name, const pybind11::array& b,
                                const char* b_name) {
  require(a.size() == b.size(), std::string(a_name) + " and " + b_name + " have different lengths (" +
                                    std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")");
}

// A C-contiguous float64 array seen as an Eigen row-major matrix / vector, without a copy.
inline Eigen::Map<const RowMajor> as_matrix(const DoubleArray& a, const char* name) {
  require(a.ndim() == 2, std::string(name) + " must be two-dimensional, got " + std::to_string(a.ndim()) +
                             " dimensions");
  return Eigen::Map<const RowMajor>(a.data(), a.shape(0), a.shape(1));
}

inline Eigen::Map<const Eigen::VectorXd> as_vector(const DoubleArray& a, const char* name) {
  require_1d(a, name);
  return Eigen::Map<const Eigen::VectorXd>(a.data(), a.shape(0));
}

}  // namespace earlyhelp::bindings
