// Statutory journeys of a synthetic council (see statutory.hpp).
//
// A journey starts in CIN, CP or care, a few weeks after a social-care
// referral: every referral the Early Help part made that was not closed with
// no further action starts one, and front-door referrals of other children
// top the starts up to the national rate. Journeys start years before the
// window so stocks are settled when it opens; rows wholly before the window
// are dropped, rows after its end are cut (an open plan has no end date).
// The front-door children then get a household of their own (a family with a
// locality and the child as its member) so every statutory child has a locality.
#include "earlyhelp/synthetic/statutory.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "earlyhelp/common/error.hpp"
#include "columns.hpp"
#include "rng.hpp"

namespace earlyhelp::synthetic {

namespace {

using columns::col;
using columns::iota64;
using detail::Rng;

// Rates per 10,000 children a year and mean durations that give England's stocks.
constexpr double kJourneysPer10k = 350.0;              // CIN 312 + CP 22 + care 16 first
constexpr double kFirstCp = 22.0 / 350, kFirstCare = 16.0 / 350;
constexpr double kCinToCp = 0.10;                      // CIN plans stepped up to CP
constexpr double kCpToCare = 0.20, kCpToCin = 0.40;    // CP plans ending in care / back to CIN
constexpr double kCinMedian = 180, kCinSigma = 0.7;    // days, lognormal: mean ~230
constexpr double kCpMedian = 220, kCpSigma = 0.6;      // mean ~263
constexpr double kCareMedian = 800, kCareSigma = 1.0;  // period of care, mean ~1300 before ageing out
constexpr double kPlacementMean = 330;                 // days in one placement
constexpr int kBurnInYears = 8;
constexpr double kYear = 365.25, kAdult = 18 * 365.25;

const std::vector<std::string> kPlacement = {"A3", "A4", "A5", "A6", "H5", "K1", "K2", "P1", "P2", "P3", "R1", "R2",
                                             "R3", "R5", "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4",
                                             "U5", "U6", "Z1"};
const std::vector<std::string> kLegal = {"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"};
const std::vector<std::string> kRne = {"S", "L", "P", "T", "B", "U"};
const std::vector<std::string> kRec = {"X1",  "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2",  "E3",  "E41", "E45",
                                       "E46", "E47", "E48", "E4A", "E4B", "E43", "E44", "E5",  "E6",  "E7",  "E8",  "E9"};
const std::vector<std::string> kCpCategory = {"NEG", "PHY", "SAB", "EMO", "MUL"};

int index_of(const std::vector<std::string>& list, const std::string& v) {
  return static_cast<int>(std::find(list.begin(), list.end(), v) - list.begin());
}

template <class T>
std::vector<T>& column(Table& t, const std::string& name) {
  for (auto& c : t.columns)
    if (c.name == name) return std::get<std::vector<T>>(c.data);
  throw std::out_of_range("no column " + name);
}

// The rows of one kind of plan (CIN, CP): who, from which referral, when.
struct Plans {
  std::vector<int64_t> person, referral;
  std::vector<int32_t> start, end;

  void add(int64_t who, int64_t from, int32_t first_day, int32_t last_day) {
    person.push_back(who);
    referral.push_back(from);
    start.push_back(first_day);
    end.push_back(last_day);
  }
  // id, person, referral, start and end columns of the table `name`
  std::vector<Column> columns(const std::string& name, const std::string& id) {
    return {col(id, "id", iota64(person.size()), name),
            col("person_id", "id", std::move(person), "persons"),
            col("referral_id", "id", std::move(referral), "csc_referrals"),
            col("start_date", "date", std::move(start)), col("end_date", "date", std::move(end))};
  }
};

struct Out {
  Plans cin, cp;
  std::vector<int32_t> cp_cat;
  std::vector<int64_t> cla_person;
  std::vector<int32_t> cla_start, cla_end, cla_rne, cla_ls, cla_place, cla_rec;
};

int placement_for(Rng& r, double age_years) {
  const double u = r.uniform();
  const char* code;
  if (age_years < 10) {
    code = u < 0.22 ? "U3" : u < 0.55 ? "U6" : u < 0.78 ? "U4" : u < 0.86 ? "U1" : u < 0.93 ? "P1" : "A4";
  } else if (age_years < 16) {
    code = u < 0.12 ? "U3" : u < 0.40 ? "U6" : u < 0.62 ? "U4" : u < 0.83 ? "K2" : u < 0.88 ? "R1" : u < 0.94 ? "P1" : "S1";
  } else {
    code = u < 0.10 ? "U3" : u < 0.30 ? "U6" : u < 0.45 ? "U4" : u < 0.60 ? "K2" : u < 0.85 ? "H5" : "P2";
  }
  return index_of(kPlacement, code);
}

class Journeys {
 public:
  // `leaving` draws the reasons for leaving of periods whose last placement lasted under a day.
  Journeys(Rng& rng, Rng& leaving, const Options& o, Out& out) : r_(rng), leaving_(leaving), o_(o), out_(out) {}

