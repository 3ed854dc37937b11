#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/forecast/reconcile.hpp"

using namespace earlyhelp::forecast;

namespace {

// total; A, B; A1 A2 B1 (rows 0..5), bottoms A1 A2 B1.
SparseRows small_S() {
  RowMatrix d(6, 3);
  d << 1, 1, 1,  //
      1, 1, 0,   //
      0, 0, 1,   //
      1, 0, 0,   //
      0, 1, 0,   //
      0, 0, 1;
  return d.sparseView();
}

RowMatrix random_matrix(int r, int c, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> norm(10.0, 3.0);
  RowMatrix m(r, c);
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j) m(i, j) = norm(gen);
  return m;
}

// Dense reference: S (S' W^-1 S)^-1 S' W^-1 y.
RowMatrix dense_mint(const SparseRows& S, const RowMatrix& W, const RowMatrix& y) {
  Eigen::MatrixXd Sd = Eigen::MatrixXd(S);
  Eigen::MatrixXd Wi = Eigen::MatrixXd(W).inverse();
  Eigen::MatrixXd G = (Sd.transpose() * Wi * Sd).ldlt().solve(Sd.transpose() * Wi);
  return Sd * G * y;
}

void expect_coherent(const SummingStructure& s, const RowMatrix& y) {
  RowMatrix again = s.S() * s.bottom_block(y);
  EXPECT_LT((again - y).cwiseAbs().maxCoeff(), 1e-8);
}

}  // namespace

