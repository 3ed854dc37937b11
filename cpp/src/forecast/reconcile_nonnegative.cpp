// Non-negative MinTrace: the reconciliation closest to the base forecasts in
// MinTrace's metric among coherent forecasts with no series below 0.
//
// With x0 the unconstrained MinTrace solution and Q = (S' W^-1 S)^-1 the
// reconciled covariance of the bottom series, the answer is
// x = x0 + S Q nu, where nu >= 0 solves min 1/2 nu' Q nu + x0_B' nu
// (the dual of the bounded problem). nu is non-zero only for bottom series the
// bound holds at 0, usually few, so that dual is solved by an active-set
// method (Lawson and Hanson's, with Q in place of A'A) that forms a column of
// Q only when its series joins the active set.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"

namespace earlyhelp::forecast {

Eigen::VectorXd MinTrace::reconciled_covariance_column(int row) const {
  const Eigen::Index n = W_.diagonal.size();
  require(row >= 0 && row < n, "series row " + std::to_string(row) + " is outside the covariance");
  Eigen::VectorXd column = Eigen::VectorXd::Zero(n);
  if (W_.factor.cols() > 0) column.noalias() = W_.factor * W_.factor.row(row).transpose();
  column(row) += W_.diagonal(row);
  if (C_.rows() == 0) return column;
  const Eigen::VectorXd cw = C_ * column;
  column -= apply_a(Eigen::MatrixXd(K_.solve(cw))).col(0);
  return column;
}

namespace {

// The dual for one horizon: which bottom series the bound holds at 0 (active)
// and their multipliers nu, found from the bottom block c of the unconstrained
// solution. columns[j] is column j of Q (its bottom rows), filled on demand.
class BoundedDual {
 public:
  // tol: how far below 0 a series may be and count as 0 (rounding of the unbounded solution).
  BoundedDual(const Eigen::VectorXd& c, double tol, std::vector<Eigen::VectorXd>& columns,
              const std::function<Eigen::VectorXd(int)>& column_of)
      : c_(c), tol_(tol), columns_(columns), column_of_(column_of), in_active_(c.size(), 0), skipped_(c.size(), 0) {}

  // The bottom block of the bounded solution (>= 0) and how many series are held at 0.
  Eigen::VectorXd solve(int& held) {
    const Eigen::Index m = c_.size();
    Eigen::VectorXd x = c_;  // the dual's gradient is the primal bottom block
    const long limit = 20 * static_cast<long>(m) + 100;
    long steps = 0;
    for (;;) {
      const int entering = most_negative(x);
      if (entering < 0) break;
      add(entering);
      bool first = true;
      for (;;) {
        require(++steps <= limit, "non-negative reconciliation did not converge in " + std::to_string(limit) +
                                      " steps (the covariance may be near singular)");
        const Eigen::VectorXd z = unbounded_step();
        if (first && z(z.size() - 1) <= 0.0) {  // rounding: the series cannot rise; leave it
          remove_last();
          skipped_[entering] = 1;
          break;
        }
        first = false;
        if (z.minCoeff() > 0.0) {
          nu_ = z;
          break;
        }
        step_back_towards(z);
      }
      x = primal_bottom();
    }
    Eigen::VectorXd bottom(m);
    for (Eigen::Index j = 0; j < m; ++j) bottom(j) = in_active_[j] ? 0.0 : std::max(x(j), 0.0);
    held += static_cast<int>(active_.size());
    return bottom;
  }

 private:
  int most_negative(const Eigen::VectorXd& x) const {
    int best = -1;
    double lowest = -tol_;
    for (Eigen::Index j = 0; j < x.size(); ++j)
      if (!in_active_[j] && !skipped_[j] && x(j) < lowest) {
        lowest = x(j);
        best = static_cast<int>(j);
      }
    return best;
  }

  void add(int j) {
    if (columns_[j].size() == 0) columns_[j] = column_of_(j);
    active_.push_back(j);
    in_active_[j] = 1;
    nu_.conservativeResize(nu_.size() + 1);
    nu_(nu_.size() - 1) = 0.0;
  }

