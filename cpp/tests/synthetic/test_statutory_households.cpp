// Households of the statutory children: every child in cin_plans, cp_plans or
// cla_episodes is a member of a family with a locality, and the households made
// for children known only to statutory services follow the designed locality
// weights (child population x demand x exp(0.35 deprivation z)).
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "earlyhelp/synthetic/generator.hpp"

using namespace earlyhelp::synthetic;

namespace {

template <class T>
const std::vector<T>& values(const Tables& t, const std::string& table, const std::string& column) {
  return std::get<std::vector<T>>(t.at(table).column(column).data);
}

Tables wolverhampton() {
  Options o;
  o.window_start = 19083;  // 2022-04-01
  o.window_end = 20178;    // 2025-03-31
  o.scale = 0.5;
  o.seed = 11;
  return generate({wolverhampton_preset()}, o);
}

}  // namespace

TEST(StatutoryHouseholds, EveryStatutoryChildHasAFamilyWithALocality) {
  const Tables t = wolverhampton();
  std::set<int64_t> members(values<int64_t>(t, "family_members", "person_id").begin(),
                            values<int64_t>(t, "family_members", "person_id").end());
  const auto& loc = values<int64_t>(t, "families", "locality_id");
  for (int64_t l : loc) ASSERT_GE(l, 0);
  for (const char* table : {"cin_plans", "cp_plans", "cla_episodes"}) {
    const auto& person = values<int64_t>(t, table, "person_id");
    ASSERT_FALSE(person.empty()) << table;
    for (int64_t p : person) ASSERT_TRUE(members.count(p)) << table << " person " << p;
  }
}

TEST(StatutoryHouseholds, FollowTheDesignedLocalityWeightsAndHaveNoEarlyHelpRows) {
  const Tables t = wolverhampton();
  const CouncilSpec spec = wolverhampton_preset();
  // The modelled Early Help families come first; the statutory households follow them.
  const std::size_t modelled = values<int64_t>(t, "truth_families", "family_id").size();
  const auto& loc = values<int64_t>(t, "families", "locality_id");
  ASSERT_GT(loc.size(), modelled + 1000);
  std::vector<double> share(spec.localities.size(), 0.0), design;
  for (std::size_t f = modelled; f < loc.size(); ++f) share[static_cast<std::size_t>(loc[f])] += 1.0;
  double total = 0;
  for (const auto& l : spec.localities)
    total += design.emplace_back(l.child_population * l.demand * std::exp(0.35 * (l.deprivation - 0.2) / 0.08));
  const double n = static_cast<double>(loc.size() - modelled);
  for (std::size_t l = 0; l < share.size(); ++l) {
    const double p = design[l] / total;
    // five binomial standard errors
    EXPECT_NEAR(share[l] / n, p, 5 * std::sqrt(p * (1 - p) / n)) << spec.localities[l].name;
  }
  for (const char* table : {"requests", "episodes", "involvements", "service_referrals", "family_voice"})
    for (int64_t f : values<int64_t>(t, table, "family_id")) ASSERT_LT(f, static_cast<int64_t>(modelled)) << table;
  // one child member each
  const auto& m_family = values<int64_t>(t, "family_members", "family_id");
  const auto& m_role = values<int32_t>(t, "family_members", "role");
  std::size_t added = 0;
  for (std::size_t i = 0; i < m_family.size(); ++i) {
    if (m_family[i] < static_cast<int64_t>(modelled)) continue;
    ++added;
    EXPECT_EQ(m_role[i], 0);
  }
  EXPECT_EQ(added, loc.size() - modelled);
}
