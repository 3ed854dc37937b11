// The synthetic council generator: a family-level event simulation.
//
// Each council holds a population of families (child population / 1.9). Each
// family has latent drivers (need z, engagement e, unobserved noise), observable
// traits (locality deprivation, children and their ages, a stable set of core
// needs from the ten Supporting Families outcomes, a linked household) and from
// these three true quantities:
//   lambda          requests a year while the family is idle (seasonal arrivals),
//   p_step_up       probability that any episode of the family ends in step-up,
//   p_rereferral    probability that a new request follows within 365 days of an
//                   episode closing (for closures other than step-up / moved away).
// The simulation uses exactly these probabilities, so ds.truth is the oracle.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/parallel.hpp"
#include "earlyhelp/synthetic/generator.hpp"
#include "earlyhelp/synthetic/oracle.hpp"
#include "columns.hpp"
#include "earlyhelp/synthetic/plans.hpp"
#include "earlyhelp/synthetic/statutory.hpp"
#include "rng.hpp"

namespace earlyhelp::synthetic {

using detail::Rng;
using detail::sigmoid;
using detail::stream_key;

// ---------------------------------------------------------------- code lists
namespace {

const std::vector<std::string> kAgencyTypes = {
    "la_early_help", "la_social_care", "school", "early_years", "health_visitor", "school_nurse",
    "gp", "camhs", "midwifery", "health_other", "police", "housing", "youth_justice",
    "substance_misuse", "domestic_abuse_service", "adult_services", "vcs", "other"};
enum Agency { LA_EH, LA_SC, SCHOOL, EARLY_YEARS, HEALTH_VISITOR, SCHOOL_NURSE, GP, CAMHS, MIDWIFERY,
              HEALTH_OTHER, POLICE, HOUSING, YOUTH_JUSTICE, SUBSTANCE, DA_SERVICE, ADULT, VCS, OTHER_AG,
              N_AGENCY };

const std::vector<std::string> kSources = {"1A", "1B", "1C", "1D", "2A", "2B", "3A", "3B", "3C", "3D", "3E",
                                           "3F", "4", "5A", "5B", "5C", "5D", "6", "7", "8", "9", "10"};
enum Source { S1A, S1B, S1C, S1D, S2A, S2B, S3A, S3B, S3C, S3D, S3E, S3F, S4, S5A, S5B, S5C, S5D, S6, S7, S8,
              S9, S10, N_SOURCE };

const std::vector<std::string> kNeeds = {"education", "early_years", "health", "substance_use", "child_safety",
                                         "family_relationships", "crime", "domestic_abuse", "housing",
                                         "financial_stability"};
enum Need { EDUCATION, EARLY_YEARS_N, HEALTH, SUBSTANCE_USE, CHILD_SAFETY, FAMILY_REL, CRIME, DOMESTIC_ABUSE,
            HOUSING_N, FINANCIAL, N_NEED };

const std::vector<std::string> kEndReasons = {"outcomes_met", "step_up", "step_down_universal", "disengaged",
                                              "moved_away", "transferred", "other"};
enum EndReason { OUTCOMES_MET, STEP_UP, STEP_DOWN_UNIVERSAL, DISENGAGED, MOVED_AWAY, TRANSFERRED, OTHER_END };

const std::vector<std::string> kDecisions = {"nfa", "advice_signpost", "early_help", "social_care_referral",
                                             "existing_case"};
enum Decision { NFA, ADVICE, EARLY_HELP, SOCIAL_CARE, EXISTING_CASE };

const std::vector<std::string> kFactors = {"1",   "2",   "3",   "4",   "5",   "6",  "7A", "9A",
                                           "10A", "11A", "12A", "13A", "14A", "15A", "16A", "17A",
                                           "18",  "19",  "20",  "21",  "22A", "23A", "24A"};

const std::vector<std::string> kEthnicity = {"WBRI", "WIRI", "WIRT", "WOTH", "WROM", "MWBC", "MWBA",
                                             "MWAS", "MOTH", "AIND", "APKN", "ABAN", "AOTH", "BCRB",
                                             "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT"};
const std::vector<std::string> kDisability = {"NONE", "MOB", "HAND", "PC", "INC", "COMM", "LD",
                                              "HEAR", "VIS", "BEH", "CON", "AUT", "DDA"};

constexpr double kYear = 365.25;
constexpr double kGoldenFraction = 0.6180339887498949;
// Weight of pure noise on the step-up and re-referral logits. Kept small so that a
// model of the council's tables can come close to the oracle (ds.truth): the gap
// then measures modelling, not unknowable luck.
constexpr double kUnobserved = 0.15;
// Episodes with an Early Help Assessment. Coventry published 1,963 of 2,780 (0.706): at 0.69 its
// generated assessments run about 2% below that from this share alone.
constexpr double kAssessedShare = 0.69;
// Days from starting an Early Help Assessment to completing it: log-logistic with a median of
// 24 days and 1 in 10 drawn over 45 (an assumption: no published figure; local standards ask
// for 4 to 6 weeks, and a council's share within them is a measure of the pack, which a fixed
// range of days would always put at 100%). Fewer are seen over 45: an episode that closes
// first completes its assessment by its close.
constexpr double kAssessMedianDays = 24.0;
constexpr double kAssessShape = 3.5;  // (45 / 24)^3.5 = 9: 1 in 10 over 45 days
constexpr int32_t kNa = -1;
constexpr int32_t kPreBirthDays = 180;  // requests about a coming baby start this long before birth
constexpr int kMaxStepsOnOneDay = 1000;  // steps of one family without time moving on: a fault

// ------------------------------------------------------------ output builders
struct Rows {
  // localities
  std::vector<std::string> loc_name, loc_council_code, loc_council_name, loc_region;
  std::vector<int32_t> loc_kind;
  std::vector<int64_t> loc_children;
  std::vector<double> loc_dep;
  // agencies
  std::vector<int64_t> ag_id_loc;
  std::vector<std::string> ag_name;
  std::vector<int32_t> ag_type;
  // practitioners
  std::vector<int64_t> pr_agency, pr_loc;
  std::vector<int32_t> pr_tier;
  std::vector<double> pr_fte;
  std::vector<int64_t> pr_capacity;
  // requests (family as population index until finalised)
  std::vector<int64_t> rq_family, rq_child, rq_children;
  std::vector<int32_t> rq_received, rq_source, rq_route, rq_decision, rq_decision_date;
  // episodes
  std::vector<int64_t> ep_family, ep_lead, ep_lead_agency, ep_loc;
  std::vector<int32_t> ep_start, ep_end, ep_origin, ep_end_reason;
  std::vector<int64_t> ep_level;
  // the closure model of each episode (truth_episodes; oracle.hpp)
  std::vector<double> te_p_end[kEndReasonCount];
  std::vector<double> te_duration_scale, te_p_rr;
  // assessments
  std::vector<int64_t> as_episode, as_agency;
  std::vector<int32_t> as_started, as_completed;
  // family needs
  std::vector<int64_t> fn_episode;
  std::vector<int32_t> fn_need, fn_identified;
  std::vector<int8_t> fn_resolved, fn_sustained;
  // involvements
  std::vector<int64_t> iv_practitioner, iv_family, iv_episode;
  std::vector<int32_t> iv_role, iv_start, iv_end;
  // social care referrals and assessments
  std::vector<int64_t> cr_family, cr_child;
  std::vector<int32_t> cr_date, cr_source, cr_need, cr_close, cr_reason;
  std::vector<int8_t> cr_nfa;
  std::vector<int64_t> ca_referral, ca_family, ca_child;
  std::vector<int32_t> ca_start, ca_auth;
  std::vector<int64_t> ca_factors;
};

struct Family {
  float lambda = 0, z = 0, engagement = 0, dep_z = 0;
  float p_step = 0, p_rr = 0, p_front = 0;
  float lp_step = 0, lp_rr = 0;
  uint16_t needs = 0;
  uint8_t loc = 0, n_children = 1, n_adults = 1, youngest = 0, oldest = 0;
  int32_t partner = -1;      // linked household
  uint8_t link_owner = 0;    // owns the shared person
  uint8_t link_child = 0;    // shared person is a child (else an adult)
};

int popcount16(uint16_t v) {
  int n = 0;
  while (v) {
    n += v & 1;
    v >>= 1;
  }
  return n;
}

// Children's ages (whole years at the middle of the data window), own stream.
void children_ages(uint64_t key, int n, int* ages) {
  Rng r(key);
  for (int i = 0; i < n; ++i) ages[i] = std::min(17, static_cast<int>(r.uniform() * 18.0));
  // Insertion sort (what std::sort does for so few): GCC 12 warns falsely about std::sort's
  // 16-element branch on an 8-element array.
  for (int i = 1; i < n; ++i) {
    const int v = ages[i];
    int j = i;
    for (; j > 0 && ages[j - 1] > v; --j) ages[j] = ages[j - 1];
    ages[j] = v;
  }
}

// Children's birth days: ages at `mid` (children_ages) less a day of the year, own stream.
// Children age over the window: some are born in it, some turn 18 in it.
void children_births(uint64_t seed, std::size_t council, uint64_t f, int n, int32_t mid, int32_t* births) {
  int ages[8];
  children_ages(stream_key(seed, council, f, 1), n, ages);
  Rng r(stream_key(seed, council, f, 4));
  for (int i = 0; i < n; ++i) births[i] = mid - static_cast<int32_t>(ages[i] * kYear) - r.integer(0, 364);
}

// An assessment's days to completion at quantile u of its distribution (see kAssessShape).
int32_t assessment_days(double u) {
  u = std::clamp(u, 1e-9, 1.0 - 1e-9);
  const double days = kAssessMedianDays * std::pow(u / (1.0 - u), 1.0 / kAssessShape);
  return static_cast<int32_t>(std::lround(std::clamp(days, 3.0, 365.0)));
}

int32_t eighteenth_birthday(int32_t birth) { return birth + static_cast<int32_t>(std::lround(18 * kYear)); }

// Solve b so that the weighted mean of sigmoid(b + lp) equals target: Newton's
// method inside a shrinking bracket (the mean is increasing in b), a few passes
// over the families instead of the dozens bisection needs.
double solve_intercept(const std::vector<Family>& fam, bool step, double target) {
  // Episodes per family saturate with the request rate (arrivals wait while an episode is open).
  auto weight = [](const Family& f) { return f.lambda / (1.0 + 0.6 * f.lambda); };
  double lo = -15, hi = 10, b = 0, wsum = 0, wlp = 0;
  for (const auto& f : fam) {
    const double w = weight(f);
    wsum += w;
    wlp += w * (step ? f.lp_step : f.lp_rr);
  }
  if (wsum <= 0) return 0;
  b = std::clamp(std::log(target / (1 - target)) - wlp / wsum, lo, hi);
  for (int it = 0; it < 40; ++it) {
    double mean = 0, slope = 0;
    for (const auto& f : fam) {
      const double p = sigmoid(b + (step ? f.lp_step : f.lp_rr));
      const double w = weight(f);
      mean += w * p;
      slope += w * p * (1 - p);
    }
    mean /= wsum;
    slope /= wsum;
    const double gap = mean - target;
    if (std::abs(gap) < 1e-9) break;
    (gap < 0 ? lo : hi) = b;
    double next = slope > 0 ? b - gap / slope : 0.5 * (lo + hi);
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);  // Newton left the bracket: bisect
    if (hi - lo < 1e-10) break;
    b = next;
  }
  return b;
}

// A partner agency's service in words, for its name ("Coventry domestic abuse service",
// not the code "domestic_abuse_service").
std::string partner_service_name(int type) {
  switch (type) {
    case LA_SC: return "children's social care";
    case EARLY_YEARS: return "early years";
    case HEALTH_VISITOR: return "health visiting";
    case SCHOOL_NURSE: return "school nursing";
    case GP: return "GP practices";
    case CAMHS: return "CAMHS";
    case MIDWIFERY: return "midwifery";
    case HEALTH_OTHER: return "community health";
    case POLICE: return "police";
    case HOUSING: return "housing";
    case YOUTH_JUSTICE: return "youth justice";
    case SUBSTANCE: return "substance misuse service";
    case DA_SERVICE: return "domestic abuse service";
    case ADULT: return "adult social care";
    case VCS: return "voluntary sector";
    default: return kAgencyTypes[type];
  }
}

class CouncilSim {
 public:
  CouncilSim(const CouncilSpec& spec, std::size_t index, const Options& opt, std::atomic<std::size_t>* done,
             const std::atomic<bool>* cancel)
      : spec_(spec), index_(index), opt_(opt), done_(done), cancel_(cancel) {}

