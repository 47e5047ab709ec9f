// docker run --init: the container's PID 1 stays as a tiny init instead of becoming the
// command. It starts the command as its child, forwards every signal it gets to it, reaps every
// process that ends up orphaned below it (zombies that the command's own PID 1 would never
// wait for), and exits with the command's status (128 + the signal when a signal killed it).
//
// It cannot be a program of gantry's: after pivot_root nothing of the host is reachable by path
// (gantry is dynamically linked, so even an exec through a saved fd would look for the image's
// libraries). So the init is gantry's own process, the container's PID 1 itself, which the
// supervisor starts as a copy of its memory (not in gantry's, as a plain run is: it lives on
// after the command's exec). That copy holds what gantry had in memory, so it wipes gantry's
// command line and environment (what /proc/1/cmdline and environ show) and makes itself
// undumpable: the command, the same user, cannot read its memory through /proc.
#pragma once

#include "executor/container_plan.h"

namespace gantry::executor {

// What /proc/1 shows: a name instead of gantry's command line and environment, overwritten in
// place (no capability needed).
SetupFailure hide_gantry_memory() noexcept;

// After every other set-up step, instead of exec: starts the command and reaps until it ends.
// Returns only when the command could not be started (the exec failure is reported).
SetupFailure run_init(const ContainerPlan& plan) noexcept;

}  // namespace gantry::executor
