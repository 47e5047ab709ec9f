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

  // Builds `dockerfile` with `flags`, -q: the image ID, or the build's stderr on failure.
  Outcome build(const std::string& dockerfile, std::vector<std::string> flags) {
    write_file_atomic(context_ / "Dockerfile", dockerfile);
    std::vector<std::string> args{"build", "-q"};
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
  auto plain = build(kRunStep, {"--no-cache"});
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
    std::vector<std::string> args{"--no-cache"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto o = build(kRunStep, args);
    ASSERT_EQ(o.exit_code, 0) << testing::PrintToString(flags) << o.err;
    EXPECT_EQ(o.out, plain.out) << testing::PrintToString(flags);
  }
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

}  // namespace gantry::e2e