  Rows run() {
    build_localities_and_workforce();
    profile_ = arrival_profile(spec_.change, spec_.localities.size(), sim_start(), opt_.window_end,
                               stream_key(opt_.seed, index_, 0xC4A6));
    build_families();
    included_.assign(fam_.size(), 0);
    Rng quota(stream_key(opt_.seed, index_, 0x1EAD));
    lead_u_ = quota.uniform();
    for (double& u : assess_u_) u = quota.uniform();
    for (std::size_t f = 0; f < fam_.size(); ++f) {
      simulate(static_cast<int32_t>(f));
      if ((f & 4095) == 4095) {
        done_->fetch_add(4096);
        if (cancel_->load()) throw Cancelled();
      }
    }
    done_->fetch_add(fam_.size() & 4095);
    finalise();
    return std::move(out_);
  }

  std::vector<int64_t> truth_family_index;  // population index of each output family

  const std::vector<Family>& families() const { return fam_; }
  const ArrivalProfile& profile() const { return profile_; }
  const CouncilSpec& spec() const { return spec_; }

 private:
  int32_t sim_start() const { return opt_.window_start - 365; }

  // ------------------------------------------------------------ workforce
  void add_agency(const std::string& name, int type, int64_t loc) {
    out_.ag_name.push_back(name);
    out_.ag_type.push_back(type);
    out_.ag_id_loc.push_back(loc);
  }
  int64_t add_practitioner(int64_t agency, int64_t loc, int tier, double fte, int capacity) {
    out_.pr_agency.push_back(agency);
    out_.pr_loc.push_back(loc);
    out_.pr_tier.push_back(tier);
    out_.pr_fte.push_back(fte);
    out_.pr_capacity.push_back(capacity);
    return static_cast<int64_t>(out_.pr_agency.size()) - 1;
  }

  void build_localities_and_workforce() {
    Rng r(stream_key(opt_.seed, index_, 0xA6E));
    const std::size_t nl = spec_.localities.size();
    for (const auto& l : spec_.localities) {
      out_.loc_name.push_back(l.name);
      out_.loc_kind.push_back(l.kind);
      out_.loc_children.push_back(std::llround(l.child_population * opt_.scale));
      out_.loc_dep.push_back(l.deprivation);
      out_.loc_council_code.push_back(spec_.code);
      out_.loc_council_name.push_back(spec_.name);
      out_.loc_region.push_back(spec_.region);
    }
    by_type_.assign(nl, std::vector<std::vector<int64_t>>(N_AGENCY));
    leads_.assign(nl, std::vector<std::vector<int64_t>>(4));
    // Council early help teams: 2 team leaders + practitioners making up the team FTE.
    const std::size_t nt = spec_.team_names.size();
    std::vector<std::vector<int64_t>> team_locs(nt);
    for (std::size_t i = 0; i < nl; ++i) team_locs[spec_.localities[i].team].push_back(static_cast<int64_t>(i));
    std::vector<std::vector<int64_t>> team_workers(nt);
    for (std::size_t t = 0; t < nt; ++t) {
      if (team_locs[t].empty()) continue;
      const int64_t agency = static_cast<int64_t>(out_.ag_name.size());
      add_agency(spec_.name + " Early Help " + spec_.team_names[t], LA_EH, team_locs[t][0]);
      // Leaders scale with the council too: at scale 0.5 one leader, below that a part-time one.
      const double leader_fte = 2.0 * opt_.scale;
      const int leaders = std::max(1, static_cast<int>(std::lround(leader_fte)));
      for (int k = 0; k < leaders; ++k)
        add_practitioner(agency, team_locs[t][k % team_locs[t].size()], 0, std::min(1.0, leader_fte / leaders), 4);
      double remaining = std::max(0.1, spec_.team_fte[t] * opt_.scale);
      int k = 0;
      while (remaining > 0.05) {
        double fte = r.bernoulli(0.7) ? 1.0 : (r.bernoulli(0.5) ? 0.8 : 0.6);
        fte = std::min(fte, remaining);
        if (fte < 0.3) fte = remaining;
        remaining -= fte;
        int64_t loc = team_locs[t][k++ % team_locs[t].size()];
        team_workers[t].push_back(add_practitioner(agency, loc, 0, fte, static_cast<int>(std::lround(15 * fte))));
      }
    }
    for (std::size_t i = 0; i < nl; ++i) leads_[i][0] = team_workers[spec_.localities[i].team];
    // Schools in each locality: a pastoral lead (frequent) and a DSL (regular).
    for (std::size_t i = 0; i < nl; ++i) {
      int schools = std::max(1, static_cast<int>(std::lround(spec_.localities[i].child_population * opt_.scale / 3000.0)));
      for (int s = 0; s < schools; ++s) {
        const int64_t agency = static_cast<int64_t>(out_.ag_name.size());
        add_agency(spec_.localities[i].name + " school " + std::to_string(s + 1), SCHOOL, static_cast<int64_t>(i));
        int64_t lead = add_practitioner(agency, static_cast<int64_t>(i), 0, 1.0, 6);
        int64_t dsl = add_practitioner(agency, static_cast<int64_t>(i), 1, 1.0, 4);
        leads_[i][1].push_back(lead);
        by_type_[i][SCHOOL].push_back(lead);
        by_type_[i][SCHOOL].push_back(dsl);
      }
    }
    // Council-wide partner agencies with practitioners placed in each locality.
    struct Partner { int type; int tier; int per_locality; int capacity; };
    const Partner partners[] = {
        {LA_SC, 0, 2, 15},        {EARLY_YEARS, 1, 1, 8}, {HEALTH_VISITOR, 1, 2, 10}, {SCHOOL_NURSE, 1, 1, 10},
        {GP, 3, 2, 20},           {CAMHS, 2, 1, 12},      {MIDWIFERY, 2, 1, 12},      {HEALTH_OTHER, 2, 1, 12},
        {POLICE, 2, 1, 20},       {HOUSING, 2, 1, 15},    {YOUTH_JUSTICE, 2, 1, 10},  {SUBSTANCE, 2, 1, 12},
        {DA_SERVICE, 2, 1, 12},   {ADULT, 3, 1, 20},      {VCS, 0, 1, 8},             {VCS, 3, 1, 10}};
    for (const auto& p : partners) {
      const int64_t agency = static_cast<int64_t>(out_.ag_name.size());
      std::string label = partner_service_name(p.type);
      if (p.type == VCS) label += p.tier == 0 ? " family support" : " volunteers";
      add_agency(spec_.name + " " + label, p.type, -1);
      for (std::size_t i = 0; i < nl; ++i) {
        int n = std::max(1, static_cast<int>(std::lround(p.per_locality * opt_.scale *
                                                         spec_.localities[i].child_population / 10000.0)));
        for (int k = 0; k < n; ++k) {
          double fte = r.bernoulli(0.75) ? 1.0 : 0.6;
          int64_t id = add_practitioner(agency, static_cast<int64_t>(i), p.tier, fte,
                                        static_cast<int>(std::lround(p.capacity * fte)));
          by_type_[i][p.type].push_back(id);
          if (p.type == HEALTH_VISITOR) leads_[i][2].push_back(id);
          if (p.type == VCS && p.tier == 0) leads_[i][3].push_back(id);
        }
      }
    }
  }

