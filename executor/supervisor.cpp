#include "executor/supervisor.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "executor/setup_report.h"

namespace gantry::executor {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

[[noreturn]] void fail(const ContainerPlan& plan, const std::string& message) {
  report_error(plan.report_fd, message);
  ::_exit(127);
}

}  // namespace

void supervise(const ContainerPlan& plan, int status_fd, pid_t executor_pid) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || ::getppid() != executor_pid) {
    ::_exit(127);
  }
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
