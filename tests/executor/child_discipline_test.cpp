// The supervisor and the container run in gantry's memory until the container execs
// (executor/supervisor.h), so they may allocate nothing (malloc, operator new, an exception)
// and call no glibc set*id wrapper: a lock they took could stay taken when the container is
// killed mid-way, and the wrappers signal every thread of gantry. This binary interposes those
// functions and counts the calls made by any process other than itself: the processes that
// share its memory. Its own binary, as the interposition applies to all of it.
#include <gtest/gtest.h>
#include <grp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "base/file_util.h"
#include "tests/executor/busybox_rootfs.h"

extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void __libc_free(void* pointer);
}

namespace {

// Globals, as the interposed functions are: what the processes sharing our memory called.
const pid_t g_test_pid = static_cast<pid_t>(::syscall(SYS_getpid));
std::atomic<int> g_calls{0};
std::atomic<const char*> g_first{nullptr};

void note(const char* function) {
  if (static_cast<pid_t>(::syscall(SYS_getpid)) == g_test_pid) return;
  g_calls.fetch_add(1);
  const char* none = nullptr;
  g_first.compare_exchange_strong(none, function);
}

}  // namespace

extern "C" {
void* malloc(std::size_t size) {
  note("malloc");
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  note("calloc");
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, std::size_t size) {
  note("realloc");
  return __libc_realloc(pointer, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  note("aligned_alloc");
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  note("posix_memalign");
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
void free(void* pointer) {
  if (pointer) note("free");
  __libc_free(pointer);
}
int setresuid(uid_t r, uid_t e, uid_t s) {
  note("setresuid");
  return static_cast<int>(::syscall(SYS_setresuid, r, e, s));
}
int setresgid(gid_t r, gid_t e, gid_t s) {
  note("setresgid");
  return static_cast<int>(::syscall(SYS_setresgid, r, e, s));
}
int setgroups(std::size_t count, const gid_t* groups) {
  note("setgroups");
  return static_cast<int>(::syscall(SYS_setgroups, count, groups));
}
int setuid(uid_t uid) {
  note("setuid");
  return static_cast<int>(::syscall(SYS_setuid, uid));
}
int setgid(gid_t gid) {
  note("setgid");
  return static_cast<int>(::syscall(SYS_setgid, gid));
}
}

namespace gantry::executor {
namespace {

using testing::BusyboxRootfs;
using testing::Output;
using testing::run_collect;

class ChildDiscipline : public ::testing::Test {
 protected:
  void SetUp() override { g_calls = 0, g_first = nullptr; }

  void expect_no_calls(const char* what) {
    const char* first = g_first.load();
    EXPECT_EQ(g_calls.load(), 0) << what << ": the supervisor or the container called "
                                 << (first ? first : "?") << " before exec";
  }

  BusyboxRootfs rootfs;
  Executor executor{rootfs.state()};
};

TEST_F(ChildDiscipline, ARunWithMountsAUserAndLimitsCallsNothing) {
  const TempDir host("/var/tmp", "gantry-discipline-");
  std::filesystem::permissions(host.path(), std::filesystem::perms(0755));  // for the user
  write_file_atomic(host.path() / "data.txt", "bound\n");
  std::filesystem::create_directories(host.path() / "layer/sub");
  write_file_atomic(host.path() / "layer/sub/file", "from layer\n");
  RunSpec spec = rootfs.spec("cat /src/data.txt /part/file /run/secrets/token; id -u; pwd");
  spec.process.user = "builder";
  spec.process.cwd = "/work/here";
  spec.process.network = Network::None;
  spec.limits.memory_bytes = 256 << 20;
  spec.mounts = {
      BindMount{.source = host.path(), .target = "/src", .readonly = true},
      OverlayMount{.lower_dirs = {host.path() / "layer"}, .target = "/part", .selector = "sub"},
      TmpfsMount{.target = "/scratch/t", .size_bytes = 1 << 20},
      SecretFileMount{.target = "/run/secrets/token", .content = "s3cr3t\n", .uid = 1000, .mode = 0400},
  };
  Output output;
  const RunResult result = run_collect(executor, spec, output);
  EXPECT_EQ(result.exit_code, 0) << ::testing::PrintToString(output.err);
  EXPECT_EQ(output.out, (std::vector<std::string>{"bound", "from layer", "s3cr3t", "1000", "/work/here"}));
  expect_no_calls("a run");
}

TEST_F(ChildDiscipline, AFailedSetUpCallsNothing) {
  RunSpec spec = rootfs.spec("unused");
  spec.process.args = {"no-such-tool"};
  spec.process.network = Network::None;
  Output output;
  EXPECT_THROW(run_collect(executor, spec, output), Error);
  expect_no_calls("a command not found");
}

}  // namespace
}  // namespace gantry::executor
