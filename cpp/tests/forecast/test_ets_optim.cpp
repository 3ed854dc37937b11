#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "earlyhelp/forecast/ets.hpp"

using namespace earlyhelp::forecast;

namespace {

double rosenbrock(const double* x) {
  return 100.0 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1.0 - x[0]) * (1.0 - x[0]);
}

}  // namespace

// R 4.2: optim(c(-1.2, 1), fr) gives par 1.00026013872567 1.00050599930377,
// value 8.82524109672275e-08 after 195 function evaluations.
TEST(EtsNelderMead, FollowsROptimStepByStep) {
  const auto r = ets::nelder_mead_r(rosenbrock, {-1.2, 1.0});
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.evaluations, 195);
  EXPECT_NEAR(r.x[0], 1.00026013872567, 1e-12);
  EXPECT_NEAR(r.x[1], 1.00050599930377, 1e-12);
  EXPECT_NEAR(r.value, 8.82524109672275e-08, 1e-18);
}

TEST(EtsNelderMead, StaysInTheFeasibleRegionAndStopsAtTheBudget) {
  // minimum of (x-2)^2 + (y+1)^2 outside the feasible box x <= 1: the search ends on the edge
  auto f = [](const double* x) {
    if (x[0] > 1.0) return std::numeric_limits<double>::infinity();
    return (x[0] - 2.0) * (x[0] - 2.0) + (x[1] + 1.0) * (x[1] + 1.0);
  };
  const auto r = ets::nelder_mead_r(f, {0.0, 0.0});
  EXPECT_LE(r.x[0], 1.0);
  EXPECT_NEAR(r.x[0], 1.0, 1e-3);
  EXPECT_NEAR(r.x[1], -1.0, 1e-3);
  const auto capped = ets::nelder_mead_r(rosenbrock, {-1.2, 1.0}, 1.4901161193847656e-8, 50);
  EXPECT_FALSE(capped.converged);
  EXPECT_LE(capped.evaluations, 53);
  EXPECT_GT(capped.value, r.value);
}

TEST(EtsNelderMead, InfeasibleStartFails) {
  auto f = [](const double*) { return std::numeric_limits<double>::infinity(); };
  const auto r = ets::nelder_mead_r(f, {0.5, 0.5});
  EXPECT_FALSE(r.converged);
  EXPECT_FALSE(std::isfinite(r.value));
  EXPECT_EQ(r.evaluations, 1);
}

TEST(EtsAdmissible, RootsWithin) {
  // (z - 0.5)(z + 0.9) = z^2 + 0.4 z - 0.45
  EXPECT_TRUE(ets::roots_within({-0.45, 0.4, 1.0}, 1.0));
  EXPECT_FALSE(ets::roots_within({-0.45, 0.4, 1.0}, 0.8));
  // z^2 + 0.9025 (roots +-0.95i), z - 1.1, and z^13 - 0.5 (all roots of modulus 0.948)
  EXPECT_TRUE(ets::roots_within({0.9025, 0.0, 1.0}, 1.0));
  EXPECT_FALSE(ets::roots_within({-1.1, 1.0}, 1.0));
  std::vector<double> c(14, 0.0);
  c[0] = -0.5;
  c[13] = 1.0;
  EXPECT_TRUE(ets::roots_within(c, 1.0));
  EXPECT_FALSE(ets::roots_within(c, 0.94));
}

