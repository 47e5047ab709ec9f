// Hostile RUN steps against the sandbox, with the real binary: io_uring is refused.
//
// Each attack is bounded so that a gantry without the defence (GANTRY_TEST_BINARY=an older one)
// fails the test without harming the host.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class HostileSandboxTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  // A context holding `dockerfile` and the probe (tests/executor/sandbox_probe.cpp).
  fs::path context(const std::string& dockerfile) {
    const fs::path ctx = env_.scratch() / ("ctx" + std::to_string(++contexts_));
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    fs::copy_file(SANDBOX_PROBE, ctx / "probe");
    return ctx;
  }

  Outcome build(const fs::path& ctx, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"build", "--progress=plain", "--no-cache"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ctx.string());
    return env_.gantry(args);
  }

  GantryEnv env_;
  int contexts_ = 0;
};

}  // namespace

TEST_F(HostileSandboxTest, IoUringIsRefused) {
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\nRUN /probe io_uring\n");
  const Outcome o = build(ctx);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string call : {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
    EXPECT_NE(o.err.find(call + ": refused"), std::string::npos) << o.err;
  }
}

}  // namespace gantry::e2e
