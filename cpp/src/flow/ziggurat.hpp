#pragma once
// Exponential(1) draws by the ziggurat method (Marsaglia and Tsang, 2000):
// 256 layers of equal area under exp(-x); about 99% of draws take one random
// number and one comparison, with no logarithm. The distribution is exact
// up to the 32-bit resolution of the position within a layer.
#include <cmath>
#include <cstdint>

#include "../synthetic/rng.hpp"

// Keeps a rarely taken path out of its caller, so that the caller's hot
// values are not spilled around it.
#ifndef EARLYHELP_NOINLINE
#if defined(_MSC_VER)
#define EARLYHELP_NOINLINE __declspec(noinline)
#else
#define EARLYHELP_NOINLINE __attribute__((noinline))
#endif
#endif

namespace earlyhelp::flow::detail {

class ExponentialZiggurat {
 public:
  static const ExponentialZiggurat& instance() {
    static const ExponentialZiggurat z;
    return z;
  }

  // One draw; `spare` receives 24 random bits that the draw did not use
  // (independent of it), so a caller's next small choice needs no new number.
  double operator()(synthetic::detail::Rng& rng, uint32_t& spare) const {
    const uint64_t bits = rng.next();
    const int i = static_cast<int>(bits & 0xff);  // layer; bits 32..63 give the position
    spare = static_cast<uint32_t>(bits >> 8) & 0xffffffu;
    const double z = static_cast<double>(bits >> 32) * 0x1.0p-32 * x_[i];
    if (z < x_[i + 1]) return z;  // inside the layer's core
    // The rest out of line and on a copy of the stream, so that the caller's
    // stream (inlined with this fast path) can stay in registers.
    synthetic::detail::Rng copy = rng;
    const Draw d = edge(copy, i, z, spare);
    rng = copy;
    spare = d.spare;
    return d.z;
  }

 private:
  struct Draw {
    double z;
    uint32_t spare;
  };

  // The draw when position z of layer i (and `spare`) fell outside the
  // layer's core: the tail, the wedge, or further tries. The spare bits are
  // returned, not written through a reference, so the caller's can stay in
  // a register.
  EARLYHELP_NOINLINE Draw edge(synthetic::detail::Rng& rng, int i, double z, uint32_t spare) const {
    while (true) {
      if (i == 0) return {kR - std::log(1.0 - rng.uniform()), spare};  // the tail beyond kR
      if (f_[i] + rng.uniform() * (f_[i + 1] - f_[i]) < std::exp(-z)) return {z, spare};
      const uint64_t bits = rng.next();
      i = static_cast<int>(bits & 0xff);
      spare = static_cast<uint32_t>(bits >> 8) & 0xffffffu;
      z = static_cast<double>(bits >> 32) * 0x1.0p-32 * x_[i];
      if (z < x_[i + 1]) return {z, spare};
    }
  }

  static constexpr double kR = 7.69711747013104972;    // right edge of the base layer
  static constexpr double kV = 3.949659822581572e-3;   // area of every layer
  ExponentialZiggurat() {
    x_[0] = kV / std::exp(-kR);  // base layer: rectangle [0, kR] x [0, f(kR)] plus the tail
    x_[1] = kR;
    for (int i = 1; i < 255; ++i) x_[i + 1] = -std::log(std::exp(-x_[i]) + kV / x_[i]);
    x_[256] = 0;
    for (int i = 0; i <= 256; ++i) f_[i] = std::exp(-x_[i]);
  }
  double x_[257];
  double f_[257];
};

}  // namespace earlyhelp::flow::detail
