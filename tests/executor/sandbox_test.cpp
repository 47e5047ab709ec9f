// The sandbox proof from the issue, and mounts, cancellation and leftovers: run as root.
#include <dirent.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "tests/executor/busybox_rootfs.h"

namespace gantry::executor {
namespace {

using testing::BusyboxRootfs;
using testing::Output;
using testing::run_collect;

// Our direct children that still exist (zombies included), but for the executor's slirp4netns
// processes: those serve the pooled private networks for as long as the Executor lives.
std::vector<int> children_of_self() {
  std::vector<int> children;
  const std::string self = std::to_string(::getpid());
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat;
    try {
      stat = read_file(entry.path() / "stat");
    } catch (const Error&) {
      continue;
    }
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state, ppid;
    fields >> state >> ppid;
    const bool network_helper = stat.find("(slirp4netns)") != std::string::npos;
    if (ppid == self && !network_helper) children.push_back(std::stoi(name));
  }
  return children;
}

class Sandbox : public ::testing::Test {
 protected:
  BusyboxRootfs rootfs;
  Executor executor{rootfs.state()};

  Output run_ok(const RunSpec& spec) {
    Output output;
    const RunResult result = run_collect(executor, spec, output);
    EXPECT_EQ(result.exit_code, 0) << ::testing::PrintToString(output.err);
    return output;
  }

  // Runs `script` with /probe in the root (tests/executor/sandbox_probe.cpp): its lines.
  std::vector<std::string> probe(const std::string& script) {
    std::filesystem::copy_file(SANDBOX_PROBE, rootfs.lower() / "probe",
                               std::filesystem::copy_options::skip_existing);
    return run_ok(rootfs.spec(script + "; true")).out;
  }
};

TEST_F(Sandbox, HostProcessesAreInvisibleAndProc1IsTheProcess) {
  const Output output = run_ok(rootfs.spec("ls /proc | grep -c '^[0-9]'; cat /proc/1/cmdline | tr '\\0' ' '"));
  ASSERT_EQ(output.out.size(), 2u);
  // sh itself, plus ls and grep of the pipeline.
  EXPECT_LE(std::stoi(output.out[0]), 4);
  EXPECT_EQ(output.out[1], "/bin/sh -c ls /proc | grep -c '^[0-9]'; cat /proc/1/cmdline | tr '\\0' ' ' ");
}

TEST_F(Sandbox, HostFilesystemIsNotReachable) {
  // A file only the host has, and a path escaping the root through "..".
  const TempDir marker_dir("/var/tmp", "gantry-host-only-");
  write_file_atomic(marker_dir.path() / "marker", "host\n");
  const std::string marker = (marker_dir.path() / "marker").string();
  const Output output = run_ok(rootfs.spec("test -e " + marker + " && echo visible; "
                                           "test -e /../../../" + marker + " && echo visible; "
                                           "test -e /usr/bin/apt && echo visible; echo done"));
  EXPECT_EQ(output.out, (std::vector<std::string>{"done"}));
}

TEST_F(Sandbox, OnlyLoopbackWithNetworkNone) {
  RunSpec spec = rootfs.spec("ls /sys/class/net; ip -o link | cut -d: -f2");
  spec.process.network = Network::None;
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"lo", " lo"}));
  RunSpec ping = rootfs.spec("ip -o addr show lo | grep -c 127.0.0.1");
  ping.process.network = Network::None;
  EXPECT_EQ(run_ok(ping).out, (std::vector<std::string>{"1"}));
}

// The default: loopback and slirp4netns's tap device, a default route through it, and its DNS
// forwarder in resolv.conf when the host's resolvers are out of reach.
TEST_F(Sandbox, PrivateNetworkHasLoopbackAndTap) {
  const Output output = run_ok(rootfs.spec(
      "ls /sys/class/net; ip -4 -o addr show tap0 | awk '{print $4}'; ip route | grep ^default"));
  ASSERT_EQ(output.out.size(), 4u) << output.all_out();
  EXPECT_EQ(output.out[0], "lo");
  EXPECT_EQ(output.out[1], "tap0");
  EXPECT_EQ(output.out[2], "10.0.2.100/24");
  EXPECT_EQ(output.out[3].rfind("default via 10.0.2.2 dev tap0", 0), 0u) << output.out[3];
}

// Runs one after another reuse one namespace, and what a run left listening in it is gone
// with the run's processes: the next one finds no socket.
TEST_F(Sandbox, PrivateNetworkIsReusedClean) {
  const std::string inode = "readlink /proc/self/ns/net";
  const std::string listening = "netstat -ltn | grep -c LISTEN || true";
  const Output first = run_ok(rootfs.spec(inode + "; httpd -p 8080; " + listening));
  const Output second = run_ok(rootfs.spec(inode + "; " + listening));
  ASSERT_EQ(first.out.size(), 2u);
  ASSERT_EQ(second.out.size(), 2u);
  EXPECT_EQ(first.out[0], second.out[0]);  // the same namespace, made once
  EXPECT_EQ(first.out[1], "1");            // httpd listening
  EXPECT_EQ(second.out[1], "0");
}

