// Poisson regression with log link and an L2 penalty.
#include <cmath>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/glm.hpp"
#include "glm_solver.hpp"

namespace earlyhelp::risk {

GlmResult fit_poisson(ConstRowMatrixRef X, ConstVectorRef y, ConstVectorRef sample_weight, const GlmOptions& options,
                      Progress* progress) {
  Eigen::VectorXd means = detail::check_inputs(X, y, sample_weight, options);
  for (Eigen::Index i = 0; i < y.size(); ++i)
    if (!(std::isfinite(y[i]) && y[i] >= 0.0))
      throw InputError("y must be finite counts >= 0; row " + std::to_string(i) + " has " + std::to_string(y[i]));
  require(sample_weight.dot(y) > 0.0, "y is zero everywhere; a Poisson model needs some events");
  GlmResult res = detail::solve<detail::Poisson>(X, y, sample_weight, options, progress);
  res.feature_means = std::move(means);
  require(res.coef.allFinite() && std::isfinite(res.intercept), "the fit diverged (non-finite coefficients)");
  return res;
}

}  // namespace earlyhelp::risk