  // ------------------------------------------------------------ families
  void build_families() {
    // Families per locality, in contiguous blocks.
    std::vector<int> ages(8);
    for (std::size_t l = 0; l < spec_.localities.size(); ++l) {
      const auto& L = spec_.localities[l];
      const int64_t n = std::llround(L.child_population * opt_.scale / 1.9);
      const double dep_z = (L.deprivation - 0.2) / 0.08;
      const std::size_t first = fam_.size();
      for (int64_t k = 0; k < n; ++k) {
        const auto f = static_cast<uint64_t>(fam_.size());
        Rng r(stream_key(opt_.seed, index_, f, 0));
        Family F;
        F.loc = static_cast<uint8_t>(l);
        F.dep_z = static_cast<float>(dep_z);
        F.n_children = static_cast<uint8_t>(std::min(6, 1 + r.poisson(0.9)));
        children_ages(stream_key(opt_.seed, index_, f, 1), F.n_children, ages.data());
        F.youngest = static_cast<uint8_t>(ages[0]);
        F.oldest = static_cast<uint8_t>(ages[F.n_children - 1]);
        F.n_adults = static_cast<uint8_t>(1 + (r.bernoulli(0.55) ? 1 : 0) + (r.bernoulli(0.08) ? 1 : 0));
        const double z = r.normal(), e = r.normal(), u = r.normal(), u2 = r.normal();
        F.z = static_cast<float>(z);
        F.engagement = static_cast<float>(e);
        // Core needs: a "toxic trio" factor (domestic abuse, mental health, substance use),
        // deprivation (housing, money) and children's ages (early years, education, crime).
        const double trio = 0.4 * z + 0.9 * r.normal();
        const bool under5 = F.youngest < 5, school = F.oldest >= 5, teen = F.oldest >= 13;
        double logit[N_NEED];
        logit[EDUCATION] = school ? -0.5 + 0.2 * z : -6;
        logit[EARLY_YEARS_N] = under5 ? -0.6 + 0.2 * dep_z : -6;
        logit[HEALTH] = -0.4 + 1.4 * trio;
        logit[SUBSTANCE_USE] = -2.7 + 1.6 * trio;
        logit[CHILD_SAFETY] = -1.5 + 0.5 * trio + 0.6 * z;
        logit[FAMILY_REL] = -0.3 + 0.3 * z;
        logit[CRIME] = teen ? -1.6 + 0.5 * z : -5;
        logit[DOMESTIC_ABUSE] = -1.2 + 1.5 * trio + L.domestic_abuse;
        logit[HOUSING_N] = -1.7 + 0.35 * dep_z + 0.3 * z;
        logit[FINANCIAL] = -1.2 + 0.4 * dep_z + 0.2 * z;
        for (int k2 = 0; k2 < N_NEED; ++k2)
          if (r.bernoulli(sigmoid(logit[k2]))) F.needs |= static_cast<uint16_t>(1u << k2);
        if (F.needs == 0) F.needs = static_cast<uint16_t>(1u << (school ? EDUCATION : FAMILY_REL));
        const int nn = popcount16(F.needs);
        auto has = [&](int k2) { return (F.needs >> k2) & 1u ? 1.0 : 0.0; };
        F.lp_step = static_cast<float>(0.9 * has(CHILD_SAFETY) + 0.5 * has(DOMESTIC_ABUSE) +
                                       0.5 * has(SUBSTANCE_USE) + 0.25 * has(HEALTH) + 0.2 * dep_z + L.step_up +
                                       0.35 * (under5 ? 1 : 0) + 0.25 * (F.n_children >= 3 ? 1 : 0) + 0.2 * z +
                                       kUnobserved * u);
        F.lp_rr = static_cast<float>(0.15 * nn + 0.3 * z - 0.35 * e + 0.15 * dep_z + 0.3 * (teen ? 1 : 0) + kUnobserved * u2);
        F.p_front = static_cast<float>(sigmoid(-3.2 + 0.7 * z + 1.0 * has(CHILD_SAFETY) + 0.4 * has(DOMESTIC_ABUSE)));
        // Request rate (relative; scaled below).
        F.lambda = static_cast<float>(std::exp(0.35 * dep_z + std::log(L.demand * profile_.locality_effect[l]) + 0.75 * z +
                                               0.15 * (F.n_children - 1) + 0.2 * nn));
        fam_.push_back(F);
      }
      // Linked households: pairs of families in the locality sharing an adult or a child.
      Rng r(stream_key(opt_.seed, index_, 0x11AC, l));
      int32_t open = -1;
      for (std::size_t f = first; f < fam_.size(); ++f) {
        if (!r.bernoulli(0.07)) continue;
        if (open < 0) {
          open = static_cast<int32_t>(f);
        } else {
          fam_[open].partner = static_cast<int32_t>(f);
          fam_[f].partner = open;
          fam_[open].link_owner = 1;
          const uint8_t child = r.bernoulli(0.4) ? 1 : 0;
          fam_[open].link_child = fam_[f].link_child = child;
          open = -1;
        }
      }
    }
    // Linked households step up more and are re-referred more.
    for (auto& F : fam_) {
      if (F.partner >= 0) {
        F.lp_step += 0.5f;
        F.lp_rr += 0.3f;
        F.lambda *= 1.3f;
      }
    }
    // Scale request rates to the council's target and solve the intercepts.
    double total = 0;
    for (const auto& F : fam_) total += F.lambda;
    // Arrivals are blocked while a family is in an episode or after a closure
    // without re-referral; 1.10 compensates (found by simulation).
    const double target = spec_.requests_per_year * opt_.scale * 1.10;
    const double r0 = total > 0 ? target / total : 0;
    for (auto& F : fam_) F.lambda = static_cast<float>(std::min(4.0, F.lambda * r0));
    const double b_step = solve_intercept(fam_, true, spec_.step_up_rate);
    const double b_rr = solve_intercept(fam_, false, spec_.rereferral_rate);
    for (auto& F : fam_) {
      F.p_step = static_cast<float>(sigmoid(b_step + F.lp_step));
      F.p_rr = static_cast<float>(sigmoid(b_rr + F.lp_rr));
    }
  }

  // ------------------------------------------------------------ simulation
  double next_arrival(Rng& r, const Family& F, double t) const {
    if (F.lambda <= 0) return std::numeric_limits<double>::infinity();
    const auto& intensity = profile_.intensity[F.loc];
    const double smax = profile_.max_intensity[F.loc];
    const double rate = F.lambda / kYear * smax;
    const int32_t first = sim_start();
    while (true) {
      t += r.exponential(rate);
      if (t > opt_.window_end + 1.0) return std::numeric_limits<double>::infinity();
      auto d = static_cast<int32_t>(std::floor(t));
      if (d < first) continue;
      if (d - first >= static_cast<int32_t>(intensity.size())) return std::numeric_limits<double>::infinity();
      if (r.uniform() * smax < intensity[d - first]) return t;
    }
  }

