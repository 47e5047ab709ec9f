#include "executor/container_process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "base/error.h"
#include "executor/capabilities.h"
#include "executor/path_in_root.h"
#include "executor/root_filesystem.h"
#include "executor/setup_report.h"
#include "executor/user_lookup.h"

namespace gantry::executor {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool has_key(const std::vector<std::string>& env, std::string_view key) {
  for (const std::string& entry : env) {
    if (entry.size() > key.size() && entry.compare(0, key.size(), key) == 0 &&
        entry[key.size()] == '=') {
      return true;
    }
  }
  return false;
}

std::string value_of(const std::vector<std::string>& env, std::string_view key) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->size() > key.size() && it->compare(0, key.size(), key) == 0 &&
        (*it)[key.size()] == '=') {
      return it->substr(key.size() + 1);
    }
  }
  return {};
}

// Signals gantry ignores (SIGPIPE, ...) would stay ignored across exec: give the command the
// defaults and an empty mask, as a fresh process expects.
void reset_signals() {
  struct sigaction deflt{};
  deflt.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &deflt, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void redirect_stdio(const ContainerPlan& plan) {
  UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null) throw_errno("open /dev/null in the container");
  if (::dup2(null.get(), 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    throw_errno("set up the container's stdio");
  }
}

// The parent-death signal is cleared by a change of credentials, so it is set (again) after.
void die_with_parent(pid_t parent) {
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) throw_errno("set parent-death signal");
  if (::getppid() != parent) ::_exit(127);  // the supervisor died before we could watch it
}

[[noreturn]] void exec_command(const std::vector<std::string>& args,
                               const std::vector<std::string>& env) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  // Every fd the process did not ask for (gantry's own) closes on exec.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

  const std::string& command = args.front();
  if (command.find('/') != std::string::npos) {
    ::execve(command.c_str(), argv.data(), envp.data());
    throw_errno("exec `" + command + "`");
  }
  int saved = ENOENT;
  const std::string path = value_of(env, "PATH");
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(start, end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + command;
    ::execve(candidate.c_str(), argv.data(), envp.data());
    if (errno == EACCES) saved = EACCES;
    start = end + 1;
  }
  if (saved == EACCES) throw errno_error("exec `" + command + "`", EACCES);
  throw Error("`" + command + "`: executable file not found in $PATH (" + path + ")");
}

void report_created_paths(const ContainerPlan& plan, MountPointMaker& maker) {
  for (const AddedPath& added : maker.take_added()) report_added(plan.report_fd, added);
}

void run_setup(const ContainerPlan& plan, std::optional<MountPointMaker>& maker) {
  const RunSpec& spec = plan.spec;
  const ProcessSpec& process = spec.process;
  const pid_t supervisor = ::getppid();
  die_with_parent(supervisor);
  if (const int err = plan.cgroup.join()) throw errno_error("join the run's cgroup", err);
  if (plan.network_fd >= 0 && ::setns(plan.network_fd, CLONE_NEWNET) != 0) {
    throw_errno("join the container's network namespace");
  }
  if (::unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC) != 0) {
    throw_errno("create the container's namespaces");
  }
  ::umask(0);  // modes below are meant exactly

  UniqueFd upper(::open(spec.rootfs.upper_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper) throw_errno("open upper dir `" + spec.rootfs.upper_dir.string() + "`");
  UniqueFd root = mount_root(spec.rootfs, plan.root_mount_point, plan.dirs.mount_points);
  maker.emplace(root.get(), upper.get());
  mount_system_dirs(root.get(), *maker);
  bind_file_readonly(*maker, plan.etc.hosts, "/etc/hosts");
  bind_file_readonly(*maker, plan.etc.resolv_conf, "/etc/resolv.conf");
  bind_file_readonly(*maker, plan.etc.hostname, "/etc/hostname");
  mount_all(*maker, spec.mounts, plan.dirs);

  const Identity identity = resolve_user_in_root(root.get(), process.user);
  maker->ensure_kept_dir(process.cwd);
  report_created_paths(plan, *maker);
  if (::sethostname(process.hostname.data(), process.hostname.size()) != 0) {
    throw_errno("set hostname `" + process.hostname + "`");
  }

  pivot_into(root.get());
  if (::chdir(process.cwd.c_str()) != 0) throw_errno("chdir `" + process.cwd + "`");
  redirect_stdio(plan);
  ::umask(022);
  reset_signals();
  if (!spec.insecure) plan.seccomp.load();  // while we still have CAP_SYS_ADMIN
  become_user(identity, spec.insecure);
  die_with_parent(supervisor);

  std::vector<std::string> env = process.env;
  if (!has_key(env, "PATH")) env.push_back(std::string("PATH=") + kDefaultPath);
  if (!has_key(env, "HOME")) env.push_back("HOME=" + identity.home);
  exec_command(process.args, env);
}

}  // namespace

void run_container(const ContainerPlan& plan) {
  std::optional<MountPointMaker> maker;
  std::string error;
  try {
    run_setup(plan, maker);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (maker) report_created_paths(plan, *maker);
  report_error(plan.report_fd, error);
  ::_exit(127);
}

}  // namespace gantry::executor
