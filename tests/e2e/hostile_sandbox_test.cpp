// Hostile RUN steps against the sandbox, with the real binary: privileged RUN options need the
// user's --allow (in build and bake), io_uring is refused.
//
// Each attack is bounded so that a gantry without the defence (GANTRY_TEST_BINARY=an older one)
// fails the test without harming the host.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// The last "gantry: " line of a failed command: its one-line error.
std::string error_line(const Outcome& o) {
  const auto pos = o.err.rfind("gantry: ");
  if (pos == std::string::npos) return "";
  return o.err.substr(pos, o.err.find('\n', pos) - pos);
}

// The capabilities of this (root) test process: all of them.
std::string own_cap_eff() {
  const std::string status = read_file("/proc/self/status");
  const auto pos = status.find("CapEff:");
  return status.substr(pos, status.find('\n', pos) - pos);
}

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

// --security=insecure is root on the host: only the user's --allow grants it, and without it
// nothing of the build runs.
TEST_F(HostileSandboxTest, InsecureRunNeedsTheEntitlement) {
  const fs::path ctx = context("FROM busybox:latest\nRUN echo first-step-ran\n"
                               "RUN --security=insecure grep CapEff /proc/self/status\n");
  const Outcome refused = build(ctx);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const std::string line = error_line(refused);
  for (const std::string needle : {"Dockerfile:3", "--security=insecure", "--allow security.insecure"}) {
    EXPECT_NE(line.find(needle), std::string::npos) << line;
  }
  EXPECT_EQ(refused.err.find("first-step-ran"), std::string::npos) << "a step ran:\n" << refused.err;

  const Outcome allowed = build(ctx, {"--allow", "security.insecure"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_NE(allowed.err.find(own_cap_eff()), std::string::npos) << allowed.err;
}

TEST_F(HostileSandboxTest, HostNetworkInRunNeedsTheEntitlement) {
  const fs::path ctx = context("FROM busybox:latest\nRUN --network=host echo on-the-host\n");
  const Outcome refused = build(ctx);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  const std::string line = error_line(refused);
  for (const std::string needle : {"Dockerfile:2", "--network=host", "--allow network.host"}) {
    EXPECT_NE(line.find(needle), std::string::npos) << line;
  }
  EXPECT_EQ(refused.err.find("on-the-host"), std::string::npos) << refused.err;

  // The flag is repeatable and takes a comma-separated list, as buildx's does.
  EXPECT_EQ(build(ctx, {"--allow", "network.host"}).exit_code, 0);
  EXPECT_EQ(build(ctx, {"--allow", "security.insecure,network.host"}).exit_code, 0);
  EXPECT_EQ(build(ctx, {"--allow", "security.insecure", "--allow", "network.host"}).exit_code, 0);

  // The build's own --network=host is the user's choice and needs nothing more.
  const fs::path plain = context("FROM busybox:latest\nRUN echo plain-run\n");
  EXPECT_EQ(build(plain, {"--network=host"}).exit_code, 0);
}

TEST_F(HostileSandboxTest, UnknownEntitlementIsAUsageError) {
  const fs::path ctx = context("FROM busybox:latest\nRUN true\n");
  const Outcome o = build(ctx, {"--allow", "network.host,root.everything"});
  EXPECT_EQ(o.exit_code, 125) << o.err;
  const std::string line = error_line(o);
  EXPECT_NE(line.find("root.everything"), std::string::npos) << line;
  EXPECT_NE(line.find("network.host, security.insecure"), std::string::npos) << line;
}

// A bake file is as untrusted as a Dockerfile: a target's entitlements, and `network: host`,
// need the user's `bake --allow`; a target gets only the entitlements it lists.
TEST_F(HostileSandboxTest, BakeTargetsNeedTheUsersAllow) {
  const fs::path dir = env_.scratch() / "project";
  fs::create_directories(dir / "app");
  write_file_atomic(dir / "app/Dockerfile", "FROM busybox:latest\nRUN --security=insecure echo insecure-ran\n");
  write_file_atomic(dir / "gantry.yaml", "target:\n  app:\n    context: app\n    entitlements: [security.insecure]\n"
                                         "  quiet:\n    context: app\n"
                                         "  hostnet:\n    context: app\n    network: host\n");
  auto bake = [&](const std::vector<std::string>& args) {
    std::string command = "cd '" + dir.string() + "' && " + gantry_binary() + " bake --progress=plain";
    for (const auto& a : args) command += " '" + a + "'";
    return run_command({"sh", "-c", command}, {{"GANTRY_ROOT", env_.root().string()}});
  };
  const Outcome refused = bake({"app"});
  EXPECT_EQ(refused.exit_code, 125) << refused.err;
  for (const std::string needle : {"gantry.yaml", "target.app", "security.insecure", "--allow security.insecure"}) {
    EXPECT_NE(error_line(refused).find(needle), std::string::npos) << error_line(refused);
  }
  const Outcome hostnet = bake({"hostnet"});
  EXPECT_EQ(hostnet.exit_code, 125) << hostnet.err;
  EXPECT_NE(error_line(hostnet).find("--allow network.host"), std::string::npos) << error_line(hostnet);

  const Outcome granted = bake({"--allow", "security.insecure", "app"});
  EXPECT_EQ(granted.exit_code, 0) << granted.err;
  EXPECT_NE(granted.err.find("insecure-ran"), std::string::npos) << granted.err;
  // --allow grants a target only what it asks for.
  const Outcome unasked = bake({"--allow", "security.insecure", "quiet"});
  EXPECT_EQ(unasked.exit_code, 1) << unasked.err;
  EXPECT_NE(error_line(unasked).find("target quiet: Dockerfile:2"), std::string::npos) << error_line(unasked);
}

TEST_F(HostileSandboxTest, IoUringIsRefused) {
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\nRUN /probe io_uring\n");
  const Outcome o = build(ctx);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string call : {"io_uring_setup", "io_uring_enter", "io_uring_register"}) {
    EXPECT_NE(o.err.find(call + ": refused"), std::string::npos) << o.err;
  }
}

}  // namespace gantry::e2e
