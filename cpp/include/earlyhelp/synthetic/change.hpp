#pragma once
// Councils that change: how the request rate of a council's families moves over time
// and between localities (a parameters struct and the daily intensity it implies).
//
// The request intensity of a family in locality l on day d is
//   lambda_f * gamma[l][month(d)] * trend(d) * level(d) * weekday(d) *
//   (school_share * school_season(d) * shock(d) + (1 - school_share) * other_season(d)),
// the seasonal factors normalised to mean 1 over the simulated days; the trend and
// levels are 1 in the reference year (or centred on the window, see below), so that
// published yearly totals hold in the year they were published for. School-sourced requests follow the school
// year (August lowest) and dip in the 2020 lockdowns, then rebound; other sources keep a
// milder seasonal pattern. gamma is a gamma(shape, 1/shape) random effect per locality
// and month (overdispersion). lambda_f carries a lognormal locality effect (sd
// locality_sd, mean 1) on top of deprivation, before the rates are scaled to the
// council's yearly total.
#include <cstdint>
#include <vector>

namespace earlyhelp::synthetic {

// A multiplier for each calendar year (years not listed: the nearest listed year's).
struct YearLevels {
  std::vector<int> years;  // ascending
  std::vector<double> level;
  double at(int year) const;
  // On a day: linear between the middles (1 July) of the listed years, flat beyond.
  double on(int32_t day) const;
  // On 1 July of a year: the listed level for a listed year, else interpolated as on().
  double mid_year(int year) const;
};

struct ChangeOverTime {
  // Request rate over the years: exp(request_trend * years from the reference) times
  // request_level[year]. reference_year 0: the trend is centred on the window (its mean
  // over the simulated days is 1); otherwise requests_per_year is the rate in that year.
  double request_trend = 0.04;        // change in the request rate a year (log scale)
  int reference_year = 0;
  YearLevels request_level;           // level by year (empty: none), changing smoothly between mid-years
  YearLevels outcomes_met_level;      // outcomes-met weight by the year an episode typically closes in
  double overdispersion_shape = 20;   // gamma shape of locality-month effects; 0 = none
  double locality_sd = 0.15;          // sd of the log locality rate effects; 0 = none
  double school_share = 0.28;         // share of requests sourced by schools on an average day
  bool school_terms = true;           // school-sourced requests follow the school year
  bool lockdown = true;               // 2020 lockdowns: school-sourced requests dip, then rebound
  double lockdown_factor = 0.35;      // school-sourced rate during the lockdowns
  double rebound_factor = 1.25;       // school-sourced rate in the weeks after schools reopened
};

// The daily intensity profile of one council (days first .. last).
struct ArrivalProfile {
  int32_t first = 0;
  std::vector<double> locality_effect;               // [locality]
  std::vector<std::vector<double>> month_effect;     // [locality][month index from first's month]
  std::vector<std::vector<double>> intensity;        // [locality][day - first], all factors but lambda
  std::vector<double> max_intensity;                 // [locality]
  std::vector<double> school_probability;            // [day - first] P(source is a school | request on d)
};

ArrivalProfile arrival_profile(const ChangeOverTime& change, std::size_t localities, int32_t first, int32_t last,
                               uint64_t key);

// Year of a day (days since 1970-01-01).
int year_of(int32_t day);

// Month index of a day counted from the month of `first` (0-based).
int month_index(int32_t first, int32_t day);

}  // namespace earlyhelp::synthetic
