// The run cgroups (executor/sandbox_cgroup.h) on both kinds of hierarchy this host offers: its
// cgroup v1 controllers, and the cgroup v2 tree at /sys/fs/cgroup/unified (empty of controllers
// on this host, but device programs work there). Each check forks a child that joins a run
// cgroup and tries what a RUN step would. Run as root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "executor/cgroup_hierarchy.h"
#include "executor/device_rules.h"
#include "executor/sandbox_cgroup.h"

namespace gantry::executor {
namespace {

namespace fs = std::filesystem;

constexpr const char* kUnifiedMount = "/sys/fs/cgroup/unified";

// Runs `body` in a child that has joined `run` and returns its exit status (what body returns).
int in_child(const RunCgroup& run, const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (run.join() != 0) ::_exit(100);
    ::_exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// errno of opening `path` read-only (0 when it opens).
int open_error(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// For the child: a node made on a fresh tmpfs (which allows devices) in a mount namespace of its
// own, then opened. Returns 1 when mknod fails, else open's errno.
int make_and_open(mode_t type, unsigned major, unsigned minor) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return 101;
  }
  const char* dir = "/var/tmp";  // mounted over in this namespace only
  if (::mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) return 102;
  if (::mknod("/var/tmp/node", type | 0600, makedev(major, minor)) != 0) return 1;
  return open_error("/var/tmp/node");
}

struct Layout {
  const char* name;
  std::function<CgroupHierarchy()> hierarchy;
};

class SandboxCgroupTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    if (std::string(GetParam().name) == "v2" && !fs::exists(fs::path(kUnifiedMount) / "cgroup.procs")) {
      GTEST_SKIP() << "no cgroup v2 tree at " << kUnifiedMount;
    }
  }
};

TEST_P(SandboxCgroupTest, OnlyDockersDefaultDevicesOpen) {
  SandboxCgroup sandbox(GetParam().hierarchy());
  const RunCgroup run = sandbox.make_run(Limits{});
  for (const char* allowed : {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"}) {
    EXPECT_EQ(in_child(run, [&] { return open_error(allowed); }), 0) << allowed;
  }
  for (const char* refused : {"/dev/tty0", "/dev/fuse", "/dev/net/tun", "/dev/loop0", "/dev/kmsg"}) {
    if (!fs::exists(refused)) continue;
    EXPECT_EQ(in_child(run, [&] { return open_error(refused); }), EPERM) << refused;
  }
  // Nodes can be made (images ship device files), but only the default set opens.
  EXPECT_EQ(in_child(run, [] { return make_and_open(S_IFCHR, 4, 0); }), EPERM) << "tty0";
  EXPECT_EQ(in_child(run, [] { return make_and_open(S_IFBLK, 7, 0); }), EPERM) << "loop0";
  EXPECT_EQ(in_child(run, [] { return make_and_open(S_IFCHR, 1, 3); }), 0) << "null";
  // A terminal that does not exist fails in its driver (EIO), past the cgroup.
  EXPECT_EQ(in_child(run, [] { return make_and_open(S_IFCHR, 136, 7); }), EIO) << "pts/7";
}

TEST_P(SandboxCgroupTest, ThePidsLimitRefusesForksAndIsCounted) {
  SandboxCgroup sandbox(GetParam().hierarchy());
  Limits limits;
  limits.pids = 8;
  const RunCgroup run = sandbox.make_run(limits);
  if (!sandbox.unenforced(limits).empty()) {
    // This hierarchy has no pids controller for gantry (the hybrid host's v2 tree): said so.
    EXPECT_EQ(sandbox.unenforced(limits), std::vector<std::string>{"pids-limit"});
    return;
  }
  const int got = in_child(run, [] {
    pid_t children[30];
    int count = 0;
    for (; count < 30; ++count) {
      children[count] = ::fork();
      if (children[count] < 0) break;
      if (children[count] == 0) {
        ::pause();
        ::_exit(0);
      }
    }
    for (int i = 0; i < count; ++i) ::kill(children[i], SIGKILL);
    for (int i = 0; i < count; ++i) ::waitpid(children[i], nullptr, 0);
    return count;
  });
  EXPECT_LT(got, 8);  // the child itself counts
  EXPECT_GT(run.limits_hit().refused_forks, 0);
}

TEST_P(SandboxCgroupTest, TheMemoryLimitKillsAndIsCounted) {
  SandboxCgroup sandbox(GetParam().hierarchy());
  Limits limits;
  limits.pids.reset();
  limits.memory_bytes = 32 << 20;
  const RunCgroup run = sandbox.make_run(limits);
  if (!sandbox.unenforced(limits).empty()) {
    EXPECT_EQ(sandbox.unenforced(limits), std::vector<std::string>{"memory"});
    return;
  }
  const int status = in_child(run, [] {
    for (int i = 0; i < 16; ++i) {  // 128 MiB in all, 4x the limit
      // Written through a volatile pointer, page by page: an allocation nobody reads may
      // otherwise be elided by the compiler (clang does).
      volatile char* chunk = static_cast<char*>(std::malloc(8 << 20));
      if (!chunk) return 1;
      for (int offset = 0; offset < (8 << 20); offset += 4096) chunk[offset] = 1;
    }
    return 0;
  });
  EXPECT_EQ(status, 128 + SIGKILL);
  EXPECT_GT(run.limits_hit().oom_kills, 0);
}

TEST_P(SandboxCgroupTest, CgroupsGoWithTheirOwnersAndAKilledGantrysAreRemoved) {
  const CgroupHierarchy hierarchy = GetParam().hierarchy();
  const fs::path own = hierarchy.is_unified() ? hierarchy.unified->own : hierarchy.devices->own;
  // What a SIGKILLed gantry leaves: its parent and a run cgroup, named with a pid that is gone.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const fs::path stale = own / ("gantry-" + std::to_string(dead) + "-1");
  ASSERT_EQ(::mkdir(stale.c_str(), 0755), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir((stale / "run-0").c_str(), 0755), 0) << std::strerror(errno);

  std::vector<fs::path> ours;
  {
    SandboxCgroup sandbox(hierarchy);
    EXPECT_FALSE(fs::exists(stale)) << "a dead gantry's cgroup stayed";
    for (const auto& entry : fs::directory_iterator(own)) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with("gantry-" + std::to_string(::getpid()) + "-")) ours.push_back(entry.path());
    }
    ASSERT_EQ(ours.size(), 1u);
    const RunCgroup run = sandbox.make_run(Limits{});
    EXPECT_EQ(in_child(run, [] { return 0; }), 0);
  }
  EXPECT_FALSE(fs::exists(ours[0]));
}

