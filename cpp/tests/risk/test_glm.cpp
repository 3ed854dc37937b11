// GLM solvers: optimality (KKT) conditions, solver agreement, threading,
// standard errors and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/risk/glm.hpp"

using namespace earlyhelp::risk;

namespace {

struct Data {
  RowMatrix X;
  Eigen::VectorXd y, w;
};

// Logistic data from known coefficients; weights in [0.5, 2].
Data logistic_data(int n, int p, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> norm(0.0, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  Data d{RowMatrix(n, p), Eigen::VectorXd(n), Eigen::VectorXd(n)};
  for (int i = 0; i < n; ++i) {
    double eta = -0.5;
    for (int j = 0; j < p; ++j) {
      d.X(i, j) = norm(gen);
      eta += (j % 3 == 0 ? 0.8 : (j % 3 == 1 ? -0.4 : 0.0)) * d.X(i, j);
    }
    d.y[i] = unif(gen) < 1.0 / (1.0 + std::exp(-eta)) ? 1.0 : 0.0;
    d.w[i] = 0.5 + 1.5 * unif(gen);
  }
  return d;
}

Data poisson_data(int n, int p, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> norm(0.0, 1.0);
  Data d{RowMatrix(n, p), Eigen::VectorXd(n), Eigen::VectorXd::Ones(n)};
  for (int i = 0; i < n; ++i) {
    double eta = 0.3;
    for (int j = 0; j < p; ++j) {
      d.X(i, j) = 0.5 * norm(gen);
      eta += (j % 2 == 0 ? 0.5 : -0.3) * d.X(i, j);
    }
    std::poisson_distribution<int> pois(std::exp(eta));
    d.y[i] = pois(gen);
  }
  return d;
}

// Gradient of sum s_i loss_i + lam/2 |w|^2 (the smooth part), order (coef..., intercept).
Eigen::VectorXd logistic_gradient(const Data& d, const GlmResult& r, double lam2) {
  Eigen::VectorXd eta = (d.X * r.coef).array() + r.intercept;
  Eigen::VectorXd resid = d.w.array() * ((1.0 + (-eta.array()).exp()).inverse() - d.y.array());
  Eigen::VectorXd g(d.X.cols() + 1);
  g.head(d.X.cols()) = d.X.transpose() * resid + lam2 * r.coef;
  g(d.X.cols()) = resid.sum();
  return g;
}

GlmOptions l2(double lambda, const std::string& solver = "auto") {
  GlmOptions o;
  o.lambda = lambda;
  o.solver = solver;
  o.tol = 1e-10;
  o.max_iter = 1000;
  return o;
}

}  // namespace

TEST(Logistic, NewtonSolutionSatisfiesOptimality) {
  Data d = logistic_data(2000, 6, 1);
  GlmResult r = fit_logistic(d.X, d.y, d.w, l2(1.0));
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.solver, "newton-cholesky");
  Eigen::VectorXd g = logistic_gradient(d, r, 1.0);
  EXPECT_LT(g.lpNorm<Eigen::Infinity>() / d.w.sum(), 1e-9);
  // The true signs come back.
  EXPECT_GT(r.coef[0], 0.5);
  EXPECT_LT(r.coef[1], -0.2);
}

TEST(Logistic, SolversAndThreadsAgree) {
  Data d = logistic_data(5000, 8, 2);
  GlmResult a = fit_logistic(d.X, d.y, d.w, l2(0.5, "newton-cholesky"));
  GlmResult b = fit_logistic(d.X, d.y, d.w, l2(0.5, "lbfgs"));
  GlmOptions o = l2(0.5, "newton-cholesky");
  o.n_threads = 2;
  GlmResult c = fit_logistic(d.X, d.y, d.w, o);
  GlmOptions e = l2(0.5, "newton-cd");
  e.l1_ratio = 0.0;
  GlmResult f = fit_logistic(d.X, d.y, d.w, e);
  for (int j = 0; j < 8; ++j) {
    EXPECT_NEAR(a.coef[j], b.coef[j], 1e-7);
    EXPECT_NEAR(a.coef[j], c.coef[j], 1e-9);
    EXPECT_NEAR(a.coef[j], f.coef[j], 1e-7);
  }
  EXPECT_NEAR(a.intercept, b.intercept, 1e-7);
  EXPECT_NEAR(a.objective, c.objective, 1e-8 * std::abs(a.objective));
}

