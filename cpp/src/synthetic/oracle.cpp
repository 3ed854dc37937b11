// The oracle: exact label probabilities from the generator's closure model (oracle.hpp).
#include "earlyhelp/synthetic/oracle.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

#include "earlyhelp/common/error.hpp"

namespace earlyhelp::synthetic {
namespace {

constexpr int kStepUp = 1, kMovedAway = 4;

// P(floor(re-referral gap) <= j): floor(1 + 364 U^p) <= j  <=>  U < (j / 364)^(1/p).
double gap_cdf(int j) {
  if (j <= 0) return 0.0;
  if (j >= 364) return 1.0;
  return std::pow(j / 364.0, 1.0 / kGapPower);
}

// pmf of days from a closure to the decision on the re-referral (gap + decision delay).
const std::vector<double>& decision_day_pmf() {
  static const std::vector<double> pmf = [] {
    std::vector<double> p(364 + kDecisionDelayMax + 1, 0.0);
    for (int j = 1; j <= 364; ++j)
      for (int u = 0; u <= kDecisionDelayMax; ++u) p[j + u] += (gap_cdf(j) - gap_cdf(j - 1)) / (kDecisionDelayMax + 1);
    return p;
  }();
  return pmf;
}

void check_window(int window_days) {
  require(window_days >= 1 && window_days <= 365,
          "window_days must be 1..365 (the oracle follows the generator up to a year), not " +
              std::to_string(window_days));
}

}  // namespace

double duration_survival(int reason, double duration_scale, double x) {
  if (x < kMinDuration) return 1.0;
  // round(X) > x  <=>  X >= x + 0.5 for whole x
  const double z = (std::log(std::floor(x) + 0.5) - std::log(kDurationMedian[reason] * duration_scale)) / kDurationSigma;
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

std::vector<double> step_up_probability(const OpenEpisodes& rows, int window_days, int link_days) {
  check_window(window_days);
  require(link_days >= 0, "link_days must be >= 0");
  const int H = window_days;
  const auto& pk = decision_day_pmf();
  const int K = static_cast<int>(pk.size()) - 1;
  // Cumulative pmf up to min(link_days, rem): the social-care decision path.
  std::vector<double> pk_cum(pk.size());
  double acc = 0;
  for (int k = 0; k <= K; ++k) pk_cum[k] = (acc += pk[k]);
  // (pk * F_step)(rem) = P(decision day + step-up episode length <= rem), by duration scale.
  std::map<double, std::vector<double>> conv_by_scale;
  auto conv_for = [&](double scale) -> const std::vector<double>& {
    auto it = conv_by_scale.find(scale);
    if (it != conv_by_scale.end()) return it->second;
    std::vector<double> F(H + 1), c(H + 1, 0.0);
    for (int x = 0; x <= H; ++x) F[x] = 1.0 - duration_survival(kStepUp, scale, x);
    for (int rem = 0; rem <= H; ++rem)
      for (int k = 1; k <= std::min(rem, K); ++k) c[rem] += pk[k] * F[rem - k];
    return conv_by_scale.emplace(scale, std::move(c)).first->second;
  };
  std::vector<double> out(rows.rows);
  std::vector<double> surv((H + 1) * kEndReasonCount);
  for (std::size_t i = 0; i < rows.rows; ++i) {
    const double* p = rows.p_end + i * kEndReasonCount;
    const double scale = rows.duration_scale[i], prr = rows.p_rereferral[i];
    const int a = rows.days_open[i];
    require(a >= 0, "days_open must be >= 0 (row " + std::to_string(i) + ")");
    require(scale > 0 && std::isfinite(scale), "duration_scale must be positive (row " + std::to_string(i) + ")");
    // survival of each reason on days a .. a + H
    for (int x = 0; x <= H; ++x)
      for (int r = 0; r < kEndReasonCount; ++r) surv[x * kEndReasonCount + r] = duration_survival(r, scale, a + x);
    double open = 0;
    for (int r = 0; r < kEndReasonCount; ++r) open += p[r] * surv[r];
    if (open <= 0) {  // cannot still be open: no information, the episode's own step-up share
      out[i] = p[kStepUp];
      continue;
    }
    double prob = p[kStepUp] * (surv[kStepUp] - surv[H * kEndReasonCount + kStepUp]);
    const auto& conv = conv_for(scale);
    double second = 0;
    for (int x = 1; x <= H; ++x) {  // closes otherwise on day a + x, then H - x days remain
      double close = 0;
      for (int r = 0; r < kEndReasonCount; ++r) {
        if (r == kStepUp || r == kMovedAway) continue;
        close += p[r] * (surv[(x - 1) * kEndReasonCount + r] - surv[x * kEndReasonCount + r]);
      }
      const int rem = H - x;
      const double to_social_care = pk_cum[std::min({rem, link_days, K})];
      second += close * (kDecisionWeights[2] * p[kStepUp] * conv[rem] + kDecisionWeights[3] * to_social_care);
    }
    prob += prr * second;
    out[i] = std::clamp(prob / open, 0.0, 1.0);
  }
  return out;
}

std::vector<double> rereferral_probability(const double* p_rereferral, const int32_t* days_since_closure,
                                           std::size_t rows, int window_days) {
  check_window(window_days);
  std::vector<double> out(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const double p = p_rereferral[i];
    const int s = days_since_closure[i];
    require(s >= 0, [&] { return "days_since_closure must be >= 0 (row " + std::to_string(i) + ")"; });
    require(p >= 0 && p <= 1, [&] { return "p_rereferral must be a probability (row " + std::to_string(i) + ")"; });
    if (s >= window_days) {
      out[i] = 0.0;
      continue;
    }
    const double before = p * gap_cdf(s);  // a request by the cut-off (did not happen)
    out[i] = p * (gap_cdf(window_days) - gap_cdf(s)) / (1.0 - before);
  }
  return out;
}

}  // namespace earlyhelp::synthetic