// Parameter sets and the answers of forecast:::admissible(alpha, beta, gamma, phi, 12)
// (forecast 8.20); NaN gamma: a non-seasonal model.
TEST(EtsAdmissible, AgreesWithR) {
  struct Case {
    double alpha, beta, gamma, phi;
    bool expected;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<Case> cases = {
      {0.2202, 0.2426, 0.8252, 0.8569, false}, {0.1151, 0.2505, 0.4752, 0.9616, false},
      {1.0522, -0.0448, 0.2460, 0.8981, true}, {0.3502, 0.1796, 0.2363, 0.8404, false},
      {0.4263, 0.3439, 0.4994, 0.9684, false}, {0.9792, 0.2604, 0.1902, 0.8451, false},
      {0.1540, 0.1400, 0.3937, 0.9932, false}, {0.1561, 0.3775, 0.4003, 0.8119, false},
      {0.3027, -0.0844, 0.0130, 0.8974, false}, {0.6547, 0.1989, 0.3579, 0.8794, false},
      {0.8977, 0.0176, 0.7442, 0.9067, true},  {1.0218, 0.1749, 0.6841, 0.8137, false},
      {0.8730, 0.2164, 0.3461, 0.9133, false}, {1.0142, 0.3879, 0.8397, 0.8762, false},
      {0.2811, 0.0287, 0.1772, 0.8273, true},  {0.6864, -0.0131, 0.7798, 0.9979, false},
      {2.4599, 2.6220, nan, 0.9441, false},    {-0.0280, 2.7566, nan, 0.9135, true},
      {1.9880, 2.0107, nan, 0.5782, false},    {2.0064, -0.4205, nan, 0.9596, false},
      {-0.3829, 1.9504, nan, 0.7216, true},    {0.4416, 2.7880, nan, 0.9119, true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(ets::admissible(c.alpha, c.beta, c.gamma, c.phi, 12), c.expected)
        << c.alpha << " " << c.beta << " " << c.gamma << " " << c.phi;
  // typical fitted values are admissible; phi above one is not
  EXPECT_TRUE(ets::admissible(0.3, 0.01, 0.1, 0.98, 12));
  EXPECT_FALSE(ets::admissible(0.3, 0.01, 0.1, 1.01, 12));
}

// Seasonal models without trend or damping have the root z = 1, on the circle the test's
// radius (1 + 1e-10) barely clears: at alpha and gamma near their lower bound the reduction
// refused these points by rounding (R's forecast:::admissible(alpha, NULL, gamma, 1, 12) gives
// 1 for each), and AutoETS's search ended at a lower likelihood than R's.
TEST(EtsAdmissible, NoTrendAtTheLowerBoundsAsR) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::pair<double, double>> alpha_gamma = {
      {0.000199690428163825, 0.000261937472560111},
      {0.00015794033162704307, 0.00026175850299573606},
      {0.00010138087783968504, 0.00025954572400007655},
      {0.00010111639310029962, 0.00028997925422106574},
      {0.00010111639228512178, 0.00028997925408858003},
  };
  for (const auto& [alpha, gamma] : alpha_gamma)
    EXPECT_TRUE(ets::admissible(alpha, nan, gamma, 1.0, 12)) << alpha << " " << gamma;
  // the root at 1 is divided out exactly: (z - 1)(z^2 - 0.25) -> z^2 - 0.25
  const std::vector<double> q = ets::without_unit_root({0.25, -0.25, -1.0, 1.0});
  ASSERT_EQ(q.size(), 3u);
  EXPECT_DOUBLE_EQ(q[0], -0.25);
  EXPECT_DOUBLE_EQ(q[1], 0.0);
  EXPECT_DOUBLE_EQ(q[2], 1.0);
}

namespace {

// AirPassengers, January 1949 to April 1952
const std::vector<double> kAirPassengers40 = {
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170,
    158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162, 146, 166, 171, 180, 193, 181};

}  // namespace

// The values R 4.2 prints with sprintf("%.17g"): the start values are R's to the last digit.
TEST(EtsStart, LineFitIsRsLsfit) {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[i] = kAirPassengers40[i] / 3.0;
  double intercept = 0.0, slope = 0.0;
  ets::r_line_fit(v.data(), v.size(), intercept, slope);  // lsfit(1:24, y[1:24] / 3)
  EXPECT_EQ(intercept, 40.345410628019344);
  EXPECT_EQ(slope, 0.32347826086956477);
  double one_i = 0.0, one_s = 1.0;
  ets::r_line_fit(v.data(), 1, one_i, one_s);
  EXPECT_EQ(one_i, v[0]);
  EXPECT_EQ(one_s, 0.0);
}

TEST(EtsStart, MeanIsRsMean) {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[i] = kAirPassengers40[i] / 7.0;
  EXPECT_EQ(ets::r_mean(v.data(), v.size()), 19.023809523809522);  // mean(y[1:24] / 7)
}

TEST(EtsStart, DecomposeIsRsDecompose) {
  // decompose(ts(y[1:40], frequency = 12), type)$figure
  const std::vector<double> mult = {0.90331380980551723, 0.94747262105423014, 1.0770270353752449,
                                    0.99557116830817494, 0.97492505310619848, 1.0677995104025229,
                                    1.1835487149959441,  1.1705660010354995,  1.0697986610735515,
                                    0.9164285438127584,  0.78252900950151594, 0.9110198715288419};
  const std::vector<double> add = {-13.820023148148145, -7.9450231481481453, 11.492476851851855,
                                   -0.90335648148147429, -3.1741898148148171, 9.9508101851851833,
                                   26.381365740740751,  24.700810185185169,  9.9924768518518494,
                                   -12.910300925925931, -30.903356481481474, -12.861689814814817};
  const auto m = ets::r_decompose_seasonal(kAirPassengers40.data(), 40, 12, true);
  const auto a = ets::r_decompose_seasonal(kAirPassengers40.data(), 40, 12, false);
  ASSERT_EQ(m.size(), 40u);
  for (int t = 0; t < 40; ++t) {
    EXPECT_EQ(m[t], mult[t % 12]) << t;
    EXPECT_EQ(a[t], add[t % 12]) << t;
  }
}

// forecast:::class3(15, c(100, 1, s), "A", "M", FALSE, 12, 0.002, c(alpha = 0.3, beta = 0.01, gamma = 0.1))
// and class3(14, c(50, s), "N", "M", FALSE, 12, 0.01, c(alpha = 0.5, gamma = 0.2)) in R 4.2
// (s = 1 + 0.2 sin(2 pi (1:12) / 12), normalised).
TEST(EtsClass3, MeansAndVariancesAreRs) {
  const std::vector<double> s = {1.1000000000000001, 1.1732050807568877, 1.2, 1.1732050807568877,
                                 1.1000000000000001, 1, 0.90000000000000002, 0.82679491924311233,
                                 0.80000000000000004, 0.82679491924311233, 0.89999999999999991, 1};
  const auto t = ets::class3_forecast(100.0, 1.0, s, 0.3, 0.01, 0.1, 1.0, 0.002, 15);
  const std::vector<int> steps = {0, 11, 12, 14};
  const std::vector<double> mu = {101, 123.19999999999995, 113.00848400000002, 95.088569142599241};
  const std::vector<double> var = {20.402000000000001, 69.163605337044288, 64.024766803034851, 50.746742757254268};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_NEAR(t.mean[steps[i]], mu[i], 1e-10 * mu[i]) << steps[i];
    EXPECT_NEAR(t.variance[steps[i]], var[i], 1e-10 * var[i]) << steps[i];
  }
  const auto n = ets::class3_forecast(50.0, std::numeric_limits<double>::quiet_NaN(), s, 0.5, 0.0, 0.2, 1.0, 0.01, 14);
  const std::vector<int> steps_n = {0, 12, 13};
  const std::vector<double> mu_n = {50, 50.049999999999997, 45.044999999999995};
  const std::vector<double> var_n = {25, 108.22494999182561, 92.95399507961217};
  for (std::size_t i = 0; i < steps_n.size(); ++i) {
    EXPECT_NEAR(n.mean[steps_n[i]], mu_n[i], 1e-10 * mu_n[i]) << steps_n[i];
    EXPECT_NEAR(n.variance[steps_n[i]], var_n[i], 1e-10 * var_n[i]) << steps_n[i];
  }
  // a damped trend enters with phi: one step ahead (l + phi b) s
  const auto d = ets::class3_forecast(100.0, 1.0, s, 0.3, 0.01, 0.1, 0.9, 0.002, 2);
  EXPECT_NEAR(d.mean[0], (100.0 + 0.9) * s[11], 1e-12);
  EXPECT_NEAR(d.mean[1], (100.0 + 0.9 + 0.81) * s[10], 1e-12);
}