  // The source of a request on `day`: schools (2A, 2B) with the day's school share
  // (change.hpp), relative to each route's usual school share; otherwise by the route's mix.
  int draw_source(Rng& r, int route, int32_t day) const {
    if (route == 2) return S5A;
    static const double mash[N_SOURCE] = {0.04, 0.01, 0.02, 0.02, 0.16, 0.03, 0.03, 0.03, 0.02, 0.02, 0.04,
                                          0.04, 0.04, 0.00, 0.05, 0.02, 0.00, 0.38, 0.02, 0.03, 0.02, 0.04};
    static const double direct[N_SOURCE] = {0.08, 0.01, 0.06, 0.01, 0.28, 0.04, 0.05, 0.08, 0.04, 0.03, 0.01,
                                            0.03, 0.05, 0.00, 0.07, 0.01, 0.06, 0.04, 0.01, 0.08, 0.01, 0.01};
    const double* w = route == 1 ? mash : direct;
    double total = 0;
    for (int s = 0; s < N_SOURCE; ++s) total += w[s];
    const double base_school = (w[S2A] + w[S2B]) / total;
    const auto i = static_cast<std::size_t>(std::clamp<int64_t>(int64_t{day} - profile_.first, 0,
                                                                static_cast<int64_t>(profile_.school_probability.size()) - 1));
    // odds of a school source scaled by the day's odds against the average day's
    const double q = profile_.school_probability[i], q0 = spec_.change.school_share;
    const double odds = base_school / (1 - base_school) * (q / std::max(1e-9, 1 - q)) / (q0 / (1 - q0));
    const bool school = r.bernoulli(odds / (1 + odds));
    double sub[N_SOURCE];
    for (int s = 0; s < N_SOURCE; ++s) sub[s] = ((s == S2A || s == S2B) == school) ? w[s] : 0.0;
    return r.categorical(sub);
  }

  void add_request(int32_t f, int child, int children, int32_t day, int source, int route, int decision,
                   int32_t decision_day) {
    if (day < opt_.window_start || day > opt_.window_end) return;
    if (decision_day > opt_.window_end) {
      decision = kNa;
      decision_day = kNoDate;
    }
    out_.rq_family.push_back(f);
    out_.rq_child.push_back(child);
    out_.rq_children.push_back(children);
    out_.rq_received.push_back(day);
    out_.rq_source.push_back(source);
    out_.rq_route.push_back(route);
    out_.rq_decision.push_back(decision);
    out_.rq_decision_date.push_back(decision_day);
    included_[f] = 1;
  }

  int primary_need(const Family& F) const {
    auto has = [&](int k) { return (F.needs >> k) & 1u; };
    if (has(CHILD_SAFETY)) return 1;
    if (has(DOMESTIC_ABUSE) || has(SUBSTANCE_USE)) return 5;
    if (has(HEALTH)) return 3;
    if (has(CRIME)) return 6;
    if (has(FINANCIAL)) return 7;
    return 4;
  }

  int64_t factor_mask(Rng& r, const Family& F) const {
    auto has = [&](int k) { return (F.needs >> k) & 1u; };
    int64_t m = 0;
    auto set = [&](int i) { m |= (int64_t{1} << i); };
    if (has(SUBSTANCE_USE)) set(r.bernoulli(0.5) ? 0 : 1);
    if (has(DOMESTIC_ABUSE)) set(2);
    if (has(HEALTH)) set(r.bernoulli(0.2) ? 13 : 3);
    if (has(FAMILY_REL) && r.bernoulli(0.2)) set(6);
    if (has(CHILD_SAFETY)) set(r.bernoulli(0.5) ? 14 : (r.bernoulli(0.6) ? 15 : 16));
    if (has(CRIME)) set(r.bernoulli(0.7) ? 12 : 22);
    if (m == 0) set(19);
    return m;
  }

  // A referral to children's social care; returns the day the family leaves
  // social care, and whether it was stepped down to early help (RC9).
  std::pair<int32_t, bool> csc_referral(Rng& r, int32_t f, int child, int32_t day, int source, bool front) {
    const Family& F = fam_[f];
    const int32_t end = opt_.window_end;
    int32_t close = day;
    int reason = kNa;
    int8_t nfa = 0;
    int32_t a_start = kNoDate, a_auth = kNoDate;
    if (r.bernoulli(front ? 0.25 : 0.06)) {
      nfa = 1;
    } else {
      a_start = day + r.integer(0, 5);
      a_auth = a_start + r.integer(10, 45);
      const double u = r.uniform();
      if (u < 0.40) {
        reason = 8;  // RC9: closed after assessment, referred to early help
        close = a_auth + r.integer(0, 10);
      } else if (u < 0.68) {
        reason = 7;  // RC8: closed after assessment, no further action
        close = a_auth + r.integer(0, 10);
      } else {  // child in need plan, closed later
        close = a_auth + r.integer(60, 400);
        const double v = r.uniform();
        reason = v < 0.5 ? 7 : (v < 0.8 ? 8 : (v < 0.9 ? 4 : 2));
      }
    }
    const bool open = close > end;
    const int32_t rec_close = open ? kNoDate : close;
    if (day <= end && (day >= opt_.window_start || open || close >= opt_.window_start)) {
      const int64_t ref = static_cast<int64_t>(out_.cr_family.size());
      out_.cr_family.push_back(f);
      out_.cr_child.push_back(child);
      out_.cr_date.push_back(day);
      out_.cr_source.push_back(source);
      out_.cr_need.push_back(primary_need(F));
      out_.cr_nfa.push_back(nfa);
      out_.cr_close.push_back(rec_close);
      out_.cr_reason.push_back(open ? kNa : reason);
      included_[f] = 1;
      if (a_start != kNoDate && a_start <= end) {
        out_.ca_referral.push_back(ref);
        out_.ca_family.push_back(f);
        out_.ca_child.push_back(child);
        out_.ca_start.push_back(a_start);
        out_.ca_auth.push_back(a_auth <= end ? a_auth : kNoDate);
        out_.ca_factors.push_back(factor_mask(r, F));
      }
    }
    if (open) return {std::numeric_limits<int32_t>::max(), false};
    return {close, reason == 8};
  }

  int64_t pick(Rng& r, const std::vector<int64_t>& v) const {
    if (v.empty()) return -1;
    return v[static_cast<std::size_t>(r.uniform() * static_cast<double>(v.size()))];
  }

  // Runs one episode from `start`; returns the time of the family's next arrival,
  // whether that arrival is a forced re-referral request, or infinity.
  struct Next {
    double t;
    bool forced_request;
    bool step_down;
  };

