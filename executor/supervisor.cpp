#include "executor/supervisor.h"

#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

#include "base/error.h"
#include "executor/container_process.h"
#include "executor/setup_report.h"

namespace gantry::executor {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr std::size_t kStackSize = 1 << 20;

// The supervisor's pid is handed over in pid_, with a futex: raw syscalls on both sides.
static_assert(sizeof(std::atomic<pid_t>) == sizeof(pid_t) && std::atomic<pid_t>::is_always_lock_free);
int* futex_word(std::atomic<pid_t>* pid) { return reinterpret_cast<int*>(pid); }

void wake(std::atomic<pid_t>* pid) noexcept {
  ::syscall(SYS_futex, futex_word(pid), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

[[noreturn]] void fail(const ContainerPlan& plan, const SetupFailure& failure) noexcept {
  report_failure(plan.report_fd, failure);
  ::_exit(127);
}

// `keep` is sorted.
void close_fds_except(const std::vector<int>& keep) noexcept {
  unsigned int next = 0;
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned int>(fd) < next) continue;
    if (static_cast<unsigned int>(fd) > next) {
      ::syscall(SYS_close_range, next, static_cast<unsigned int>(fd) - 1, 0);
    }
    next = static_cast<unsigned int>(fd) + 1;
  }
  ::syscall(SYS_close_range, next, ~0U, 0);
}

int container_main(void* arg) {
  const auto* plan = static_cast<const ContainerPlan*>(arg);
  ::close(plan->status_fd);
  run_container(*plan);
}

// The container borrows the supervisor's memory until it execs, as posix_spawn does
// (CLONE_VM | CLONE_VFORK): no page tables to copy and no copy-on-write faults in either
// process afterwards, which a fork of gantry's large address space costs on every RUN. The
// supervisor, the only other user of that memory, is suspended until the exec (or the
// container's exit); the container runs on a stack of its own.
// With --init the container never execs (it stays as the command's init), so it gets a copy
// of the memory instead, and the supervisor goes on at once (executor/init_reaper.h).
pid_t start_container(const ContainerPlan& plan) noexcept {
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) fail(plan, failed("map the container's stack"));
  const int flags = plan.init ? SIGCHLD : CLONE_VM | CLONE_VFORK | SIGCHLD;
  const pid_t pid = ::clone(container_main, static_cast<char*>(stack) + kStackSize, flags,
                            const_cast<ContainerPlan*>(&plan));
  const int saved = errno;
  ::munmap(stack, kStackSize);  // the container has exec'd, exited or has a copy of its own
  if (pid < 0) fail(plan, SetupFailure{"start the container", "", saved});
  return pid;
}

[[noreturn]] void supervise(const ContainerPlan& plan, pid_t executor_pid) noexcept {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != executor_pid) {
    ::_exit(127);
  }
  // The supervisor starts with a copy of gantry's fd table, among them the pipe ends of other
  // runs started by other threads; holding those would keep those runs from seeing end-of-file.
  close_fds_except(plan.fds_to_keep);
  // Signals are taken synchronously with sigwaitinfo, so they are blocked from now on; the
  // container resets its mask before exec. SIGCHLD must not be ignored (gantry's disposition is
  // inherited) or the container would be reaped behind our back.
  struct sigaction deflt{};
  deflt.sa_handler = SIG_DFL;
  ::sigaction(SIGCHLD, &deflt, nullptr);
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  for (int sig : kForwarded) sigaddset(&watched, sig);
  ::sigprocmask(SIG_BLOCK, &watched, nullptr);

  if (::unshare(CLONE_NEWPID) != 0) fail(plan, failed("create the PID namespace"));
  const pid_t container = start_container(plan);
  // Only the container may hold these: their end-of-file tells gantry it is finished.
  ::close(plan.stdout_fd);
  ::close(plan.stderr_fd);
  if (plan.stdin_fd >= 0) ::close(plan.stdin_fd);
  ::close(plan.report_fd);

  int status = 0;
  while (true) {
    siginfo_t info{};
    const int sig = ::sigwaitinfo(&watched, &info);
    if (sig == SIGTERM) {
      ::kill(container, SIGKILL);  // PID 1's death takes every process of the namespace along
    } else if (sig == SIGCHLD) {
      if (::waitpid(container, &status, WNOHANG) == container) break;
    } else if (sig > 0) {
      ::kill(container, sig);
    }
  }
  (void)!::write(plan.status_fd, &status, sizeof status);
  ::_exit(0);
}

struct SupervisorStart {
  const ContainerPlan* plan;
  pid_t executor_pid;
  std::atomic<pid_t>* pid;  // set by the supervisor once it runs, or to -errno by the launcher
};

int supervisor_main(void* arg) {
  const auto* start = static_cast<const SupervisorStart*>(arg);
  start->pid->store(static_cast<pid_t>(::syscall(SYS_getpid)));
  wake(start->pid);
  supervise(*start->plan, start->executor_pid);
}

// The launcher thread's whole job: it returns once the supervisor has exited.
void launch(SupervisorStart start) {
  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED ||
      ::clone(supervisor_main, static_cast<char*>(stack) + kStackSize,
              CLONE_VM | CLONE_VFORK | SIGCHLD, &start) < 0) {
    start.pid->store(-errno);
    wake(start.pid);
  }
  if (stack != MAP_FAILED) ::munmap(stack, kStackSize);
}

}  // namespace

Supervisor::Supervisor(const ContainerPlan& plan) {
  launcher_ = std::jthread(launch, SupervisorStart{&plan, ::getpid(), &pid_});
  while (pid_.load() == 0) {
    ::syscall(SYS_futex, futex_word(&pid_), FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  }
  if (pid_.load() < 0) throw errno_error("start the container supervisor", -pid_.load());
}

Supervisor::~Supervisor() {
  if (pid_.load() <= 0) return;
  signal(SIGTERM);
  wait();
}

void Supervisor::signal(int sig) const noexcept {
  if (pid_.load() > 0) ::kill(pid_.load(), sig);
}

void Supervisor::wait() noexcept {
  const pid_t pid = pid_.exchange(0);
  if (pid <= 0) return;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace gantry::executor