  // Follow one child from day t (birth on `birth`), starting in state 0 CIN, 1 CP, 2 care.
  // Returns the day the journey ends (the child is in no statutory service after it).
  double run(int64_t person, int64_t referral, double birth, double t, int state) {
    const double adult = birth + kAdult;
    for (int guard = 0; guard < 6 && t < o_.window_end && t < adult; ++guard) {
      if (state == 0) {
        const double end = std::min(t + r_.lognormal(kCinMedian, kCinSigma), adult);
        const bool up = end < adult && r_.bernoulli(kCinToCp);
        add_cin(person, referral, t, end);
        t = end;
        if (!up) return t;
        state = 1;
      } else if (state == 1) {
        const double end = std::min(t + r_.lognormal(kCpMedian, kCpSigma), adult);
        add_cp(person, referral, t, end);
        t = end;
        if (end >= adult) return t;
        const double u = r_.uniform();
        if (u < kCpToCare) {
          state = 2;
        } else if (u < kCpToCare + kCpToCin) {
          state = 0;
        } else {
          return t;
        }
      } else {
        const double end = std::min(t + r_.lognormal(kCareMedian, kCareSigma), adult);
        care(person, birth, t, end);
        return end;
      }
    }
    return t;
  }

 private:
  bool keep(double start, double end) const { return end >= o_.window_start && start <= o_.window_end; }
  int32_t day(double t) const { return static_cast<int32_t>(std::floor(t)); }
  int32_t end_day(double t) const { return t > o_.window_end ? kNoDate : day(t); }