  void remove_last() {
    in_active_[active_.back()] = 0;
    active_.pop_back();
    nu_.conservativeResize(nu_.size() - 1);
  }

  // nu on the active set with the bounds on nu ignored: Q_AA z = -c_A.
  Eigen::VectorXd unbounded_step() const {
    const Eigen::Index p = static_cast<Eigen::Index>(active_.size());
    Eigen::MatrixXd Q(p, p);
    Eigen::VectorXd rhs(p);
    for (Eigen::Index k = 0; k < p; ++k) {
      rhs(k) = -c_(active_[k]);
      for (Eigen::Index l = 0; l < p; ++l) Q(k, l) = columns_[active_[l]](active_[k]);
    }
    Q = 0.5 * (Q + Q.transpose());
    Eigen::LLT<Eigen::MatrixXd> llt(Q);
    require(llt.info() == Eigen::Success,
            "non-negative reconciliation: the reconciled covariance of the bottom series is singular");
    return llt.solve(rhs);
  }

  // Move nu towards z as far as nu stays >= 0; the multipliers that reach 0 leave the active set.
  void step_back_towards(const Eigen::VectorXd& z) {
    double alpha = 1.0;
    for (Eigen::Index k = 0; k < z.size(); ++k)
      if (z(k) <= 0.0) alpha = std::min(alpha, nu_(k) / (nu_(k) - z(k)));
    nu_ += alpha * (z - nu_);
    const double floor = 1e-14 * (1.0 + nu_.cwiseAbs().maxCoeff());
    std::vector<int> kept;
    std::vector<double> kept_nu;
    for (Eigen::Index k = 0; k < nu_.size(); ++k) {
      if (nu_(k) > floor) {
        kept.push_back(active_[k]);
        kept_nu.push_back(nu_(k));
      } else {
        in_active_[active_[k]] = 0;
      }
    }
    active_ = kept;
    nu_ = Eigen::Map<Eigen::VectorXd>(kept_nu.data(), static_cast<Eigen::Index>(kept_nu.size()));
  }

  Eigen::VectorXd primal_bottom() const {
    Eigen::VectorXd x = c_;
    for (std::size_t k = 0; k < active_.size(); ++k) x += nu_(static_cast<Eigen::Index>(k)) * columns_[active_[k]];
    return x;
  }

  const Eigen::VectorXd& c_;
  const double tol_;
  std::vector<Eigen::VectorXd>& columns_;
  const std::function<Eigen::VectorXd(int)>& column_of_;
  std::vector<int> active_;
  Eigen::VectorXd nu_;
  std::vector<char> in_active_, skipped_;
};

}  // namespace

RowMatrix MinTrace::project_nonnegative(const SummingStructure& s, const MatrixRef& mean, int& held_at_zero) const {
  const RowMatrix x0 = project(mean);
  const std::vector<int>& rows = s.bottom_rows();
  const int m = s.n_bottom();
  // Column j of Q: the reconciled covariance of bottom j with every bottom series.
  std::vector<Eigen::VectorXd> columns(m);
  const std::function<Eigen::VectorXd(int)> column_of = [&](int j) {
    const Eigen::VectorXd full = reconciled_covariance_column(rows[j]);
    Eigen::VectorXd bottom(m);
    for (int k = 0; k < m; ++k) bottom(k) = full(rows[k]);
    return bottom;
  };
  RowMatrix bottom(m, x0.cols());
  held_at_zero = 0;
  for (Eigen::Index t = 0; t < x0.cols(); ++t) {
    Eigen::VectorXd c(m);
    for (int j = 0; j < m; ++j) c(j) = x0(rows[j], t);
    if (c.minCoeff() >= 0.0) {
      bottom.col(t) = c;
      continue;
    }
    // relative to the largest series of the period, whose size sets the rounding of the others
    const double tol = 1e-12 * x0.col(t).cwiseAbs().maxCoeff();
    BoundedDual dual(c, tol, columns, column_of);
    bottom.col(t) = dual.solve(held_at_zero);
  }
  // Aggregates summed from the bounded bottoms, so the result is coherent to the last bit.
  return s.S() * bottom;
}

}  // namespace earlyhelp::forecast
