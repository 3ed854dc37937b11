#pragma once
// The true probability of a risk label given the state at a cut-off, computed from
// the generator's own model of how episodes end (the "oracle" of a synthetic council).
//
// How an episode ends (the generator follows exactly this): its end reason is drawn
// with the episode's probabilities p_end[7] (ds.truth["episodes"]), then its length in
// days is max(kMinDuration, round(X)), X lognormal with median
// kDurationMedian[reason] * duration_scale and log-sd kDurationSigma. After a closure
// other than step-up or moving away, with probability p_rereferral a new request comes
// floor(1 + 364 U^kGapPower) days later (U uniform); it is decided after
// 0..kDecisionDelayMax days (uniform) with kDecisionWeights (no further action, advice,
// early help, social care); early help opens a new episode that ends the same way.
// Otherwise the family makes no request for the next 365 days.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace earlyhelp::synthetic {

constexpr int kEndReasonCount = 7;  // outcomes_met, step_up, step_down_universal, disengaged,
                                    // moved_away, transferred, other (code_labels()["end_reason"])
constexpr double kDurationMedian[kEndReasonCount] = {84, 46, 78, 44, 52, 62, 62};
constexpr double kDurationSigma = 0.36;
constexpr int kMinDuration = 7;
constexpr double kGapPower = 1.4;          // re-referral gap: 1 + 364 U^kGapPower days
constexpr int kDecisionDelayMax = 7;       // request decided 0..7 days after receipt
constexpr double kDecisionWeights[4] = {0.045, 0.075, 0.86, 0.02};  // nfa, advice, early help, social care
constexpr int kNoRequestDays = 365;        // no request this long after a closure without re-referral

// P(episode length > x days) for an episode ending with `reason`.
double duration_survival(int reason, double duration_scale, double x);

// State at the cut-off of the families a step-up label is about: one row per family
// with an episode open at the cut-off. p_end is row-major (rows x kEndReasonCount).
struct OpenEpisodes {
  const double* p_end = nullptr;
  const double* duration_scale = nullptr;
  const double* p_rereferral = nullptr;  // for the closure of this episode
  const int32_t* days_open = nullptr;     // cut-off minus start date (>= 0)
  std::size_t rows = 0;
};

// P(a step-up of the family within window_days after the cut-off | the episode is still
// open after days_open days). A step-up is the episode ending by step-up, or a
// social-care referral within link_days after it closes; the paths counted are (1) this
// episode ends by step-up in the window, (2) it closes otherwise, the family is
// re-referred, and the request goes to social care within link_days of the closure or
// opens an episode that ends by step-up in the window. Paths needing a third request
// inside the window are not counted (they need a 'no further action' decision and then
// a fresh request within the same window: well under 0.1% of families).
// window_days in 1..365.
std::vector<double> step_up_probability(const OpenEpisodes& rows, int window_days, int link_days);

// P(a new request within window_days of the closure, after the cut-off | no request in
// the days_since_closure days since the closure): rows are families whose episode closed
// (not by step-up or moving away) days_since_closure days before the cut-off.
// window_days in 1..365.
std::vector<double> rereferral_probability(const double* p_rereferral, const int32_t* days_since_closure,
                                           std::size_t rows, int window_days);

}  // namespace earlyhelp::synthetic
