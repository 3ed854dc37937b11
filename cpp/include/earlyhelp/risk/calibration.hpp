#pragma once
// Probability calibration: isotonic regression by pool adjacent violators and
// Platt scaling (a one-feature logistic regression on the scores).
#include <Eigen/Dense>

#include "earlyhelp/risk/glm.hpp"

namespace earlyhelp::risk {

// Weighted isotonic regression of y on x (non-decreasing, or non-increasing
// when increasing = false). Result: the fitted function as knots (x sorted,
// distinct) and values, the same as scikit-learn's IsotonicRegression
// X_thresholds_ / y_thresholds_.
struct IsotonicFit {
  Eigen::VectorXd x;  // distinct, sorted knots
  Eigen::VectorXd y;  // fitted value at each knot (monotone)
};

// Pool adjacent violators on values already ordered; returns the fitted values
// in the same order. Weights must be > 0.
Eigen::VectorXd pool_adjacent_violators(ConstVectorRef y, ConstVectorRef weight);

// Sorts by x, merges ties (weighted mean), runs PAVA and keeps the knots.
// Rows with zero weight are ignored; weights must be finite and >= 0.
IsotonicFit fit_isotonic(ConstVectorRef x, ConstVectorRef y, ConstVectorRef weight, bool increasing = true);

// Piecewise-linear interpolation between knots, clipped at both ends
// (scikit-learn's out_of_bounds="clip").
void predict_isotonic(const IsotonicFit& fit, ConstVectorRef x, VectorRef out);

// Platt scaling: p = 1 / (1 + exp(-(a * score + b))), fitted by unpenalised
// logistic regression of y on the score. Returns (a, b).
struct PlattFit {
  double a = 1.0;
  double b = 0.0;
};
PlattFit fit_platt(ConstVectorRef score, ConstVectorRef y, ConstVectorRef weight);

}  // namespace earlyhelp::risk
