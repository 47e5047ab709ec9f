#include "daemon/route_params.h"

#include <gtest/gtest.h>

namespace gantry::daemon {
namespace {

TEST(BoolParam, OnlyWhatDockerdReadsAsFalseIsFalse) {
  for (const char* value : {"", "0", "no", "false", "none", "False", "NO", "None"})
    EXPECT_FALSE(bool_param(value)) << value;
  for (const char* value : {"1", "true", "True", "yes", "YES", "on", "2"})
    EXPECT_TRUE(bool_param(value)) << value;
}

TEST(FilterValues, BothOfDockersShapesAreRead) {
  const auto values = filter_values(R"({"a":{"x":true,"y":false},"b":["1","2"]})", "GET /x");
  EXPECT_EQ(values.at("a"), (std::vector<std::string>{"x"}));
  EXPECT_EQ(values.at("b"), (std::vector<std::string>{"1", "2"}));
  EXPECT_TRUE(filter_values("", "GET /x").empty());
  EXPECT_TRUE(filter_values("null", "GET /x").empty());
}

TEST(FilterValues, WhatIsNotFiltersIsAUsageErrorNamingTheEndpoint) {
  EXPECT_THROW(filter_values("{", "GET /x"), UsageError);
  EXPECT_THROW(filter_values("[]", "GET /x"), UsageError);
  EXPECT_THROW(filter_values(R"({"a":"x"})", "GET /x"), UsageError);
  EXPECT_THROW(filter_values(R"({"a":[1]})", "GET /x"), UsageError);
}

}  // namespace
}  // namespace gantry::daemon
