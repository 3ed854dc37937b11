#pragma once
// Plans, Team Around the Family reviews, referrals to services and family-voice
// survey answers for one generated council, derived from its episodes,
// assessments and needs (so they follow the same families and dates).
//
// Calibration: the Family Hub survey follows Coventry's November 2024 survey
// (Coventry's 2024 report: 389 responses; 389 felt welcomed, 384 received the help they
// needed, 385 rated their experience good or better). Plan and review
// timeliness and service-referral rates have no published figure in the sources:
// their parameters are stated in plans.cpp.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "earlyhelp/synthetic/generator.hpp"

namespace earlyhelp::synthetic {

// Adds "plans", "taf_reviews", "service_referrals" and "family_voice" to one
// council's tables (ids local to the council, as the other tables).
void add_plans_and_voice(Tables& tables, const CouncilSpec& council, std::size_t council_index, const Options& opt);

// Code lists of the new tables (merged into code_labels()).
const std::map<std::string, std::vector<std::string>>& plans_code_labels();

}  // namespace earlyhelp::synthetic
