#include "cli/format/human_duration.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

// go-units' steps, each at both of its edges.
TEST(HumanDuration, ReadsAsDockersAges) {
  EXPECT_EQ(human_duration(0), "Less than a second");
  EXPECT_EQ(human_duration(1), "1 second");
  EXPECT_EQ(human_duration(59), "59 seconds");
  EXPECT_EQ(human_duration(60), "About a minute");
  EXPECT_EQ(human_duration(119), "About a minute");
  EXPECT_EQ(human_duration(120), "2 minutes");
  EXPECT_EQ(human_duration(3599), "59 minutes");
  EXPECT_EQ(human_duration(3600), "About an hour");
  EXPECT_EQ(human_duration(5399), "About an hour");   // 1.4998 hours rounds to 1
  EXPECT_EQ(human_duration(5400), "2 hours");         // 1.5 rounds to 2
  EXPECT_EQ(human_duration(47 * 3600), "47 hours");
  EXPECT_EQ(human_duration(48 * 3600 - 1800), "2 days");  // 47.5 hours rounds to 48
  EXPECT_EQ(human_duration(13 * 86400), "13 days");
  EXPECT_EQ(human_duration(14 * 86400), "2 weeks");
  EXPECT_EQ(human_duration(59 * 86400), "8 weeks");
  EXPECT_EQ(human_duration(60 * 86400), "2 months");
  EXPECT_EQ(human_duration(729 * 86400), "24 months");
  EXPECT_EQ(human_duration(730 * 86400), "2 years");
  EXPECT_EQ(human_duration(3 * 365 * 86400 + 86399), "3 years");
}

}  // namespace
}  // namespace gantry::cli
