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
