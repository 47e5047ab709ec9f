// Docker's JSON seccomp profiles (executor/seccomp_profile.h): what a compiled profile does to
// a process that loads it, and the errors that name what is wrong in one. Run as root (loading
// a filter without no_new_privs needs CAP_SYS_ADMIN).
#include "executor/seccomp_profile.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "base/error.h"
#include "executor/capabilities.h"

namespace gantry::executor {
namespace {

// The errno of `call` in a child that has loaded `filter` (0 when it worked).
int errno_under(const SeccompFilter& filter, const std::function<int()>& call) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // exit_group itself: _exit may first run what a sanitizer's runtime hooks there, whose
    // calls the filter under test refuses.
    if (filter.load() != 0) ::syscall(SYS_exit_group, 200);
    ::syscall(SYS_exit_group, call() == 0 ? 0 : errno);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string message_of(std::string_view profile) {
  try {
    compile_docker_profile(profile, "p.json", kDefaultCapabilities);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(SeccompProfile, RulesActionsAndErrnoRet) {
  const SeccompFilter filter = compile_docker_profile(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [
      {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
      {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"names": ["getpid", "no_such_call"], "action": "SCMP_ACT_ALLOW"}
    ]})",
                                                      "p.json", kDefaultCapabilities);
  EXPECT_EQ(errno_under(filter, [] { return ::mkdir("/nonexistent-dir/x", 0755); }), EPERM);
  EXPECT_EQ(errno_under(filter, [] { return ::rmdir("/nonexistent-dir"); }), EACCES);
  EXPECT_EQ(errno_under(filter, [] { return ::access("/", F_OK); }), 0);
}

// Everything refused with ENOTSUP but what the process needs to exit, umask(022) only, and
// access or faccessat by the run's CAP_SYS_ADMIN.
constexpr std::string_view kConditionsProfile = R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 95,
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
    "syscalls": [
      {"names": ["exit", "exit_group"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["umask"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 18, "op": "SCMP_CMP_EQ"}]},
      {"names": ["access"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["faccessat", "faccessat2"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}
    ]})";

int access_errno(const SeccompFilter& filter) {
  return errno_under(filter, [] { return static_cast<int>(::syscall(SYS_access, "/", F_OK)); });
}

int faccessat_errno(const SeccompFilter& filter) {
  return errno_under(
      filter, [] { return static_cast<int>(::syscall(SYS_faccessat, AT_FDCWD, "/", F_OK)); });
}

TEST(SeccompProfile, DefaultActionWithArgumentConditions) {
  const SeccompFilter filter =
      compile_docker_profile(kConditionsProfile, "p.json", kDefaultCapabilities);
  EXPECT_EQ(
      errno_under(filter, [] { return static_cast<int>(::syscall(SYS_umask, 022)) < 0 ? -1 : 0; }),
      0);
  EXPECT_EQ(
      errno_under(filter, [] { return static_cast<int>(::syscall(SYS_umask, 077)) < 0 ? -1 : 0; }),
      ENOTSUP);
  // A default run lacks CAP_SYS_ADMIN: the rule that includes it is left out, the one that
  // excludes it is kept.
  EXPECT_EQ(access_errno(filter), ENOTSUP);
  EXPECT_EQ(faccessat_errno(filter), 0);
}

TEST(SeccompProfile, CapsAreTheRunsCapabilities) {
  // --cap-add SYS_ADMIN: the rule that includes it is kept, the one that excludes it left out.
  const SeccompFilter filter =
      compile_docker_profile(kConditionsProfile, "p.json",
                             kDefaultCapabilities | (1ULL << *capability_number("SYS_ADMIN")));
  EXPECT_EQ(access_errno(filter), 0);
  EXPECT_EQ(faccessat_errno(filter), ENOTSUP);
}

TEST(SeccompProfile, ErrorsNameTheProfileAndWhatIsWrong) {
  EXPECT_NE(message_of("{").find("seccomp profile `p.json`: not JSON"), std::string::npos);
  EXPECT_NE(message_of("[]").find("not a JSON object"), std::string::npos);
  EXPECT_NE(message_of("{}").find("has no `defaultAction`"), std::string::npos);
  EXPECT_NE(
      message_of(R"({"defaultAction": "SCMP_ACT_MAYBE"})").find("unknown action `SCMP_ACT_MAYBE`"),
      std::string::npos);
  EXPECT_NE(message_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_Z80"]})")
                .find("unknown architecture `SCMP_ARCH_Z80`"),
            std::string::npos);
  EXPECT_NE(
      message_of(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})")
          .find("syscalls[0]: SCMP_ACT_NOTIFY is not supported"),
      std::string::npos);
  EXPECT_NE(
      message_of(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
                          "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ALMOST"}]}]})")
          .find("syscalls[0]: unknown op `SCMP_CMP_ALMOST`"),
      std::string::npos);
  EXPECT_NE(
      message_of(R"({"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"]})")
          .find("`flags` is not supported"),
      std::string::npos);
  EXPECT_NE(
      message_of(
          R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]})")
          .find("syscalls[0] names no syscall"),
      std::string::npos);
}

}  // namespace
}  // namespace gantry::executor
