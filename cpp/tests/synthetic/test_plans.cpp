// Plans, TAF reviews, service referrals and family voice: consistent with the
// episodes they follow, reproducible, and near Coventry's published survey.
#include <gtest/gtest.h>

#include "earlyhelp/synthetic/generator.hpp"
#include "earlyhelp/synthetic/plans.hpp"

using namespace earlyhelp::synthetic;

namespace {

constexpr int32_t kStart = 19448;  // 2023-04-01
constexpr int32_t kEnd = 20178;    // 2025-03-31

Options opts(uint64_t seed) {
  Options o;
  o.window_start = kStart;
  o.window_end = kEnd;
  o.scale = 1.0;
  o.seed = seed;
  return o;
}

template <class T>
const std::vector<T>& col(const Tables& t, const std::string& table, const std::string& column) {
  return std::get<std::vector<T>>(t.at(table).column(column).data);
}

}  // namespace

TEST(SyntheticPlans, FollowTheirEpisodes) {
  Tables t = generate({coventry_preset()}, opts(3));
  const auto& ep_start = col<int32_t>(t, "episodes", "start_date");
  const auto& ep_end = col<int32_t>(t, "episodes", "end_date");
  const auto& pl_ep = col<int64_t>(t, "plans", "episode_id");
  const auto& pl_agreed = col<int32_t>(t, "plans", "agreed_date");
  ASSERT_GT(pl_ep.size(), 1000u);
  for (std::size_t i = 0; i < pl_ep.size(); ++i) {
    const auto e = static_cast<std::size_t>(pl_ep[i]);
    EXPECT_GE(pl_agreed[i], ep_start[e]);
    if (ep_end[e] != kNoDate) {
      EXPECT_LE(pl_agreed[i], ep_end[e]);
    }
    EXPECT_LE(pl_agreed[i], kEnd);
  }
  const auto& rv_plan = col<int64_t>(t, "taf_reviews", "plan_id");
  const auto& rv_due = col<int32_t>(t, "taf_reviews", "due_date");
  const auto& rv_held = col<int32_t>(t, "taf_reviews", "held_date");
  ASSERT_GT(rv_plan.size(), 500u);
  std::size_t on_time = 0;
  for (std::size_t i = 0; i < rv_plan.size(); ++i) {
    EXPECT_GT(rv_due[i], pl_agreed[static_cast<std::size_t>(rv_plan[i])]);
    if (rv_held[i] != kNoDate) {
      EXPECT_LE(rv_held[i], kEnd);
      on_time += rv_held[i] <= rv_due[i];
    }
  }
  const double share = static_cast<double>(on_time) / static_cast<double>(rv_plan.size());
  EXPECT_NEAR(share, 0.78, 0.05);
}

TEST(SyntheticPlans, ServiceReferralsNameKnownServicesAndFamilies) {
  Tables t = generate({coventry_preset()}, opts(4));
  const auto& svc = col<int32_t>(t, "service_referrals", "service");
  const auto& fam = col<int64_t>(t, "service_referrals", "family_id");
  const std::size_t nfam = t.at("families").rows();
  const std::size_t nsvc = code_labels().at("service").size();
  ASSERT_GT(svc.size(), 1000u);
  for (std::size_t i = 0; i < svc.size(); ++i) {
    EXPECT_GE(svc[i], 0);
    EXPECT_LT(static_cast<std::size_t>(svc[i]), nsvc);
    EXPECT_GE(fam[i], 0);
    EXPECT_LT(static_cast<std::size_t>(fam[i]), nfam);
  }
}

TEST(SyntheticPlans, FamilyVoiceNearCoventrySurvey) {
  Tables t = generate({coventry_preset()}, opts(5));
  const auto& q = col<int32_t>(t, "family_voice", "question");
  const auto& a = col<int64_t>(t, "family_voice", "answer");
  // two Novembers in the window, 389 families a year answering three questions
  const double per_year = static_cast<double>(q.size()) / 3.0 / 2.0;
  EXPECT_NEAR(per_year, 389.0, 389.0 * 0.1);
  std::size_t help = 0, help_pos = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    EXPECT_GE(a[i], 1);
    EXPECT_LE(a[i], 5);
    if (q[i] == 1) {
      ++help;
      help_pos += a[i] >= 4;
    }
  }
  EXPECT_NEAR(static_cast<double>(help_pos) / static_cast<double>(help), 384.0 / 389.0, 0.02);
}

TEST(SyntheticPlans, ReproducibleAndThreadIndependent) {
  std::vector<CouncilSpec> two = {coventry_preset(), wolverhampton_preset()};
  Options o1 = opts(9), o2 = opts(9);
  o1.scale = o2.scale = 0.2;
  o2.threads = 2;
  Tables a = generate(two, o1), b = generate(two, o2);
  for (const char* name : {"plans", "taf_reviews", "service_referrals", "family_voice"}) {
    const Table& x = a.at(name);
    const Table& y = b.at(name);
    ASSERT_EQ(x.columns.size(), y.columns.size()) << name;
    for (std::size_t i = 0; i < x.columns.size(); ++i) EXPECT_TRUE(x.columns[i].data == y.columns[i].data) << name;
  }
}
