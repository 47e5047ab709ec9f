// The cgroups RUN steps run in. Each Executor makes one parent cgroup below gantry's own, named
// gantry-<pid>-<n> (one per controller tree on cgroup v1), which holds the device rules
// (executor/device_rules.h) for all of its runs: the rules are written once, not per run. Each
// run then gets a cgroup of its own below it for its limits (pids, memory, cpu, cpuset), made
// and removed with the run: a few mkdir/write/rmdir calls, and the container joins it before
// exec. Runs with a --cgroup-parent get a parent cgroup of the same kind below that path
// instead, made on first use; the path itself stays, as Docker leaves it.
//
//   SandboxCgroup sandbox(CgroupHierarchy::of_this_process());   // throws: no devices, no runs
//   RunCgroup run = sandbox.make_run(limits);
//   // in the container, before exec: run.join()
//   // after the run: run.limits_hit() says what it ran into; ~RunCgroup removes its cgroups
//
// A gantry killed by SIGKILL leaves its (empty) cgroups behind; the next Executor on the host
// removes those of processes that no longer exist, below gantry's own cgroup only (not below a
// --cgroup-parent, which gantries in other PID namespaces may share).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
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
  // A run in no cgroup of its own (gantry in a user namespace, without cgroups it may manage):
  // join() does nothing and no limit is hit.
  static RunCgroup none() { return RunCgroup(); }

  // Moves the calling process into the run's cgroups. Only write(2): safe in a child that
  // shares gantry's memory. Returns 0 or the errno of the write that failed.
  int join() const;
  // The fds join() writes to, which a child must keep open until it has joined.
  std::vector<int> fds() const;
  LimitsHit limits_hit() const;
  // The cgroup directories the run has joined, by controller on v1 ("memory", ...) or with ""
  // for the v2 tree: what the container sees at /sys/fs/cgroup.
  const std::vector<std::pair<std::string, std::filesystem::path>>& views() const { return views_; }
  // Made on cgroup v1 (a tree per controller) rather than v2.
  bool v1() const { return v1_; }

 private:
  friend class SandboxCgroup;
  RunCgroup() = default;

  std::vector<std::filesystem::path> dirs_;  // made for this run, removed with it
  std::vector<UniqueFd> procs_;              // cgroup.procs of every cgroup the run joins
  std::vector<std::pair<std::string, std::filesystem::path>> views_;
  std::optional<std::filesystem::path> pids_dir_, memory_dir_;
  bool v1_ = false;
};

class SandboxCgroup {
 public:
  explicit SandboxCgroup(const CgroupHierarchy& hierarchy);
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;
  ~SandboxCgroup();  // every RunCgroup is gone by then

  // Limits this host cannot enforce are left out (see unenforced()). With all_devices (docker
  // run --privileged) the run is not held to the device rules: on cgroup v2 its cgroup is then
  // a sibling of the parent, named after it, rather than below it. Throws Error naming the
  // cgroup when limits.cgroup_parent cannot be made.
  RunCgroup make_run(const Limits& limits, bool all_devices = false);

  // The limits of `limits` that runs go without on this host, by docker's flag names
  // (Executor::unenforced_limits).
  std::vector<std::string> unenforced(const Limits& limits);
  // Every limit `limits` asks for, named as unenforced() names them: what runs without a
  // cgroup go without.
  static std::vector<std::string> limit_names(const Limits& limits);

  // Executor::available_cpuset.
  std::optional<Executor::Cpuset> available_cpuset() const;

 private:
  // The parent cgroups below one base: where each controller's run cgroups go, none where the
  // host lacks it. On v2 they are all `unified`, when it could enable them for its runs.
  struct Parent {
    std::optional<std::filesystem::path> unified;
    std::optional<std::filesystem::path> devices;  // v1: the parent in the devices tree
    UniqueFd devices_procs;                         // v1: its cgroup.procs
    std::optional<std::filesystem::path> pids, memory, cpu, cpuset;
    bool swap_accounting = false;  // the memory controller limits swap too
  };

  Parent& parent_for(const std::string& cgroup_parent);
  void make_unified_parent(Parent& parent, const std::string& cgroup_parent);
  void make_v1_parents(Parent& parent, const std::string& cgroup_parent);
  std::filesystem::path make_parent(const std::filesystem::path& base, const std::string& cgroup_parent,
                                    bool cpuset = false);

  CgroupHierarchy hierarchy_;
  std::string name_;                            // gantry-<pid>-<n>
  std::mutex mutex_;                            // guards the two below
  std::vector<std::filesystem::path> parents_;  // made by this object, removed with it
  std::map<std::string, std::unique_ptr<Parent>> by_cgroup_parent_;  // "" = gantry's own
  std::atomic<std::uint64_t> runs_{0};
};

}  // namespace gantry::executor