TEST(Logistic, CovarianceIsInverseHessian) {
  Data d = logistic_data(800, 3, 3);
  GlmResult r = fit_logistic(d.X, d.y, d.w, l2(2.0));
  ASSERT_EQ(r.covariance.rows(), 4);
  // Hessian by hand.
  Eigen::MatrixXd Z(d.X.rows(), 4);
  Z.leftCols(3) = d.X;
  Z.col(3).setOnes();
  Eigen::VectorXd eta = (d.X * r.coef).array() + r.intercept;
  Eigen::ArrayXd p = (1.0 + (-eta.array()).exp()).inverse();
  Eigen::VectorXd h = d.w.array() * p * (1 - p);
  Eigen::MatrixXd H = Z.transpose() * h.asDiagonal() * Z;
  H.diagonal().head(3).array() += 2.0;
  Eigen::MatrixXd I = r.covariance * H;
  EXPECT_LT((I - Eigen::MatrixXd::Identity(4, 4)).lpNorm<Eigen::Infinity>(), 1e-8);
}

TEST(Logistic, ElasticNetSatisfiesSubgradientConditions) {
  Data d = logistic_data(3000, 10, 4);
  GlmOptions o;
  o.lambda = 40.0;
  o.l1_ratio = 0.7;
  o.tol = 1e-10;
  GlmResult r = fit_logistic(d.X, d.y, d.w, o);
  EXPECT_EQ(r.solver, "newton-cd");
  EXPECT_TRUE(r.converged);
  const double lam1 = 40.0 * 0.7, lam2 = 40.0 * 0.3;
  Eigen::VectorXd g = logistic_gradient(d, r, lam2);
  int zeros = 0;
  for (int j = 0; j < 10; ++j) {
    if (r.coef[j] == 0.0) {
      ++zeros;
      EXPECT_LE(std::abs(g[j]), lam1 * (1 + 1e-6));
    } else {
      EXPECT_NEAR(g[j] + lam1 * (r.coef[j] > 0 ? 1 : -1), 0.0, 1e-6 * d.w.sum());
    }
  }
  EXPECT_NEAR(g[10], 0.0, 1e-6 * d.w.sum());
  EXPECT_GT(zeros, 0);  // the noise features (j % 3 == 2) are dropped
  // Standard errors only for the kept coefficients.
  for (int j = 0; j < 10; ++j) EXPECT_EQ(std::isnan(r.covariance(j, j)), r.coef[j] == 0.0);
}

TEST(Logistic, NoInterceptKeepsInterceptAtZero) {
  Data d = logistic_data(1000, 4, 5);
  GlmOptions o = l2(1.0);
  o.fit_intercept = false;
  GlmResult r = fit_logistic(d.X, d.y, d.w, o);
  EXPECT_EQ(r.intercept, 0.0);
  EXPECT_TRUE(r.converged);
}

TEST(Logistic, SeparableDataWithPenaltyConverges) {
  RowMatrix X(6, 1);
  X << -3, -2, -1, 1, 2, 3;
  Eigen::VectorXd y(6), w = Eigen::VectorXd::Ones(6);
  y << 0, 0, 0, 1, 1, 1;
  GlmResult r = fit_logistic(X, y, w, l2(1.0));
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(std::isfinite(r.coef[0]));
  EXPECT_GT(r.coef[0], 0.0);
  // No penalty: no finite estimate, so a clear error.
  EXPECT_THROW(fit_logistic(X, y, w, l2(0.0)), earlyhelp::InputError);
}

TEST(Logistic, ConstantColumnWithPenaltyIsZero) {
  Data d = logistic_data(500, 3, 6);
  d.X.col(1).setConstant(2.0);
  GlmResult r = fit_logistic(d.X, d.y, d.w, l2(1.0));
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(r.coef.allFinite());
  // A constant column is absorbed by the intercept: its gradient is a multiple
  // of the intercept's (zero), so the L2 penalty drives it to zero.
  EXPECT_NEAR(r.coef[1], 0.0, 1e-8);
  // Without a penalty the Hessian is singular: a clear error, not NaN.
  EXPECT_THROW(fit_logistic(d.X, d.y, d.w, l2(0.0)), earlyhelp::InputError);
}

