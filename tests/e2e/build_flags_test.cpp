// docker build's flags for the RUN steps' sandbox and the classic builder's flags that docker's
// CI scripts still pass: what each does to a build, and what it must leave alone.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEpoch{{"SOURCE_DATE_EPOCH", "1700000000"}};

class BuildFlagsTest : public testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    context_ = env_.scratch() / "ctx";
    fs::create_directories(context_);
  }

  // Builds `dockerfile` with `flags`.
  Outcome build(const std::string& dockerfile, std::vector<std::string> flags) {
    write_file_atomic(context_ / "Dockerfile", dockerfile);
    std::vector<std::string> args{"build"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context_.string());
    return env_.gantry(args, kEpoch);
  }

  GantryEnv env_;
  fs::path context_;
};

constexpr const char* kRunStep = "FROM busybox:latest\nRUN echo built > /built\n";

}  // namespace

TEST_F(BuildFlagsTest, ClassicBuilderFlagsLeaveTheImageAsItIs) {
  auto plain = build(kRunStep, {"-q", "--no-cache"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  for (const auto& flags : std::vector<std::vector<std::string>>{{"--rm"},
                                                                  {"--rm=false"},
                                                                  {"--force-rm"},
                                                                  {"--compress"},
                                                                  {"--disable-content-trust"},
                                                                  {"--disable-content-trust=false"},
                                                                  {"--isolation", "default"},
                                                                  {"--isolation=default"},
                                                                  {"--squash"}}) {
    std::vector<std::string> args{"-q", "--no-cache"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto o = build(kRunStep, args);
    ASSERT_EQ(o.exit_code, 0) << testing::PrintToString(flags) << o.err;
    EXPECT_EQ(o.out, plain.out) << testing::PrintToString(flags);
  }
  // They are still booleans.
  auto o = build(kRunStep, {"--rm=maybe"});
  EXPECT_EQ(o.exit_code, 125) << o.err;
  EXPECT_NE(o.err.find("--rm"), std::string::npos) << o.err;
}

TEST_F(BuildFlagsTest, SquashWarnsOnceThatItIsIgnored) {
  auto o = build(kRunStep, {"--squash"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string warning = "WARNING: --squash is ignored";
  auto first = o.err.find(warning);
  ASSERT_NE(first, std::string::npos) << o.err;
  EXPECT_EQ(o.err.find(warning, first + 1), std::string::npos) << o.err;
}

TEST_F(BuildFlagsTest, IsolationOtherThanDefaultIsAUsageErrorNamingIt) {
  for (const std::string isolation : {"hyperv", "process", ""}) {
    auto o = build(kRunStep, {"--isolation", isolation});
    EXPECT_EQ(o.exit_code, 125) << isolation << o.err;
    EXPECT_NE(o.err.find("--isolation `" + isolation + "`"), std::string::npos) << o.err;
  }
}

TEST_F(BuildFlagsTest, AddHostPutsTheLinesInEachRunsEtcHosts) {
  auto o = build("FROM busybox:latest\nRUN cat /etc/hosts\nRUN grep -w db /etc/hosts\n",
                 {"--progress", "plain", "--add-host", "db:127.0.0.5", "--add-host", "cache=10.1.2.3",
                  "--add-host", "v6:fd00::5", "--add-host", "gw:host-gateway"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string line : {"127.0.0.5\tdb", "10.1.2.3\tcache", "fd00::5\tv6", "10.0.2.2\tgw"}) {
    EXPECT_NE(o.err.find(line), std::string::npos) << line << "\n" << o.err;
  }
  EXPECT_NE(o.err.find("127.0.0.1\tlocalhost"), std::string::npos) << o.err;
}

TEST_F(BuildFlagsTest, AddHostGatewayOnTheHostsNetworkIsLoopback) {
  auto o = build("FROM busybox:latest\nRUN grep -w gw /etc/hosts\n",
                 {"--progress", "plain", "--network", "host", "--add-host", "gw:host-gateway"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("127.0.0.1\tgw"), std::string::npos) << o.err;
}

// Keyed as BuildKit keys an ExecOp's extra hosts: by their names, not their addresses.
TEST_F(BuildFlagsTest, AddHostNamesButNotAddressesAreInTheCacheKeyAndNeitherInTheImage) {
  auto plain = build(kRunStep, {"-q"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto with_host = build(kRunStep, {"--progress", "plain", "--add-host", "db:127.0.0.5"});
  ASSERT_EQ(with_host.exit_code, 0) << with_host.err;
  EXPECT_NE(with_host.err.find("RUN echo built > /built\n#2 not cached"), std::string::npos) << with_host.err;
  auto moved = build(kRunStep, {"--progress", "plain", "--add-host", "db:127.0.0.6"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_NE(moved.err.find(" CACHED\n"), std::string::npos) << moved.err;
  EXPECT_EQ(moved.err.find("not cached"), std::string::npos) << moved.err;
  auto image = build(kRunStep, {"-q", "--add-host", "db:127.0.0.5"});
  ASSERT_EQ(image.exit_code, 0) << image.err;
  EXPECT_EQ(image.out, plain.out);
}

TEST_F(BuildFlagsTest, AddHostThatIsNotHostAndIpIsAUsageErrorNamingIt) {
  for (const std::string value : {"db", "db:", ":127.0.0.1", "db:300.1.1.1", "db:localhost", "d b:127.0.0.1"}) {
    auto o = build(kRunStep, {"--add-host", value});
    EXPECT_EQ(o.exit_code, 125) << value << o.err;
    EXPECT_NE(o.err.find("invalid --add-host `" + value + "`"), std::string::npos) << o.err;
  }
}

TEST_F(BuildFlagsTest, ShmSizeSizesEachRunsDevShm) {
  const std::string dockerfile = "FROM busybox:latest\nRUN df -k /dev/shm | tail -n 1 | awk '{print \"shm=\" $2}'\n";
  auto plain = build(dockerfile, {"--progress", "plain"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.err.find("shm=65536\n"), std::string::npos) << plain.err;  // docker's 64m
  for (const auto& [size, kib] : std::vector<std::pair<std::string, std::string>>{
           {"2g", "2097152"}, {"128m", "131072"}, {"1024k", "1024"}, {"33554432", "32768"}}) {
    auto o = build(dockerfile, {"--progress", "plain", "--shm-size", size});
    ASSERT_EQ(o.exit_code, 0) << size << o.err;
    EXPECT_NE(o.err.find("shm=" + kib + "\n"), std::string::npos) << size << o.err;
  }
}

TEST_F(BuildFlagsTest, ShmSizeThatIsNotASizeIsAUsageErrorNamingIt) {
  for (const std::string value : {"0", "-1m", "12x", "big"}) {
    auto o = build(kRunStep, {"--shm-size", value});
    EXPECT_EQ(o.exit_code, 125) << value << o.err;
    EXPECT_NE(o.err.find("--shm-size"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("`" + value + "`"), std::string::npos) << o.err;
  }
}

TEST_F(BuildFlagsTest, UlimitSetsEachRunsLimits) {
  auto o = build("FROM busybox:latest\nRUN echo \"nofile=$(ulimit -n):$(ulimit -Hn) core=$(ulimit -c)\"\n",
                 {"--progress", "plain", "--ulimit", "nofile=1024:4096", "--ulimit", "core=-1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("nofile=1024:4096 core=unlimited\n"), std::string::npos) << o.err;
  o = build("FROM busybox:latest\nRUN echo \"nofile=$(ulimit -n):$(ulimit -Hn)\"\n",
            {"--progress", "plain", "--ulimit", "nofile=2048"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("nofile=2048:2048\n"), std::string::npos) << o.err;  // HARD = SOFT when omitted
}

TEST_F(BuildFlagsTest, UlimitThatIsNotALimitIsAUsageErrorNamingIt) {
  for (const std::string value : {"nofile", "files=10", "nofile=x", "nofile=10:5", "nofile=-1:5", "nofile=-2"}) {
    auto o = build(kRunStep, {"--ulimit", value});
    EXPECT_EQ(o.exit_code, 125) << value << o.err;
    EXPECT_NE(o.err.find("invalid --ulimit `" + value + "`"), std::string::npos) << o.err;
  }
}

}  // namespace gantry::e2e
