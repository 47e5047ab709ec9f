#include "base/rfc3339.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

TEST(Rfc3339, ReadsUtcTimesWithAndWithoutFraction) {
  EXPECT_EQ(parse_rfc3339_nanos("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-02T03:04:05Z"), 1704164645 * kSecond);
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-02T03:04:05.5Z"), 1704164645 * kSecond + 500'000'000);
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-02T03:04:05.123456789Z"),
            1704164645 * kSecond + 123'456'789);
  // Digits past nanoseconds are dropped, as Go's time.Parse drops them.
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-02T03:04:05.1234567899Z"),
            1704164645 * kSecond + 123'456'789);
}

TEST(Rfc3339, AnOffsetIsTakenFromTheLocalTime) {
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-02T05:04:05+02:00"), 1704164645 * kSecond);
  EXPECT_EQ(parse_rfc3339_nanos("2024-01-01T23:34:05-03:30"), 1704164645 * kSecond);
}

TEST(Rfc3339, WhatIsNoSuchTimeIsNothing) {
  for (const char* text : {"", "2024-01-02", "2024-01-02T03:04:05", "2024-01-02 03:04:05Z",
                           "2024-13-02T03:04:05Z", "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05+2",
                           "2024-01-02T03:04:05Zjunk", "yyyy-01-02T03:04:05Z"})
    EXPECT_EQ(parse_rfc3339_nanos(text), std::nullopt) << text;
}

}  // namespace
}  // namespace gantry