// An insecure run could reconfigure its namespace (CAP_NET_ADMIN): the next run gets another.
TEST_F(Sandbox, InsecureRunsNamespaceIsNotReused) {
  RunSpec insecure = rootfs.spec("readlink /proc/self/ns/net; ip link set lo down");
  insecure.insecure = true;
  const Output first = run_ok(insecure);
  const Output second = run_ok(rootfs.spec("readlink /proc/self/ns/net; ip -o link show lo"));
  ASSERT_EQ(first.out.size(), 1u);
  ASSERT_EQ(second.out.size(), 2u);
  EXPECT_NE(first.out[0], second.out[0]);
  EXPECT_NE(second.out[1].find("UP"), std::string::npos) << second.out[1];
}

TEST_F(Sandbox, HostNetworkSeesHostInterfaces) {
  RunSpec spec = rootfs.spec("ls /sys/class/net | wc -l");
  spec.process.network = Network::Host;
  std::size_t host_count = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/sys/class/net")) {
    ++host_count;
  }
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{std::to_string(host_count)}));
}

TEST_F(Sandbox, CapabilitiesAreDockersDefaultSet) {
  const Output output = run_ok(rootfs.spec("grep -E '^Cap(Eff|Prm|Bnd|Inh)' /proc/self/status; "
                                           "grep NoNewPrivs /proc/self/status; "
                                           "grep Seccomp: /proc/self/status"));
  EXPECT_EQ(output.out, (std::vector<std::string>{
                            "CapInh:\t0000000000000000", "CapPrm:\t00000000a80425fb",
                            "CapEff:\t00000000a80425fb", "CapBnd:\t00000000a80425fb",
                            "NoNewPrivs:\t0", "Seccomp:\t2"}));
}

TEST_F(Sandbox, NonRootUserHasNoEffectiveCapabilities) {
  RunSpec spec = rootfs.spec("grep -E '^Cap(Eff|Bnd)' /proc/self/status");
  spec.process.user = "builder";
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"CapEff:\t0000000000000000",
                                                        "CapBnd:\t00000000a80425fb"}));
}

TEST_F(Sandbox, ForbiddenSyscallsFail) {
  const Output output = run_ok(rootfs.spec(
      "unshare -U true 2>/dev/null && echo unshare-ok; "
      "unshare -m true 2>/dev/null && echo unshare-mount-ok; "
      "mkdir -p /m && mount -t tmpfs none /m 2>/dev/null && echo mount-ok; "
      "umount /proc 2>/dev/null && echo umount-ok; "
      "echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null && echo proc-sys-writable; "
      "cat /proc/kcore | head -c1 | wc -c; echo done"));
  EXPECT_EQ(output.out, (std::vector<std::string>{"0", "done"}));
}

// A node a run makes (it has CAP_MKNOD) opens only when it is one of Docker's default devices
// and lives in /dev: every other filesystem it can write is nodev, and the run's cgroup refuses
// other devices.
TEST_F(Sandbox, OnlyDockersDefaultDevicesOpen) {
  EXPECT_EQ(probe("mknod /dev/null2 c 1 3 && /probe open /dev/null2; "
                  "mknod /tmp/null c 1 3 && /probe open /tmp/null; "
                  "mknod /dev/tty0 c 4 0 && /probe open /dev/tty0; "
                  "mknod /dev/loop0 b 7 0 && /probe open /dev/loop0"),
            (std::vector<std::string>{"open /dev/null2: allowed (read worked)",
                                      "open /tmp/null: refused: Permission denied",
                                      "open /dev/tty0: refused: Operation not permitted",
                                      "open /dev/loop0: refused: Operation not permitted"}));
}

// Docker's profile refuses io_uring (its operations bypass the filter) and every persona but the
// plain ones (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ... weaken the process).
TEST_F(Sandbox, IoUringAndUnusualPersonasAreRefused) {
  EXPECT_EQ(probe("/probe io_uring; /probe personality 0x0040000; /probe personality 0x0400000; "
                  "/probe personality 0x100000008; /probe personality 0x0; "
                  "/probe personality 0x20008; /probe personality 0xffffffff"),
            (std::vector<std::string>{
                "io_uring_setup: refused: Operation not permitted",
                "io_uring_enter: refused: Operation not permitted",
                "io_uring_register: refused: Operation not permitted",
                "personality 0x0040000: refused: Operation not permitted",
                "personality 0x0400000: refused: Operation not permitted",
                // The kernel reads the argument as 32 bits: the low half counts.
                "personality 0x100000008: allowed",
                "personality 0x0: allowed", "personality 0x20008: allowed",
                "personality 0xffffffff: allowed"}));
}

TEST_F(Sandbox, InsecureKeepsAllCapabilities) {
  RunSpec spec = rootfs.spec("grep CapEff /proc/self/status; grep Seccomp: /proc/self/status");
  spec.insecure = true;
  const Output output = run_ok(spec);
  ASSERT_EQ(output.out.size(), 2u);
  EXPECT_NE(output.out[0], "CapEff:\t00000000a80425fb");
  EXPECT_EQ(output.out[1], "Seccomp:\t0");
}

