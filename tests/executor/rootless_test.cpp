// The checks a normal user's gantry makes before it enters its user namespace
// (executor/rootless.h): the ranges of /etc/subuid and /etc/subgid, and the mapping tools.
#include "executor/rootless.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::executor {
namespace {

namespace fs = std::filesystem;

class RootlessChecks : public ::testing::Test {
 protected:
  RootlessUser user_with(const std::string& subuid, const std::string& subgid) {
    write_file_atomic(dir_.path() / "subuid", subuid);
    write_file_atomic(dir_.path() / "subgid", subgid);
    return {.name = "alice",
            .uid = 1500,
            .gid = 1600,
            .subuid_file = dir_.path() / "subuid",
            .subgid_file = dir_.path() / "subgid"};
  }
  std::string error_of(const RootlessUser& user) {
    try {
      plan_id_map(user);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  TempDir dir_{fs::temp_directory_path(), "rootless-test-"};
};

TEST_F(RootlessChecks, ARangeIsFoundByNameOrByUid) {
  const RootlessUser user =
      user_with("# comment\nbob:100000:65536\nalice:200000:65536\n", "1600:300000:70000\n");
  const IdMapPlan plan = plan_id_map(user);
  ASSERT_TRUE(plan.uids && plan.gids);
  EXPECT_EQ(plan.uids->first, 200000u);
  EXPECT_EQ(plan.uids->count, 65536u);
  EXPECT_EQ(plan.gids->first, 300000u);
  EXPECT_EQ(plan.gids->count, 70000u);
  EXPECT_EQ(subordinate_range(user.subuid_file, "carol", 42), std::nullopt);
  EXPECT_EQ(subordinate_range(dir_.path() / "missing", "alice", 1500), std::nullopt);
}

TEST_F(RootlessChecks, NoRangeInEitherFileMapsOnlyRoot) {
  const IdMapPlan plan = plan_id_map(user_with("bob:100000:65536\n", ""));
  EXPECT_FALSE(plan.uids);
  EXPECT_FALSE(plan.gids);
}

TEST_F(RootlessChecks, ARangeTooSmallIsRefusedNamingTheFile) {
  const RootlessUser user = user_with("alice:200000:1000\n", "alice:200000:65536\n");
  EXPECT_EQ(error_of(user),
            "`" + user.subuid_file.string() +
                "`: `alice` has 1000 ids from 200000, fewer than the 65535 gantry maps "
                "(container ids 1-65535)");
}

TEST_F(RootlessChecks, ARangeInOnlyOneFileIsRefused) {
  const RootlessUser user = user_with("alice:200000:65536\n", "");
  EXPECT_EQ(error_of(user), "`" + user.subgid_file.string() + "`: no range for `alice`, while `" +
                                user.subuid_file.string() + "` has one; give it both");
}

TEST_F(RootlessChecks, AMalformedLineIsRefusedNamingIt) {
  const RootlessUser user = user_with("bob:100000:65536\nalice-200000\n", "");
  EXPECT_EQ(error_of(user), "`" + user.subuid_file.string() + "` line 2: not NAME:FIRST:COUNT");
  const RootlessUser words = user_with("alice:many:65536\n", "");
  EXPECT_EQ(error_of(words),
            "`" + words.subuid_file.string() + "` line 1: FIRST and COUNT must be numbers");
}

TEST_F(RootlessChecks, AMappingToolMustBeSetuidRoot) {
  const fs::path tool = dir_.path() / "newuidmap";
  write_file_atomic(tool, "#!/bin/sh\n");
  ::chmod(tool.c_str(), 0755);
  try {
    check_can_map_ids(tool, "/etc/subuid");
    FAIL() << "a plain file passed";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "`" + tool.string() +
                  "`: not setuid root (nor given file capabilities), so it cannot map the ids "
                  "of `/etc/subuid`; reinstall uidmap or run chmod u+s on it");
  }
  ::chmod(tool.c_str(), 04755);  // the test runs as root: a setuid-root file
  EXPECT_NO_THROW(check_can_map_ids(tool, "/etc/subuid"));
}

}  // namespace
}  // namespace gantry::executor
