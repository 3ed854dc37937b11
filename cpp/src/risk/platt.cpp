// Platt scaling: a one-feature unpenalised logistic regression on the scores.
#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/calibration.hpp"

namespace earlyhelp::risk {

PlattFit fit_platt(ConstVectorRef score, ConstVectorRef y, ConstVectorRef weight) {
  require(score.size() == y.size() && weight.size() == y.size(), "score, y and weight must have the same length");
  RowMatrix X = score;  // n x 1
  GlmOptions o;
  // A tiny ridge keeps the fit finite when the scores separate the classes
  // perfectly (a steep but finite calibration curve).
  o.lambda = 1e-8 * weight.sum();
  o.tol = 1e-10;
  o.compute_covariance = false;
  GlmResult r = fit_logistic(X, y, weight, o);
  return PlattFit{r.coef[0], r.intercept};
}

}  // namespace earlyhelp::risk
