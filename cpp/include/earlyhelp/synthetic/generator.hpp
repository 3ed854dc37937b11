#pragma once
// Synthetic council generator: a family-level event simulation of the Early
// Help pathway (request -> decision -> episode -> closure -> re-referral or
// step-up to social care -> step-down), calibrated to published figures.
//
// Output is columnar: one Table per earlyhelp table, ids as 0-based int64
// (-1 = missing), codes as int32 indices into the label lists below, dates as
// int32 days since 1970-01-01 (kNoDate = missing), bools as int8 (-1 missing).
// Results depend only on the seed, never on the number of threads: every
// council and every family draws from its own random stream.
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "earlyhelp/common/progress.hpp"
#include "earlyhelp/synthetic/change.hpp"

namespace earlyhelp::synthetic {

constexpr int32_t kNoDate = INT32_MIN;

using ColumnData = std::variant<std::vector<int64_t>, std::vector<int32_t>, std::vector<double>, std::vector<int8_t>,
                                std::vector<std::string>>;

struct Column {
  std::string name;
  std::string kind;  // id, code, date, int, float, bool, str, mask (factor bit mask)
  ColumnData data;
  std::string ref;   // for ids: the table they identify rows of; for codes: the code list
};

struct Table {
  std::vector<Column> columns;
  std::size_t rows() const;
  const Column& column(const std::string& name) const;
};

// One locality (family hub area, neighbourhood or district) of a council.
struct LocalitySpec {
  std::string name;
  int kind = 0;                 // index into locality_kind_labels()
  int team = 0;                 // council early help team serving it
  double child_population = 0;  // children 0-17 at scale 1
  double deprivation = 0.2;     // IDACI-like score
  double demand = 1.0;          // extra demand multiplier beyond deprivation
  double domestic_abuse = 0.0;  // log-odds boost of domestic abuse need
  double step_up = 0.0;         // log-odds boost of step-up (these close fastest)
};

struct CouncilSpec {
  std::string code, name, region;
  std::vector<LocalitySpec> localities;
  std::vector<std::string> team_names;  // one early help team per entry
  std::vector<double> team_fte;         // practitioner FTE per team at scale 1
  double requests_per_year = 3195;      // at scale 1
  double mash_share = 0.3;              // share of requests diverted from the MASH
  // Lead agency shares of episodes: council, school, health, voluntary sector.
  double lead_council = 0.831, lead_school = 0.154, lead_health = 0.0007, lead_vcs = 0.0143;
  double minority_share = 0.45;         // ethnic minority share of children
  double step_up_rate = 0.10;           // target share of closures stepped up
  double rereferral_rate = 0.18;        // target mean p_rereferral_12m
  double no_lead_share = 0.05;          // episodes with no lead practitioner named
  ChangeOverTime change;                // trend, shocks, seasonality by source, overdispersion
};

struct Options {
  int32_t window_start = 0;  // first day of the data (inclusive)
  int32_t window_end = 0;    // last day of the data (inclusive, the extract date)
  double scale = 1.0;
  uint64_t seed = 0;
  int threads = 1;
};

// name -> Table; also "truth_families" with the generator's ground truth.
using Tables = std::map<std::string, Table>;

// Presets. `coventry` and `wolverhampton` follow the seed documents; `england`
// has 153 councils in 9 regions, about 12 million children at scale 1.
CouncilSpec coventry_preset();
CouncilSpec wolverhampton_preset();
std::vector<CouncilSpec> england_preset(uint64_t seed);

Tables generate(const std::vector<CouncilSpec>& councils, const Options& options, Progress* progress = nullptr);

// Labels of the int codes in the output, by code list name.
const std::map<std::string, std::vector<std::string>>& code_labels();

}  // namespace earlyhelp::synthetic
