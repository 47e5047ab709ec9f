#include "executor/user_lookup.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::executor {
namespace {

constexpr const char* kPasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment\n"
    "app:x:1000:1001:app:/srv/app:/bin/sh\n"
    "broken-line\n";
constexpr const char* kGroup =
    "root:x:0:\n"
    "appgrp:x:1001:\n"
    "dev:x:2000:app,other\n"
    "ops:x:3000:other\n";

TEST(UserLookup, EmptyUserIsRoot) {
  const Identity id = resolve_user("", kPasswd, kGroup);
  EXPECT_EQ(id.uid, 0u);
  EXPECT_EQ(id.gid, 0u);
  EXPECT_EQ(id.home, "/root");
}

TEST(UserLookup, NameGivesUidPrimaryAndSupplementaryGroups) {
  const Identity id = resolve_user("app", kPasswd, kGroup);
  EXPECT_EQ(id.uid, 1000u);
  EXPECT_EQ(id.gid, 1001u);
  EXPECT_EQ(id.supplementary_gids, (std::vector<gid_t>{1001, 2000}));
  EXPECT_EQ(id.home, "/srv/app");
}

TEST(UserLookup, NumericUidMatchesEntry) {
  EXPECT_EQ(resolve_user("1000", kPasswd, kGroup).gid, 1001u);
  const Identity unlisted = resolve_user("77", kPasswd, kGroup);
  EXPECT_EQ(unlisted.uid, 77u);
  EXPECT_EQ(unlisted.gid, 0u);
  EXPECT_EQ(unlisted.home, "/");
}

TEST(UserLookup, GroupOverridesPrimaryGroup) {
  EXPECT_EQ(resolve_user("app:ops", kPasswd, kGroup).gid, 3000u);
  EXPECT_EQ(resolve_user("app:55", kPasswd, kGroup).gid, 55u);
}

TEST(UserLookup, UnknownNamesAreErrors) {
  EXPECT_THROW(resolve_user("nobody", kPasswd, kGroup), Error);
  EXPECT_THROW(resolve_user("app:nogroup", kPasswd, kGroup), Error);
}

}  // namespace
}  // namespace gantry::executor