TEST_P(SandboxCgroupTest, CpuAndCpusetLimitsAreTheRunsCgroupFiles) {
  SandboxCgroup sandbox(GetParam().hierarchy());
  Limits limits;
  limits.pids.reset();
  limits.cpu_shares = 512;
  limits.cpu_period_us = 50000;
  limits.cpu_quota_us = 25000;
  limits.cpuset_cpus = "0";
  const RunCgroup run = sandbox.make_run(limits);
  const std::vector<std::string> unenforced = sandbox.unenforced(limits);
  if (!unenforced.empty()) {
    // The hybrid host's v2 tree has neither controller.
    EXPECT_EQ(unenforced, (std::vector<std::string>{"cpu-shares", "cpu-period", "cpu-quota", "cpuset-cpus"}));
    return;
  }
  std::map<std::string, fs::path> dirs(run.views().begin(), run.views().end());
  auto value = [&](const std::string& controller, const char* file) {
    std::string text = read_file(dirs.at(controller) / file);
    return text.substr(0, text.find('\n'));
  };
  if (dirs.contains("")) {
    EXPECT_EQ(value("", "cpu.weight"), "20");
    EXPECT_EQ(value("", "cpu.max"), "25000 50000");
    EXPECT_EQ(value("", "cpuset.cpus"), "0");
  } else {
    EXPECT_EQ(value("cpu", "cpu.shares"), "512");
    EXPECT_EQ(value("cpu", "cpu.cfs_period_us"), "50000");
    EXPECT_EQ(value("cpu", "cpu.cfs_quota_us"), "25000");
    EXPECT_EQ(value("cpuset", "cpuset.cpus"), "0");
    EXPECT_FALSE(value("cpuset", "cpuset.mems").empty()) << "a v1 cpuset needs its parent's nodes";
  }
  // The run can join them all.
  EXPECT_EQ(in_child(run, [] { return 0; }), 0);
}

