// Logistic regression: L2 (Newton-Cholesky or L-BFGS) and elastic net (proximal Newton).
#include <cmath>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/glm.hpp"
#include "glm_solver.hpp"

namespace earlyhelp::risk {

GlmResult fit_logistic(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef sample_weight, const GlmOptions& options,
                       Progress* progress) {
  Eigen::VectorXd means = detail::check_inputs(X, y, sample_weight, options);
  double w0 = 0.0, w1 = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!(y[i] == 0.0 || y[i] == 1.0))
      throw InputError("y must hold 0 and 1 only; row " + std::to_string(i) + " has " + std::to_string(y[i]));
    (y[i] == 1.0 ? w1 : w0) += sample_weight[i];
  }
  require(w0 > 0.0 && w1 > 0.0, "y has a single class (with positive weight); a risk model needs both outcomes");
  GlmResult res = detail::solve<detail::Logistic>(X, y, sample_weight, options, progress);
  res.feature_means = std::move(means);
  require(res.coef.allFinite() && std::isfinite(res.intercept), "the fit diverged (non-finite coefficients)");
  if (options.lambda == 0.0) {
    // With no penalty, separated classes have no finite estimate: the solver
    // pushes fitted probabilities to exactly 0 or 1. Refuse rather than return
    // arbitrary huge coefficients.
    Eigen::VectorXd eta(X.rows());
    linear_predictor(X, res.coef, res.intercept, eta, options.n_threads);
    double biggest = 0.0;
    for (Eigen::Index i = 0; i < eta.size(); ++i)
      if (sample_weight[i] > 0) biggest = std::max(biggest, std::abs(eta[i]));
    require(biggest < 30.0 && res.converged,
            "the classes are (quasi-)perfectly separated, so unpenalised logistic regression has no finite "
            "estimate; use a finite C (an L2 penalty)");
  }
  return res;
}

}  // namespace earlyhelp::risk
