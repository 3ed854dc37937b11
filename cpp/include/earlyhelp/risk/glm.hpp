#pragma once
// Penalised generalised linear models on Eigen: logistic regression (L2 and
// elastic net, scikit-learn's meaning of C and l1_ratio) and Poisson regression
// (log link, L2 with PoissonRegressor's meaning of alpha).
//
// Design matrices are row-major and passed as Eigen::Ref, so numpy arrays are
// read without copies. The intercept is never penalised.
#include <Eigen/Dense>
#include <cstddef>
#include <string>

#include "earlyhelp/common/progress.hpp"

namespace earlyhelp::risk {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMatrixRef = Eigen::Ref<const RowMatrix>;
using ConstVectorRef = Eigen::Ref<const Eigen::VectorXd>;
using VectorRef = Eigen::Ref<Eigen::VectorXd>;
using RowMatrixRef = Eigen::Ref<RowMatrix>;

// Options shared by both models.
struct GlmOptions {
  // Penalty strength on the sum-of-losses scale:
  //   objective(w, b) = sum_i s_i * loss_i(w, b)
  //                     + lambda * (0.5 * (1 - l1_ratio) * ||w||^2 + l1_ratio * ||w||_1).
  // Logistic: lambda = 1 / C (scikit-learn's LogisticRegression divided by C);
  // Poisson: lambda = alpha * sum_i s_i (PoissonRegressor times sum_i s_i / 2 ...
  // see fit_poisson). lambda = 0 means no penalty.
  double lambda = 1.0;
  double l1_ratio = 0.0;
  bool fit_intercept = true;
  // Convergence: max |gradient| of the objective divided by sum_i s_i.
  double tol = 1e-8;
  int max_iter = 100;
  // "auto", "newton-cholesky", "lbfgs" or "newton-cd" (elastic net).
  std::string solver = "auto";
  // Worker threads for the passes over the rows (0 = decide from the size).
  int n_threads = 0;
  // Compute the inverse Hessian (standard errors) at the solution.
  bool compute_covariance = true;
};

struct GlmResult {
  Eigen::VectorXd coef;        // one per column of X
  double intercept = 0.0;
  int n_iter = 0;
  bool converged = false;
  double objective = 0.0;      // at the solution, on the sum-of-losses scale
  double gradient_norm = 0.0;  // max |(sub)gradient| / sum_i s_i at the solution
  std::string solver;          // the solver actually used
  // Inverse of the Hessian of the penalised objective at the solution, order
  // (coef..., intercept); empty if not computed. For the elastic net it covers
  // the non-zero coefficients only (rows and columns of zero coefficients are NaN).
  Eigen::MatrixXd covariance;
  // Weighted means of the columns of X (a by-product of the input check).
  Eigen::VectorXd feature_means;
};

// Logistic regression. y holds 0/1; sample_weight >= 0 (class weights already
// multiplied in). Throws InputError on bad input and when lambda == 0 and the
// classes are (quasi-)separated, so no finite estimate exists.
GlmResult fit_logistic(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef sample_weight,
                       const GlmOptions& options, Progress* progress = nullptr);

// Poisson regression with log link; y >= 0 counts (or rates).
// PoissonRegressor's objective 1/(2 sum s) sum s_i deviance_i + alpha/2 ||w||^2
// is this objective divided by sum s, with lambda = alpha * sum_i s_i.
GlmResult fit_poisson(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef sample_weight,
                      const GlmOptions& options, Progress* progress = nullptr);

// out = X * coef + intercept (threaded over rows).
void linear_predictor(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out,
                      int n_threads = 0);
// out = 1 / (1 + exp(-(X * coef + intercept))).
void predict_logistic(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out,
                      int n_threads = 0);
// out (n x 2) = (1 - p, p) with p as predict_logistic: predict_proba's layout.
void predict_logistic_proba(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, RowMatrixRef out,
                            int n_threads = 0);
// out = exp(X * coef + intercept).
void predict_poisson(ConstRowMatrixRef X, ConstVectorRef coef, double intercept, VectorRef out,
                     int n_threads = 0);

}  // namespace earlyhelp::risk
