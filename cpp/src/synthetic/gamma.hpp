#pragma once
// Gamma(shape, 1) draws by Marsaglia and Tsang (shape < 1 boosted by
// U^(1/shape)), shared by the synthetic councils and the flow simulation.
#include <algorithm>
#include <cmath>

#include "rng.hpp"

namespace earlyhelp::synthetic::detail {

inline double gamma_draw(Rng& rng, double shape) {
  if (shape <= 0) return 0;
  if (shape < 1) return gamma_draw(rng, shape + 1) * std::pow(rng.uniform(), 1.0 / shape);
  const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9 * d);
  while (true) {
    double x, v;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.uniform();
    if (u < 1 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

}  // namespace earlyhelp::synthetic::detail
