#include "base/quantities.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry {

namespace {

TEST(QuantitiesTest, SizesTakeDecimalAndBinaryUnitsInAnyCase) {
  EXPECT_EQ(parse_size("1048576"), 1048576);
  EXPECT_EQ(parse_size("10GB"), 10'000'000'000);
  EXPECT_EQ(parse_size("512mb"), 512'000'000);
  EXPECT_EQ(parse_size("1.5k"), 1500);
  EXPECT_EQ(parse_size("2GiB"), 2LL << 30);
  EXPECT_THROW(parse_size("GB"), UsageError);
  EXPECT_THROW(parse_size("10 parsecs"), UsageError);
}

TEST(QuantitiesTest, MemorySizesAreBinaryAsDockerTakesThem) {
  EXPECT_EQ(parse_memory_size("256m"), 256LL << 20);
  EXPECT_EQ(parse_memory_size("2g"), 2LL << 30);
  EXPECT_EQ(parse_memory_size("64KB"), 64LL << 10);
  try {
    parse_memory_size("2x");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid size `2x` (e.g. 256m, 2g)");
  }
}

TEST(QuantitiesTest, DurationsAddTheirParts) {
  EXPECT_EQ(parse_duration("24h"), 86400);
  EXPECT_EQ(parse_duration("1h30m"), 5400);
  EXPECT_EQ(parse_duration("7d"), 7 * 86400);
  EXPECT_THROW(parse_duration(""), UsageError);
  EXPECT_THROW(parse_duration("90"), UsageError);
  EXPECT_THROW(parse_duration("1w"), UsageError);
}

TEST(QuantitiesTest, HumanSizesUseDecimalUnitsWithThreeDigits) {
  EXPECT_EQ(human_size(999), "999B");
  EXPECT_EQ(human_size(1'234'567), "1.23MB");
  EXPECT_EQ(human_size(10'000'000'000), "10GB");
}

TEST(QuantitiesTest, EpochSecondsAreAWholeNonNegativeNumber) {
  EXPECT_EQ(parse_epoch_seconds("SOURCE_DATE_EPOCH", "1700000000"), 1'700'000'000);
  for (const char* bad : {"", "-1", "1.5", "17e8", "now"})
    EXPECT_THROW(parse_epoch_seconds("SOURCE_DATE_EPOCH", bad), UsageError) << bad;
  try {
    parse_epoch_seconds("SOURCE_DATE_EPOCH", "now");
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid SOURCE_DATE_EPOCH `now`: not a whole number of seconds since 1970");
  }
}

}  // namespace
}  // namespace gantry
