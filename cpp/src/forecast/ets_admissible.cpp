// The admissible region of R's forecast::ets (bounds = "both" checks it next
// to the usual bounds): the ETS model is forecastable, i.e. the roots of its
// characteristic polynomial lie in the unit circle.
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "earlyhelp/forecast/ets.hpp"

namespace earlyhelp::forecast::ets {

bool roots_within(std::vector<double> c, double radius) {
  if (c.size() < 2) return true;  // a constant has no roots
  // scale z = radius * w, then the Schur-Cohn reduction: p and its reverse
  // combine into a polynomial of one degree less with the same roots inside
  // the unit circle, as long as |constant| < |leading coefficient|.
  double r = 1.0;
  for (double& v : c) {
    v *= r;
    r *= radius;
  }
  std::vector<double> next(c.size());
  for (std::size_t d = c.size() - 1; d > 0; --d) {
    const double lead = c[d], last = c[0];
    if (!(std::abs(last) < std::abs(lead))) return false;
    for (std::size_t k = 1; k <= d; ++k) next[k - 1] = lead * c[k] - last * c[d - k];
    const double scale = next[d - 1];  // lead^2 - last^2 > 0
    for (std::size_t k = 0; k < d; ++k) next[k] /= scale;
    c.swap(next);
  }
  return true;
}

std::vector<double> without_unit_root(const std::vector<double>& c) {
  // synthetic division by (z - 1), highest coefficient first
  const std::size_t d = c.size() - 1;
  std::vector<double> q(d);
  q[d - 1] = c[d];
  for (std::size_t k = d - 1; k >= 1; --k) q[k - 1] = c[k] + q[k];
  return q;
}

bool admissible(double alpha, double beta, double gamma, double phi, int m) {
  if (phi < 0.0 || phi > 1.0 + 1e-8) return false;
  if (std::isnan(gamma)) {
    if (alpha < 1.0 - 1.0 / phi || alpha > 1.0 + 1.0 / phi) return false;
    if (!std::isnan(beta) && (beta < alpha * (phi - 1.0) || beta > (1.0 + phi) * (2.0 - alpha)))
      return false;
    return true;
  }
  if (m <= 1) return true;
  if (std::isnan(beta)) beta = 0.0;
  const double low = std::max(1.0 - 1.0 / phi - alpha, 0.0);
  if (gamma < low || gamma > 1.0 + 1.0 / phi - alpha) return false;
  if (alpha < 1.0 - 1.0 / phi - gamma * (1.0 - m + phi + phi * m) / (2.0 * phi * m)) return false;
  if (beta < -(1.0 - phi) * (gamma / m + alpha)) return false;
  // characteristic polynomial, constant term first
  std::vector<double> c;
  c.reserve(m + 2);
  c.push_back(phi * (1.0 - alpha - gamma));
  c.push_back(alpha + beta - alpha * phi + gamma - 1.0);
  for (int i = 0; i < m - 2; ++i) c.push_back(alpha + beta - alpha * phi);
  c.push_back(alpha + beta - phi);
  c.push_back(1.0);
  // Its value at z = 1 is (1 - phi)(m alpha + gamma) + m beta: without trend or damping, 1 is
  // a root, on the unit circle, 1e-10 inside the radius tested. The Schur-Cohn reduction then
  // decided by rounding (lead^2 - last^2 cancels): it refused points whose other roots lie well
  // inside the circle (by 2e-5 at alpha and gamma near 1e-4), which R's test, finding the roots,
  // accepts, and the search ended at a lower likelihood than R's. The root is divided out
  // (exactly: the remainder is 0) and the other roots are tested.
  if (phi == 1.0 && beta == 0.0) c = without_unit_root(c);
  return roots_within(std::move(c), 1.0 + 1e-10);
}

}  // namespace earlyhelp::forecast::ets