  Next episode(Rng& r, int32_t f, int32_t start, int origin, int child) {
    const Family& F = fam_[f];
    const auto& L = spec_.localities[F.loc];
    const int32_t wend = opt_.window_end;
    // How it ends, and when: the family's own step-up probability is used as is.
    // Disengaged closures reveal low engagement (mean weight 0.14: exp(0.9^2/2) = 1.4993).
    const double dis = 0.14 * std::exp(-0.9 * F.engagement) / 1.4993;
    // Localities with more step-ups close fastest (Wolverhampton's 2017 Early Intervention report).
    const double loc_speed = std::exp(-0.35 * L.step_up - 0.04 * F.dep_z);
    // The outcomes-met level of the year the episode would typically close in.
    const auto typical_end = start + static_cast<int32_t>(kDurationMedian[OUTCOMES_MET] * loc_speed);
    const double met = 0.54 * spec_.change.outcomes_met_level.at(year_of(typical_end));
    const double w[kEndReasonCount] = {met, 0.0, 0.12, dis, 0.04, 0.03, 0.03};
    const int reason = r.bernoulli(F.p_step) ? static_cast<int>(STEP_UP) : r.categorical(w);
    const int dur = std::max(kMinDuration, static_cast<int>(std::lround(
                                               r.lognormal(kDurationMedian[reason] * loc_speed, kDurationSigma))));
    const int32_t end = start + dur;
    const bool open = end > wend;
    const bool recorded = open || end >= opt_.window_start;
    const int32_t cap = open ? wend : end;

    // Who leads: council team or a partner (mostly schools); sometimes nobody named.
    // In the data window, lead kinds and whether an assessment is done follow the
    // published shares through low-discrepancy sequences (quotas, not independent
    // draws): small shares such as health's 0.16% would otherwise rest on a
    // handful of random episodes. Burn-in episodes draw independently.
    const bool in_window = start >= opt_.window_start;
    const double lead_w[4] = {spec_.lead_council, spec_.lead_school, spec_.lead_health, spec_.lead_vcs};
    const int lead_kind = in_window ? detail::categorical_at(lead_w, advance(lead_u_)) : r.categorical(lead_w);
    int64_t lead = pick(r, leads_[F.loc][lead_kind]);
    if (lead < 0) lead = pick(r, leads_[F.loc][0]);
    const int64_t lead_agency = lead >= 0 ? out_.pr_agency[lead] : -1;
    if (r.bernoulli(spec_.no_lead_share)) lead = -1;

    // Needs this episode works on: most of the family's core needs.
    uint16_t needs = 0;
    for (int k = 0; k < N_NEED; ++k)
      if (((F.needs >> k) & 1u) && r.bernoulli(0.85)) needs |= static_cast<uint16_t>(1u << k);
    if (needs == 0) needs = F.needs;
    const int nn = popcount16(needs);
    const int level = (nn <= 2 && r.bernoulli(0.6)) ? 2 : 3;

    // Requests about the family while the episode is open: existing case.
    const int extra = r.poisson(F.lambda * 0.25 * (cap - start) / kYear);
    for (int k = 0; k < extra; ++k) {
      int32_t d = start + r.integer(0, std::max(0, cap - start));
      // drawn in a fixed order before the call (argument order is unspecified in C++)
      const int route = r.bernoulli(spec_.mash_share) ? 1 : 0;
      const int source = draw_source(r, r.bernoulli(spec_.mash_share) ? 1 : 0, d);
      add_request(f, child, 1, d, source, route,
                  EXISTING_CASE, d);
    }

    if (recorded) {
      const int64_t ep = static_cast<int64_t>(out_.ep_family.size());
      out_.ep_family.push_back(f);
      out_.ep_start.push_back(start);
      out_.ep_end.push_back(open ? kNoDate : end);
      out_.ep_level.push_back(level);
      out_.ep_lead.push_back(lead);
      out_.ep_lead_agency.push_back(lead_agency);
      out_.ep_loc.push_back(F.loc);
      out_.ep_origin.push_back(origin);
      out_.ep_end_reason.push_back(open ? kNa : reason);
      record_closure_model(F, w, loc_speed);
      included_[f] = 1;
      // Early Help Assessment (about 7 in 10 episodes), by the lead agency.
      const double assess_u = in_window ? advance(assess_u_[lead_kind]) : r.uniform();
      // What happens after the window's end is not in the data: an episode still open then has
      // no assessment, need or involvement dated later (clamped to the last day, they piled up
      // in the window's last month). A closed episode's come by its close.
      if (assess_u < kAssessedShare) {
        const int32_t drawn = start + r.integer(0, 21);
        const int32_t s = std::min(drawn, cap);
        int32_t c = s + assessment_days(r.uniform());
        if (!open && c > end) c = end;
        if (!open || drawn <= wend) {
          out_.as_episode.push_back(ep);
          out_.as_agency.push_back(lead_agency);
          out_.as_started.push_back(s);
          out_.as_completed.push_back(c > wend ? kNoDate : c);
        }
      }
      for (int k = 0; k < N_NEED; ++k) {
        if (!((needs >> k) & 1u)) continue;
        const int32_t identified = start + r.integer(0, 20);
        if (open && identified > wend) continue;
        out_.fn_episode.push_back(ep);
        out_.fn_need.push_back(k);
        out_.fn_identified.push_back(std::min(identified, cap));
        int8_t resolved = -1, sustained = -1;
        if (!open) {
          resolved = r.bernoulli(reason == OUTCOMES_MET ? 0.85 : 0.25) ? 1 : 0;
          if (resolved) sustained = r.bernoulli(0.8) ? 1 : 0;
        }
        out_.fn_resolved.push_back(resolved);
        out_.fn_sustained.push_back(sustained);
      }
      // Team around the family: the lead plus agencies matched to the needs.
      auto involve = [&](int64_t p, int role, int32_t s) {
        if (p < 0) return;
        out_.iv_practitioner.push_back(p);
        out_.iv_family.push_back(f);
        out_.iv_episode.push_back(ep);
        out_.iv_role.push_back(role);
        out_.iv_start.push_back(s);
        out_.iv_end.push_back(open ? kNoDate : end);
      };
      involve(lead, 0, start);
      static const int need_agency[N_NEED][2] = {
          {SCHOOL, SCHOOL},      {HEALTH_VISITOR, EARLY_YEARS}, {CAMHS, GP},      {SUBSTANCE, SUBSTANCE},
          {POLICE, LA_SC},       {VCS, SCHOOL_NURSE},           {YOUTH_JUSTICE, POLICE},
          {DA_SERVICE, POLICE},  {HOUSING, HOUSING},            {VCS, ADULT}};
      int64_t seen[12];
      int nseen = 0;
      if (lead >= 0) seen[nseen++] = lead;
      for (int k = 0; k < N_NEED && nseen < 12; ++k) {
        if (!((needs >> k) & 1u) || !r.bernoulli(0.6)) continue;
        int type = need_agency[k][r.bernoulli(0.3) ? 1 : 0];
        int64_t p = pick(r, by_type_[F.loc][type]);
        if (p < 0 || std::find(seen, seen + nseen, p) != seen + nseen) continue;
        seen[nseen++] = p;
        const int32_t joined = start + r.integer(0, 28);
        if (!open || joined <= wend) involve(p, 1, std::min(joined, cap));
      }
    }
    if (open) return {std::numeric_limits<double>::infinity(), false, false};
    if (reason == STEP_UP) {
      auto [leave, stepped_down] = csc_referral(r, f, child, end, S5D, false);
      if (leave == std::numeric_limits<int32_t>::max()) return {std::numeric_limits<double>::infinity(), false, false};
      if (stepped_down) return {static_cast<double>(leave), false, true};
      return {next_arrival(r, F, leave), false, false};
    }
    if (reason == MOVED_AWAY) return {std::numeric_limits<double>::infinity(), false, false};
    // Re-referral: with probability p_rereferral a new request within 365 days,
    // otherwise none for a year.
    if (r.bernoulli(F.p_rr)) {
      const double gap = 1.0 + 364.0 * std::pow(r.uniform(), kGapPower);
      return {end + gap, true, false};
    }
    return {next_arrival(r, F, end + kNoRequestDays + 1.0), false, false};
  }

  // The probabilities the episode's end reason was drawn with, for the oracle.
  void record_closure_model(const Family& F, const double (&other)[kEndReasonCount], double duration_scale) {
    double sum = 0;
    for (double v : other) sum += v;
    for (int k = 0; k < kEndReasonCount; ++k)
      out_.te_p_end[k].push_back(k == STEP_UP ? F.p_step : (1.0 - F.p_step) * other[k] / sum);
    out_.te_duration_scale.push_back(duration_scale);
    out_.te_p_rr.push_back(F.p_rr);
  }

  // The children a request on `day` can be about: those aged 0-17 then or due within
  // kPreBirthDays (a referral before birth).
  struct ChildOn {
    int child;     // one of them, drawn; -1 when there is none (no request then)
    int eligible;  // how many there are
  };
  ChildOn child_on(Rng& r, int32_t f, int32_t day) const {
    const Family& F = fam_[f];
    int32_t births[8];
    children_births(opt_.seed, index_, static_cast<uint64_t>(f), F.n_children, mid_day(), births);
    int eligible[8], n = 0;
    for (int c = 0; c < F.n_children; ++c)
      if (births[c] - kPreBirthDays <= day && day < eighteenth_birthday(births[c])) eligible[n++] = c;
    if (n == 0) return {-1, 0};
    return {eligible[r.integer(0, n - 1)], n};
  }
  int32_t mid_day() const { return opt_.window_start + (opt_.window_end - opt_.window_start) / 2; }

