// Where this host keeps its cgroups, and gantry's own cgroup in them. On cgroup v2 one unified
// tree holds every controller. On v1, and on the hybrid layout (v1 controllers with an empty v2
// tree beside them, as on this project's CI hosts), each controller has a tree of its own and
// gantry uses the v1 ones.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace gantry::executor {

// Throws UsageError "WHAT `cgroup_parent`: must not contain `..`" when the cgroup parent climbs
// out of the tree it names; `what` names it as the caller's user knows it ("--cgroup-parent").
void check_cgroup_parent(std::string_view cgroup_parent, std::string_view what);

// One mounted cgroup tree and gantry's cgroup in it.
struct CgroupTree {
  std::filesystem::path mount;  // /sys/fs/cgroup/memory
  std::filesystem::path own;    // mount + gantry's path from /proc/self/cgroup

  // Where the cgroups of runs with this --cgroup-parent go, as runc reads a cgroup parent: an
  // absolute path is below the tree's root, a relative one below gantry's own cgroup, "" is
  // gantry's own cgroup. Throws UsageError when it climbs out with "..".
  std::filesystem::path base(std::string_view cgroup_parent) const;
};

struct CgroupHierarchy {
  // cgroup v2: the unified tree. None on v1.
  std::optional<CgroupTree> unified;
  // cgroup v1: each controller's tree; none when the controller is not mounted. Unused on v2.
  std::optional<CgroupTree> devices, pids, memory, cpu, cpuset;

  bool is_unified() const { return unified.has_value(); }

  // This process's: /sys/fs/cgroup and /proc/self/cgroup.
  static CgroupHierarchy of_this_process();
  // A v2 tree mounted at `mount` with gantry in `own` ("/" = its root): for tests, which can
  // use a hybrid host's v2 tree.
  static CgroupHierarchy unified_at(const std::filesystem::path& mount, std::string_view own);
};

// The cgroup of `controller` ("" = the v2 tree) in the text of /proc/<pid>/cgroup ("/a/b"), or
// nothing when it has none.
std::optional<std::string> cgroup_of(std::string_view proc_cgroup, std::string_view controller);

}  // namespace gantry::executor
