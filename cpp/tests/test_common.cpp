#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "earlyhelp/common/error.hpp"
#include "earlyhelp/common/version.hpp"

TEST(Common, RequireThrowsInputErrorWithMessage) {
  EXPECT_NO_THROW(earlyhelp::require(true, "fine"));
  try {
    earlyhelp::require(false, "weights must be finite");
    FAIL() << "no exception";
  } catch (const earlyhelp::InputError& e) {
    EXPECT_STREQ(e.what(), "weights must be finite");
  }
}

TEST(Common, VersionIsMajorMinorPatchFromTheBuild) {
  const std::string version = earlyhelp::kVersion;
  EXPECT_TRUE(std::regex_match(version, std::regex(R"([0-9]+\.[0-9]+\.[0-9]+)"))) << version;
}

TEST(Common, RequireBuildsALoopMessageOnlyWhenTheCheckFails) {
  // checks of every value in a loop must not build a string per value
  int built = 0;
  auto message = [&] {
    ++built;
    return std::string("value 3 is negative");
  };
  for (int i = 0; i < 1000; ++i) earlyhelp::require(i >= 0, message);
  EXPECT_EQ(built, 0);
  try {
    earlyhelp::require(false, message);
    FAIL() << "expected an InputError";
  } catch (const earlyhelp::InputError& e) {
    EXPECT_STREQ(e.what(), "value 3 is negative");
  }
  EXPECT_EQ(built, 1);
  EXPECT_THROW(earlyhelp::require(false, "a fixed message"), earlyhelp::InputError);
}