  void simulate(int32_t f) {
    const Family& F = fam_[f];
    Rng r(stream_key(opt_.seed, index_, static_cast<uint64_t>(f), 3));
    const int32_t wend = opt_.window_end;
    Next next{next_arrival(r, F, sim_start()), false, false};
    // Every path moves time on (an arrival, an episode's end, a gap of a day or more), so a
    // family that stays on one day for many steps is a fault to report, never to cut short.
    double last_t = -std::numeric_limits<double>::infinity();
    int still = 0;
    while (next.t <= wend + 0.999) {
      still = next.t > last_t ? 0 : still + 1;
      last_t = std::max(last_t, next.t);
      if (still > kMaxStepsOnOneDay)
        throw std::logic_error("synthetic generator: family " + std::to_string(f) + " of council " +
                               std::to_string(index_) + " made no progress past day " + std::to_string(next.t));
      const auto day = static_cast<int32_t>(std::floor(next.t));
      auto [child, eligible] = child_on(r, f, day);
      if (child < 0) {
        if (!next.step_down && !next.forced_request) {  // no child of the age early help serves: no request
          next = {next_arrival(r, F, day + 1.0), false, false};
          continue;
        }
        child = 0;  // a re-referral or step-down keeps to the closure model (the oracle's): the youngest
      }
      // Children named: a count drawn from all the family's children (so the draws taken do not
      // depend on the children's ages on the day), capped at those the request can be about (at
      // least the one it is about).
      const int drawn = 1 + (F.n_children > 1 ? std::min(F.n_children - 1, r.poisson(0.55 * (F.n_children - 1))) : 0);
      const int children = std::min(drawn, std::max(1, eligible));
      if (next.step_down) {  // stepped down from social care: a request by social care, early help opens
        const int32_t dd = day + r.integer(0, 5);
        add_request(f, child, children, day, S5A, 2, EARLY_HELP, dd);
        if (dd > wend) break;
        next = episode(r, f, dd, 1, child);
        continue;
      }
      if (!next.forced_request && r.bernoulli(F.p_front)) {  // straight to social care
        static const int front_sources[4] = {S6, S2A, S3F, S1A};
        const int src = front_sources[r.integer(0, 3)];
        auto [leave, stepped_down] = csc_referral(r, f, child, day, src, true);
        if (leave == std::numeric_limits<int32_t>::max()) break;
        next = stepped_down ? Next{static_cast<double>(leave), false, true} : Next{next_arrival(r, F, leave), false, false};
        continue;
      }
      const int route = r.bernoulli(spec_.mash_share) ? 1 : 0;
      const int source = draw_source(r, route, day);
      const int decision = r.categorical(kDecisionWeights);
      const int32_t dd = day + r.integer(0, 7);
      add_request(f, child, children, day, source, route, decision, dd);
      if (dd > wend) break;
      if (decision == EARLY_HELP) {
        next = episode(r, f, dd, 0, child);
      } else if (decision == SOCIAL_CARE) {
        auto [leave, stepped_down] = csc_referral(r, f, child, dd, source, false);
        if (leave == std::numeric_limits<int32_t>::max()) break;
        next = stepped_down ? Next{static_cast<double>(leave), false, true} : Next{next_arrival(r, F, leave), false, false};
      } else {
        next = {next_arrival(r, F, dd + 1.0), false, false};
      }
    }
  }

  // ------------------------------------------------------------ persons
  void finalise();

 public:
  // persons and members (filled by finalise)
  std::vector<int32_t> pe_birth;
  std::vector<int32_t> pe_sex, pe_eth, pe_dis;
  std::vector<int8_t> pe_send;
  std::vector<int64_t> fm_family, fm_person;
  std::vector<int32_t> fm_role, fm_from, fm_to;
  std::vector<int64_t> fam_out_loc;

 private:
  const CouncilSpec& spec_;
  std::size_t index_;
  Options opt_;
  std::atomic<std::size_t>* done_;
  const std::atomic<bool>* cancel_;
  Rows out_;
  std::vector<Family> fam_;
  std::vector<uint8_t> included_;
  ArrivalProfile profile_;
  // Positions in the council's quota sequences (lead kind; assessment per lead kind).
  double lead_u_ = 0;
  double assess_u_[4] = {0, 0, 0, 0};

