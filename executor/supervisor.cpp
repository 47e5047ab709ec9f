#include "executor/supervisor.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "base/error.h"
#include "executor/setup_report.h"

namespace gantry::executor {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

[[noreturn]] void fail(const ContainerPlan& plan, const std::string& message) {
  report_error(plan.report_fd, message);
  ::_exit(127);
}

void close_fds_except(std::vector<int> keep) {
  std::sort(keep.begin(), keep.end());
  unsigned int next = 0;
  for (int fd : keep) {
    if (fd < 0 || static_cast<unsigned int>(fd) < next) continue;
    if (static_cast<unsigned int>(fd) > next)
      ::syscall(SYS_close_range, next, static_cast<unsigned int>(fd) - 1, 0);
    next = static_cast<unsigned int>(fd) + 1;
  }
  ::syscall(SYS_close_range, next, ~0U, 0);
}

}  // namespace

void supervise(const ContainerPlan& plan, int status_fd, pid_t executor_pid) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != executor_pid) {
    ::_exit(127);
  }
  // A forked copy of gantry holds every fd gantry had, among them the pipe ends of other runs
  // started by other threads; holding those would keep those runs from seeing end-of-file.
  std::vector<int> keep{0, 1, 2, status_fd, plan.stdout_fd, plan.stderr_fd, plan.report_fd};
  for (int fd : plan.cgroups.fds()) keep.push_back(fd);
  close_fds_except(keep);
  // Signals are taken synchronously with sigwaitinfo, so they are blocked from now on; the
  // container resets its mask before exec. SIGCHLD must not be ignored (gantry's disposition is
  // inherited) or the container would be reaped behind our back.
  ::signal(SIGCHLD, SIG_DFL);
  sigset_t watched;
  sigemptyset(&watched);
  sigaddset(&watched, SIGCHLD);
  sigaddset(&watched, SIGTERM);
  for (int sig : kForwarded) sigaddset(&watched, sig);
  ::sigprocmask(SIG_BLOCK, &watched, nullptr);

  if (::unshare(CLONE_NEWPID) != 0) fail(plan, errno_error("create the PID namespace", errno).what());
  const pid_t container = ::fork();
  if (container < 0) fail(plan, errno_error("fork the container", errno).what());
  if (container == 0) {
    ::close(status_fd);
    run_container(plan);
  }
  // Only the container may hold these: their end-of-file tells gantry it is finished.
  ::close(plan.stdout_fd);
  ::close(plan.stderr_fd);
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
  (void)!::write(status_fd, &status, sizeof status);
  ::_exit(0);
}

}  // namespace gantry::executor
