// docker build's and docker run's cgroup limits and --security-opt, end to end: what each does
// inside a RUN step (or `gantry run`'s container), seen from there: its cgroup files under
// /sys/fs/cgroup, /proc/self/cgroup and /proc/self/status, and the calls it may make. Where
// this host lacks a controller, the warning that says so instead.
#include <gtest/gtest.h>
#include <unistd.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// Whether RUN steps can get a cgroup of their own in `controller`: the host's v1 tree of it, or
// its v2 tree offering it.
bool host_has(const std::string& controller) {
  if (fs::exists("/sys/fs/cgroup/" + controller + "/cgroup.procs")) return true;
  if (!fs::exists("/sys/fs/cgroup/cgroup.controllers")) return false;
  const std::string offered = " " + read_file("/sys/fs/cgroup/cgroup.controllers");
  return offered.find(" " + controller) != std::string::npos;
}

bool host_is_v1(const std::string& controller) {
  return fs::exists("/sys/fs/cgroup/" + controller + "/cgroup.procs");
}

// Prints each cgroup file the step sees as NAME=VALUE, v1's per-controller directories and the
// v2 tree alike.
std::string print_cgroup_files(const std::vector<std::string>& files) {
  std::string script = "RUN for f in";
  for (const auto& f : files) script += " " + f;
  return script +
         "; do [ -f /sys/fs/cgroup/$f ] && echo \"$f=$(cat /sys/fs/cgroup/$f)\"; done; true\n";
}

class ResourceFlagsTest : public testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    context_ = env_.scratch() / "ctx";
    fs::create_directories(context_);
  }

  Outcome build(const std::string& dockerfile, std::vector<std::string> flags) {
    write_file_atomic(context_ / "Dockerfile", dockerfile);
    std::vector<std::string> args{"build", "--progress", "plain"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context_.string());
    return env_.gantry(args);
  }

  GantryEnv env_;
  fs::path context_;
};

constexpr const char* kRunStep = "FROM busybox:latest\nRUN echo built > /built\n";

}  // namespace