  static double advance(double& u) {
    u += kGoldenFraction;
    if (u >= 1.0) u -= 1.0;
    return u;
  }
  std::vector<std::vector<std::vector<int64_t>>> by_type_;  // [locality][agency type] practitioners
  std::vector<std::vector<std::vector<int64_t>>> leads_;    // [locality][council, school, health, vcs]
};

void CouncilSim::finalise() {
  // Linked households come along with an included family.
  for (std::size_t f = 0; f < fam_.size(); ++f)
    if (included_[f] == 1 && fam_[f].partner >= 0 && !included_[fam_[f].partner]) included_[fam_[f].partner] = 2;
  std::vector<int64_t> local(fam_.size(), -1), person0(fam_.size(), -1);
  int64_t nfam = 0, nper = 0;
  for (std::size_t f = 0; f < fam_.size(); ++f) {
    if (!included_[f]) continue;
    local[f] = nfam++;
    truth_family_index.push_back(static_cast<int64_t>(f));
    fam_out_loc.push_back(fam_[f].loc);
    person0[f] = nper;
    nper += fam_[f].n_adults + fam_[f].n_children;
  }
  const int32_t mid = mid_day();
  int ages[8];
  int32_t births[8];
  static const double minority_w[19] = {1, 0.3, 3, 0.8, 5, 2, 3, 4, 9, 4, 3, 4, 4, 4, 2, 1, 2, 0.5, 0.2};
  for (std::size_t f = 0; f < fam_.size(); ++f) {
    if (!included_[f]) continue;
    const Family& F = fam_[f];
    Rng r(stream_key(opt_.seed, index_, f, 2));
    children_ages(stream_key(opt_.seed, index_, f, 1), F.n_children, ages);
    children_births(opt_.seed, index_, f, F.n_children, mid, births);
    int eth;
    if (r.bernoulli(spec_.minority_share)) {
      eth = 1 + r.categorical(minority_w);  // WIRI..REFU
    } else {
      eth = 0;  // White British (minority = every other group, as DfE counts it)
    }
    const int oldest = ages[F.n_children - 1];
    for (int a = 0; a < F.n_adults; ++a) {
      const int age = (a < 2 ? oldest + 19 + r.integer(0, 16) : 30 + r.integer(0, 40));
      pe_birth.push_back(mid - static_cast<int32_t>(age * kYear) - r.integer(0, 364));
      pe_sex.push_back(a == 0 ? (r.bernoulli(0.88) ? 1 : 0) : (a == 1 ? 0 : r.integer(0, 1)));
      pe_eth.push_back(r.bernoulli(0.97) ? eth : 19);
      pe_dis.push_back(r.bernoulli(0.92) ? 0 : r.integer(1, 12));
      pe_send.push_back(-1);
      fm_family.push_back(local[f]);
      fm_person.push_back(person0[f] + a);
      fm_role.push_back(a < 2 ? 1 : 2);
      fm_from.push_back(kNoDate);
      fm_to.push_back(kNoDate);
    }
    const bool edu = (F.needs >> EDUCATION) & 1u;
    for (int c = 0; c < F.n_children; ++c) {
      pe_birth.push_back(births[c]);
      pe_sex.push_back(r.bernoulli(0.005) ? 2 : r.integer(0, 1));
      pe_eth.push_back(eth);
      const bool disabled = r.bernoulli(0.07);
      pe_dis.push_back(disabled ? r.integer(1, 12) : 0);
      pe_send.push_back(r.bernoulli(disabled ? 0.6 : (edu ? 0.3 : 0.13)) ? 1 : 0);
      fm_family.push_back(local[f]);
      fm_person.push_back(person0[f] + F.n_adults + c);
      fm_role.push_back(0);
      // a child from birth (when born in the window) to the day before turning 18
      fm_from.push_back(births[c] > opt_.window_start ? births[c] : kNoDate);
      const int32_t adult = eighteenth_birthday(births[c]);
      fm_to.push_back(adult <= opt_.window_end ? adult - 1 : kNoDate);
    }
    // The partner household lists the owner's shared adult or child from a date.
    if (F.partner >= 0 && !F.link_owner && included_[F.partner]) {
      const Family& O = fam_[F.partner];
      const int64_t shared = person0[F.partner] + (F.link_child ? O.n_adults : 0);
      fm_family.push_back(local[f]);
      fm_person.push_back(shared);
      fm_role.push_back(F.link_child ? 0 : (r.bernoulli(0.5) ? 1 : 2));
      int32_t from = opt_.window_start - r.integer(0, 720);
      int32_t to = kNoDate;
      if (F.link_child) {  // a shared child is a member from birth (at the earliest) until 18
        int32_t owner_births[8];
        children_births(opt_.seed, index_, static_cast<uint64_t>(F.partner), O.n_children, mid, owner_births);
        from = std::max(from, owner_births[0]);
        const int32_t adult = eighteenth_birthday(owner_births[0]);
        if (adult <= opt_.window_end) to = adult - 1;
        if (to != kNoDate && to < from) from = to;
      }
      fm_from.push_back(from);
      fm_to.push_back(to);
    }
  }
  auto person_of = [&](int64_t f, int64_t child) { return person0[f] + fam_[f].n_adults + child; };
  for (std::size_t i = 0; i < out_.rq_family.size(); ++i) {
    const int64_t f = out_.rq_family[i];
    out_.rq_child[i] = person_of(f, out_.rq_child[i]);
    out_.rq_family[i] = local[f];
  }
  for (auto& f : out_.ep_family) f = local[f];
  for (auto& f : out_.iv_family) f = local[f];
  for (std::size_t i = 0; i < out_.cr_family.size(); ++i) out_.cr_child[i] = person_of(out_.cr_family[i], out_.cr_child[i]);
  for (std::size_t i = 0; i < out_.ca_family.size(); ++i) out_.ca_child[i] = person_of(out_.ca_family[i], out_.ca_child[i]);
}

// ------------------------------------------------------------ assembling tables
using columns::col;
using columns::iota64;

// Parameters of change over time and the noise-free expected request arrivals of
// each locality and month (before arrivals are held back by open episodes).
void change_truth(const CouncilSim& sim, Tables& t) {
  const auto& p = sim.profile();
  const auto& ch = sim.spec().change;
  const std::size_t nl = p.intensity.size();
  std::vector<double> rate(nl, 0.0);
  for (const auto& F : sim.families()) rate[F.loc] += F.lambda / kYear;
  std::vector<int64_t> loc;
  std::vector<int32_t> month_start;
  std::vector<double> effect, loc_effect, expected;
  int last_month = -1;
  const std::size_t days = p.intensity.empty() ? 0 : p.intensity[0].size();
  for (std::size_t i = 0; i < days; ++i) {
    const int32_t d = p.first + static_cast<int32_t>(i);
    const int m = month_index(p.first, d);
    if (m != last_month) {
      last_month = m;
      for (std::size_t l = 0; l < nl; ++l) {
        loc.push_back(static_cast<int64_t>(l));
        month_start.push_back(d);
        effect.push_back(p.month_effect[l][m]);
        loc_effect.push_back(p.locality_effect[l]);
        expected.push_back(0.0);
      }
    }
    for (std::size_t l = 0; l < nl; ++l) expected[expected.size() - nl + l] += rate[l] * p.intensity[l][i];
  }
  t["truth_locality_months"].columns = {col("locality_id", "id", std::move(loc), "localities"),
                                        col("month_start", "date", std::move(month_start)),
                                        col("month_effect", "float", std::move(effect)),
                                        col("locality_effect", "float", std::move(loc_effect)),
                                        col("expected_arrivals", "float", std::move(expected))};
  std::vector<std::string> codes;
  std::vector<int64_t> years;
  std::vector<double> req_level, req_mid_year, met_level;
  const int y0 = year_of(p.first), y1 = year_of(p.first + static_cast<int32_t>(days) - 1);
  // The intensity follows the level interpolated day by day (YearLevels::on), so a year's level is
  // its mean over the year's simulated days; the listed (1 July) value alone would misstate the
  // years either side of a step.
  std::vector<double> level_sum(static_cast<std::size_t>(y1 - y0 + 1), 0.0);
  std::vector<double> level_days(level_sum.size(), 0.0);
  for (std::size_t i = 0; i < days; ++i) {
    const int32_t d = p.first + static_cast<int32_t>(i);
    const auto k = static_cast<std::size_t>(year_of(d) - y0);
    level_sum[k] += ch.request_level.on(d);
    level_days[k] += 1.0;
  }
  for (int y = y0; y <= y1; ++y) {
    const auto k = static_cast<std::size_t>(y - y0);
    codes.push_back(sim.spec().code);
    years.push_back(y);
    req_level.push_back(level_days[k] > 0 ? level_sum[k] / level_days[k] : ch.request_level.mid_year(y));
    req_mid_year.push_back(ch.request_level.mid_year(y));
    met_level.push_back(ch.outcomes_met_level.at(y));
  }
  t["truth_years"].columns = {col("council_code", "str", std::move(codes)), col("year", "int", std::move(years)),
                              col("request_level", "float", std::move(req_level)),
                              col("request_level_mid_year", "float", std::move(req_mid_year)),
                              col("outcomes_met_level", "float", std::move(met_level))};
  auto one = [](double v) { return std::vector<double>{v}; };
  t["truth_change"].columns = {col("council_code", "str", std::vector<std::string>{sim.spec().code}),
                               col("request_trend", "float", one(ch.request_trend)),
                               col("reference_year", "float", one(ch.reference_year)),
                               col("overdispersion_shape", "float", one(ch.overdispersion_shape)),
                               col("locality_sd", "float", one(ch.locality_sd)),
                               col("school_share", "float", one(ch.school_share)),
                               col("school_terms", "float", one(ch.school_terms ? 1 : 0)),
                               col("lockdown", "float", one(ch.lockdown ? 1 : 0)),
                               col("lockdown_factor", "float", one(ch.lockdown_factor)),
                               col("rebound_factor", "float", one(ch.rebound_factor))};
}

Tables council_tables(CouncilSim& sim, Rows&& o) {
  Tables t;
  const auto& fam = sim.families();
  t["localities"].columns = {
      col("locality_id", "id", iota64(o.loc_name.size()), "localities"), col("name", "str", std::move(o.loc_name)),
      col("kind", "code", std::move(o.loc_kind), "locality_kind"),
      col("council_code", "str", std::move(o.loc_council_code)), col("council_name", "str", std::move(o.loc_council_name)),
      col("region_code", "str", std::move(o.loc_region)), col("child_population", "int", std::move(o.loc_children)),
      col("deprivation", "float", std::move(o.loc_dep))};
  t["agencies"].columns = {col("agency_id", "id", iota64(o.ag_name.size()), "agencies"),
                           col("name", "str", std::move(o.ag_name)),
                           col("agency_type", "code", std::move(o.ag_type), "agency_type"),
                           col("locality_id", "id", std::move(o.ag_id_loc), "localities")};
  t["practitioners"].columns = {col("practitioner_id", "id", iota64(o.pr_agency.size()), "practitioners"),
                                col("agency_id", "id", std::move(o.pr_agency), "agencies"),
                                col("locality_id", "id", std::move(o.pr_loc), "localities"),
                                col("tier", "code", std::move(o.pr_tier), "tier"), col("fte", "float", std::move(o.pr_fte)),
                                col("caseload_capacity", "int", std::move(o.pr_capacity))};
  const std::size_t nfam = sim.truth_family_index.size();
  t["families"].columns = {col("family_id", "id", iota64(nfam), "families"),
                           col("locality_id", "id", std::move(sim.fam_out_loc), "localities")};
  const std::size_t nper = sim.pe_birth.size();
  t["persons"].columns = {col("person_id", "id", iota64(nper), "persons"),
                          col("birth_date", "date", std::move(sim.pe_birth)),
                          col("sex", "code", std::move(sim.pe_sex), "sex"),
                          col("ethnicity", "code", std::move(sim.pe_eth), "ethnicity"),
                          col("disability", "code", std::move(sim.pe_dis), "disability"),
                          col("send", "bool", std::move(sim.pe_send)),
                          col("expected_birth", "bool", std::vector<int8_t>(nper, 0))};
  t["family_members"].columns = {col("family_id", "id", std::move(sim.fm_family), "families"),
                                 col("person_id", "id", std::move(sim.fm_person), "persons"),
                                 col("role", "code", std::move(sim.fm_role), "member_role"),
                                 col("valid_from", "date", std::move(sim.fm_from)),
                                 col("valid_to", "date", std::move(sim.fm_to))};
  t["requests"].columns = {col("request_id", "id", iota64(o.rq_family.size()), "requests"),
                           col("family_id", "id", std::move(o.rq_family), "families"),
                           col("person_id", "id", std::move(o.rq_child), "persons"),
                           col("children", "int", std::move(o.rq_children)),
                           col("received_date", "date", std::move(o.rq_received)),
                           col("source", "code", std::move(o.rq_source), "referral_source"),
                           col("route", "code", std::move(o.rq_route), "request_route"),
                           col("decision", "code", std::move(o.rq_decision), "request_decision"),
                           col("decision_date", "date", std::move(o.rq_decision_date))};
  const std::size_t nep = o.ep_family.size();
  t["episodes"].columns = {col("episode_id", "id", iota64(nep), "episodes"),
                           col("family_id", "id", std::move(o.ep_family), "families"),
                           col("person_id", "id", std::vector<int64_t>(nep, -1), "persons"),
                           col("start_date", "date", std::move(o.ep_start)),
                           col("end_date", "date", std::move(o.ep_end)),
                           col("level", "int", std::move(o.ep_level)),
                           col("episode_type", "code", std::vector<int32_t>(nep, 0), "episode_type"),
                           col("lead_practitioner_id", "id", std::move(o.ep_lead), "practitioners"),
                           col("lead_agency_id", "id", std::move(o.ep_lead_agency), "agencies"),
                           col("locality_id", "id", std::move(o.ep_loc), "localities"),
                           col("origin", "code", std::move(o.ep_origin), "episode_origin"),
                           col("end_reason", "code", std::move(o.ep_end_reason), "end_reason")};
  t["assessments"].columns = {col("assessment_id", "id", iota64(o.as_episode.size()), "assessments"),
                              col("episode_id", "id", std::move(o.as_episode), "episodes"),
                              col("started", "date", std::move(o.as_started)),
                              col("completed", "date", std::move(o.as_completed)),
                              col("agency_id", "id", std::move(o.as_agency), "agencies")};
  t["family_needs"].columns = {col("episode_id", "id", std::move(o.fn_episode), "episodes"),
                               col("need", "code", std::move(o.fn_need), "needs"),
                               col("identified_date", "date", std::move(o.fn_identified)),
                               col("resolved", "bool", std::move(o.fn_resolved)),
                               col("sustained", "bool", std::move(o.fn_sustained))};
  t["involvements"].columns = {col("involvement_id", "id", iota64(o.iv_practitioner.size()), "involvements"),
                               col("practitioner_id", "id", std::move(o.iv_practitioner), "practitioners"),
                               col("family_id", "id", std::move(o.iv_family), "families"),
                               col("episode_id", "id", std::move(o.iv_episode), "episodes"),
                               col("role", "code", std::move(o.iv_role), "involvement_role"),
                               col("start_date", "date", std::move(o.iv_start)),
                               col("end_date", "date", std::move(o.iv_end))};
  t["csc_referrals"].columns = {col("referral_id", "id", iota64(o.cr_family.size()), "csc_referrals"),
                                col("person_id", "id", std::move(o.cr_child), "persons"),
                                col("referral_date", "date", std::move(o.cr_date)),
                                col("source", "code", std::move(o.cr_source), "referral_source"),
                                col("primary_need", "code", std::move(o.cr_need), "primary_need"),
                                col("nfa", "bool", std::move(o.cr_nfa)),
                                col("close_date", "date", std::move(o.cr_close)),
                                col("close_reason", "code", std::move(o.cr_reason), "cin_close_reason")};
  t["csc_assessments"].columns = {col("assessment_id", "id", iota64(o.ca_referral.size()), "csc_assessments"),
                                  col("referral_id", "id", std::move(o.ca_referral), "csc_referrals"),
                                  col("person_id", "id", std::move(o.ca_child), "persons"),
                                  col("start_date", "date", std::move(o.ca_start)),
                                  col("authorised_date", "date", std::move(o.ca_auth)),
                                  col("factors", "mask", std::move(o.ca_factors), "assessment_factor")};
  // Ground truth for every family in the tables.
  std::vector<int64_t> tf_loc;
  std::vector<double> z, e, dep, lam, ps, prr, pfront;
  std::vector<int8_t> linked;
  std::vector<int64_t> nchild, needs;
  for (int64_t f : sim.truth_family_index) {
    const Family& F = fam[f];
    z.push_back(F.z);
    e.push_back(F.engagement);
    dep.push_back(F.dep_z);
    lam.push_back(F.lambda);
    ps.push_back(F.p_step);
    prr.push_back(F.p_rr);
    pfront.push_back(F.p_front);
    linked.push_back(F.partner >= 0 ? 1 : 0);
    nchild.push_back(F.n_children);
    needs.push_back(F.needs);
  }
  change_truth(sim, t);
  auto& te = t["truth_episodes"].columns;
  te.push_back(col("episode_id", "id", iota64(nep), "episodes"));
  for (int k = 0; k < kEndReasonCount; ++k) te.push_back(col("p_end_" + kEndReasons[k], "float", std::move(o.te_p_end[k])));
  te.push_back(col("duration_scale", "float", std::move(o.te_duration_scale)));
  te.push_back(col("p_rereferral", "float", std::move(o.te_p_rr)));
  t["truth_families"].columns = {col("family_id", "id", iota64(nfam), "families"),
                                 col("latent_need", "float", std::move(z)),
                                 col("engagement", "float", std::move(e)),
                                 col("deprivation_effect", "float", std::move(dep)),
                                 col("linked_household", "bool", std::move(linked)),
                                 col("n_children", "int", std::move(nchild)),
                                 col("core_needs", "needmask", std::move(needs)),
                                 col("request_rate", "float", std::move(lam)),
                                 col("p_step_up", "float", std::move(ps)),
                                 col("p_rereferral_12m", "float", std::move(prr)),
                                 col("p_social_care_front_door", "float", std::move(pfront))};
  return t;
}

template <class T>
void append(std::vector<T>& dst, std::vector<T>& src, int64_t offset = 0) {
  if constexpr (std::is_same_v<T, int64_t>) {
    for (int64_t v : src) dst.push_back(v < 0 ? v : v + offset);
  } else if constexpr (std::is_same_v<T, std::string>) {
    dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  } else {
    dst.insert(dst.end(), src.begin(), src.end());
  }
  std::vector<T>().swap(src);  // free each council's part as soon as it is merged
}

Tables merge(std::vector<Tables>& parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  Tables out;
  // Reserve every column once: growing by each council's part would copy the
  // whole column again for every council.
  std::map<std::string, std::size_t> total_rows;
  for (const auto& part : parts)
    for (const auto& [name, table] : part) total_rows[name] += table.rows();
  std::map<std::string, int64_t> offset;
  for (auto& part : parts) {
    std::map<std::string, std::size_t> part_rows;  // taken before the columns are moved out
    for (const auto& [name, table] : part) part_rows[name] = table.rows();
    for (auto& [name, table] : part) {
      auto& dst = out[name];
      if (dst.columns.empty()) {
        for (const auto& c : table.columns) {
          Column e;
          e.name = c.name;
          e.kind = c.kind;
          e.ref = c.ref;
          std::visit(
              [&](const auto& v) {
                std::decay_t<decltype(v)> empty;
                empty.reserve(total_rows[name]);
                e.data = std::move(empty);
              },
              c.data);
          dst.columns.push_back(std::move(e));
        }
      }
      for (std::size_t i = 0; i < table.columns.size(); ++i) {
        Column& c = table.columns[i];
        const int64_t off = c.kind == "id" ? offset[c.ref] : 0;
        std::visit(
            [&](auto& v) {
              using V = std::decay_t<decltype(v)>;
              append(std::get<V>(dst.columns[i].data), v, off);
            },
            c.data);
      }
    }
    for (const auto& [name, rows] : part_rows) {
      if (name.rfind("truth_", 0) == 0) continue;
      offset[name] += static_cast<int64_t>(rows);
    }
    part.clear();
  }
  return out;
}

}  // namespace

