// Who a RUN step runs as: the groups each USER form gets (BuildKit's rules), and setuid
// programs working for a non-root USER (no no_new_privs, as in BuildKit), read from
// /proc/self/status inside RUN.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// A user `bob` (1000:1000) who is also listed in `wheel` (10).
constexpr const char* kUsers =
    "FROM busybox:latest\n"
    "RUN printf 'root:x:0:0:root:/root:/bin/sh\\nbob:x:1000:1000:bob:/home/bob:/bin/sh\\n' "
    "> /etc/passwd && printf 'root:x:0:\\nwheel:x:10:bob\\nbob:x:1000:\\n' > /etc/group\n";

class RunIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  // The output lines of the build's RUN steps that start with `prefix`.
  std::vector<std::string> run_lines(const std::string& dockerfile, const std::string& prefix) {
    const fs::path ctx = env_.scratch() / "ctx";
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    const Outcome o = env_.gantry({"build", "--progress=plain", "--no-cache", ctx.string()});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < o.err.size()) {
      std::size_t end = o.err.find('\n', start);
      if (end == std::string::npos) end = o.err.size();
      const std::string line = o.err.substr(start, end - start);
      // plain progress: "#N 0.123 <output line>"
      const std::size_t at = line.find(' ', line.find(' ') + 1);
      if (line.starts_with("#") && at != std::string::npos &&
          line.compare(at + 1, prefix.size(), prefix) == 0) {
        lines.push_back(line.substr(at + 1));
      }
      start = end + 1;
    }
    return lines;
  }

  std::string groups_of(const std::string& user) {
    const auto lines = run_lines(
        std::string(kUsers) + "USER " + user + "\nRUN grep -E '^Groups:' /proc/self/status\n",
        "Groups:");
    EXPECT_EQ(lines.size(), 1u) << user;
    return lines.empty() ? "" : lines[0];
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(RunIdentityTest, NameAndUidGetPrimaryGroupAndMemberships) {
  EXPECT_EQ(groups_of("bob"), "Groups:\t10 1000 ");
  EXPECT_EQ(groups_of("1000"), "Groups:\t10 1000 ");
}

TEST_F(RunIdentityTest, ExplicitGroupGetsNoMemberships) {
  EXPECT_EQ(groups_of("1000:1000"), "Groups:\t1000 ");
  EXPECT_EQ(groups_of("bob:bob"), "Groups:\t1000 ");
  EXPECT_EQ(groups_of("bob:10"), "Groups:\t10 ");
}

// busybox keeps the setuid identity for an applet /etc/busybox.conf marks `ssx` (root-owned,
// mode 600, as busybox requires).
TEST_F(RunIdentityTest, SetuidProgramWorksForNonRootUser) {
  const auto lines = run_lines(
      "FROM busybox:latest\n"
      "RUN mkdir /suid && cp /bin/busybox /suid/busybox && chmod 4755 /suid/busybox && "
      "printf '[SUID]\\ncat = ssx root.root\\n' > /etc/busybox.conf && chmod 600 "
      "/etc/busybox.conf\n"
      "USER nobody\n"
      "RUN /suid/busybox cat /proc/self/status | grep -E '^(Uid|NoNewPrivs):'\n",
      "");
  std::vector<std::string> status;
  for (const auto& line : lines)
    if (line.starts_with("Uid:") || line.starts_with("NoNewPrivs:")) status.push_back(line);
  // real uid nobody, effective and saved uid root
  EXPECT_EQ(status, (std::vector<std::string>{"Uid:\t65534\t0\t0\t0", "NoNewPrivs:\t0"}));
}

}  // namespace gantry::e2e