TEST(Reconcile, StructureFindsBottomsAndTop) {
  SummingStructure s(small_S());
  EXPECT_EQ(s.n_aggregate(), 3);
  EXPECT_EQ(s.top_row(), 0);
  EXPECT_EQ(s.bottom_rows(), (std::vector<int>{3, 4, 5}));  // the last unit row is the bottom
  RowMatrix y = random_matrix(6, 2, 1);
  y = s.S() * s.bottom_block(y);
  EXPECT_LT((s.constraints() * y).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(Reconcile, MissingBottomRowIsAnError) {
  RowMatrix d(2, 2);
  d << 1, 1, 1, 1;
  SparseRows S = d.sparseView();
  EXPECT_THROW(SummingStructure s(S), earlyhelp::InputError);
}

TEST(Reconcile, BottomUpSumsAndPropagatesVariance) {
  SummingStructure s(small_S());
  RowMatrix y = random_matrix(6, 3, 2), sd = RowMatrix::Constant(6, 3, 2.0);
  MatrixRef sd_ref(sd);
  Reconciled r = bottom_up(s, y, &sd_ref);
  expect_coherent(s, r.mean);
  EXPECT_NEAR(r.mean(0, 0), y(3, 0) + y(4, 0) + y(5, 0), 1e-12);
  EXPECT_NEAR(r.sd(0, 1), std::sqrt(12.0), 1e-12);
  EXPECT_NEAR(r.sd(1, 1), std::sqrt(8.0), 1e-12);
}

TEST(Reconcile, MintMatchesDenseFormula) {
  SummingStructure s(small_S());
  RowMatrix y = random_matrix(6, 4, 3);
  for (int which = 0; which < 3; ++which) {
    LowRankCovariance W = which == 0   ? identity_covariance(6)
                          : which == 1 ? structural_covariance(s)
                                       : shrunk_covariance(random_matrix(6, 20, 4), 2e-8);
    MinTrace mint(s, W);
    RowMatrix ours = mint.project(y);
    RowMatrix ref = dense_mint(s.S(), W.dense(), y);
    EXPECT_LT((ours - ref).cwiseAbs().maxCoeff(), 1e-8) << "covariance " << which;
    expect_coherent(s, ours);
  }
}

TEST(Reconcile, MintVarianceMatchesDenseFormula) {
  SummingStructure s(small_S());
  LowRankCovariance W = shrunk_covariance(random_matrix(6, 15, 5), 2e-8);
  MinTrace mint(s, W);
  RowMatrix sd = random_matrix(6, 2, 6).cwiseAbs();
  RowMatrix ours = mint.reconciled_sd(sd);
  Eigen::MatrixXd Sd = Eigen::MatrixXd(s.S());
  Eigen::MatrixXd Wd = W.dense();
  Eigen::MatrixXd Wi = Wd.inverse();
  Eigen::MatrixXd SP = Sd * (Sd.transpose() * Wi * Sd).ldlt().solve(Sd.transpose() * Wi);
  Eigen::VectorXd w = Wd.diagonal().cwiseSqrt();
  Eigen::MatrixXd R = w.cwiseInverse().asDiagonal() * Wd * w.cwiseInverse().asDiagonal();
  for (int t = 0; t < 2; ++t) {
    Eigen::VectorXd st = sd.col(t);
    Eigen::MatrixXd Sig = st.asDiagonal() * R * st.asDiagonal();
    Eigen::VectorXd ref = (SP * Sig * SP.transpose()).diagonal().cwiseSqrt();
    EXPECT_LT((ours.col(t) - ref).cwiseAbs().maxCoeff(), 1e-8);
  }
}

TEST(Reconcile, ShrinkageMatchesDirectPairSums) {
  RowMatrix res = random_matrix(5, 12, 7);
  LowRankCovariance W = shrunk_covariance(res, 2e-8);
  // Direct O(n^2 T) computation of the intensity.
  const int n = 5, T = 12;
  RowMatrix Z(n, T);
  for (int i = 0; i < n; ++i) {
    Eigen::RowVectorXd x = res.row(i).array() - res.row(i).mean();
    double sd = std::sqrt(x.squaredNorm() / T);
    Z.row(i) = x / (sd + 2e-8);
    Z.row(i).array() -= Z.row(i).mean();
  }
  double var = 0, sq = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) {
      Eigen::RowVectorXd w = Z.row(i).cwiseProduct(Z.row(j));
      double wm = w.mean();
      var += (w.array() - wm).square().sum();
      sq += wm * wm;
    }
  double lambda = std::clamp(var / (T * (T - 1.0)) / (sq + 2e-8), 0.0, 1.0);
  EXPECT_NEAR(W.shrinkage, lambda, 1e-10);
}

TEST(Reconcile, TopDownProportions) {
  SummingStructure s(small_S());
  RowMatrix y(6, 1);
  y << 100, 50, 30, 20, 40, 30;
  std::vector<int> parent{-1, 0, 0, 1, 1, 2};  // B has a single child B1
  RowMatrix prop = forecast_proportions(s, parent, y);
  // A gets 100*50/80 = 62.5 split 20:40; B gets 37.5.
  EXPECT_NEAR(prop(0, 0) * 100, 62.5 * 20 / 60, 1e-9);
  EXPECT_NEAR(prop(2, 0) * 100, 37.5, 1e-9);
  RowMatrix sd = RowMatrix::Constant(6, 1, 10.0);
  MatrixRef sd_ref(sd);
  Reconciled r = top_down(s, y, &sd_ref, prop);
  expect_coherent(s, r.mean);
  EXPECT_NEAR(r.mean(0, 0), 100.0, 1e-9);
  EXPECT_NEAR(r.sd(2, 0), 3.75, 1e-9);
}

TEST(Reconcile, NonFiniteForecastIsAnError) {
  SummingStructure s(small_S());
  RowMatrix y = random_matrix(6, 2, 8);
  y(2, 1) = std::nan("");
  EXPECT_THROW(bottom_up(s, y, nullptr), earlyhelp::InputError);
}

TEST(Reconcile, SingularCovarianceIsAnError) {
  SummingStructure s(small_S());
  RowMatrix flat = RowMatrix::Constant(6, 10, 3.0);  // zero variance everywhere
  LowRankCovariance W = shrunk_covariance(flat, 0.0);
  EXPECT_THROW(MinTrace(s, W), earlyhelp::InputError);
}

TEST(Reconcile, MethodDispatchMatchesTheBuildingBlocks) {
  SummingStructure s(small_S());
  RowMatrix y = random_matrix(6, 3, 9), sd = RowMatrix::Constant(6, 3, 2.0);
  RowMatrix residuals = random_matrix(6, 20, 10), insample = random_matrix(6, 20, 11).cwiseAbs();
  MatrixRef sd_ref(sd), res_ref(residuals), ins_ref(insample);
  ReconcileInputs in;
  in.sd = &sd_ref;
  in.residuals = &res_ref;
  in.insample = &ins_ref;
  in.parent = {-1, 0, 0, 1, 1, 2};

  const Reconciled bu = reconcile(s, y, ReconcileMethod::bottom_up, in);
  EXPECT_LT((bu.mean - bottom_up(s, y, &sd_ref).mean).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_TRUE(std::isnan(bu.shrinkage));

  const Reconciled td = reconcile(s, y, ReconcileMethod::top_down_proportion_averages, in);
  EXPECT_LT((td.mean - top_down(s, y, &sd_ref, historical_proportions(s, insample, false)).mean)
                .cwiseAbs().maxCoeff(), 1e-12);

  const Reconciled shrink = reconcile(s, y, ReconcileMethod::mint_shrink, in);
  const LowRankCovariance W = shrunk_covariance(residuals, in.ridge);
  EXPECT_NEAR(shrink.shrinkage, W.shrinkage, 1e-12);
  EXPECT_LT((shrink.mean - MinTrace(s, W).project(y)).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_EQ(shrink.sd.rows(), 6);
  for (auto method : {ReconcileMethod::top_down_forecast_proportions, ReconcileMethod::top_down_average_proportions,
                      ReconcileMethod::mint_ols, ReconcileMethod::mint_wls_struct})
    expect_coherent(s, reconcile(s, y, method, in).mean);
}

TEST(Reconcile, MethodWithoutItsInputsIsAnError) {
  SummingStructure s(small_S());
  RowMatrix y = random_matrix(6, 2, 12);
  ReconcileInputs none;
  EXPECT_THROW(reconcile(s, y, ReconcileMethod::mint_shrink, none), earlyhelp::InputError);
  EXPECT_THROW(reconcile(s, y, ReconcileMethod::top_down_average_proportions, none), earlyhelp::InputError);
  RowMatrix short_residuals = random_matrix(4, 10, 13);
  MatrixRef res_ref(short_residuals);
  ReconcileInputs wrong;
  wrong.residuals = &res_ref;
  EXPECT_THROW(reconcile(s, y, ReconcileMethod::mint_shrink, wrong), earlyhelp::InputError);
}

namespace {

// Brute force over which bottom series are held at 0: each choice is an
// equality-constrained least squares in the bottom series; the bounded optimum
// is the feasible one with the smallest objective.
RowMatrix brute_force_nonnegative(const SparseRows& S, const RowMatrix& W, const Eigen::VectorXd& y) {
  const Eigen::MatrixXd Sd = Eigen::MatrixXd(S);
  const Eigen::MatrixXd Wi = Eigen::MatrixXd(W).inverse();
  const int m = static_cast<int>(Sd.cols());
  double best = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best_b = Eigen::VectorXd::Zero(m);
  for (int held = 0; held < (1 << m); ++held) {
    std::vector<int> free;
    for (int j = 0; j < m; ++j)
      if (!(held & (1 << j))) free.push_back(j);
    Eigen::VectorXd b = Eigen::VectorXd::Zero(m);
    if (!free.empty()) {
      Eigen::MatrixXd SF(Sd.rows(), free.size());
      for (std::size_t k = 0; k < free.size(); ++k) SF.col(k) = Sd.col(free[k]);
      const Eigen::VectorXd bF = (SF.transpose() * Wi * SF).ldlt().solve(SF.transpose() * Wi * y);
      for (std::size_t k = 0; k < free.size(); ++k) b(free[k]) = bF(k);
    }
    if (b.minCoeff() < -1e-12) continue;
    const Eigen::VectorXd r = Sd * b - y;
    const double objective = r.dot(Wi * r);
    if (objective < best) {
      best = objective;
      best_b = b;
    }
  }
  return Sd * best_b;
}

// Eight bottoms in two groups of four: total; A, B; A1..A4, B1..B4.
SparseRows two_group_S() {
  RowMatrix d = RowMatrix::Zero(11, 8);
  d.row(0).setOnes();
  d.block(1, 0, 1, 4).setOnes();
  d.block(2, 4, 1, 4).setOnes();
  d.block(3, 0, 8, 8) = RowMatrix::Identity(8, 8);
  return d.sparseView();
}

}  // namespace

TEST(Reconcile, NonNegativeMinTraceMatchesBruteForce) {
  SummingStructure s(two_group_S());
  std::mt19937 gen(7);
  std::normal_distribution<double> norm(0.0, 1.0);
  int held_somewhere = 0;
  for (int trial = 0; trial < 40; ++trial) {
    LowRankCovariance W;  // a correlated covariance, as mint_shrink's
    W.diagonal = Eigen::VectorXd::Constant(11, 0.3);
    W.factor = RowMatrix(11, 3);
    for (int i = 0; i < 11; ++i)
      for (int k = 0; k < 3; ++k) W.factor(i, k) = norm(gen);
    // Small localities near 0 and a total the localities do not reach: MinT pushes some below 0.
    RowMatrix y(11, 2);
    for (int i = 0; i < 11; ++i)
      for (int t = 0; t < 2; ++t) y(i, t) = (i == 0 ? 2.0 : 1.0) + 3.0 * norm(gen);
    MinTrace mint(s, W);
    int held = 0;
    const RowMatrix got = mint.project_nonnegative(s, y, held);
    held_somewhere += held;
    EXPECT_GE(got.minCoeff(), 0.0);
    expect_coherent(s, got);
    for (int t = 0; t < 2; ++t) {
      const RowMatrix want = brute_force_nonnegative(s.S(), W.dense(), y.col(t));
      EXPECT_LT((got.col(t) - want).cwiseAbs().maxCoeff(), 1e-8) << "trial " << trial << ", step " << t;
    }
  }
  EXPECT_GT(held_somewhere, 20);  // the bound was active in many trials, so the test tests it
}

TEST(Reconcile, NonNegativeMinTraceKeepsAnAnswerAlreadyNonNegative) {
  SummingStructure s(small_S());
  const RowMatrix y = random_matrix(6, 3, 4);  // mean 10, sd 3: no series near 0
  MinTrace mint(s, structural_covariance(s));
  int held = 0;
  const RowMatrix got = mint.project_nonnegative(s, y, held);
  EXPECT_EQ(held, 0);
  EXPECT_LT((got - mint.project(y)).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(Reconcile, NonNegativeNeedsAMinTraceMethod) {
  SummingStructure s(small_S());
  const RowMatrix y = random_matrix(6, 1, 5);
  ReconcileInputs in;
  in.nonnegative = true;
  EXPECT_THROW(reconcile(s, y, ReconcileMethod::bottom_up, in), earlyhelp::InputError);
  const Reconciled out = reconcile(s, y, ReconcileMethod::mint_ols, in);
  EXPECT_GE(out.mean.minCoeff(), 0.0);
}