  void add_cin(int64_t person, int64_t referral, double s, double e) {
    if (keep(s, e)) out_.cin.add(person, referral, day(s), end_day(e));
  }
  void add_cp(int64_t person, int64_t referral, double s, double e) {
    if (!keep(s, e)) return;
    out_.cp.add(person, referral, day(s), end_day(e));
    const double u = r_.uniform();
    out_.cp_cat.push_back(u < 0.50 ? 0 : u < 0.57 ? 1 : u < 0.61 ? 2 : u < 0.95 ? 3 : 4);
  }
  // A period of care: placements of about kPlacementMean days, joined by X1. A placement
  // starting and ending on one day has no episode of its own.
  void care(int64_t person, double birth, double s, double e) {
    const double u = r_.uniform();
    const int ls = index_of(kLegal, u < 0.55 ? "C2" : u < 0.75 ? "V2" : u < 0.92 ? "C1" : u < 0.97 ? "E1" : "L2");
    double t = s;
    bool first = true;
    std::size_t shown = kNone;  // the period's latest episode in the table
    while (t < e) {
      const double next = std::min(e, t + r_.exponential(1.0 / kPlacementMean));
      const bool last = next >= e;
      if (keep(t, next) && day(next) > day(t)) {
        shown = out_.cla_person.size();
        out_.cla_person.push_back(person);
        out_.cla_start.push_back(day(t));
        out_.cla_end.push_back(end_day(next));
        out_.cla_rne.push_back(index_of(kRne, first ? "S" : "P"));
        out_.cla_ls.push_back(ls);
        out_.cla_place.push_back(placement_for(r_, (t - birth) / kYear));
        int rec = index_of(kRec, "X1");
        if (last) rec = leaving_reason(r_, (next - birth) / kYear, next >= birth + kAdult - 1);
        out_.cla_rec.push_back(next > o_.window_end ? -1 : rec);
      } else if (last && keep(t, next) && shown != kNone) {
        // The period's last placement lasted under a day: the episode before runs on to the
        // period's end (the same day) and the period still ends with a reason for leaving.
        out_.cla_end[shown] = end_day(next);
        out_.cla_rec[shown] =
            next > o_.window_end ? -1 : leaving_reason(leaving_, (next - birth) / kYear, next >= birth + kAdult - 1);
      }
      first = false;
      t = next;
    }
  }
  static int leaving_reason(Rng& r, double age, bool adult) {
    if (adult) return index_of(kRec, r.bernoulli(0.3) ? "E17" : "E8");
    const double u = r.uniform();
    if (age < 5 && u < 0.35) return index_of(kRec, r.bernoulli(0.7) ? "E11" : "E12");
    return index_of(kRec, u < 0.45 ? "E4A" : u < 0.55 ? "E4B" : u < 0.70 ? "E45" : u < 0.78 ? "E41" : u < 0.84 ? "E13"
                         : u < 0.92 ? "E8" : "E3");
  }

  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  Rng& r_;
  Rng& leaving_;
  const Options& o_;
  Out& out_;
};

double age_at_start(Rng& r) {
  // Ages of children starting a statutory plan or care (CIN census / SSDA903 shapes).
  const double u = r.uniform();
  if (u < 0.14) return r.uniform(0.0, 1.0);
  if (u < 0.33) return r.uniform(1.0, 5.0);
  if (u < 0.56) return r.uniform(5.0, 10.0);
  if (u < 0.91) return r.uniform(10.0, 16.0);
  return r.uniform(16.0, 17.9);
}

// Every person named in cin_plans, cp_plans or cla_episodes (a flag per person).
std::vector<char> statutory_children(Tables& t, std::size_t n_persons) {
  std::vector<char> in(n_persons, 0);
  for (const char* name : {"cin_plans", "cp_plans", "cla_episodes"})
    for (int64_t p : column<int64_t>(t.at(name), "person_id"))
      if (p >= 0 && static_cast<std::size_t>(p) < n_persons) in[static_cast<std::size_t>(p)] = 1;
  return in;
}

}  // namespace

const std::map<std::string, std::vector<std::string>>& statutory_code_labels() {
  static const std::map<std::string, std::vector<std::string>> labels = {
      {"placement", kPlacement}, {"legal_status", kLegal}, {"reason_new_episode", kRne},
      {"reason_for_leaving", kRec}, {"cp_category", kCpCategory}};
  return labels;
}

void add_statutory(Tables& t, const CouncilSpec& council, std::size_t council_index, const Options& o) {
  Rng rng(detail::stream_key(o.seed, council_index, 0x537461747574ULL));  // "Statut"
  // A stream of its own for the rare reasons for leaving drawn after a placement of under a
  // day, so the journeys' draws do not depend on which placements last under a day.
  Rng leaving(detail::stream_key(o.seed, council_index, 0x4C65617665ULL));  // "Leave"
  Out out;
  Journeys journeys(rng, leaving, o, out);
  Table& persons = t.at("persons");
  auto& birth = column<int32_t>(persons, "birth_date");
  // Referrals the Early Help part made: each one not closed with no further action starts a journey.
  std::size_t from_referrals = 0;
  if (t.count("csc_referrals")) {
    Table& ref = t.at("csc_referrals");
    const auto& person = column<int64_t>(ref, "person_id");
    const auto& date = column<int32_t>(ref, "referral_date");
    const auto& nfa = column<int8_t>(ref, "nfa");
    std::vector<std::size_t> order(person.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return date[a] < date[b]; });
    std::unordered_map<int64_t, double> busy_until;  // a child already in a statutory service starts no new journey
    for (std::size_t i : order) {
      if (nfa[i] == 1 || person[i] < 0 || birth[person[i]] == kNoDate) continue;
      const double start = date[i] + rng.uniform(20, 45);
      if (start - birth[person[i]] >= kAdult || start < birth[person[i]]) continue;
      auto busy = busy_until.find(person[i]);
      if (busy != busy_until.end() && start <= busy->second + 1) continue;
      const double u = rng.uniform();
      busy_until[person[i]] = journeys.run(person[i], static_cast<int64_t>(i), birth[person[i]], start,
                                           u < kFirstCare ? 2 : u < kFirstCare + kFirstCp ? 1 : 0);
      ++from_referrals;
    }
  }
  // Front-door journeys of other children, up to the national rate (new persons).
  double children = 0;
  for (const auto& l : council.localities) children += l.child_population;
  children *= o.scale;
  const double first = o.window_start - kBurnInYears * kYear, span = o.window_end - first;
  const double expected = kJourneysPer10k * children / 10000.0 * span / kYear;
  const double top_up = std::max(0.0, expected - static_cast<double>(from_referrals));
  const int n_new = rng.poisson(top_up);
  auto& sex = column<int32_t>(persons, "sex");
  auto& eth = column<int32_t>(persons, "ethnicity");
  auto& dis = column<int32_t>(persons, "disability");
  auto& send = column<int8_t>(persons, "send");
  auto& expected_birth = column<int8_t>(persons, "expected_birth");
  auto& pid = column<int64_t>(persons, "person_id");
  const double minority = council.minority_share;
  for (int k = 0; k < n_new; ++k) {
    const double start = rng.uniform(first, o.window_end);
    const double age = age_at_start(rng);
    const double b = std::floor(start - age * kYear);
    const int64_t person = static_cast<int64_t>(birth.size());
    const std::size_t before = out.cin.person.size() + out.cp.person.size() + out.cla_person.size();
    const double u = rng.uniform();
    journeys.run(person, -1, b, start, u < kFirstCare ? 2 : u < kFirstCare + kFirstCp ? 1 : 0);
    if (out.cin.person.size() + out.cp.person.size() + out.cla_person.size() == before) continue;  // wholly outside
    pid.push_back(person);
    birth.push_back(static_cast<int32_t>(b));
    sex.push_back(rng.integer(0, 1));
    eth.push_back(rng.bernoulli(minority) ? rng.integer(5, 18) : rng.integer(0, 4));
    dis.push_back(rng.bernoulli(0.9) ? 0 : rng.integer(1, 12));
    send.push_back(rng.bernoulli(0.3) ? 1 : 0);
    expected_birth.push_back(0);
  }
  t["cin_plans"].columns = out.cin.columns("cin_plans", "cin_plan_id");
  t["cp_plans"].columns = out.cp.columns("cp_plans", "cp_plan_id");
  t["cp_plans"].columns.push_back(col("category", "code", std::move(out.cp_cat), "cp_category"));
  t["cla_episodes"].columns = {col("cla_episode_id", "id", iota64(out.cla_person.size()), "cla_episodes"),
                               col("person_id", "id", std::move(out.cla_person), "persons"),
                               col("start_date", "date", std::move(out.cla_start)),
                               col("end_date", "date", std::move(out.cla_end)),
                               col("reason_new_episode", "code", std::move(out.cla_rne), "reason_new_episode"),
                               col("legal_status", "code", std::move(out.cla_ls), "legal_status"),
                               col("placement", "code", std::move(out.cla_place), "placement"),
                               col("reason_for_leaving", "code", std::move(out.cla_rec), "reason_for_leaving")};
}

