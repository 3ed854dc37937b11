#pragma once
// Forecast reconciliation on a summing structure: bottom-up, top-down and
// MinTrace (OLS, WLS with structural weights, Schafer-Strimmer shrinkage).
//
// Conventions: S is n x m (all series x bottom series), sparse, rows in any
// order; forecasts are n x h (series x horizon), row-major as numpy hands
// them over. No dense n x n matrix is ever formed: MinT is solved in the
// constraint ("U") form, whose dense system has one row per aggregate series,
// and the shrunk covariance is kept as diagonal + low rank (rank <= T, the
// number of in-sample residual columns).
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <limits>
#include <vector>

namespace earlyhelp::forecast {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using SparseRows = Eigen::SparseMatrix<double, Eigen::RowMajor>;
using MatrixRef = Eigen::Ref<const RowMatrix>;

// S split into the row that is each bottom series (a unit row) and the
// aggregate rows; throws InputError when a bottom column has no unit row.
class SummingStructure {
 public:
  explicit SummingStructure(SparseRows S);

  const SparseRows& S() const { return S_; }
  int n_series() const { return static_cast<int>(S_.rows()); }
  int n_bottom() const { return static_cast<int>(S_.cols()); }
  int n_aggregate() const { return static_cast<int>(aggregate_rows_.size()); }
  // bottom_rows()[j]: the row of S that is bottom series j.
  const std::vector<int>& bottom_rows() const { return bottom_rows_; }
  const std::vector<int>& aggregate_rows() const { return aggregate_rows_; }
  // The row with the most bottom series (the grand total in a hierarchy).
  int top_row() const { return top_row_; }
  // C (a x n): C y = 0 exactly when y is coherent (aggregate minus its bottoms).
  const SparseRows& constraints() const { return C_; }
  // Number of bottom series under each row (the wls_struct weights).
  Eigen::VectorXd row_sums() const;
  // The bottom block of a series x horizon matrix (m x h).
  RowMatrix bottom_block(const MatrixRef& values) const;

 private:
  SparseRows S_;
  SparseRows C_;
  std::vector<int> bottom_rows_;
  std::vector<int> aggregate_rows_;
  int top_row_ = 0;
};

// Reconciled means (n x h) and, when base standard deviations were given,
// reconciled standard deviations (n x h, else empty); for mint_shrink the
// shrinkage intensity used (else NaN).
struct Reconciled {
  RowMatrix mean;
  RowMatrix sd;
  double shrinkage = std::numeric_limits<double>::quiet_NaN();
  // Non-negative MinTrace: bottom (series, step) pairs the constraint held at 0.
  int held_at_zero = 0;
};

// Bottom-up: y~ = S y^_bottom. Standard deviations assume independent bottom
// errors: var(y~_i) = sum_j S_ij^2 sd_j^2.
Reconciled bottom_up(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd);

// Top-down: bottom j gets proportions(j, t) of the top forecast (proportions is
// m x 1, the same for every horizon, or m x h). Every reconciled series is then
// c_i * top, so its standard deviation is |c_i| * sd(top).
Reconciled top_down(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd,
                    const RowMatrix& proportions);

// Historical proportions (m x 1) from in-sample values (n x T):
// average_of_ratios=true: mean_t(y_j,t / y_top,t) (hierarchicalforecast's
// "average_proportions"; periods with a zero total are skipped);
// false: mean_t(y_j,t) / mean_t(y_top,t) ("proportion_averages").
RowMatrix historical_proportions(const SummingStructure& s, const MatrixRef& insample,
                                 bool average_of_ratios);

// Forecast proportions (m x h, Athanasopoulos et al. 2009): walk down the tree
// given by parent (parent[i] = parent row of row i, -1 for the top), splitting
// each node's reconciled forecast among its children in proportion to their
// base forecasts (equally when the children's base forecasts sum to ~0).
RowMatrix forecast_proportions(const SummingStructure& s, const std::vector<int>& parent,
                               const MatrixRef& mean);

// A covariance kept as diag(d) + V V' (V is n x r, r possibly 0).
struct LowRankCovariance {
  Eigen::VectorXd diagonal;
  RowMatrix factor;
  double shrinkage = 0.0;  // lambda: weight given to the diagonal target
  RowMatrix dense() const;
  Eigen::VectorXd variances() const;
};

// Schafer-Strimmer shrinkage of the residual covariance (residuals n x T,
// T >= 2), towards its diagonal, as hierarchicalforecast computes it
// (off-diagonal shrunk by (1 - lambda), diagonal floored at ridge). The
// intensity lambda is computed in O(n T^2) from T x T cross products, the
// result returned as diagonal + rank-T factor, never as an n x n matrix.
LowRankCovariance shrunk_covariance(const MatrixRef& residuals, double ridge);

// MinTrace reconciliation y~ = y^ - W C' (C W C')^-1 C y^ (the oblique
// projection onto coherent forecasts that minimises the trace of the
// reconciled error covariance, Wickramasuriya et al. 2019).
class MinTrace {
 public:
  // Throws InputError when C W C' is singular (W singular on the constraints).
  MinTrace(const SummingStructure& s, LowRankCovariance W);
  RowMatrix project(const MatrixRef& mean) const;
  // Reconciled standard deviations (n x h) from base ones, assuming Gaussian
  // errors with correlation corr(W) at each horizon (hierarchicalforecast's
  // "normality" intervals): var(y~) = diag(M Sigma_h M'), M the projection.
  RowMatrix reconciled_sd(const MatrixRef& sd) const;
  // The MinTrace solution with every bottom series (so every series) >= 0:
  // min (x - y)' W^-1 (x - y) subject to C x = 0 and x_bottom >= 0, for each
  // horizon (Wickramasuriya, Turlach and Hyndman 2020). Solved on its dual,
  // a bound-constrained QP in the reconciled covariance of the bottom series,
  // whose columns are formed only for series the bound holds at 0.
  // held_at_zero counts those (series, step) pairs.
  RowMatrix project_nonnegative(const SummingStructure& s, const MatrixRef& mean, int& held_at_zero) const;
  // Column `row` of the reconciled error covariance W - W C' (C W C')^-1 C W.
  Eigen::VectorXd reconciled_covariance_column(int row) const;

