// RUN steps that cannot run: each fails the build with exit code 1 and one "gantry: " line
// that names the Dockerfile line and the thing at fault, and leaves no mount behind (gantry
// mounts in private namespaces; a leak would show in this process's mount table).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// The mount points of this mount namespace (the one gantry starts in).
std::multiset<std::string> mount_points() {
  std::istringstream table(read_file("/proc/self/mountinfo"));
  std::multiset<std::string> points;
  for (std::string line; std::getline(table, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, point;
    fields >> id >> parent >> dev >> root >> point;
    points.insert(point);
  }
  return points;
}

class RunErrorTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  // Builds `dockerfile` (with `files` in its context) and expects the failure described above,
  // its first line holding every needle.
  void expect_failure(const std::string& dockerfile, const std::vector<std::string>& needles,
                      const std::map<std::string, std::string>& files = {}) {
    const fs::path ctx = env_.scratch() / "ctx";
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    for (const auto& [name, content] : files) write_file_atomic(ctx / name, content);

    const auto before = mount_points();
    Outcome o = env_.gantry({"build", "--progress=plain", "-t", "bad:1", ctx.string()});
    EXPECT_EQ(mount_points(), before) << "mounts left behind";

    EXPECT_EQ(o.exit_code, 1) << o.err;
    const auto pos = o.err.rfind("gantry: ");
    ASSERT_NE(pos, std::string::npos) << o.err;
    const std::string line = o.err.substr(pos, o.err.find('\n', pos) - pos);
    for (const auto& needle : needles) EXPECT_NE(line.find(needle), std::string::npos) << line;
    EXPECT_EQ(env_.gantry({"images"}).out.find("bad "), std::string::npos) << "a failed build was named";
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(RunErrorTest, MissingShellInTheImage) {
  expect_failure("FROM scratch\nCOPY Dockerfile /\nRUN echo hi\n", {"Dockerfile:3", "/bin/sh"});
}

TEST_F(RunErrorTest, UnknownUser) {
  expect_failure("FROM busybox:latest\nUSER nosuchuser\nRUN true\n", {"Dockerfile:3", "nosuchuser"});
}

TEST_F(RunErrorTest, CommandNotFoundInShellForm) {
  expect_failure("FROM busybox:latest\nRUN nosuchcommand --flag\n",
                 {"Dockerfile:2", "nosuchcommand --flag", "exit code: 127"});
}

TEST_F(RunErrorTest, CommandNotFoundInExecForm) {
  expect_failure("FROM busybox:latest\nRUN [\"nosuchcommand\"]\n", {"Dockerfile:2", "nosuchcommand", "not found"});
}

TEST_F(RunErrorTest, BindMountSourceMissingFromTheContext) {
  expect_failure("FROM busybox:latest\nRUN --mount=type=bind,source=nope.txt,target=/x cat /x\n",
                 {"Dockerfile:2", "nope.txt"});
}

TEST_F(RunErrorTest, BindMountSourceMissingFromAnotherStage) {
  expect_failure("FROM busybox:latest AS base\n\nFROM busybox:latest\n"
                 "RUN --mount=type=bind,from=base,source=/no/such/dir,target=/x ls /x\n",
                 {"Dockerfile:4", "/no/such/dir"});
}

TEST_F(RunErrorTest, InvalidMountOption) {
  expect_failure("FROM busybox:latest\nRUN --mount=type=cache,target=/c,colour=blue true\n",
                 {"Dockerfile:2", "colour"});
}

TEST_F(RunErrorTest, InvalidMountType) {
  expect_failure("FROM busybox:latest\nRUN --mount=type=floppy,target=/c true\n", {"Dockerfile:2", "floppy"});
}

}  // namespace gantry::e2e
