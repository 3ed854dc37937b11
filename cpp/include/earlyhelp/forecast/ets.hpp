#pragma once
// The parts of AutoETS that follow R's forecast::ets: the optimiser (the
// Nelder-Mead simplex of R's optim(), which ets() calls with maxit = 2000 and
// reltol = sqrt(machine epsilon)), the admissible region of the smoothing
// parameters (bounds = "both"; tested without finding roots, where R finds
// them numerically) and the arithmetic of the start values.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

namespace earlyhelp::forecast::ets {

struct SimplexResult {
  std::vector<double> x;  // the lowest vertex when the search stopped
  double value = std::numeric_limits<double>::infinity();
  int evaluations = 0;
  bool converged = false;  // false: evaluation budget spent, shrink stalled, or bad start
  bool stalled = false;    // a shrink step did not make the simplex smaller
};

// Nash's Nelder-Mead (the algorithm of R's optim(method = "Nelder-Mead")):
// reflection 1, contraction 0.5, expansion 2; a first simplex with steps of a
// tenth of the largest |start| coordinate; non-finite values count as 1e35;
// stops when the spread of the simplex values is within
// reltol * (|f(start)| + reltol) or after max_evaluations evaluations.
// Unbounded: the objective returns +inf outside the feasible region.
template <class Objective>
SimplexResult nelder_mead_r(Objective&& f, const std::vector<double>& start,
                            double reltol = 1.4901161193847656e-8, int max_evaluations = 2000) {
  constexpr double kBig = 1.0e35, kReflect = 1.0, kContract = 0.5, kExpand = 2.0;
  const std::size_t n = start.size();
  SimplexResult out;
  out.x = start;
  auto value_at = [&](const std::vector<double>& p) {
    const double v = f(p.data());
    ++out.evaluations;
    return std::isfinite(v) ? v : kBig;
  };
  const double f0 = f(start.data());
  out.evaluations = 1;
  if (!std::isfinite(f0) || n == 0) {
    out.value = f0;
    return out;
  }
  const double convtol = reltol * (std::abs(f0) + reltol);
  std::vector<std::vector<double>> P(n + 1, start);
  std::vector<double> val(n + 1, f0);
  double step = 0.0;
  for (double v : start) step = std::max(step, 0.1 * std::abs(v));
  if (step == 0.0) step = 0.1;
  double size = 0.0;
  for (std::size_t j = 1; j <= n; ++j) {
    double trystep = step;
    while (P[j][j - 1] == start[j - 1]) {  // a step too small to move the coordinate grows
      P[j][j - 1] = start[j - 1] + trystep;
      trystep *= 10.0;
    }
    size += trystep;
  }
  double oldsize = size;
  std::size_t L = 0;
  bool evaluate_vertices = true;
  std::vector<double> centroid(n), trial(n);
  do {
    if (evaluate_vertices) {
      for (std::size_t j = 0; j <= n; ++j)
        if (j != L) val[j] = value_at(P[j]);
      evaluate_vertices = false;
    }
    double VL = val[L], VH = VL;
    std::size_t H = L;
    for (std::size_t j = 0; j <= n; ++j) {
      if (j == L) continue;
      if (val[j] < VL) { L = j; VL = val[j]; }
      if (val[j] > VH) { H = j; VH = val[j]; }
    }
    if (VH <= VL + convtol) {
      out.converged = true;
      break;
    }
    for (std::size_t i = 0; i < n; ++i) {
      double s = -P[H][i];
      for (std::size_t j = 0; j <= n; ++j) s += P[j][i];
      centroid[i] = s / static_cast<double>(n);
    }
    for (std::size_t i = 0; i < n; ++i) trial[i] = (1.0 + kReflect) * centroid[i] - kReflect * P[H][i];
    const double VR = value_at(trial);
    if (VR < VL) {
      // the reflected point is the new best: try going twice as far
      std::vector<double> reflected = trial;
      for (std::size_t i = 0; i < n; ++i) trial[i] = kExpand * reflected[i] + (1.0 - kExpand) * centroid[i];
      const double VE = value_at(trial);
      if (VE < VR) {
        P[H] = trial;
        val[H] = VE;
      } else {
        P[H] = std::move(reflected);
        val[H] = VR;
      }
    } else {
      if (VR < VH) {
        P[H] = trial;
        val[H] = VR;
      }
      for (std::size_t i = 0; i < n; ++i)
        trial[i] = (1.0 - kContract) * P[H][i] + kContract * centroid[i];
      const double VC = value_at(trial);
      if (VC < val[H]) {
        P[H] = trial;
        val[H] = VC;
      } else if (VR >= VH) {
        // shrink towards the lowest vertex, unless the simplex stopped shrinking
        evaluate_vertices = true;
        size = 0.0;
        for (std::size_t j = 0; j <= n; ++j) {
          if (j == L) continue;
          for (std::size_t i = 0; i < n; ++i) {
            P[j][i] = kContract * (P[j][i] - P[L][i]) + P[L][i];
            size += std::abs(P[j][i] - P[L][i]);
          }
        }
        if (size < oldsize) {
          oldsize = size;
        } else {
          out.stalled = true;
          break;
        }
      }
    }
  } while (out.evaluations <= max_evaluations);
  out.x = P[L];
  out.value = val[L];
  return out;
}

// Whether all roots of the polynomial c[0] + c[1] z + ... + c[d] z^d
// (c[d] != 0) have modulus below `radius` (Schur-Cohn test, no root finding).
bool roots_within(std::vector<double> c, double radius);

// The polynomial c[0] + ... + c[d] z^d divided by (z - 1), for a polynomial with the root 1
// (the remainder, c[0] + ... + c[d], is not returned). d >= 1.
std::vector<double> without_unit_root(const std::vector<double>& c);

// R's admissible(): the smoothing parameters give a forecastable model
// (Hyndman et al. 2008, ch. 10). beta = NaN without trend, gamma = NaN without
// season, phi = 1 undamped; m is the season length.
bool admissible(double alpha, double beta, double gamma, double phi, int m);

// ---- forecasts of ETS(M, N/A/Ad, M), R's class 3 ----

struct Class3Forecast {
  std::vector<double> mean, variance;  // per step ahead
};

// Means and variances h steps ahead of a model with multiplicative error and
// season from its last state: level, growth (NaN without trend), the m seasonal
// states oldest last (seasons[m - 1] is used next; R's s1..sm). phi = 1 when
// not damped. As R's forecast:::class3, except that a damped trend enters the
// measurement and the innovations with phi (R uses 1 there).
Class3Forecast class3_forecast(double level, double growth, const std::vector<double>& seasons,
                               double alpha, double beta, double gamma, double phi, double sigma2, int h);

// ---- start values computed with R's arithmetic (R's initstate) ----

// R's mean(): extended-precision sum, then one correction pass.
double r_mean(const double* x, std::size_t n);

// Intercept and slope of the least squares line through (1, v[0]), ..., (n, v[n-1])
// as R's lsfit() computes them (Householder QR, LINPACK's order of operations).
void r_line_fit(const double* v, std::size_t n, double& intercept, double& slope);

// Seasonal component (length n) of R's decompose(ts(y, frequency = m), type).
std::vector<double> r_decompose_seasonal(const double* y, std::size_t n, int m, bool multiplicative);

}  // namespace earlyhelp::forecast::ets