 private:
  // A x with A = W C' = D C' + V G (n x a, never formed: sparse plus rank r).
  Eigen::MatrixXd apply_a(const Eigen::MatrixXd& x) const;
  SparseRows C_;                    // constraints (a x n)
  SparseRows Ct_;                   // C' (n x a)
  LowRankCovariance W_;             // diag(D) + V V'
  Eigen::MatrixXd G_;               // V' C' (r x a)
  Eigen::LLT<Eigen::MatrixXd> K_;   // C W C' = C D C' + G' G
};

// Covariances for the MinT variants without residuals.
LowRankCovariance identity_covariance(int n);                              // ols
LowRankCovariance structural_covariance(const SummingStructure& s);       // wls_struct

// Checks shared by every method: shapes agree and values are finite.
void check_forecasts(const SummingStructure& s, const MatrixRef& mean, const MatrixRef* sd);

// The methods, named as hierarchicalforecast names them.
enum class ReconcileMethod {
  bottom_up,
  top_down_forecast_proportions,
  top_down_average_proportions,
  top_down_proportion_averages,
  mint_ols,
  mint_wls_struct,
  mint_shrink,
};

// What some methods need besides the base forecasts (null/empty when unused).
struct ReconcileInputs {
  const MatrixRef* sd = nullptr;         // base standard deviations (n x h), for intervals
  const MatrixRef* residuals = nullptr;  // in-sample residuals (n x T): mint_shrink
  const MatrixRef* insample = nullptr;   // in-sample values (n x T): historical top-down proportions
  std::vector<int> parent;               // parent row of each row, -1 at the top: forecast proportions
  double ridge = 2e-8;                   // variance floor of the shrunk covariance
  bool nonnegative = false;              // MinTrace methods only: no reconciled forecast below 0
};

// Reconciles base forecasts (n x h) by `method`; throws InputError when an
// input the method needs is missing or has the wrong shape.
Reconciled reconcile(const SummingStructure& s, const MatrixRef& mean, ReconcileMethod method,
                     const ReconcileInputs& inputs);

}  // namespace earlyhelp::forecast
