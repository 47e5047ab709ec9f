// Hostile RUN steps against the sandbox, with the real binary: device nodes (made in RUN, or
// brought in by a layer) cannot be opened, privileged RUN options need the user's --allow (in
// build and bake), a fork bomb and a memory hog are bounded and named, io_uring is refused.
//
// Each attack is bounded so that a gantry without the defence (GANTRY_TEST_BINARY=an older one)
// fails the test without harming the host: the bomb holds at most 6,000 sleeping processes and
// lets them go, the hog asks for 600 MiB, device nodes are only read, never written.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <optional>

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

// A block device of this host that the host itself can read (a loop device, a disk), as
// "MAJOR MINOR": what a RUN would aim at to read the host's disk.
std::optional<std::string> readable_host_block_device() {
  for (const auto& entry : fs::directory_iterator("/sys/dev/block")) {
    const std::string name = entry.path().filename().string();  // "7:0"
    const auto colon = name.find(':');
    if (colon == std::string::npos) continue;
    const unsigned major = std::stoul(name.substr(0, colon)), minor = std::stoul(name.substr(colon + 1));
    const TempDir dir("/var/tmp", "gantry-hostile-dev-");
    const fs::path node = dir.path() / "node";
    if (::mknod(node.c_str(), S_IFBLK | 0600, makedev(major, minor)) != 0) continue;
    const int fd = ::open(node.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ::close(fd);
    return std::to_string(major) + " " + std::to_string(minor);
  }
  return std::nullopt;
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

// The capabilities of this (root) test process: all of them.
std::string own_cap_eff() {
  const std::string status = read_file("/proc/self/status");
  const auto pos = status.find("CapEff:");
  return status.substr(pos, status.find('\n', pos) - pos);
}

// N of the probe's "held N of M processes" line, or -1.
long held_processes(const Outcome& o) {
  const auto pos = o.err.find("held ");
  return pos == std::string::npos ? -1 : std::stol(o.err.substr(pos + 5));
}

// What the probe printed about opening `path` inside RUN.
std::string open_result(const Outcome& o, const std::string& path) {
  const std::string needle = "open " + path + ": ";
  const auto pos = o.err.find(needle);
  if (pos == std::string::npos) return "(no line for " + path + ")";
  return o.err.substr(pos + needle.size(), o.err.find('\n', pos) - pos - needle.size());
}

}  // namespace

// A RUN keeps CAP_MKNOD, so it can make a node for the host's block device; in /dev (a tmpfs
// that allows devices) the device cgroup must refuse it, anywhere else the nodev mount does.
TEST_F(HostileSandboxTest, BlockDeviceNodeOfTheHostCannotBeRead) {
  const auto device = readable_host_block_device();
  if (!device) GTEST_SKIP() << "no block device this host can read";
  // /cache is a cache mount: a writable bind of a host directory, nodev as well.
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\n"
                               "RUN --mount=type=cache,target=/cache "
                               "for d in /dev/hostdisk /tmp/hostdisk /cache/hostdisk; do "
                               "mknod $d b " + *device + " && /probe open $d; done; true\n");
  const Outcome o = build(ctx);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string path : {"/dev/hostdisk", "/tmp/hostdisk", "/cache/hostdisk"}) {
    EXPECT_TRUE(open_result(o, path).starts_with("refused")) << path << ": " << open_result(o, path);
  }
}

TEST_F(HostileSandboxTest, TtyFuseAndTunNodesCannotBeOpened) {
  const fs::path ctx = context(
      "FROM busybox:latest\nCOPY probe /probe\n"
      "RUN mknod /dev/tty0 c 4 0 && mknod /dev/fuse c 10 229 && mkdir /dev/net && "
      "mknod /dev/net/tun c 10 200 && mknod /tmp/tun c 10 200 && "
      "for d in /dev/tty0 /dev/fuse /dev/net/tun /tmp/tun; do /probe open $d; done; "
      // What Docker's default device set allows must still work.
      "for d in /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/ptmx; do /probe open $d; done; "
      "true\n");
  const Outcome o = build(ctx);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  for (const std::string path : {"/dev/tty0", "/dev/fuse", "/dev/net/tun", "/tmp/tun"}) {
    EXPECT_TRUE(open_result(o, path).starts_with("refused")) << path << ": " << open_result(o, path);
  }
  for (const std::string path : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/ptmx"}) {
    EXPECT_TRUE(open_result(o, path).starts_with("allowed")) << path << ": " << open_result(o, path);
  }
}

