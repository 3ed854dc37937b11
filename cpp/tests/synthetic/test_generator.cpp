// The synthetic generator without Python: reproducible, independent of threads,
// consistent ids, calibrated volumes and clear errors on bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/synthetic/generator.hpp"

using namespace earlyhelp::synthetic;

namespace {

constexpr int32_t kStart = 19448;  // 2023-04-01
constexpr int32_t kEnd = 20178;    // 2025-03-31

Options options(uint64_t seed, double scale = 0.25, int threads = 1) {
  return Options{kStart, kEnd, scale, seed, threads};
}

template <class T>
const std::vector<T>& values(const Tables& t, const std::string& table, const std::string& column) {
  return std::get<std::vector<T>>(t.at(table).column(column).data);
}

bool same(const Tables& a, const Tables& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, table] : a) {
    const Table& other = b.at(name);
    if (table.columns.size() != other.columns.size()) return false;
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      if (table.columns[i].data != other.columns[i].data) return false;
  }
  return true;
}

}  // namespace

TEST(SyntheticGenerator, SameSeedSameDataDifferentSeedDifferentData) {
  const auto coventry = std::vector<CouncilSpec>{coventry_preset()};
  const Tables a = generate(coventry, options(5));
  const Tables b = generate(coventry, options(5));
  const Tables c = generate(coventry, options(6));
  EXPECT_TRUE(same(a, b));
  EXPECT_FALSE(same(a, c));
}

TEST(SyntheticGenerator, EnglandDoesNotDependOnThreads) {
  const auto england = england_preset(0);
  ASSERT_EQ(england.size(), 153u);
  const Tables one = generate(england, options(0, 0.005, 1));
  const Tables two = generate(england, options(0, 0.005, 2));
  EXPECT_TRUE(same(one, two));
}

TEST(SyntheticGenerator, IdsReferToRowsThatExistAndDatesStayInTheWindow) {
  const Tables t = generate({wolverhampton_preset()}, options(1));
  const auto n_families = static_cast<int64_t>(t.at("families").rows());
  const auto n_episodes = static_cast<int64_t>(t.at("episodes").rows());
  ASSERT_GT(n_episodes, 100);
  for (int64_t f : values<int64_t>(t, "episodes", "family_id")) ASSERT_TRUE(f >= 0 && f < n_families);
  for (int64_t e : values<int64_t>(t, "assessments", "episode_id")) ASSERT_TRUE(e >= 0 && e < n_episodes);
  for (int64_t f : values<int64_t>(t, "requests", "family_id")) ASSERT_TRUE(f >= 0 && f < n_families);
  const auto& received = values<int32_t>(t, "requests", "received_date");
  EXPECT_TRUE(std::all_of(received.begin(), received.end(), [](int32_t d) { return d >= kStart && d <= kEnd; }));
  const auto& start = values<int32_t>(t, "episodes", "start_date");
  const auto& end = values<int32_t>(t, "episodes", "end_date");
  for (std::size_t i = 0; i < start.size(); ++i) {
    ASSERT_LE(start[i], kEnd);
    if (end[i] != kNoDate) {
      ASSERT_GE(end[i], start[i]);
      ASSERT_LE(end[i], kEnd);
    }
  }
  // Truth covers the modelled families; households known only to statutory services have none.
  ASSERT_LT(t.at("truth_families").rows(), t.at("families").rows());
  for (int64_t f : values<int64_t>(t, "truth_families", "family_id")) ASSERT_TRUE(f >= 0 && f < n_families);
}

TEST(SyntheticGenerator, RequestVolumeScalesWithScale) {
  // Coventry publishes 3,195 requests a year; two years at scale 0.25 is about 1,600.
  const Tables t = generate({coventry_preset()}, options(2));
  const double per_year = static_cast<double>(t.at("requests").rows()) / 2.0 / 0.25;
  EXPECT_NEAR(per_year, 3195.0, 0.1 * 3195.0);
}

TEST(SyntheticGenerator, BadInputThrowsInputError) {
  const auto coventry = std::vector<CouncilSpec>{coventry_preset()};
  EXPECT_THROW(generate({}, options(0)), earlyhelp::InputError);
  Options bad = options(0);
  bad.scale = -1;
  EXPECT_THROW(generate(coventry, bad), earlyhelp::InputError);
  bad = options(0);
  bad.window_end = bad.window_start - 1;
  EXPECT_THROW(generate(coventry, bad), earlyhelp::InputError);
  CouncilSpec broken = coventry_preset();
  broken.localities[0].team = 99;
  EXPECT_THROW(generate({broken}, options(0)), earlyhelp::InputError);
  broken = coventry_preset();
  broken.localities.clear();
  EXPECT_THROW(generate({broken}, options(0)), earlyhelp::InputError);
}

TEST(SyntheticGenerator, PresetsByName) {
  EXPECT_EQ(preset_councils("coventry", 0).size(), 1u);
  EXPECT_EQ(preset_councils("wolverhampton", 0).size(), 1u);
  EXPECT_EQ(preset_councils("england", 7).size(), 153u);
  EXPECT_EQ(preset_councils("coventry", 0)[0].localities.size(), coventry_preset().localities.size());
  try {
    preset_councils("nowhere", 0);
    FAIL() << "expected InputError";
  } catch (const earlyhelp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("preset must be one of"), std::string::npos);
  }
}