void add_statutory_households(Tables& t, const CouncilSpec& council, std::size_t council_index, const Options& o) {
  Table& persons = t.at("persons");
  const auto& birth = column<int32_t>(persons, "birth_date");
  std::vector<char> in = statutory_children(t, birth.size());
  Table& members = t.at("family_members");
  for (int64_t p : column<int64_t>(members, "person_id"))
    if (p >= 0 && static_cast<std::size_t>(p) < in.size()) in[static_cast<std::size_t>(p)] = 0;
  // Where the children live: the Early Help request rate's locality gradient.
  std::vector<double> weight;
  for (const auto& l : council.localities)
    weight.push_back(l.child_population * l.demand * std::exp(0.35 * (l.deprivation - 0.2) / 0.08));
  Rng rng(detail::stream_key(o.seed, council_index, 0x486F757365ULL));  // "House"
  auto& fam_id = column<int64_t>(t.at("families"), "family_id");
  auto& fam_loc = column<int64_t>(t.at("families"), "locality_id");
  auto& m_family = column<int64_t>(members, "family_id");
  auto& m_person = column<int64_t>(members, "person_id");
  auto& m_role = column<int32_t>(members, "role");
  auto& m_from = column<int32_t>(members, "valid_from");
  auto& m_to = column<int32_t>(members, "valid_to");
  for (std::size_t p = 0; p < in.size(); ++p) {
    if (!in[p]) continue;
    const auto family = static_cast<int64_t>(fam_id.size());
    fam_id.push_back(family);
    fam_loc.push_back(rng.categorical(weight));
    // a child from birth (when born in the window) to the day before turning 18, as in the Early Help families
    const int32_t adult = birth[p] + static_cast<int32_t>(std::lround(kAdult));
    m_family.push_back(family);
    m_person.push_back(static_cast<int64_t>(p));
    m_role.push_back(0);
    m_from.push_back(birth[p] > o.window_start ? birth[p] : kNoDate);
    m_to.push_back(adult <= o.window_end ? adult - 1 : kNoDate);
  }
}

}  // namespace earlyhelp::synthetic