// Nodes that come in a layer (here an ADDed tar; a pulled image's are the same) are as dead.
TEST_F(HostileSandboxTest, DeviceNodesFromAnAddedTarAreDead) {
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\nADD devs.tar /devs/\n"
                               "RUN ls -l /devs && for d in /devs/*; do /probe open $d; done; true\n");
  {
    const TempDir nodes("/var/tmp", "gantry-hostile-tar-");
    const auto device = readable_host_block_device();
    if (device) {
      const unsigned major = std::stoul(device->substr(0, device->find(' ')));
      const unsigned minor = std::stoul(device->substr(device->find(' ') + 1));
      ASSERT_EQ(::mknod((nodes.path() / "disk").c_str(), S_IFBLK | 0600, makedev(major, minor)), 0);
    }
    ASSERT_EQ(::mknod((nodes.path() / "tty0").c_str(), S_IFCHR | 0600, makedev(4, 0)), 0);
    ASSERT_EQ(::mknod((nodes.path() / "tun").c_str(), S_IFCHR | 0600, makedev(10, 200)), 0);
    const Outcome tar = run_command({"tar", "-C", nodes.path().string(), "-cf", (ctx / "devs.tar").string(), "."});
    ASSERT_EQ(tar.exit_code, 0) << tar.err;
  }
  const Outcome o = build(ctx);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("tty0"), std::string::npos) << "the tar's nodes did not arrive:\n" << o.err;
  for (const std::string path : {"/devs/tty0", "/devs/tun"}) {
    EXPECT_TRUE(open_result(o, path).starts_with("refused")) << path << ": " << open_result(o, path);
  }
  if (o.err.find("open /devs/disk") != std::string::npos) {
    EXPECT_TRUE(open_result(o, "/devs/disk").starts_with("refused")) << open_result(o, "/devs/disk");
  }
}

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

// A fork bomb, bounded: it tries to hold 6,000 processes. The default pids limit stops it well
// before, and the build fails naming the limit.
TEST_F(HostileSandboxTest, ForkBombIsStoppedByThePidsLimit) {
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\nRUN /probe hold 6000\n");
  const Outcome o = build(ctx);
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_GE(held_processes(o), 0) << o.err;
  EXPECT_LT(held_processes(o), 4096) << o.err;
  const std::string line = error_line(o);
  for (const std::string needle : {"Dockerfile:3", "pids limit", "4096", "--pids-limit"}) {
    EXPECT_NE(line.find(needle), std::string::npos) << line;
  }

  const Outcome small = build(ctx, {"--pids-limit", "50"});
  EXPECT_EQ(small.exit_code, 1) << small.err;
  EXPECT_NE(error_line(small).find("pids limit of 50"), std::string::npos) << error_line(small);
  EXPECT_GE(held_processes(small), 0) << small.err;
  EXPECT_LT(held_processes(small), 50) << small.err;

  // gantry run takes the flag too.
  const fs::path image = context("FROM busybox:latest\nCOPY probe /probe\n");
  ASSERT_EQ(build(image, {"-t", "probe:1"}).exit_code, 0);
  const Outcome run = env_.gantry({"run", "--rm", "--pids-limit", "10", "probe:1", "/probe", "hold", "30"});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_GE(held_processes(Outcome{0, "", run.out}), 0) << run.out;
  EXPECT_LT(held_processes(Outcome{0, "", run.out}), 10) << run.out;
}

TEST_F(HostileSandboxTest, MemoryHogFailsNamingTheMemoryLimit) {
  const fs::path ctx = context("FROM busybox:latest\nCOPY probe /probe\nRUN /probe hog 600\n");
  const Outcome o = build(ctx, {"--memory", "256m"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_EQ(o.err.find("allocated 600 MiB"), std::string::npos) << "the hog got all it wanted";
  const std::string line = error_line(o);
  for (const std::string needle : {"Dockerfile:3", "memory limit", "256 MiB", "--memory"}) {
    EXPECT_NE(line.find(needle), std::string::npos) << line;
  }
  // Within the limit the same step succeeds.
  const fs::path small = context("FROM busybox:latest\nCOPY probe /probe\nRUN /probe hog 64\n");
  EXPECT_EQ(build(small, {"-m", "256m"}).exit_code, 0);
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