TEST_F(Sandbox, HostnameAndEtcFilesStayOutOfTheLayer) {
  RunSpec spec = rootfs.spec("hostname; cat /etc/hostname; grep -c localhost /etc/hosts");
  spec.process.hostname = "builder-7";
  EXPECT_EQ(run_ok(spec).out, (std::vector<std::string>{"builder-7", "builder-7", "2"}));
  EXPECT_TRUE(std::filesystem::is_empty(spec.rootfs.upper_dir));
}

TEST_F(Sandbox, TmpfsBindOverlayAndSecretMounts) {
  const TempDir host("/var/tmp", "gantry-mount-src-");
  write_file_atomic(host.path() / "data.txt", "bound\n");
  std::filesystem::create_directories(host.path() / "layer/sub");
  write_file_atomic(host.path() / "layer/sub/file", "from layer\n");
  std::filesystem::create_directories(host.path() / "cache");

  RunSpec spec = rootfs.spec(
      "cat /src/data.txt; touch /src/new 2>/dev/null || echo ro-bind; "
      "echo x > /cache/written; "
      "cat /stage/sub/file; cat /part/file; "
      "echo t > /scratch/t && grep -c ' /scratch tmpfs' /proc/mounts; "
      "cat /run/secrets/token; echo; stat -c '%a %u' /run/secrets/token");
  spec.mounts = {
      BindMount{.source = host.path(), .target = "/src", .readonly = true},
      BindMount{.source = host.path() / "cache", .target = "/cache", .readonly = false},
      OverlayMount{.lower_dirs = {host.path() / "layer"}, .target = "/stage"},
      OverlayMount{.lower_dirs = {host.path() / "layer"}, .target = "/part", .selector = "sub"},
      TmpfsMount{.target = "/scratch", .size_bytes = 1 << 20},
      SecretFileMount{.target = "/run/secrets/token", .content = "s3cr3t", .mode = 0400},
  };
  EXPECT_EQ(run_ok(spec).out,
            (std::vector<std::string>{"bound", "ro-bind", "from layer", "from layer", "1",
                                      "s3cr3t", "400 0"}));
  EXPECT_EQ(read_file(host.path() / "cache/written"), "x\n");
  EXPECT_FALSE(std::filesystem::exists(host.path() / "new"));
  // Neither the mount points nor the secret are in the layer.
  EXPECT_TRUE(std::filesystem::is_empty(spec.rootfs.upper_dir));
}

TEST_F(Sandbox, CancellationKillsTheTreeAndLeavesNoMounts) {
  const std::string mounts_before = read_file("/proc/self/mountinfo");
  const std::vector<int> children_before = children_of_self();
  std::atomic<bool> cancel{false};
  RunSpec spec = rootfs.spec("sleep 1000 & sleep 1000 & echo started; wait");
  std::thread canceller;
  const auto start = std::chrono::steady_clock::now();
  const RunResult result = executor.run(
      spec,
      [&](Stream, std::string_view line) {
        if (line == "started") {
          canceller = std::thread([&] { cancel = true; });
        }
      },
      &cancel);
  canceller.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(result.signaled);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);
  EXPECT_EQ(read_file("/proc/self/mountinfo"), mounts_before);
  EXPECT_EQ(children_of_self(), children_before);
  // No process is left with the rootfs as its root, anywhere on the host.
  const std::string sleepers = [] {
    std::string found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      std::string cmdline;
      try {
        cmdline = read_file(entry.path() / "cmdline");
      } catch (const std::exception&) {
        continue;
      }
      if (cmdline == std::string("sleep\0" "1000\0", 11)) found += entry.path().string() + " ";
    }
    return found;
  }();
  EXPECT_EQ(sleepers, "");
}

TEST_F(Sandbox, NoZombiesOrMountsAfterManyRuns) {
  const std::string mounts_before = read_file("/proc/self/mountinfo");
  for (int i = 0; i < 5; ++i) {
    Output output;
    run_collect(executor, rootfs.spec("sleep 0 & true"), output);
  }
  EXPECT_TRUE(children_of_self().empty());
  EXPECT_EQ(read_file("/proc/self/mountinfo"), mounts_before);
}

TEST_F(Sandbox, MemoryAndPidLimits) {
  RunSpec spec = rootfs.spec("cat /proc/self/cgroup | grep -c gantry-");
  spec.limits.pids = 64;
  spec.limits.memory_bytes = 64 << 20;
  const Output output = run_ok(spec);
  ASSERT_EQ(output.out.size(), 1u);
  EXPECT_GE(std::stoi(output.out[0]), 1);
  // The pid limit is enforced: 30 background sleeps cannot all start under a limit of 10.
  RunSpec many = rootfs.spec("i=0; while [ $i -lt 30 ]; do sleep 5 & i=$((i+1)); done");
  many.limits.pids = 10;
  Output limited;
  run_collect(executor, many, limited);
  EXPECT_NE(::testing::PrintToString(limited.err).find("fork"), std::string::npos)
      << ::testing::PrintToString(limited.err);
}

}  // namespace
}  // namespace gantry::executor
