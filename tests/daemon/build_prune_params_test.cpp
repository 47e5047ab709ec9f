#include "daemon/build_prune_params.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::daemon {
namespace {

using Query = std::multimap<std::string, std::string>;

std::string usage_error(const Query& query) {
  try {
    parse_build_prune_params(query);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(BuildPruneParams, NothingGivenPrunesTheBuildCacheOnly) {
  const auto o = parse_build_prune_params({{"filters", ""}});
  EXPECT_FALSE(o.all);
  EXPECT_FALSE(o.keep_storage);
  EXPECT_FALSE(o.unused_for_seconds);
}

TEST(BuildPruneParams, AllKeepStorageAndUntilAreTaken) {
  const auto o = parse_build_prune_params(
      {{"all", "1"}, {"keep-storage", "1048576"}, {"filters", R"({"until":{"24h":true}})"}});
  EXPECT_TRUE(o.all);
  EXPECT_EQ(o.keep_storage, 1048576);
  EXPECT_EQ(o.unused_for_seconds, 24 * 3600);
}

TEST(BuildPruneParams, ZeroKeepStorageAndTheOlderFilterShapeAreUnderstood) {
  const auto o = parse_build_prune_params(
      {{"all", "false"}, {"keep-storage", "0"}, {"filters", R"({"until":["90m"]})"}});
  EXPECT_FALSE(o.all);
  EXPECT_FALSE(o.keep_storage);
  EXPECT_EQ(o.unused_for_seconds, 90 * 60);
}

TEST(BuildPruneParams, WhatGantryDoesNotImplementIsRefusedByName) {
  EXPECT_EQ(usage_error({{"filters", R"({"type":{"regular":true}})"}}),
            "build prune filter `type`: gantry implements only `until`");
  EXPECT_EQ(usage_error({{"max-used-space", "100"}}),
            "build prune parameter `max-used-space=100`: gantry does not implement it");
}

TEST(BuildPruneParams, MalformedValuesAreRefusedNamingTheParameter) {
  EXPECT_EQ(usage_error({{"all", "maybe"}}), "build prune parameter `all=maybe`: not a boolean");
  EXPECT_EQ(usage_error({{"filters", "{"}}),
            "build prune parameter `filters`: `{` is not JSON");
  EXPECT_EQ(usage_error({{"filters", R"({"until":{"1h":true,"2h":true}})"}}),
            "build prune filter `until`: given 2 times");
  EXPECT_NE(usage_error({{"filters", R"({"until":["soon"]})"}}), "");
  EXPECT_NE(usage_error({{"keep-storage", "lots"}}), "");
}

}  // namespace
}  // namespace gantry::daemon