std::size_t Table::rows() const {
  if (columns.empty()) return 0;
  return std::visit([](const auto& v) { return v.size(); }, columns.front().data);
}

const Column& Table::column(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return c;
  throw std::out_of_range("no column " + name);
}

const std::map<std::string, std::vector<std::string>>& code_labels() {
  static const std::map<std::string, std::vector<std::string>> labels = [] {
    std::map<std::string, std::vector<std::string>> l = {
      {"sex", {"M", "F", "U"}},
      {"ethnicity", kEthnicity},
      {"disability", kDisability},
      {"member_role", {"child", "parent_carer", "other_adult", "expectant_parent"}},
      {"locality_kind", {"family_hub_area", "neighbourhood", "district"}},
      {"agency_type", kAgencyTypes},
      {"tier", {"frequent_modelling", "regular_promoting", "sometimes_active", "occasional_aware"}},
      {"referral_source", kSources},
      {"request_route", {"direct", "mash_diversion", "step_down"}},
      {"request_decision", kDecisions},
      {"episode_type", {"early_help", "family_help", "cin"}},
      {"episode_origin", {"request", "step_down", "other"}},
      {"end_reason", kEndReasons},
      {"needs", kNeeds},
      {"involvement_role", {"lead_practitioner", "taf_member", "allocated_worker", "other"}},
      {"primary_need", {"N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"}},
      {"cin_close_reason", {"RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8", "RC9"}},
      {"assessment_factor", kFactors},
    };
    l.insert(statutory_code_labels().begin(), statutory_code_labels().end());
    l.insert(plans_code_labels().begin(), plans_code_labels().end());
    return l;
  }();
  return labels;
}

Tables generate(const std::vector<CouncilSpec>& councils, const Options& opt, Progress* progress) {
  require(!councils.empty(), "councils must not be empty");
  require(opt.scale > 0 && std::isfinite(opt.scale), "scale must be positive");
  require(opt.window_end >= opt.window_start, "window_end must not be before window_start");
  for (const auto& c : councils) {
    require(!c.localities.empty(), "council " + c.name + " has no localities");
    for (const auto& l : c.localities)
      require(l.team >= 0 && static_cast<std::size_t>(l.team) < c.team_names.size() &&
                  c.team_fte.size() == c.team_names.size(),
              "locality " + l.name + " names a team that does not exist");
  }
  std::size_t total = 0;
  for (const auto& c : councils) {
    double children = 0;
    for (const auto& l : c.localities) children += l.child_population;
    total += static_cast<std::size_t>(std::llround(children * opt.scale / 1.9));
  }
  std::atomic<std::size_t> done{0}, next{0};
  std::atomic<bool> cancel{false};
  std::vector<Tables> parts(councils.size());
  auto work = [&](int) {
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= councils.size() || cancel.load()) break;
      CouncilSim sim(councils[i], i, opt, &done, &cancel);
      Rows rows = sim.run();
      parts[i] = council_tables(sim, std::move(rows));
      add_statutory(parts[i], councils[i], i, opt);
      add_plans_and_voice(parts[i], councils[i], i, opt);
      add_statutory_households(parts[i], councils[i], i, opt);
    }
  };
  const int nthreads = std::max(1, std::min<int>(opt.threads, static_cast<int>(councils.size())));
  run_workers(nthreads, work, cancel, [&] { return done.load(); }, total, progress);
  return merge(parts);
}

}  // namespace earlyhelp::synthetic
