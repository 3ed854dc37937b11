#pragma once
// Statutory part of a synthetic council: children move from social-care
// referrals (the Early Help step-ups among them) and from the front door into
// child in need plans, child protection plans and care, and back out.
// Calibrated to England's published rates per 10,000 children (31 March 2023:
// children looked after 71, on a CP plan 42.5, children in need 342.7; CLA
// starts 27 and CP starts 55 a year).
#include <map>
#include <string>
#include <vector>

#include "earlyhelp/synthetic/generator.hpp"

namespace earlyhelp::synthetic {

// Adds cin_plans, cp_plans and cla_episodes to one council's tables (and the
// persons the statutory journeys need beyond those the Early Help part made).
void add_statutory(Tables& tables, const CouncilSpec& council, std::size_t council_index, const Options& options);

// Gives every child of the statutory tables who is in no family a household of
// their own (a families row with a locality and a child's family_members row),
// so statutory figures can be broken down by locality. The locality is drawn in
// proportion to child population x demand x exp(0.35 deprivation z), the
// gradient of the Early Help request rate, from a random stream of its own: no
// other table changes. Run after every other part that reads `families`.
void add_statutory_households(Tables& tables, const CouncilSpec& council, std::size_t council_index,
                              const Options& options);

// Labels of the statutory code lists (placement, legal_status, ...).
const std::map<std::string, std::vector<std::string>>& statutory_code_labels();

}  // namespace earlyhelp::synthetic
