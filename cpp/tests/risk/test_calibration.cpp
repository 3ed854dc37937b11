// Isotonic regression (pool adjacent violators) and Platt scaling.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/calibration.hpp"

using namespace earlyhelp::risk;

TEST(Isotonic, PoolsViolators) {
  Eigen::VectorXd y(6), w = Eigen::VectorXd::Ones(6);
  y << 1, 3, 2, 4, 3, 5;
  Eigen::VectorXd f = pool_adjacent_violators(y, w);
  Eigen::VectorXd expect(6);
  expect << 1, 2.5, 2.5, 3.5, 3.5, 5;
  EXPECT_LT((f - expect).lpNorm<Eigen::Infinity>(), 1e-12);
  // Weights pull the pooled mean.
  w << 1, 3, 1, 1, 1, 1;
  f = pool_adjacent_violators(y, w);
  EXPECT_NEAR(f[1], (3 * 3 + 2) / 4.0, 1e-12);
}

TEST(Isotonic, FitIsMonotoneAndOptimal) {
  std::mt19937 gen(3);
  std::normal_distribution<double> norm(0.0, 1.0);
  const int n = 500;
  Eigen::VectorXd x(n), y(n), w(n);
  for (int i = 0; i < n; ++i) {
    x[i] = std::round(norm(gen) * 10) / 10;  // ties
    y[i] = x[i] + norm(gen);
    w[i] = 1 + (i % 3);
  }
  IsotonicFit f = fit_isotonic(x, y, w);
  for (Eigen::Index i = 1; i < f.x.size(); ++i) {
    EXPECT_GT(f.x[i], f.x[i - 1]);
    EXPECT_GE(f.y[i], f.y[i - 1]);
  }
  // The weighted mean is preserved by PAVA.
  Eigen::VectorXd pred(n);
  predict_isotonic(f, x, pred);
  EXPECT_NEAR(w.dot(pred), w.dot(y), 1e-8 * n);
  IsotonicFit d = fit_isotonic(x, Eigen::VectorXd(-y), w, false);
  ASSERT_EQ(d.x.size(), f.x.size());
  EXPECT_LT((d.y + f.y).lpNorm<Eigen::Infinity>(), 1e-12);
}

TEST(Isotonic, InterpolatesAndClips) {
  Eigen::VectorXd x(3), y(3), w = Eigen::VectorXd::Ones(3);
  x << 0, 1, 2;
  y << 0, 1, 3;
  IsotonicFit f = fit_isotonic(x, y, w);
  Eigen::VectorXd q(4), out(4);
  q << -5, 0.5, 1.5, 9;
  predict_isotonic(f, q, out);
  EXPECT_DOUBLE_EQ(out[0], 0.0);
  EXPECT_DOUBLE_EQ(out[1], 0.5);
  EXPECT_DOUBLE_EQ(out[2], 2.0);
  EXPECT_DOUBLE_EQ(out[3], 3.0);
}

TEST(Isotonic, BadInputThrows) {
  Eigen::VectorXd x(3), y(3), w = Eigen::VectorXd::Ones(3);
  x << 0, std::nan(""), 2;
  y << 0, 1, 2;
  EXPECT_THROW(fit_isotonic(x, y, w), earlyhelp::InputError);
  x << 0, 1, 2;
  w[1] = -1;
  EXPECT_THROW(fit_isotonic(x, y, w), earlyhelp::InputError);
  w.setZero();
  EXPECT_THROW(fit_isotonic(x, y, w), earlyhelp::InputError);
  Eigen::VectorXd short_y = y.head(2);
  EXPECT_THROW(fit_isotonic(x, short_y, Eigen::VectorXd::Ones(3)), earlyhelp::InputError);
}

TEST(Platt, RecoversSigmoid) {
  std::mt19937 gen(5);
  std::normal_distribution<double> norm(0.0, 2.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  const int n = 20000;
  Eigen::VectorXd s(n), y(n), w = Eigen::VectorXd::Ones(n);
  for (int i = 0; i < n; ++i) {
    s[i] = norm(gen);
    y[i] = unif(gen) < 1 / (1 + std::exp(-(1.5 * s[i] - 0.5))) ? 1 : 0;
  }
  PlattFit f = fit_platt(s, y, w);
  EXPECT_NEAR(f.a, 1.5, 0.1);
  EXPECT_NEAR(f.b, -0.5, 0.1);
}
