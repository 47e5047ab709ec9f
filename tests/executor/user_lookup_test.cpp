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
  EXPECT_EQ(id.supplementary_gids, (std::vector<gid_t>{0}));
}

TEST(UserLookup, NameGivesUidPrimaryAndSupplementaryGroups) {
  const Identity id = resolve_user("app", kPasswd, kGroup);
  EXPECT_EQ(id.uid, 1000u);
  EXPECT_EQ(id.gid, 1001u);
  EXPECT_EQ(id.supplementary_gids, (std::vector<gid_t>{1001, 2000}));
  EXPECT_EQ(id.home, "/srv/app");
}

TEST(UserLookup, NumericUidMatchesEntryAndItsMemberships) {
  const Identity id = resolve_user("1000", kPasswd, kGroup);
  EXPECT_EQ(id.gid, 1001u);
  EXPECT_EQ(id.supplementary_gids, (std::vector<gid_t>{1001, 2000}));
  EXPECT_EQ(id.home, "/srv/app");
  const Identity unlisted = resolve_user("77", kPasswd, kGroup);
  EXPECT_EQ(unlisted.uid, 77u);
  EXPECT_EQ(unlisted.gid, 0u);
  EXPECT_EQ(unlisted.supplementary_gids, (std::vector<gid_t>{0}));
  EXPECT_EQ(unlisted.home, "/");
}

// An explicit group replaces the primary group and the memberships (app is in dev).
TEST(UserLookup, ExplicitGroupIsTheOnlyGroup) {
  const Identity by_name = resolve_user("app:ops", kPasswd, kGroup);
  EXPECT_EQ(by_name.gid, 3000u);
  EXPECT_EQ(by_name.supplementary_gids, (std::vector<gid_t>{3000}));
  const Identity by_gid = resolve_user("app:55", kPasswd, kGroup);
  EXPECT_EQ(by_gid.gid, 55u);
  EXPECT_EQ(by_gid.supplementary_gids, (std::vector<gid_t>{55}));
  EXPECT_EQ(resolve_user("1000:ops", kPasswd, kGroup).supplementary_gids,
            (std::vector<gid_t>{3000}));
}

TEST(UserLookup, NumericUidAndGidAreTakenAsGiven) {
  const Identity listed = resolve_user("1000:1001", kPasswd, kGroup);
  EXPECT_EQ(listed.uid, 1000u);
  EXPECT_EQ(listed.gid, 1001u);
  EXPECT_EQ(listed.supplementary_gids, (std::vector<gid_t>{1001}));
  EXPECT_EQ(listed.home, "/srv/app");
  const Identity other = resolve_user("1000:2000", kPasswd, kGroup);
  EXPECT_EQ(other.gid, 2000u);
  EXPECT_EQ(other.supplementary_gids, (std::vector<gid_t>{2000}));
}

// BuildKit's fast path reads "root" as 0 and needs no files (FROM scratch).
TEST(UserLookup, RootRootNeedsNoFiles) {
  const Identity id = resolve_user("root:root", "", "");
  EXPECT_EQ(id.uid, 0u);
  EXPECT_EQ(id.gid, 0u);
  EXPECT_EQ(id.supplementary_gids, (std::vector<gid_t>{0}));
  EXPECT_THROW(resolve_user("root", "", ""), Error);
}

TEST(UserLookup, UnknownNamesAreErrors) {
  EXPECT_THROW(resolve_user("nobody", kPasswd, kGroup), Error);
  EXPECT_THROW(resolve_user("app:nogroup", kPasswd, kGroup), Error);
}

}  // namespace
}  // namespace gantry::executor
