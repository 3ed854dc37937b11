// Councils that change: the daily request intensity of each locality (change.hpp).
#include "earlyhelp/synthetic/change.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "gamma.hpp"
#include "rng.hpp"

namespace earlyhelp::synthetic {
namespace {

struct Civil {
  int year;
  unsigned month, day;
};

// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
Civil civil(int32_t d) {
  int32_t z = d + 719468;
  int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = static_cast<int>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  unsigned day = doy - (153 * mp + 2) / 5 + 1;
  unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, day};
}

// Requests from other sources: a milder seasonal pattern (summer holidays, Christmas).
double other_season(const Civil& c) {
  static const double month[12] = {1.05, 1.05, 1.06, 0.98, 1.03, 1.02, 1.0, 0.72, 1.02, 1.07, 1.05, 0.95};
  double v = month[c.month - 1];
  if ((c.month == 12 && c.day >= 21) || (c.month == 1 && c.day == 1)) v *= 0.35;
  return v;
}

// Requests from schools follow the school year: none of note in August, few in the
// Christmas, Easter (early April) and late-July holidays and the October half term.
double school_season(const Civil& c) {
  if (c.month == 8) return 0.08;
  if (c.month == 7 && c.day >= 22) return 0.25;
  if ((c.month == 12 && c.day >= 20) || (c.month == 1 && c.day <= 3)) return 0.15;
  if (c.month == 4 && c.day <= 14) return 0.4;
  if (c.month == 10 && c.day >= 26) return 0.45;
  if (c.month == 9 && c.day <= 5) return 0.6;
  return 1.2;
}

// Days since 1970-01-01 of a civil date (the inverse of civil()).
int32_t civil_day(int y, unsigned m, unsigned dd) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

// School-sourced requests in the 2020 lockdowns and after schools reopened.
double school_shock(const ChangeOverTime& ch, int32_t d) {
  if (!ch.lockdown) return 1.0;
  const auto day = civil_day;
  static const int32_t first_start = day(2020, 3, 23), first_end = day(2020, 6, 30);
  static const int32_t reopen_end = day(2020, 11, 15);
  static const int32_t third_start = day(2021, 1, 5), third_end = day(2021, 3, 7);
  static const int32_t third_rebound_end = day(2021, 5, 15);
  if ((d >= first_start && d <= first_end) || (d >= third_start && d <= third_end)) return ch.lockdown_factor;
  if ((d >= day(2020, 9, 1) && d <= reopen_end) || (d > third_end && d <= third_rebound_end)) return ch.rebound_factor;
  return 1.0;
}

void normalise(std::vector<double>& v) {
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  if (mean > 0)
    for (auto& x : v) x /= mean;
}

}  // namespace

double YearLevels::at(int year) const {
  if (years.empty()) return 1.0;
  std::size_t best = 0;
  for (std::size_t i = 1; i < years.size(); ++i)
    if (std::abs(years[i] - year) < std::abs(years[best] - year)) best = i;
  return level[best];
}

double YearLevels::on(int32_t day) const {
  if (years.empty()) return 1.0;
  const double t = static_cast<double>(day);
  auto mid = [](int y) { return static_cast<double>(civil_day(y, 7, 1)); };
  if (t <= mid(years.front())) return level.front();
  for (std::size_t i = 1; i < years.size(); ++i) {
    const double a = mid(years[i - 1]), b = mid(years[i]);
    if (t <= b) return level[i - 1] + (level[i] - level[i - 1]) * (t - a) / (b - a);
  }
  return level.back();
}

double YearLevels::mid_year(int year) const { return on(civil_day(year, 7, 1)); }

int year_of(int32_t day) { return civil(day).year; }

int month_index(int32_t first, int32_t day) {
  const Civil a = civil(first), b = civil(day);
  return (b.year - a.year) * 12 + static_cast<int>(b.month) - static_cast<int>(a.month);
}

ArrivalProfile arrival_profile(const ChangeOverTime& ch, std::size_t localities, int32_t first, int32_t last,
                               uint64_t key) {
  ArrivalProfile p;
  p.first = first;
  const std::size_t n = static_cast<std::size_t>(last - first + 1);
  std::vector<double> school(n), other(n), trend(n), week(n);
  const double mid = 0.5 * (first + last);
  for (std::size_t i = 0; i < n; ++i) {
    const int32_t d = first + static_cast<int32_t>(i);
    const Civil c = civil(d);
    school[i] = (ch.school_terms ? school_season(c) : other_season(c)) * school_shock(ch, d);
    other[i] = other_season(c);
    const double from = ch.reference_year > 0 ? d - (civil_day(ch.reference_year, 7, 1)) : d - mid;
    trend[i] = std::exp(ch.request_trend * from / 365.25) * ch.request_level.on(d);
    const int dow = ((d % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
    week[i] = dow >= 5 ? 0.12 : 1.0;
  }
  normalise(school);
  normalise(other);
  if (ch.reference_year <= 0) normalise(trend);
  std::vector<double> common(n);
  p.school_probability.resize(n);
  std::vector<double> season(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double s = ch.school_share * school[i], o = (1 - ch.school_share) * other[i];
    season[i] = (s + o) * week[i];
    p.school_probability[i] = s + o > 0 ? s / (s + o) : 0.0;
  }
  normalise(season);
  for (std::size_t i = 0; i < n; ++i) common[i] = season[i] * trend[i];
  const int months = month_index(first, last) + 1;
  detail::Rng r(key);
  p.locality_effect.resize(localities);
  p.month_effect.assign(localities, std::vector<double>(months, 1.0));
  for (std::size_t l = 0; l < localities; ++l) {
    p.locality_effect[l] = ch.locality_sd > 0 ? std::exp(ch.locality_sd * r.normal() - 0.5 * ch.locality_sd * ch.locality_sd)
                                              : 1.0;
    if (ch.overdispersion_shape > 0)
      for (auto& g : p.month_effect[l]) g = gamma_draw(r, ch.overdispersion_shape) / ch.overdispersion_shape;
  }
  p.intensity.assign(localities, std::vector<double>(n));
  p.max_intensity.assign(localities, 0.0);
  std::vector<int> month_of(n);
  for (std::size_t i = 0; i < n; ++i) month_of[i] = month_index(first, first + static_cast<int32_t>(i));
  for (std::size_t l = 0; l < localities; ++l) {
    for (std::size_t i = 0; i < n; ++i) {
      const double v = common[i] * p.month_effect[l][month_of[i]];
      p.intensity[l][i] = v;
      p.max_intensity[l] = std::max(p.max_intensity[l], v);
    }
  }
  return p;
}

}  // namespace earlyhelp::synthetic
