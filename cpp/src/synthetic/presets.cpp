// Council presets: Coventry (its 2024 Early Help report), Wolverhampton (its 2017 Early
// Intervention report and 2025 Early Help strategy) and a synthetic England of 153 councils
// in the 9 regions.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/synthetic/generator.hpp"
#include "rng.hpp"

namespace earlyhelp::synthetic {

// Coventry over the years (its 2024 Early Help report): requests as published for 2024 (the
// level rises from mid-2023 to mid-2024, so that 2024 closures are about 25% above 2023's); the
// outcomes-met share up 17% on the year in 2024 to 54%, the highest in seven years; 2020-2023
// flat after the lockdown year.
static void coventry_change(ChangeOverTime& ch) {
  ch.request_trend = 0.0;
  ch.reference_year = 2024;
  ch.request_level.years = {2019, 2020, 2021, 2022, 2023, 2024, 2025};
  ch.request_level.level = {0.80, 0.74, 0.76, 0.74, 0.70, 1.06, 1.06};
  ch.outcomes_met_level.years = {2019, 2023, 2024};
  ch.outcomes_met_level.level = {0.66, 0.66, 1.0};
}

CouncilSpec coventry_preset() {
  CouncilSpec c;
  c.code = "E08000026";
  c.name = "Coventry";
  c.region = "E12000005";
  // 4 locality teams (South, West, East, Central), 8 Family Hubs: two hub areas per team.
  c.team_names = {"South", "West", "East", "Central"};
  c.team_fte = {10, 10, 10, 10};
  const char* hubs[8] = {"South hub 1", "South hub 2", "West hub 1", "West hub 2",
                         "East hub 1",  "East hub 2",  "Central hub 1", "Central hub 2"};
  const double children[8] = {10400, 9100, 9600, 8900, 10200, 9800, 11200, 9300};
  const double deprivation[8] = {0.17, 0.21, 0.15, 0.20, 0.27, 0.31, 0.33, 0.28};
  const double domestic_abuse[8] = {0, 0, 0, 0, 0.5, 0.7, 0.8, 0.3};
  for (int i = 0; i < 8; ++i) {
    LocalitySpec l;
    l.name = hubs[i];
    l.kind = 0;
    l.team = i / 2;
    l.child_population = children[i];
    l.deprivation = deprivation[i];
    l.domestic_abuse = domestic_abuse[i];
    c.localities.push_back(l);
  }
  c.requests_per_year = 3195;
  c.mash_share = 0.30;
  coventry_change(c.change);
  // 2780 episodes, 469 partner-held: 428 schools, 2 health, 39 other partners.
  c.lead_council = 1.0 - 469.0 / 2780.0;
  c.lead_school = 428.0 / 2780.0;
  c.lead_health = 2.0 / 2780.0;
  c.lead_vcs = 39.0 / 2780.0;
  c.minority_share = 0.45;
  return c;
}

// Wolverhampton over the years (its 2025 Early Help strategy): child poverty rose from 32.9% (2020) to 38.3%
// (2023). Requests follow deprivation (exp(0.35 (score - 0.2) / 0.08), the generator's
// request model), so the rise carries into a request trend of 0.35 * 0.054 / 0.08 / 3 a
// year (log scale, +8.2% a year), centred on the window so that the yearly figures of
// 2017 (the Early Intervention report) stay the window's average.
static double wolverhampton_request_trend() { return 1.55 * 0.35 * (0.383 - 0.329) / 0.08 / 3.0; }

CouncilSpec wolverhampton_preset() {
  CouncilSpec c;
  c.code = "E08000031";
  c.name = "Wolverhampton";
  c.region = "E12000005";
  const char* names[8] = {"Eastfield", "Bilston", "Graiseley", "Bingley",
                          "Whitmore Reans", "Dove", "Low Hill", "Children's Village"};
  // Demand highest in Children's Village and Whitmore Reans, others broadly equal (the 2017 Early Intervention report).
  const double demand[8] = {1.0, 1.0, 1.05, 1.0, 1.45, 1.0, 1.0, 1.75};
  const double deprivation[8] = {0.30, 0.34, 0.33, 0.30, 0.38, 0.28, 0.36, 0.31};
  // Domestic abuse a leading presenting need in Eastfield, Graiseley, Bingley, Low Hill, Children's Village.
  const double domestic_abuse[8] = {1.0, 0, 1.1, 1.0, 0, 0, 0.9, 0.9};
  // Above-average step-ups in Bingley, Children's Village and Graiseley; they close fastest.
  const double step_up[8] = {0, 0, 0.45, 0.5, 0, 0, 0, 0.45};
  double total = 0;
  for (double d : demand) total += d;
  for (int i = 0; i < 8; ++i) {
    LocalitySpec l;
    l.name = names[i];
    l.kind = 0;
    l.team = i;
    l.child_population = 71000.0 / 8.0;
    l.deprivation = deprivation[i];
    l.demand = demand[i];
    l.domestic_abuse = domestic_abuse[i];
    l.step_up = step_up[i];
    c.localities.push_back(l);
    c.team_names.push_back(names[i]);
    c.team_fte.push_back(72.0 * demand[i] / total);
  }
  // 3,236 MASH referrals in 9 months (~4,300 a year) and ~500 step-ups a year at 10%.
  c.requests_per_year = 6500;
  c.mash_share = 0.84;
  // Early Help Assessments by initiating agency since Oct 2017 (4,467).
  c.lead_council = 0.8545;
  c.lead_school = 0.1256;
  c.lead_health = 0.0016;
  c.lead_vcs = 0.0184;
  c.minority_share = 0.56;
  // The localities carry their published demand differences (the highest demand in
  // Children's Village and Whitmore Reans): no random locality effect on top.
  c.change.locality_sd = 0.0;
  c.change.request_trend = wolverhampton_request_trend();
  return c;
}

std::vector<CouncilSpec> england_preset(uint64_t seed) {
  detail::Rng rng(detail::stream_key(seed, 0xE9, 153));
  // Councils per region (NE, NW, YH, EM, WM, EE, London, SE, SW) and mean deprivation.
  const int per_region[9] = {12, 24, 15, 10, 14, 11, 33, 19, 15};
  const double region_dep[9] = {0.26, 0.25, 0.23, 0.20, 0.24, 0.16, 0.24, 0.14, 0.15};
  const double region_minority[9] = {0.12, 0.25, 0.25, 0.28, 0.38, 0.22, 0.70, 0.22, 0.12};
  std::vector<CouncilSpec> out;
  std::vector<double> sizes;
  for (int r = 0; r < 9; ++r) {
    for (int k = 0; k < per_region[r]; ++k) {
      CouncilSpec c;
      char buf[64];
      std::snprintf(buf, sizeof buf, "E0699%04d", static_cast<int>(out.size()) + 1);
      c.code = buf;
      std::snprintf(buf, sizeof buf, "Council %03d", static_cast<int>(out.size()) + 1);
      c.name = buf;
      std::snprintf(buf, sizeof buf, "E1200000%d", r + 1);
      c.region = buf;
      double dep = std::clamp(region_dep[r] + 0.05 * rng.normal(), 0.05, 0.45);
      c.minority_share = std::clamp(region_minority[r] + 0.08 * rng.normal(), 0.03, 0.9);
      // Council sizes are skewed: a few large counties, many small unitaries.
      sizes.push_back(std::exp(0.65 * rng.normal()));
      LocalitySpec proto;
      proto.deprivation = dep;
      c.localities.push_back(proto);
      out.push_back(c);
    }
  }
  double total = 0;
  for (double s : sizes) total += s;
  for (std::size_t i = 0; i < out.size(); ++i) {
    CouncilSpec& c = out[i];
    const double children = 12.0e6 * sizes[i] / total;
    const double dep = c.localities[0].deprivation;
    c.localities.clear();
    const int n = std::clamp(static_cast<int>(std::lround(children / 9000.0)), 4, 14);
    std::vector<double> share(n);
    double s = 0;
    for (auto& v : share) s += (v = rng.uniform(0.6, 1.4));
    // Per-child request rate from Coventry (3,195 for ~78,500 children), higher where deprived.
    c.requests_per_year = 0.0;
    for (int j = 0; j < n; ++j) {
      LocalitySpec l;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s locality %d", c.name.c_str(), j + 1);
      l.name = buf;
      l.kind = 1;
      l.team = j;
      l.child_population = children * share[j] / s;
      l.deprivation = std::clamp(dep + 0.06 * rng.normal(), 0.03, 0.6);
      l.domestic_abuse = rng.bernoulli(0.3) ? rng.uniform(0.3, 1.0) : 0.0;
      const double requests = l.child_population * 0.036 * std::exp(3.0 * (l.deprivation - 0.22));
      c.requests_per_year += requests;
      c.localities.push_back(l);
      c.team_names.push_back(l.name);
      c.team_fte.push_back(std::max(1.0, requests / 80.0));
    }
  }
  return out;
}

std::vector<CouncilSpec> preset_councils(const std::string& name, uint64_t seed) {
  if (name == "coventry") return {coventry_preset()};
  if (name == "wolverhampton") return {wolverhampton_preset()};
  if (name == "england") return england_preset(seed);
  throw InputError("preset must be one of 'coventry', 'wolverhampton', 'england', not '" + name + "'");
}

}  // namespace earlyhelp::synthetic