TEST_P(SandboxCgroupTest, ACgroupParentHoldsTheRunsCgroups) {
  const CgroupHierarchy hierarchy = GetParam().hierarchy();
  const std::string parent = "gantry-unit-parent-" + std::to_string(::getpid());
  {
    SandboxCgroup sandbox(hierarchy);
    Limits limits;
    limits.memory_bytes = 64 << 20;
    limits.cgroup_parent = "/" + parent + "/nested";
    const RunCgroup run = sandbox.make_run(limits);
    ASSERT_FALSE(run.views().empty());
    for (const auto& [controller, dir] : run.views()) {
      EXPECT_NE(dir.string().find("/" + parent + "/nested/gantry-"), std::string::npos) << dir;
    }
    EXPECT_EQ(in_child(run, [] { return 0; }), 0);
    // Runs without one stay below gantry's own cgroup.
    const RunCgroup other = sandbox.make_run(Limits{});
    for (const auto& [controller, dir] : other.views()) {
      EXPECT_EQ(dir.string().find(parent), std::string::npos) << dir;
    }
  }
  // gantry's cgroups go; the parent stays, as docker leaves it.
  std::vector<fs::path> trees;
  if (hierarchy.is_unified()) trees.push_back(hierarchy.unified->mount);
  for (const auto& tree : {hierarchy.devices, hierarchy.pids, hierarchy.memory, hierarchy.cpu, hierarchy.cpuset}) {
    if (!hierarchy.is_unified() && tree) trees.push_back(tree->mount);
  }
  for (const fs::path& tree : trees) {
    const fs::path nested = tree / parent / "nested";
    ASSERT_TRUE(fs::exists(nested)) << nested;
    EXPECT_TRUE(fs::is_empty(nested) || !std::any_of(fs::directory_iterator(nested), fs::directory_iterator(),
                                                     [](const auto& e) { return e.is_directory(); }))
        << nested;
    ::rmdir(nested.c_str());
    ::rmdir((tree / parent).c_str());
  }
}

TEST_P(SandboxCgroupTest, ACgroupParentKeepsCgroupsNamedAfterPidsItCannotSee) {
  const CgroupHierarchy hierarchy = GetParam().hierarchy();
  const std::string parent = "gantry-unit-shared-" + std::to_string(::getpid());
  const fs::path tree = hierarchy.is_unified() ? hierarchy.unified->mount : hierarchy.devices->mount;
  // A gantry in another PID namespace may share the --cgroup-parent: its pid is no process here.
  pid_t elsewhere = ::fork();
  if (elsewhere == 0) ::_exit(0);
  ::waitpid(elsewhere, nullptr, 0);
  const fs::path shared = tree / parent / ("gantry-" + std::to_string(elsewhere) + "-1");
  ASSERT_EQ(::mkdir((tree / parent).c_str(), 0755), 0) << std::strerror(errno);
  ASSERT_EQ(::mkdir(shared.c_str(), 0755), 0) << std::strerror(errno);
  {
    SandboxCgroup sandbox(hierarchy);
    Limits limits;
    limits.cgroup_parent = "/" + parent;
    const RunCgroup run = sandbox.make_run(limits);
    EXPECT_TRUE(fs::exists(shared)) << "another gantry's cgroup below a --cgroup-parent was removed";
  }
  ::rmdir(shared.c_str());
  for (const auto& controller : {hierarchy.unified, hierarchy.devices, hierarchy.pids, hierarchy.memory,
                                 hierarchy.cpu, hierarchy.cpuset}) {
    if (controller) ::rmdir((controller->mount / parent).c_str());
  }
}

TEST(CgroupTree, ACgroupParentIsBelowTheRootOrBelowGantrysOwn) {
  const CgroupTree tree{"/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/user/gantry"};
  EXPECT_EQ(tree.base(""), "/sys/fs/cgroup/memory/user/gantry");
  EXPECT_EQ(tree.base("/ci/builds"), "/sys/fs/cgroup/memory/ci/builds");
  EXPECT_EQ(tree.base("ci"), "/sys/fs/cgroup/memory/user/gantry/ci");
  EXPECT_THROW(tree.base("/../etc"), UsageError);
  EXPECT_THROW(tree.base("a/../../b"), UsageError);
}

INSTANTIATE_TEST_SUITE_P(
    Hierarchies, SandboxCgroupTest,
    ::testing::Values(Layout{"v1", [] { return CgroupHierarchy::of_this_process(); }},
                      Layout{"v2", [] { return CgroupHierarchy::unified_at(kUnifiedMount, "/"); }}),
    [](const ::testing::TestParamInfo<Layout>& info) { return std::string(info.param.name); });

TEST(CgroupHierarchy, ReadsEachControllersCgroupFromProcSelfCgroup) {
  const std::string self = "12:pids:/a\n5:cpu,cpuacct:/b/c\n4:memory:/process_api/x\n0::/user.slice\n";
  EXPECT_EQ(cgroup_of(self, "pids"), "/a");
  EXPECT_EQ(cgroup_of(self, "cpuacct"), "/b/c");
  EXPECT_EQ(cgroup_of(self, "memory"), "/process_api/x");
  EXPECT_EQ(cgroup_of(self, ""), "/user.slice");
  EXPECT_EQ(cgroup_of(self, "devices"), std::nullopt);
  EXPECT_EQ(cgroup_of("1:name=systemd:/\n", ""), std::nullopt);
}

TEST(DeviceRules, V1LinesAreDockersDefaultSet) {
  EXPECT_EQ(v1_device_allow_lines(),
            (std::vector<std::string>{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
                                      "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm",
                                      "c 5:2 rwm", "c 136:* rwm"}));
}

}  // namespace
}  // namespace gantry::executor
