#pragma once
// Small, fast random streams (xoshiro256**) seeded by splitmix64, so every
// council and family gets its own independent stream cheaply.
#include <cmath>
#include <cstdint>

namespace earlyhelp::synthetic::detail {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A stream key from a seed and up to three labels (council, family, purpose).
inline uint64_t stream_key(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  uint64_t x = seed;
  uint64_t h = splitmix64(x);
  x = h ^ (a * 0xD1B54A32D192ED03ULL);
  h = splitmix64(x);
  x = h ^ (b * 0xABC98388FB8FAC03ULL);
  h = splitmix64(x);
  x = h ^ (c * 0x8CB92BA72F3D8DD7ULL);
  return splitmix64(x);
}

class Rng {
 public:
  explicit Rng(uint64_t key) {
    uint64_t x = key;
    for (auto& v : s_) v = splitmix64(x);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  // Whole number in [a, b].
  int integer(int a, int b) { return a + static_cast<int>(uniform() * (b - a + 1)); }
  bool bernoulli(double p) { return uniform() < p; }
  double normal() {
    double u1 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * uniform());
  }
  double exponential(double rate) { return -std::log(1.0 - uniform()) / rate; }
  double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }
  int poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      double v = std::round(mean + std::sqrt(mean) * normal());
      return v < 0 ? 0 : static_cast<int>(v);
    }
    double l = std::exp(-mean), p = 1.0;
    int k = 0;
    do {
      ++k;
      p *= uniform();
    } while (p > l);
    return k - 1;
  }
  // Index drawn with probability proportional to w[i].
  template <class W>
  int categorical(const W& w);

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// Index whose cumulative share of w covers u in [0, 1) (a categorical draw for a given u).
template <class W>
int categorical_at(const W& w, double u) {
  double total = 0;
  for (double v : w) total += v;
  u *= total;
  int i = 0;
  for (double v : w) {
    if (u < v) return i;
    u -= v;
    ++i;
  }
  return i - 1;
}

template <class W>
int Rng::categorical(const W& w) {
  return categorical_at(w, uniform());
}

inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace earlyhelp::synthetic::detail
