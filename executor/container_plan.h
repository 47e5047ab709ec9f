// Everything the container process needs, worked out by gantry before the clone. Until it
// execs, the container (and the supervisor that starts it) run in gantry's memory, so they
// only read this plan and make syscalls: no allocation, no exception, no lock, no glibc set*id
// wrapper (executor/setup_failure.h). What could fail in gantry fails here, in gantry, with
// its usual errors: a missing mount source, an unknown user, a bad option.
#pragma once

#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "executor/capabilities.h"
#include "executor/dev_nodes.h"
#include "executor/executor.h"
#include "executor/resource_limits.h"
#include "executor/sandbox_cgroup.h"
#include "executor/seccomp_filter.h"
#include "executor/user_mounts.h"

namespace gantry::executor {

// The command, ready for execve. Not copyable: argv and envp point into args and env.
struct ExecPlan {
  ExecPlan() = default;
  ExecPlan(const ExecPlan&) = delete;
  ExecPlan& operator=(const ExecPlan&) = delete;

  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;        // NULL-terminated
  bool searched = false;                // args[0] is looked up in PATH
  std::vector<std::string> candidates;  // the paths execve is tried on, in order
  std::string not_found;                // the message when none of them exists
};

// PATH (and HOME, from the user's entry) get defaults when `env` lacks them, as in Docker.
void plan_exec(ExecPlan& exec, const std::vector<std::string>& args, std::vector<std::string> env,
               const std::string& home);

struct ContainerPlan {
  // Namespaces and cgroup it joins.
  const RunCgroup* cgroup = nullptr;
  int network_fd = -1;  // -1: stay in the host's network namespace

  // Its filesystem: host paths, and the detached mounts to attach.
  std::string root_mount_point, upper_dir, staging;
  UniqueFd root;
  DevTrees dev;
  std::vector<PreparedMount> mounts;
  std::string cwd;        // clean, inside the root ("" = /); made when missing
  std::string cwd_shown;  // "/" + cwd

  std::string hostname;
  std::vector<ResourceLimit> resource_limits;
  Credentials credentials;
  const SeccompFilter* seccomp = nullptr;  // nullptr: --security=insecure
  ExecPlan exec;

  int stdout_fd = -1, stderr_fd = -1, report_fd = -1, status_fd = -1;
  int stdin_fd = -1;      // -1: /dev/null
  bool terminal = false;  // stdin is a terminal's slave, to become the controlling terminal
  bool readonly_root = false;
  bool privileged = false;  // /proc unmasked, /sys writable
  bool init = false;        // PID 1 stays, as a reaper of the command (executor/init_reaper.h)
  // Every fd above, sorted: the supervisor closes the rest of gantry's fd table.
  std::vector<int> fds_to_keep;
};

// The fds of `plan`, sorted, for fds_to_keep (after every other field is set).
std::vector<int> fds_of(const ContainerPlan& plan);

}  // namespace gantry::executor
