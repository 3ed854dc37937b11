// Plans, TAF reviews, service referrals and family voice (see plans.hpp).
#include "earlyhelp/synthetic/plans.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "earlyhelp/common/error.hpp"
#include "columns.hpp"
#include "rng.hpp"

namespace earlyhelp::synthetic {
namespace {
using columns::col;
using columns::iota64;

using detail::Rng;
using detail::stream_key;

// Purposes of the random streams (distinct from the generator's own).
constexpr uint64_t kPlanStream = 0x706C616E;   // "plan"
constexpr uint64_t kVoiceStream = 0x766F6963;  // "voic"

// Plans: agreed a few days after the assessment is completed (median 5 days), or
// about three weeks after the start when no assessment was recorded (60% of those).
constexpr double kPlanAfterAssessmentMedian = 5, kPlanAfterAssessmentSigma = 0.9;
constexpr double kPlanUnassessedShare = 0.6, kPlanUnassessedMedian = 21, kPlanUnassessedSigma = 0.6;
// Reviews every six weeks; 78% on time, 15% late by 1-21 days, 7% not held.
constexpr int kReviewEveryDays = 42;
constexpr double kReviewOnTime = 0.78, kReviewLate = 0.15;
// Family Hub survey (Coventry's 2024 Early Help report): 389 responses in November 2024 at Coventry's size.
constexpr double kSurveyResponses = 389;
constexpr int kSurveyMonthDay = 304;  // about 1 November: day of year (0-based, non-leap)

const std::vector<std::string> kServices = {
    "young_carers", "childrens_centre", "parenting_programme", "family_hub_activity", "emotional_wellbeing",
    "domestic_abuse_support", "substance_misuse_service", "housing_support", "money_advice", "youth_service",
    "speech_language", "other"};
const std::vector<std::string> kOutcomes = {"accepted", "declined", "waiting", "not_eligible"};
const std::vector<std::string> kQuestions = {"felt_welcomed", "got_help_needed", "experience_good",
                                             "knew_where_to_go", "listened_to", "worked_together",
                                             "told_story_once"};

int index_of(const std::vector<std::string>& v, const std::string& s) {
  auto it = std::find(v.begin(), v.end(), s);
  if (it == v.end()) throw std::logic_error("no label " + s);
  return static_cast<int>(it - v.begin());
}

// Service referred to for a need, and the probability per episode with that need.
struct NeedService {
  const char* need;
  const char* service;
  double p;
};
const NeedService kNeedServices[] = {
    {"early_years", "childrens_centre", 0.35},     {"early_years", "speech_language", 0.15},
    {"family_relationships", "parenting_programme", 0.40}, {"health", "emotional_wellbeing", 0.30},
    {"health", "young_carers", 0.10},              {"substance_use", "young_carers", 0.10},
    {"domestic_abuse", "domestic_abuse_support", 0.50}, {"substance_use", "substance_misuse_service", 0.40},
    {"housing", "housing_support", 0.40},          {"financial_stability", "money_advice", 0.45},
    {"crime", "youth_service", 0.35},              {"education", "family_hub_activity", 0.10},
};

template <class T>
const std::vector<T>& get(const Table& t, const std::string& name) {
  return std::get<std::vector<T>>(t.column(name).data);
}


double children_of(const CouncilSpec& c) {
  double s = 0;
  for (const auto& l : c.localities) s += l.child_population;
  return s;
}

}  // namespace

const std::map<std::string, std::vector<std::string>>& plans_code_labels() {
  static const std::map<std::string, std::vector<std::string>> labels = {
      {"service", kServices}, {"service_referral_outcome", kOutcomes}, {"voice_question", kQuestions}};
  return labels;
}

void add_plans_and_voice(Tables& t, const CouncilSpec& council, std::size_t council_index, const Options& opt) {
  const Table& ep = t.at("episodes");
  const auto& ep_family = get<int64_t>(ep, "family_id");
  const auto& ep_start = get<int32_t>(ep, "start_date");
  const auto& ep_end = get<int32_t>(ep, "end_date");
  const std::size_t nep = ep_family.size();
  // Completed assessment per episode (the earliest completion).
  std::vector<int32_t> assessed(nep, kNoDate);
  {
    const Table& as = t.at("assessments");
    const auto& a_ep = get<int64_t>(as, "episode_id");
    const auto& a_done = get<int32_t>(as, "completed");
    for (std::size_t i = 0; i < a_ep.size(); ++i) {
      if (a_ep[i] < 0 || a_done[i] == kNoDate) continue;
      int32_t& slot = assessed[static_cast<std::size_t>(a_ep[i])];
      if (slot == kNoDate || a_done[i] < slot) slot = a_done[i];
    }
  }
  // Needs per episode as a bit set over the need labels.
  const auto& need_labels = code_labels().at("needs");
  std::vector<uint32_t> needs(nep, 0);
  {
    const Table& fn = t.at("family_needs");
    const auto& n_ep = get<int64_t>(fn, "episode_id");
    const auto& n_need = get<int32_t>(fn, "need");
    for (std::size_t i = 0; i < n_ep.size(); ++i)
      if (n_ep[i] >= 0 && n_need[i] >= 0) needs[static_cast<std::size_t>(n_ep[i])] |= 1u << n_need[i];
  }
  // First child of each family (young carers referrals name a child).
  const std::size_t nfam = get<int64_t>(t.at("families"), "family_id").size();
  std::vector<int64_t> first_child(nfam, -1);
  {
    const Table& fm = t.at("family_members");
    const auto& m_fam = get<int64_t>(fm, "family_id");
    const auto& m_person = get<int64_t>(fm, "person_id");
    const auto& m_role = get<int32_t>(fm, "role");
    for (std::size_t i = 0; i < m_fam.size(); ++i)
      if (m_role[i] == 0 && m_fam[i] >= 0 && first_child[static_cast<std::size_t>(m_fam[i])] < 0)
        first_child[static_cast<std::size_t>(m_fam[i])] = m_person[i];
  }
  const int32_t last = opt.window_end;
  std::vector<int64_t> pl_episode, rv_episode, rv_plan, sr_family, sr_episode, sr_person;
  std::vector<int32_t> pl_agreed, pl_end, rv_due, rv_held, sr_service, sr_date, sr_outcome;
  for (std::size_t e = 0; e < nep; ++e) {
    Rng r(stream_key(opt.seed ^ kPlanStream, council_index + 1, e + 1));
    const int32_t start = ep_start[e];
    const int32_t stop = ep_end[e] == kNoDate ? last : std::min(ep_end[e], last);
    // -- plan
    int32_t agreed = kNoDate;
    if (assessed[e] != kNoDate) {
      agreed = assessed[e] + static_cast<int32_t>(std::lround(r.lognormal(kPlanAfterAssessmentMedian,
                                                                          kPlanAfterAssessmentSigma)));
    } else if (r.bernoulli(kPlanUnassessedShare)) {
      agreed = start + static_cast<int32_t>(std::lround(r.lognormal(kPlanUnassessedMedian, kPlanUnassessedSigma)));
    }
    if (agreed != kNoDate && agreed < start) agreed = start;
    if (agreed != kNoDate && agreed <= stop) {
      const int64_t plan = static_cast<int64_t>(pl_episode.size());
      pl_episode.push_back(static_cast<int64_t>(e));
      pl_agreed.push_back(agreed);
      pl_end.push_back(ep_end[e]);
      // -- reviews while the plan is open
      for (int32_t due = agreed + kReviewEveryDays; due <= stop; due += kReviewEveryDays) {
        const double u = r.uniform();
        int32_t held = kNoDate;
        if (u < kReviewOnTime) {
          held = due - r.integer(0, 7);
        } else if (u < kReviewOnTime + kReviewLate) {
          held = due + r.integer(1, 21);
        }
        if (held != kNoDate && held > stop) held = kNoDate;
        rv_episode.push_back(static_cast<int64_t>(e));
        rv_plan.push_back(plan);
        rv_due.push_back(due);
        rv_held.push_back(held);
      }
    }
    // -- referrals to services, driven by the episode's needs, within 16 weeks of the start or by
    // the close. An episode still open at the window's end keeps the whole 16 weeks: referrals
    // after the end are not in the data (squeezed into the days left, they piled up in the
    // window's last month).
    const int32_t span = std::max(1, std::min<int32_t>((ep_end[e] == kNoDate ? start + 112 : stop) - start, 112));
    for (const auto& ns : kNeedServices) {
      if (!(needs[e] >> index_of(need_labels, ns.need) & 1u)) continue;
      if (!r.bernoulli(ns.p)) continue;
      const int32_t when = start + std::min(span, 7 + r.integer(0, span));
      if (when > stop) continue;
      const int service = index_of(kServices, ns.service);
      const int64_t fam = ep_family[e];
      sr_family.push_back(fam);
      sr_episode.push_back(static_cast<int64_t>(e));
      sr_person.push_back(service == index_of(kServices, "young_carers") && fam >= 0
                              ? first_child[static_cast<std::size_t>(fam)] : -1);
      sr_service.push_back(service);
      sr_date.push_back(when);
      const double u = r.uniform();
      sr_outcome.push_back(u < 0.80 ? 0 : u < 0.90 ? 1 : u < 0.97 ? 2 : 3);
    }
  }
  // -- Family Hub survey each November in the window, answered by families of the council
  std::vector<int64_t> fv_family, fv_loc;
  std::vector<int32_t> fv_date, fv_question;
  std::vector<int64_t> fv_answer;
  {
    const auto& fam_loc = get<int64_t>(t.at("families"), "locality_id");
    const double size = children_of(council) / children_of(coventry_preset());
    // positive shares from Coventry's survey (389/389 -> kept just below 1 so a negative answer can occur)
    const double positive[3] = {388.5 / 389.0, 384.0 / 389.0, 385.0 / 389.0};
    Rng r(stream_key(opt.seed ^ kVoiceStream, council_index + 1, 0));
    const int32_t first_year = 1970 + static_cast<int32_t>(std::floor(opt.window_start / 365.2425));
    for (int32_t year = first_year - 1; year <= first_year + 200; ++year) {
      // 1 November of `year`, days since 1970-01-01 (civil calendar)
      const int32_t y = year, m = 11, d = 1;
      const int32_t yy = y - (m <= 2);
      const int32_t era = (yy >= 0 ? yy : yy - 399) / 400;
      const int32_t yoe = yy - era * 400;
      const int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
      const int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
      const int32_t nov1 = era * 146097 + doe - 719468;
      if (nov1 > last) break;
      if (nov1 + 29 < opt.window_start || nfam == 0) continue;
      const int n = r.poisson(kSurveyResponses * size * opt.scale);
      for (int k = 0; k < n; ++k) {
        const auto f = static_cast<std::size_t>(r.integer(0, static_cast<int>(nfam) - 1));
        const int32_t when = nov1 + r.integer(0, 29);
        if (when < opt.window_start || when > last) continue;
        for (int q = 0; q < 3; ++q) {
          const bool good = r.bernoulli(positive[q]);
          const double u = r.uniform();
          fv_family.push_back(static_cast<int64_t>(f));
          fv_loc.push_back(fam_loc[f]);
          fv_date.push_back(when);
          fv_question.push_back(q);
          fv_answer.push_back(good ? (u < 0.7 ? 5 : 4) : (u < 0.8 ? 3 : u < 0.95 ? 2 : 1));
        }
      }
    }
  }
  const std::size_t npl = pl_episode.size(), nrv = rv_episode.size(), nsr = sr_family.size(),
                    nfv = fv_family.size();
  t["plans"].columns = {col("plan_id", "id", iota64(npl), "plans"), col("episode_id", "id", std::move(pl_episode), "episodes"),
                        col("agreed_date", "date", std::move(pl_agreed)), col("end_date", "date", std::move(pl_end))};
  t["taf_reviews"].columns = {col("review_id", "id", iota64(nrv), "taf_reviews"),
                              col("episode_id", "id", std::move(rv_episode), "episodes"),
                              col("plan_id", "id", std::move(rv_plan), "plans"),
                              col("due_date", "date", std::move(rv_due)), col("held_date", "date", std::move(rv_held))};
  t["service_referrals"].columns = {col("service_referral_id", "id", iota64(nsr), "service_referrals"),
                                    col("family_id", "id", std::move(sr_family), "families"),
                                    col("episode_id", "id", std::move(sr_episode), "episodes"),
                                    col("person_id", "id", std::move(sr_person), "persons"),
                                    col("service", "code", std::move(sr_service), "service"),
                                    col("referral_date", "date", std::move(sr_date)),
                                    col("outcome", "code", std::move(sr_outcome), "service_referral_outcome")};
  t["family_voice"].columns = {col("response_id", "id", iota64(nfv), "family_voice"),
                               col("family_id", "id", std::move(fv_family), "families"),
                               col("locality_id", "id", std::move(fv_loc), "localities"),
                               col("response_date", "date", std::move(fv_date)),
                               col("question", "code", std::move(fv_question), "voice_question"),
                               col("answer", "int", std::move(fv_answer))};
}

}  // namespace earlyhelp::synthetic