TEST_F(ResourceFlagsTest, MemoryAndSwapLimitsAreTheStepsCgroups) {
  const std::string dockerfile =
      "FROM busybox:latest\n" +
      print_cgroup_files({"memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes",
                          "memory.max", "memory.swap.max"});
  auto o = build(dockerfile, {"-m", "64m", "--memory-swap", "96m"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (!host_has("memory")) {
    EXPECT_NE(
        o.err.find("no memory controller gantry can use: RUN steps run without the --memory limit"),
        std::string::npos)
        << o.err;
    return;
  }
  if (host_is_v1("memory")) {
    EXPECT_NE(o.err.find("memory/memory.limit_in_bytes=67108864\n"), std::string::npos) << o.err;
    if (fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
      EXPECT_NE(o.err.find("memory/memory.memsw.limit_in_bytes=100663296\n"), std::string::npos)
          << o.err;
    } else {
      EXPECT_NE(o.err.find("do not account swap"), std::string::npos) << o.err;
    }
  } else {
    EXPECT_NE(o.err.find("memory.max=67108864\n"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("memory.swap.max=33554432\n"), std::string::npos) << o.err;
  }
  // -1: as much swap as the host has. (The limits are not in the cache key: --no-cache.)
  o = build(dockerfile, {"--no-cache", "-m", "64m", "--memory-swap", "-1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (host_is_v1("memory") && fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
    EXPECT_EQ(o.err.find("memory/memory.memsw.limit_in_bytes=67108864\n"), std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("memory/memory.memsw.limit_in_bytes=9223372036854"), std::string::npos)
        << o.err;
  }
  // Without --memory-swap, as docker: as much swap as memory.
  o = build(dockerfile, {"--no-cache", "-m", "64m"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (host_is_v1("memory") && fs::exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")) {
    EXPECT_NE(o.err.find("memory/memory.memsw.limit_in_bytes=134217728\n"), std::string::npos)
        << o.err;
  } else if (!host_is_v1("memory")) {
    EXPECT_NE(o.err.find("memory.swap.max=67108864\n"), std::string::npos) << o.err;
  }
}

TEST_F(ResourceFlagsTest, CpuSharesPeriodAndQuotaAreTheStepsCgroups) {
  const std::string dockerfile =
      "FROM busybox:latest\n" +
      print_cgroup_files({"cpu/cpu.shares", "cpu/cpu.cfs_period_us", "cpu/cpu.cfs_quota_us",
                          "cpu.weight", "cpu.max"});
  auto o =
      build(dockerfile, {"--cpu-shares", "512", "--cpu-period", "50000", "--cpu-quota", "25000"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (!host_has("cpu")) {
    for (const char* flag : {"--cpu-shares", "--cpu-period", "--cpu-quota"}) {
      EXPECT_NE(o.err.find(std::string("without the ") + flag + " limit"), std::string::npos)
          << o.err;
    }
    return;
  }
  if (host_is_v1("cpu")) {
    for (const char* line : {"cpu/cpu.shares=512\n", "cpu/cpu.cfs_period_us=50000\n",
                             "cpu/cpu.cfs_quota_us=25000\n"}) {
      EXPECT_NE(o.err.find(line), std::string::npos) << line << o.err;
    }
  } else {
    EXPECT_NE(o.err.find("cpu.weight=20\n"), std::string::npos) << o.err;  // runc's mapping of 512
    EXPECT_NE(o.err.find("cpu.max=25000 50000\n"), std::string::npos) << o.err;
  }
  // -c is docker's short form; 1 is raised to the kernel's minimum, as docker does.
  o = build(dockerfile, {"--no-cache", "-c", "1"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (host_is_v1("cpu")) {
    EXPECT_NE(o.err.find("cpu/cpu.shares=2\n"), std::string::npos) << o.err;
  }
}

TEST_F(ResourceFlagsTest, CpusetIsTheStepsCgroupAndItsCpusMustExist) {
  const std::string dockerfile =
      "FROM busybox:latest\n" + print_cgroup_files({"cpuset/cpuset.cpus", "cpuset/cpuset.mems",
                                                    "cpuset.cpus", "cpuset.mems"});
  auto o = build(dockerfile, {"--cpuset-cpus", "0", "--cpuset-mems", "0"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  if (!host_has("cpuset")) {
    EXPECT_NE(o.err.find("without the --cpuset-cpus limit"), std::string::npos) << o.err;
    return;
  }
  const std::string prefix = host_is_v1("cpuset") ? "cpuset/" : "";
  EXPECT_NE(o.err.find(prefix + "cpuset.cpus=0\n"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find(prefix + "cpuset.mems=0\n"), std::string::npos) << o.err;
  // A CPU the host does not have is docker's usage error, before anything runs.
  o = build(kRunStep, {"--cpuset-cpus", "0,4000"});
  EXPECT_EQ(o.exit_code, 125) << o.err;
  EXPECT_NE(o.err.find("--cpuset-cpus `0,4000`: CPUs 4000 are not available"), std::string::npos)
      << o.err;
}

TEST_F(ResourceFlagsTest, CpusTheHostLacksAreRefusedBeforeTheImageIsPulled) {
  if (!host_has("cpuset")) GTEST_SKIP() << "no cpuset controller: the flag is only warned about";
  // Nothing listens on port 1: a pull would fail, so the usage error shows none was tried.
  const std::string absent = "127.0.0.1:1/absent:latest";
  auto built = build("FROM " + absent + "\nRUN true\n", {"--cpuset-mems", "4000"});
  EXPECT_EQ(built.exit_code, 125) << built.err;
  EXPECT_NE(built.err.find("--cpuset-mems `4000`: memory nodes 4000 are not available"),
            std::string::npos)
      << built.err;
  auto ran = env_.gantry({"run", "--cpuset-cpus", "4000", absent, "true"});
  EXPECT_EQ(ran.exit_code, 125) << ran.err;
  EXPECT_NE(ran.err.find("--cpuset-cpus `4000`: CPUs 4000 are not available"), std::string::npos)
      << ran.err;
  EXPECT_EQ(ran.err.find("127.0.0.1:1"), std::string::npos) << ran.err;
}

TEST_F(ResourceFlagsTest, CgroupParentIsWhereTheStepsCgroupsAre) {
  const std::string parent = "gantry-e2e-parent-" + std::to_string(::getpid());
  auto o = build("FROM busybox:latest\nRUN cat /proc/self/cgroup\n",
                 {"--cgroup-parent", "/" + parent, "-m", "64m"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  // Each tree the step has a cgroup of its own in shows it below the parent.
  const std::string shown =
      host_is_v1("devices") ? "devices:/" + parent + "/gantry-" : "::/" + parent + "/gantry-";
  EXPECT_NE(o.err.find(shown), std::string::npos) << o.err;
  if (host_is_v1("memory")) {
    EXPECT_NE(o.err.find("memory:/" + parent + "/gantry-"), std::string::npos) << o.err;
  }
  // The parent stays, as docker leaves it; gantry's cgroups below it are gone.
  for (const auto& tree : fs::directory_iterator("/sys/fs/cgroup")) {
    const fs::path dir = tree.path() / parent;
    if (!fs::exists(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      EXPECT_FALSE(entry.is_directory() && entry.path().filename().string().starts_with("gantry-"))
          << entry.path();
    }
    ::rmdir(dir.c_str());
  }
  if (fs::exists("/sys/fs/cgroup/" + parent)) ::rmdir(("/sys/fs/cgroup/" + parent).c_str());
}

TEST_F(ResourceFlagsTest, ResourceLimitsLeaveTheCacheKeysAsTheyAre) {
  auto plain = build(kRunStep, {});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  auto limited = build(kRunStep, {"-m", "64m", "--memory-swap", "-1", "-c", "512", "--cpu-quota",
                                  "50000", "--cpuset-cpus", "0"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_NE(limited.err.find(" CACHED\n"), std::string::npos) << limited.err;
  EXPECT_EQ(limited.err.find("not cached"), std::string::npos) << limited.err;
}

TEST_F(ResourceFlagsTest, BadLimitsAreUsageErrorsNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"-m", "64m", "--memory-swap", "32m"}, "--memory-swap `32m`: must be at least --memory"},
      {{"--memory-swap", "1g"}, "--memory-swap `1g`: needs a --memory limit"},
      {{"-m", "64m", "--memory-swap", "lots"}, "lots"},
      {{"--cpu-shares", "-2"}, "--cpu-shares `-2`"},
      {{"--cpu-period", "999"}, "--cpu-period `999`"},
      {{"--cpu-period", "1000001"}, "--cpu-period `1000001`"},
      {{"--cpu-quota", "500"}, "--cpu-quota `500`"},
      {{"--cpu-quota", "-5"}, "--cpu-quota `-5`"},
      {{"--cpuset-cpus", "a-b"}, "--cpuset-cpus `a-b`"},
      {{"--cpuset-cpus", "3-1"}, "--cpuset-cpus `3-1`"},
      {{"--cpuset-mems", "0,"}, "--cpuset-mems `0,`"},
      {{"--cgroup-parent", "a/../../b"}, "--cgroup-parent `a/../../b`"},
  };
  for (const auto& [flags, message] : cases) {
    auto o = build(kRunStep, flags);
    EXPECT_EQ(o.exit_code, 125) << testing::PrintToString(flags) << o.err;
    EXPECT_NE(o.err.find(message), std::string::npos) << testing::PrintToString(flags) << o.err;
  }
}

TEST_F(ResourceFlagsTest, ASeccompProfileThatDeniesMkdirFailsTheStep) {
  const fs::path profile = env_.scratch() / "no-mkdir.json";
  write_file_atomic(profile, R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["not_a_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"}
    ]
  })");
  auto o = build("FROM busybox:latest\nRUN mkdir /made\n",
                 {"--security-opt", "seccomp=" + profile.string()});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("Operation not permitted"), std::string::npos) << o.err;
  // Everything else is allowed; errnoRet is the errno.
  o = build("FROM busybox:latest\nRUN touch /file && rmdir /tmp\n",
            {"--security-opt", "seccomp=" + profile.string()});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("Permission denied"), std::string::npos) << o.err;
  // Without it, the same step builds.
  EXPECT_EQ(build("FROM busybox:latest\nRUN mkdir /made\n", {}).exit_code, 0);
}

TEST_F(ResourceFlagsTest, SeccompUnconfinedAllowsWhatTheDefaultFilterDenies) {
  fs::copy_file(SANDBOX_PROBE, context_ / "probe");
  // personality(ADDR_NO_RANDOMIZE): Docker's default profile refuses it to every container.
  const std::string dockerfile =
      "FROM busybox:latest\nCOPY probe /probe\nRUN /probe personality 0040000 || true\n";
  auto confined = build(dockerfile, {});
  ASSERT_EQ(confined.exit_code, 0) << confined.err;
  EXPECT_NE(confined.err.find("personality 0040000: refused: Operation not permitted"),
            std::string::npos)
      << confined.err;
  auto unconfined = build(dockerfile, {"--security-opt", "seccomp=unconfined"});
  ASSERT_EQ(unconfined.exit_code, 0) << unconfined.err;
  EXPECT_NE(unconfined.err.find("personality 0040000: allowed"), std::string::npos)
      << unconfined.err;
  // The security options are in the step's cache key: the unconfined step ran, not the cached one.
  EXPECT_EQ(unconfined.err.find("refused"), std::string::npos) << unconfined.err;
}

TEST_F(ResourceFlagsTest, NoNewPrivilegesShowsInProcSelfStatus) {
  const std::string dockerfile = "FROM busybox:latest\nRUN grep NoNewPrivs /proc/self/status\n";
  auto o = build(dockerfile, {"--security-opt", "no-new-privileges"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("NoNewPrivs:\t1\n"), std::string::npos) << o.err;
  o = build(dockerfile, {"--security-opt", "no-new-privileges=false"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("NoNewPrivs:\t0\n"), std::string::npos) << o.err;
  o = build(dockerfile, {"--no-cache", "--security-opt", "no-new-privileges=true"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("NoNewPrivs:\t1\n"), std::string::npos) << o.err;
}

TEST_F(ResourceFlagsTest, BadSecurityOptionsAreUsageErrorsNamingThem) {
  const fs::path broken = env_.scratch() / "broken.json";
  write_file_atomic(broken, R"({"defaultAction": "SCMP_ACT_SOMETIMES"})");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"bogus=1", "unknown option `bogus`"},
      {"no-new-privileges=maybe", "no-new-privileges takes true or false"},
      {"seccomp=/no/such/profile.json", "`/no/such/profile.json` is not a file"},
      {"seccomp=" + broken.string(), "unknown action `SCMP_ACT_SOMETIMES`"},
      {"apparmor=docker-default", "AppArmor"},
      {"label=user:system_u", "SELinux"},
  };
  for (const auto& [option, message] : cases) {
    auto o = build(kRunStep, {"--security-opt", option});
    EXPECT_EQ(o.exit_code, 125) << option << o.err;
    EXPECT_NE(o.err.find("--security-opt `" + option + "`"), std::string::npos) << option << o.err;
    EXPECT_NE(o.err.find(message), std::string::npos) << option << o.err;
  }
}

TEST_F(ResourceFlagsTest, UnconfinedAppArmorAndDisabledLabelsHoldOnAHostWithoutThem) {
  // What the options ask for is already so on a host without AppArmor or SELinux; on a host
  // with one, gantry applies no profile or label and refuses the option instead.
  const bool apparmor = fs::exists("/sys/kernel/security/apparmor") ||
                        fs::exists("/sys/module/apparmor/parameters/enabled");
  const bool selinux = fs::exists("/sys/fs/selinux/enforce");
  for (const auto& [option, host_has_it] : std::vector<std::pair<std::string, bool>>{
           {"apparmor=unconfined", apparmor}, {"label=disable", selinux}}) {
    auto o = build(kRunStep, {"--security-opt", option});
    if (host_has_it) {
      EXPECT_EQ(o.exit_code, 125) << option << o.err;
      EXPECT_NE(o.err.find("--security-opt `" + option + "`: gantry does not apply"),
                std::string::npos)
          << o.err;
      continue;
    }
    EXPECT_EQ(o.exit_code, 0) << option << o.err;
    auto ran =
        env_.gantry({"run", "--rm", "--security-opt", option, "busybox:latest", "echo", "ran"});
    EXPECT_EQ(ran.exit_code, 0) << option << ran.err;
    EXPECT_EQ(ran.out, "ran\n") << option;
  }
}

TEST_F(ResourceFlagsTest, RunTakesTheSameLimitsAndSecurityOptions) {
  auto o =
      env_.gantry({"run", "--rm", "--security-opt", "no-new-privileges", "--cpu-quota", "20000",
                   "busybox:latest", "sh", "-c",
                   "grep NoNewPrivs /proc/self/status; cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us "
                   "/sys/fs/cgroup/cpu.max 2>/dev/null; true"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("NoNewPrivs:\t1\n"), std::string::npos) << o.out;
  if (host_has("cpu")) {
    EXPECT_NE(o.out.find("20000"), std::string::npos) << o.out;
  }
  o = env_.gantry({"run", "--rm", "--security-opt", "seccomp=unconfined", "--cpu-period", "5",
                   "busybox:latest", "true"});
  EXPECT_EQ(o.exit_code, 125) << o.err;
  EXPECT_NE(o.err.find("--cpu-period `5`"), std::string::npos) << o.err;
}

}  // namespace gantry::e2e
