// The container process from its birth as PID 1 of the new PID namespace to execve: it joins
// its cgroup and network namespace, makes its own mount, UTS and IPC namespaces, builds the
// root from the plan's detached mounts, locks itself down (seccomp, capabilities, the user's
// ids) and execs the command. It runs in gantry's memory, so it only reads the plan and makes
// syscalls (executor/container_plan.h). It never returns: a failure is reported on the setup
// pipe and ends the process with status 127.
#pragma once

#include "executor/container_plan.h"

namespace gantry::executor {

[[noreturn]] void run_container(const ContainerPlan& plan) noexcept;

// Execs the command; returns only when no candidate could be executed.
SetupFailure exec_command(const ExecPlan& exec) noexcept;

}  // namespace gantry::executor
