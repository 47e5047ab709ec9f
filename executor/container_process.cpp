#include "executor/container_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "executor/detached_mount.h"
#include "executor/init_reaper.h"
#include "executor/mount_point_maker.h"
#include "executor/root_filesystem.h"
#include "executor/setup_report.h"

namespace gantry::executor {
namespace {

// Signals gantry ignores (SIGPIPE, ...) would stay ignored across exec: give the command the
// defaults and an empty mask, as a fresh process expects.
void reset_signals() noexcept {
  struct sigaction deflt{};
  deflt.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &deflt, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// A session of its own, as runc gives: nothing in the container can reach gantry's terminal
// (its /dev/tty is its own terminal, or none).
SetupFailure redirect_stdio(const ContainerPlan& plan) noexcept {
  UniqueFd null;
  if (plan.stdin_fd < 0) {
    null.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!null) return failed("open /dev/null in the container");
  }
  if (::dup2(plan.stdin_fd < 0 ? null.get() : plan.stdin_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    return failed("set up the container's stdio");
  }
  if (::setsid() < 0) return failed("start the container's session");
  if (plan.terminal && ::ioctl(0, TIOCSCTTY, 0) != 0) return failed("take the container's terminal");
  return {};
}

// The parent-death signal is cleared by a change of credentials, so it is set (again) after.
SetupFailure die_with_parent(pid_t parent) noexcept {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return failed("set parent-death signal");
  if (::getppid() != parent) ::_exit(127);  // the supervisor died before we could watch it
  return {};
}

}  // namespace

SetupFailure exec_command(const ExecPlan& exec) noexcept {
  // Every fd the process did not ask for (gantry's own) closes on exec.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  bool denied = false;
  for (const std::string& candidate : exec.candidates) {
    ::execve(candidate.c_str(), exec.argv.data(), exec.envp.data());
    if (!exec.searched) return SetupFailure{"exec", candidate.c_str(), errno, true};
    if (errno == EACCES) denied = true;
  }
  if (denied) return SetupFailure{"exec", exec.args.front().c_str(), EACCES, true};
  return SetupFailure{exec.not_found.c_str(), "", 0, true};  // the action says it whole
}

namespace {

SetupFailure namespaces(const ContainerPlan& plan) noexcept {
  if (const int err = plan.cgroup->join()) return SetupFailure{"join the run's cgroup", "", err};
  if (plan.network_fd >= 0 && ::setns(plan.network_fd, CLONE_NEWNET) != 0) {
    return failed("join the container's network namespace");
  }
  if (::unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) != 0) {
    return failed("create the container's namespaces");
  }
  return {};
}

SetupFailure filesystem(const ContainerPlan& plan) noexcept {
  ::umask(0);  // modes below are meant exactly
  UniqueFd upper(::open(plan.upper_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper) return failed("open upper dir", plan.upper_dir.c_str());
  UniqueFd root;
  if (SetupFailure f = attach_root(plan.root.get(), plan.root_mount_point.c_str(), root)) return f;
  struct stat st;
  if (::fstat(root.get(), &st) != 0) return failed("stat the container root");
  MountPointMaker maker(root.get(), st.st_dev, upper.get(), plan.report_fd);
  if (SetupFailure f = mount_system_dirs(root.get(), maker, plan.dev, plan.privileged)) return f;
  if (SetupFailure f = attach_mounts(plan.mounts, plan.staging.c_str(), maker)) return f;
  UniqueFd cwd;
  if (SetupFailure f = maker.ensure_kept_dir(plan.cwd, cwd)) return f;
  // Last: the mount points and the working directory above are made in it.
  if (plan.readonly_root) {
    if (SetupFailure f = try_set_mount_attrs(root.get(), MOUNT_ATTR_RDONLY, "/", false)) return f;
  }
  if (::sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    return failed("set hostname", plan.hostname.c_str());
  }
  if (SetupFailure f = pivot_into(root.get())) return f;
  if (::chdir(plan.cwd_shown.c_str()) != 0) return failed("chdir", plan.cwd_shown.c_str());
  return {};
}

// Before the capabilities go: raising a hard limit needs CAP_SYS_RESOURCE.
SetupFailure resource_limits(const ContainerPlan& plan) noexcept {
  for (const ResourceLimit& limit : plan.resource_limits) {
    if (::setrlimit(static_cast<__rlimit_resource>(limit.resource), &limit.value) != 0) {
      return failed("set ulimit", limit.name.c_str());
    }
  }
  return {};
}

SetupFailure set_up(const ContainerPlan& plan) noexcept {
  const pid_t supervisor = ::getppid();
  if (SetupFailure f = die_with_parent(supervisor)) return f;
  if (SetupFailure f = namespaces(plan)) return f;
  if (SetupFailure f = filesystem(plan)) return f;
  if (SetupFailure f = redirect_stdio(plan)) return f;
  ::umask(022);
  reset_signals();
  if (SetupFailure f = resource_limits(plan)) return f;
  if (plan.init) {
    if (SetupFailure f = hide_gantry_memory()) return f;
  }
  // While the container still has CAP_SYS_ADMIN, which loading a filter without no_new_privs
  // needs.
  if (plan.seccomp) {
    if (const int err = plan.seccomp->load()) return SetupFailure{"load the seccomp filter", "", err};
  }
  if (SetupFailure f = become_user(plan.credentials)) return f;
  if (SetupFailure f = die_with_parent(supervisor)) return f;
  if (plan.init) return run_init(plan);
  return exec_command(plan.exec);
}

}  // namespace

void run_container(const ContainerPlan& plan) noexcept {
  report_failure(plan.report_fd, set_up(plan));
  ::_exit(127);
}

}  // namespace gantry::executor
