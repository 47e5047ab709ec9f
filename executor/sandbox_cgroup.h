// The cgroups RUN steps run in. Each Executor makes one parent cgroup below gantry's own, named
// gantry-<pid>-<n> (one per controller tree on cgroup v1), which holds the device rules
// (executor/device_rules.h) for all of its runs: the rules are written once, not per run. Each
// run then gets a cgroup of its own below it for its limits (pids, memory), made and removed
// with the run: a few mkdir/write/rmdir calls, and the container joins it before exec.
//
//   SandboxCgroup sandbox(CgroupHierarchy::of_this_process());   // throws: no devices, no runs
//   RunCgroup run = sandbox.make_run(limits);
//   // in the container, before exec: run.join()
//   // after the run: run.limits_hit() says what it ran into; ~RunCgroup removes its cgroups
//
// A gantry killed by SIGKILL leaves its (empty) cgroups behind; the next Executor on the host
// removes those of processes that no longer exist.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "executor/cgroup_hierarchy.h"
#include "executor/executor.h"

namespace gantry::executor {

class RunCgroup {
 public:
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;
  RunCgroup(RunCgroup&&) = default;
  ~RunCgroup();

  // Moves the calling process into the run's cgroups. Only write(2): safe in a child that
  // shares gantry's memory. Returns 0 or the errno of the write that failed.
  int join() const;
  // The fds join() writes to, which a child must keep open until it has joined.
  std::vector<int> fds() const;
  LimitsHit limits_hit() const;

 private:
  friend class SandboxCgroup;
  RunCgroup() = default;

  std::vector<std::filesystem::path> dirs_;  // made for this run, removed with it
  std::vector<UniqueFd> procs_;              // cgroup.procs of every cgroup the run joins
  std::optional<std::filesystem::path> pids_dir_, memory_dir_;
  bool memory_v1_ = false;  // memory.oom_control (v1) rather than memory.events (v2)
};

class SandboxCgroup {
 public:
  explicit SandboxCgroup(const CgroupHierarchy& hierarchy);
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;
  ~SandboxCgroup();  // every RunCgroup is gone by then

  // Limits this host cannot enforce are left out (see unenforced()). With all_devices (docker
  // run --privileged) the run is not held to the device rules: on cgroup v2 its cgroup is then
  // a sibling of the parent, named after it, rather than below it.
  RunCgroup make_run(const Limits& limits, bool all_devices = false);

  // "memory", "pids": the limits of `limits` that runs go without on this host.
  std::vector<std::string> unenforced(const Limits& limits) const;

 private:
  std::filesystem::path make_parent(const std::filesystem::path& own);

  CgroupHierarchy hierarchy_;
  std::string name_;                          // gantry-<pid>-<n>
  std::vector<std::filesystem::path> parents_;  // made by this object, removed with it
  UniqueFd devices_procs_;                    // v1: the parent's cgroup.procs in the devices tree
  std::optional<std::filesystem::path> pids_parent_, memory_parent_;  // where run cgroups go
  std::optional<std::filesystem::path> unified_parent_;
  bool unified_pids_ = false, unified_memory_ = false;  // v2: controllers enabled below the parent
  std::atomic<std::uint64_t> runs_{0};
};

}  // namespace gantry::executor
