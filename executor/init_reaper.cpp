#include "executor/init_reaper.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "executor/container_process.h"
#include "executor/setup_report.h"

namespace gantry::executor {
namespace {

// What /proc/1/cmdline shows: a name, then nothing of gantry's arguments.
constexpr char kShownCommandLine[] = "gantry-init";
constexpr std::size_t kStackSize = 256 << 10;

int command_main(void* arg) {
  const auto* plan = static_cast<const ContainerPlan*>(arg);
  // With a terminal, the command takes its foreground of its own (as tini does): ^C then reaches
  // the command alone, not the init too, which would forward it again. tcsetpgrp from what is a
  // background group until then works because SIGTTOU is still blocked.
  if (plan->terminal && (::setpgid(0, 0) != 0 || ::tcsetpgrp(0, ::getpid()) != 0)) {
    report_failure(plan->report_fd, failed("make the command the terminal's foreground"));
    ::_exit(127);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  report_failure(plan->report_fd, exec_command(plan->exec));
  ::_exit(127);
}

[[noreturn]] void exit_like(int status) noexcept {
  ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

}  // namespace

SetupFailure hide_gantry_memory() noexcept {
  if (::prctl(PR_SET_NAME, kShownCommandLine, 0, 0, 0) != 0) return failed("name the init process");
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failed("make the init process undumpable");
  // /proc/self/stat gives where the arguments and the environment are (fields 48 to 51). The
  // copy's are overwritten in place: PR_SET_MM would move them, but needs CAP_SYS_RESOURCE,
  // which gantry may not have.
  UniqueFd stat(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
  char text[4096];
  const ssize_t n = stat ? ::read(stat.get(), text, sizeof text - 1) : -1;
  if (n <= 0) return failed("read the init process's /proc/self/stat");
  text[n] = '\0';
  const char* p = std::strrchr(text, ')');
  unsigned long fields[4] = {};  // arg_start, arg_end, env_start, env_end
  for (int field = 2; p && field < 51;) {
    p = std::strchr(p + 1, ' ');
    if (p && ++field >= 48) fields[field - 48] = std::strtoul(p + 1, nullptr, 10);
  }
  if (fields[0] == 0 || fields[3] <= fields[0]) {
    return SetupFailure{"find gantry's command line in the init process's /proc/self/stat"};
  }
  char* area = reinterpret_cast<char*>(fields[0]);
  std::memset(area, 0, fields[3] - fields[0]);
  if (fields[1] - fields[0] > sizeof kShownCommandLine) std::memcpy(area, kShownCommandLine, sizeof kShownCommandLine);
  return {};
}

SetupFailure run_init(const ContainerPlan& plan) noexcept {
  // A change of user sets dumpable again, from fs.suid_dumpable.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failed("make the init process undumpable");
  // Taken with sigwaitinfo: as PID 1, a signal it has no handler for would be dropped, not
  // queued, unless it is blocked.
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);

  void* stack = ::mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return failed("map the command's stack");
  // The child borrows this process's memory until it execs (as posix_spawn does).
  const pid_t command = ::clone(command_main, static_cast<char*>(stack) + kStackSize,
                                CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<ContainerPlan*>(&plan));
  if (command < 0) return failed("start the command");
  ::munmap(stack, kStackSize);
  // The command has exec'd (or reported why not): the report ends here, and the init lets go
  // of every other fd of the plan too (root and mount trees, cgroup and namespace fds), which it
  // would otherwise hold for as long as the command runs. It keeps stdin, stdout and stderr, as
  // tini does.
  ::syscall(SYS_close_range, 3U, ~0U, 0);

  while (true) {
    siginfo_t info{};
    const int sig = ::sigwaitinfo(&all, &info);
    if (sig == SIGCHLD) {
      int status = 0;
      pid_t pid;
      while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
        if (pid == command) exit_like(status);
      }
    } else if (sig > 0) {
      ::kill(command, sig);
    }
  }
}

}  // namespace gantry::executor
