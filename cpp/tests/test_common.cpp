#include <gtest/gtest.h>

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

TEST(Common, VersionIsSet) { EXPECT_EQ(earlyhelp::core_version(), "0.1.0"); }
