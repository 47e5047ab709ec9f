// The container process from its birth as PID 1 of the new PID namespace to execve: it makes
// its own mount, UTS and IPC namespaces, joins its network namespace, builds the root, switches identity, locks
// itself down (seccomp, capabilities) and execs the command. It never returns;
// a failure is reported on the setup pipe and ends the process with status 127.
#pragma once

#include <filesystem>

#include "executor/executor.h"
#include "executor/sandbox_cgroup.h"
#include "executor/seccomp_filter.h"
#include "executor/user_mounts.h"

namespace gantry::executor {

// Host files bound read-only over the container's /etc/hosts, /etc/resolv.conf, /etc/hostname.
struct EtcFiles {
  std::filesystem::path hosts, resolv_conf, hostname;
};

struct ContainerPlan {
  const RunSpec& spec;
  std::filesystem::path root_mount_point;
  MountDirs dirs;
  EtcFiles etc;
  const SeccompFilter& seccomp;
  const RunCgroup& cgroup;
  int network_fd;  // the network namespace to join; -1: stay in the host's
  int stdout_fd, stderr_fd, report_fd;
};

[[noreturn]] void run_container(const ContainerPlan& plan);

}  // namespace gantry::executor
