// The supervisor: a small process between gantry and the container. It creates the PID
// namespace and starts the container's PID 1, then waits for it. It dies with gantry
// (parent-death signal), and the container dies with it, so a killed gantry leaves nothing
// running; the container's mounts live only in its own mount namespace and go with it.
//
// Signals to the supervisor: SIGTERM kills the whole container (the executor's cancel);
// SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are forwarded to the container's PID 1.
// When PID 1 has exited, the supervisor writes its wait status (an int) to the plan's status_fd
// and exits.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <thread>

#include "executor/container_plan.h"

namespace gantry::executor {

// Starts the supervisor and owns it: unless wait() was called, destruction kills (SIGTERM) and
// reaps it. `plan` must outlive this object.
//
// The supervisor is not a fork of gantry: copying gantry's page tables and then taking a
// copy-on-write fault for every page either side writes cost more than the rest of a RUN step.
// It borrows gantry's memory instead (CLONE_VM | CLONE_VFORK), started from a launcher thread
// of its own that stays suspended in clone() until the supervisor exits. So the supervisor, and
// the container until it execs, run on a suspended thread's thread-local state (errno) that
// nothing else touches, while the calling thread goes on to stream the output. They share the
// rest of gantry's memory with gantry's running threads: like posix_spawn's child, they only
// read the plan, computed before, and make syscalls (executor/container_plan.h). A malloc, an
// exception or a glibc set*id wrapper there could take a lock of gantry's and never give it
// back (the container can be killed at any moment), or signal gantry's threads.
class Supervisor {
 public:
  explicit Supervisor(const ContainerPlan& plan);
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();

  void signal(int sig) const noexcept;
  void wait() noexcept;  // reaps the supervisor (its status says nothing: see status_fd)

 private:
  std::atomic<pid_t> pid_{0};  // 0 once reaped
  std::jthread launcher_;      // joined after the destructor has reaped the supervisor
};

}  // namespace gantry::executor
