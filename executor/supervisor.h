// The supervisor: a small process between gantry and the container. gantry forks it (a normal
// fork, so it may allocate freely even if gantry has threads); it creates the PID namespace and
// forks the container's PID 1, then waits for it. It dies with gantry (parent-death signal),
// and the container dies with it, so a killed gantry leaves nothing running; the container's
// mounts live only in its own mount namespace and go with it.
//
// Signals to the supervisor: SIGTERM kills the whole container (the executor's cancel);
// SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to the container's PID 1.
// When PID 1 has exited, the supervisor writes its wait status (an int) to status_fd and exits.
#pragma once

#include "executor/container_process.h"

namespace gantry::executor {

[[noreturn]] void supervise(const ContainerPlan& plan, int status_fd, pid_t executor_pid);

}  // namespace gantry::executor
