#pragma once
// Exact Poisson draws for the Monte Carlo's entrant counts: inversion below a
// mean of 10 (one uniform, about `mean` steps), Hoermann's transformed
// rejection with squeeze (PTRS, 1993) from 10 on (about 1.2 pairs of uniforms
// whatever the mean). A rounded normal, which the synthetic generator's
// Rng::poisson takes above 30, misses the counts' skew in the bands' tails.
#include <cmath>

#include "../synthetic/rng.hpp"

namespace earlyhelp::flow::detail {

inline int poisson(synthetic::detail::Rng& rng, double mean) {
  if (!(mean > 0)) return 0;
  if (mean < 10) {
    double p = std::exp(-mean), cdf = p;
    const double u = rng.uniform();
    int k = 0;
    while (u > cdf && k < 200) {  // (200: rounding can leave the sum a hair below 1)
      ++k;
      p *= mean / k;
      cdf += p;
    }
    return k;
  }
  const double root = std::sqrt(mean), log_mean = std::log(mean);
  const double b = 0.931 + 2.53 * root, a = -0.059 + 0.02483 * b;
  const double log_inv_alpha = std::log(1.1239 + 1.1328 / (b - 3.4)), v_r = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = rng.uniform() - 0.5, v = rng.uniform(), us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<int>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + log_inv_alpha - std::log(a / (us * us) + b) <= -mean + k * log_mean - std::lgamma(k + 1))
      return static_cast<int>(k);
  }
}

}  // namespace earlyhelp::flow::detail