TEST(Logistic, BadInputThrows) {
  Data d = logistic_data(50, 2, 7);
  GlmOptions o = l2(1.0);
  RowMatrix Xnan = d.X;
  Xnan(3, 1) = std::nan("");
  EXPECT_THROW(fit_logistic(Xnan, d.y, d.w, o), earlyhelp::InputError);
  Xnan(3, 1) = INFINITY;
  EXPECT_THROW(fit_logistic(Xnan, d.y, d.w, o), earlyhelp::InputError);
  Eigen::VectorXd short_y = d.y.head(40);
  EXPECT_THROW(fit_logistic(d.X, short_y, d.w, o), earlyhelp::InputError);
  Eigen::VectorXd neg = d.w;
  neg[0] = -1;
  EXPECT_THROW(fit_logistic(d.X, d.y, neg, o), earlyhelp::InputError);
  Eigen::VectorXd one_class = Eigen::VectorXd::Ones(50);
  EXPECT_THROW(fit_logistic(d.X, one_class, d.w, o), earlyhelp::InputError);
  Eigen::VectorXd not_binary = d.y;
  not_binary[0] = 2;
  EXPECT_THROW(fit_logistic(d.X, not_binary, d.w, o), earlyhelp::InputError);
  GlmOptions bad = o;
  bad.l1_ratio = 1.5;
  EXPECT_THROW(fit_logistic(d.X, d.y, d.w, bad), earlyhelp::InputError);
  bad = o;
  bad.solver = "sag";
  EXPECT_THROW(fit_logistic(d.X, d.y, d.w, bad), earlyhelp::InputError);
}

TEST(Poisson, SolutionSatisfiesOptimality) {
  Data d = poisson_data(3000, 5, 8);
  const double alpha = 0.01;
  GlmOptions o;
  o.lambda = alpha * d.w.sum();
  o.tol = 1e-10;
  GlmResult r = fit_poisson(d.X, d.y, d.w, o);
  EXPECT_TRUE(r.converged);
  Eigen::VectorXd mu = ((d.X * r.coef).array() + r.intercept).exp();
  Eigen::VectorXd resid = mu - d.y;
  Eigen::VectorXd g = d.X.transpose() * resid + o.lambda * r.coef;
  EXPECT_LT(g.lpNorm<Eigen::Infinity>() / d.w.sum(), 1e-9);
  EXPECT_NEAR(resid.sum() / d.w.sum(), 0.0, 1e-9);
  EXPECT_NEAR(r.coef[0], 0.5, 0.15);
  Eigen::VectorXd pred(d.X.rows());
  predict_poisson(d.X, r.coef, r.intercept, pred);
  EXPECT_LT((pred - mu).lpNorm<Eigen::Infinity>(), 1e-10);
}

TEST(Poisson, BadInputThrows) {
  Data d = poisson_data(40, 2, 9);
  GlmOptions o;
  Eigen::VectorXd neg = d.y;
  neg[2] = -1;
  EXPECT_THROW(fit_poisson(d.X, neg, d.w, o), earlyhelp::InputError);
  Eigen::VectorXd zeros = Eigen::VectorXd::Zero(40);
  EXPECT_THROW(fit_poisson(d.X, zeros, d.w, o), earlyhelp::InputError);
}

TEST(Predict, LogisticMatchesFormulaAndThreads) {
  Data d = logistic_data(3000, 4, 10);
  Eigen::VectorXd coef(4);
  coef << 0.3, -1.2, 40.0, 0.0;  // large coefficient: no overflow to NaN
  Eigen::VectorXd a(3000), b(3000);
  predict_logistic(d.X, coef, -0.7, a, 1);
  predict_logistic(d.X, coef, -0.7, b, 2);
  Eigen::VectorXd eta = (d.X * coef).array() - 0.7;
  for (int i = 0; i < 3000; ++i) {
    double expect = 1.0 / (1.0 + std::exp(-eta[i]));
    EXPECT_NEAR(a[i], expect, 1e-14);
    EXPECT_TRUE(std::isfinite(a[i]));
  }
  EXPECT_EQ(a, b);
  EXPECT_THROW(predict_logistic(d.X, coef.head(3), 0.0, a), earlyhelp::InputError);
}

TEST(Predict, NonFiniteInputIsReportedNotReturned) {
  Data d = logistic_data(5000, 3, 11);
  Eigen::VectorXd coef(3), out(5000);
  coef << 0.5, 0.0, -1.0;
  d.X(4321, 1) = std::nan("");  // zero coefficient: still caught (0 * NaN = NaN)
  for (int threads : {1, 2}) {
    try {
      predict_logistic(d.X, coef, 0.0, out, threads);
      FAIL() << "no error";
    } catch (const earlyhelp::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("row 4321, column 1"), std::string::npos) << e.what();
    }
  }
}

