// The oracle's label probabilities against a direct simulation of the closure model.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/synthetic/oracle.hpp"

using namespace earlyhelp::synthetic;

namespace {

// One episode's future after days_open days, drawn as the generator draws it: returns
// whether a step-up (or a linked social-care referral) falls within the window.
bool simulate_step_up(std::mt19937_64& g, const double* p, double scale, double prr, int a, int H, int link) {
  std::uniform_real_distribution<double> U(0, 1);
  std::normal_distribution<double> N(0, 1);
  auto draw = [&](int& reason) {
    double u = U(g), acc = 0;
    reason = kEndReasonCount - 1;
    for (int r = 0; r < kEndReasonCount; ++r)
      if (u < (acc += p[r])) { reason = r; break; }
    return std::max(kMinDuration, static_cast<int>(std::lround(kDurationMedian[reason] * scale *
                                                                std::exp(kDurationSigma * N(g)))));
  };
  int reason, dur;
  do dur = draw(reason); while (dur <= a);  // condition on still open after a days
  const int x = dur - a;                    // closes x days after the cut-off
  if (x > H) return false;
  if (reason == 1) return true;
  if (reason == 4 || U(g) >= prr) return false;
  const int k = static_cast<int>(std::floor(1 + 364 * std::pow(U(g), kGapPower))) +
                static_cast<int>(U(g) * (kDecisionDelayMax + 1));
  const double d = U(g);
  if (d >= kDecisionWeights[0] + kDecisionWeights[1] + kDecisionWeights[2])  // social care
    return k <= link && x + k <= H;
  if (d < kDecisionWeights[0] + kDecisionWeights[1]) return false;  // a third request: not counted
  int r2;
  const int dur2 = draw(r2);
  return r2 == 1 && x + k + dur2 <= H;
}

TEST(Oracle, StepUpMatchesSimulation) {
  const double p[kEndReasonCount] = {0.5, 0.15, 0.12, 0.1, 0.05, 0.04, 0.04};
  std::mt19937_64 g(7);
  for (int a : {0, 30, 90, 200}) {
    const double scale = 0.9, prr = 0.3;
    const int32_t days = a;
    OpenEpisodes rows{p, &scale, &prr, &days, 1};
    const double exact = step_up_probability(rows, 365, 28)[0];
    int hits = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) hits += simulate_step_up(g, p, scale, prr, a, 365, 28);
    const double sim = static_cast<double>(hits) / n;
    EXPECT_NEAR(exact, sim, 4 * std::sqrt(sim * (1 - sim) / n) + 1e-4) << "days open " << a;
  }
}

TEST(Oracle, StepUpFallsWithDaysOpen) {
  const double p[kEndReasonCount] = {0.6, 0.1, 0.12, 0.1, 0.04, 0.02, 0.02};
  const double scale[3] = {1, 1, 1}, prr[3] = {0.2, 0.2, 0.2};
  const int32_t days[3] = {10, 80, 200};
  double p3[3 * kEndReasonCount];
  for (int i = 0; i < 3; ++i)
    for (int r = 0; r < kEndReasonCount; ++r) p3[i * kEndReasonCount + r] = p[r];
  const auto out = step_up_probability(OpenEpisodes{p3, scale, prr, days, 3}, 365, 28);
  EXPECT_GT(out[0], out[1]);
  EXPECT_GT(out[1], out[2]);
}

TEST(Oracle, RereferralIsTheConditionalGapDistribution) {
  const double prr[3] = {0.4, 0.4, 0.4};
  const int32_t since[3] = {0, 100, 365};
  const auto out = rereferral_probability(prr, since, 3, 365);
  EXPECT_NEAR(out[0], 0.4, 1e-12);  // every re-referral falls within the year
  const double before = 0.4 * std::pow(100 / 364.0, 1 / kGapPower);
  EXPECT_NEAR(out[1], (0.4 - before) / (1 - before), 1e-12);
  EXPECT_EQ(out[2], 0.0);
}

TEST(Oracle, BadInput) {
  const double prr = 0.2;
  const int32_t since = -1;
  EXPECT_THROW(rereferral_probability(&prr, &since, 1, 365), earlyhelp::InputError);
  const int32_t ok = 3;
  EXPECT_THROW(rereferral_probability(&prr, &ok, 1, 400), earlyhelp::InputError);
}

}  // namespace
