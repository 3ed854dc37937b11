// Building the generator's output columns: shared by the generator and its add-on tables
// (plans.cpp, statutory.cpp). Private to cpp/src/synthetic.
#pragma once

#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "earlyhelp/synthetic/generator.hpp"

namespace earlyhelp::synthetic::columns {

template <class T>
Column col(const std::string& name, const std::string& kind, std::vector<T>&& v, const std::string& ref = "") {
  Column c;
  c.name = name;
  c.kind = kind;
  c.data = std::move(v);
  c.ref = ref;
  return c;
}

// ids 0..n-1
inline std::vector<int64_t> iota64(std::size_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), int64_t{0});
  return v;
}

}  // namespace earlyhelp::synthetic::columns