TEST(Logistic, LargeDataUsesSampledHessianYetExactOptimumAndCovariance) {
  // n > 2 * 131072 rows: the first Newton steps use a sub-sampled Hessian.
  Data d = logistic_data(300000, 4, 12);
  GlmResult r = fit_logistic(d.X, d.y, d.w, l2(1.0, "newton-cholesky"));
  EXPECT_TRUE(r.converged);
  Eigen::VectorXd g = logistic_gradient(d, r, 1.0);
  EXPECT_LT(g.lpNorm<Eigen::Infinity>() / d.w.sum(), 1e-9);
  Eigen::MatrixXd Z(d.X.rows(), 5);
  Z.leftCols(4) = d.X;
  Z.col(4).setOnes();
  Eigen::VectorXd eta = (d.X * r.coef).array() + r.intercept;
  Eigen::ArrayXd p = (1.0 + (-eta.array()).exp()).inverse();
  Eigen::VectorXd h = d.w.array() * p * (1 - p);
  Eigen::MatrixXd H = Z.transpose() * h.asDiagonal() * Z;
  H.diagonal().head(4).array() += 1.0;
  EXPECT_LT((r.covariance * H - Eigen::MatrixXd::Identity(5, 5)).lpNorm<Eigen::Infinity>(), 1e-8);
}

TEST(Predict, ProbaLayoutMatchesPredictLogistic) {
  Data d = logistic_data(3000, 3, 13);
  Eigen::VectorXd coef(3), p(3000);
  coef << 0.4, -0.8, 2.0;
  predict_logistic(d.X, coef, 0.3, p, 1);
  RowMatrix both(3000, 2);
  predict_logistic_proba(d.X, coef, 0.3, both, 2);
  EXPECT_LT((both.col(1) - p).lpNorm<Eigen::Infinity>(), 1e-15);
  EXPECT_LT((both.rowwise().sum().array() - 1.0).abs().maxCoeff(), 1e-15);
}

TEST(Logistic, PenalisedBreakdownSaysScalesNotRank) {
  // With a ridge penalty the Hessian is invertible: a failed step is blamed on the
  // values' scales, never on collinearity "with no penalty". (A fit that merely cannot
  // reach the tolerance says so: converged is false.)
  Data d = logistic_data(200, 2, 8);
  d.X.col(0) *= 1e200;  // its squares overflow even a double
  try {
    const GlmResult r = fit_logistic(d.X, d.y, d.w, l2(1.0));
    EXPECT_FALSE(r.converged) << "a feature on the scale 1e200 cannot be fitted to the tolerance";
  } catch (const earlyhelp::InputError& e) {
    const std::string text = e.what();
    EXPECT_EQ(text.find("no penalty"), std::string::npos) << text;
    EXPECT_NE(text.find("extreme scales"), std::string::npos) << text;
  }
}

TEST(Logistic, NearlyCollinearUnscaledColumnsFallBackToTheExactHessian) {
  // Days since a date (thousands) and a near copy of it: the float Hessian of the first
  // Newton steps loses their small curvature (the fit was refused as "extreme scales");
  // the double one fits them to the optimum.
  std::mt19937 gen(7);
  std::normal_distribution<double> norm(0.0, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  const int n = 2000;
  Data d{RowMatrix(n, 3), Eigen::VectorXd(n), Eigen::VectorXd::Ones(n)};
  for (int i = 0; i < n; ++i) {
    const double days = 5000.0 + 800.0 * norm(gen);
    d.X(i, 0) = days;
    d.X(i, 1) = days * 1.0001 + 0.5 * norm(gen);
    d.X(i, 2) = norm(gen);
    d.y[i] = unif(gen) < 1.0 / (1.0 + std::exp(-(days - 5000.0) / 800.0)) ? 1.0 : 0.0;
  }
  GlmOptions o = l2(1.0, "newton-cholesky");
  o.tol = 1e-8;
  const GlmResult r = fit_logistic(d.X, d.y, d.w, o);
  EXPECT_TRUE(r.converged);
  EXPECT_TRUE(r.coef.allFinite() && std::isfinite(r.intercept));
}
