// Isotonic regression by pool adjacent violators (weighted, non-decreasing).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/calibration.hpp"

namespace earlyhelp::risk {

Eigen::VectorXd pool_adjacent_violators(ConstVectorRef y, ConstVectorRef weight) {
  const Eigen::Index n = y.size();
  require(weight.size() == n, "weight length does not match y");
  // Blocks on a stack: weighted mean, weight, and first index of each block.
  std::vector<double> mean, wsum;
  std::vector<Eigen::Index> start;
  mean.reserve(n), wsum.reserve(n), start.reserve(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(y[i])) throw InputError("y has a missing or infinite value at row " + std::to_string(i));
    if (!(std::isfinite(weight[i]) && weight[i] > 0))
      throw InputError("weights must be finite and > 0 (row " + std::to_string(i) + ")");
    mean.push_back(y[i]), wsum.push_back(weight[i]), start.push_back(i);
    while (mean.size() > 1 && mean[mean.size() - 2] >= mean.back()) {
      double w = wsum[wsum.size() - 2] + wsum.back();
      double m = (mean[mean.size() - 2] * wsum[wsum.size() - 2] + mean.back() * wsum.back()) / w;
      mean.pop_back(), wsum.pop_back(), start.pop_back();
      mean.back() = m, wsum.back() = w;
    }
  }
  Eigen::VectorXd out(n);
  for (std::size_t b = 0; b < mean.size(); ++b) {
    Eigen::Index end = b + 1 < mean.size() ? start[b + 1] : n;
    for (Eigen::Index i = start[b]; i < end; ++i) out[i] = mean[b];
  }
  return out;
}

IsotonicFit fit_isotonic(ConstVectorRef x, ConstVectorRef y, ConstVectorRef weight, bool increasing) {
  const Eigen::Index n = x.size();
  require(n > 0, "isotonic regression needs at least one value");
  require(y.size() == n && weight.size() == n, "x, y and weight must have the same length");
  for (Eigen::Index i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) throw InputError("x has a missing or infinite value at row " + std::to_string(i));
    if (!std::isfinite(y[i])) throw InputError("y has a missing or infinite value at row " + std::to_string(i));
    if (!(std::isfinite(weight[i]) && weight[i] >= 0))
      throw InputError("weights must be finite and >= 0; row " + std::to_string(i) + " has " +
                       std::to_string(weight[i]));
  }
  std::vector<Eigen::Index> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return x[a] < x[b]; });
  // Merge ties in x into one point with the weighted mean of y.
  std::vector<double> ux, uy, uw;
  for (Eigen::Index idx : order) {
    if (weight[idx] == 0) continue;
    if (!ux.empty() && ux.back() == x[idx]) {
      double w = uw.back() + weight[idx];
      uy.back() = (uy.back() * uw.back() + y[idx] * weight[idx]) / w;
      uw.back() = w;
    } else {
      ux.push_back(x[idx]), uy.push_back(y[idx]), uw.push_back(weight[idx]);
    }
  }
  require(!ux.empty(), "all weights are zero");
  // A non-increasing fit of y is minus the non-decreasing fit of -y.
  const double sign = increasing ? 1.0 : -1.0;
  Eigen::VectorXd my = sign * Eigen::Map<Eigen::VectorXd>(uy.data(), uy.size());
  Eigen::Map<Eigen::VectorXd> mw(uw.data(), uw.size());
  Eigen::VectorXd fitted = sign * pool_adjacent_violators(my, mw);
  // Keep only the knots needed for interpolation: the ends of each flat run.
  IsotonicFit fit;
  std::vector<double> kx, ky;
  const std::size_t m = ux.size();
  for (std::size_t i = 0; i < m; ++i) {
    bool same_prev = i > 0 && fitted[i] == fitted[i - 1];
    bool same_next = i + 1 < m && fitted[i] == fitted[i + 1];
    if (!(same_prev && same_next)) kx.push_back(ux[i]), ky.push_back(fitted[i]);
  }
  fit.x = Eigen::Map<Eigen::VectorXd>(kx.data(), kx.size());
  fit.y = Eigen::Map<Eigen::VectorXd>(ky.data(), ky.size());
  return fit;
}

void predict_isotonic(const IsotonicFit& fit, ConstVectorRef x, VectorRef out) {
  require(out.size() == x.size(), "output length does not match x");
  require(fit.x.size() > 0, "the isotonic fit is empty");
  const Eigen::Index m = fit.x.size();
  const double* kx = fit.x.data();
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    double v = x[i];
    if (std::isnan(v)) {
      out[i] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    if (v <= kx[0]) {
      out[i] = fit.y[0];
    } else if (v >= kx[m - 1]) {
      out[i] = fit.y[m - 1];
    } else {
      Eigen::Index j = std::upper_bound(kx, kx + m, v) - kx;  // kx[j-1] <= v < kx[j]
      double t = (v - kx[j - 1]) / (kx[j] - kx[j - 1]);
      out[i] = fit.y[j - 1] + t * (fit.y[j] - fit.y[j - 1]);
    }
  }
}

}  // namespace earlyhelp::risk
