// Memory and pid limits for one run, as a cgroup made below gantry's own cgroup: one per
// controller on cgroup v1 (this host's hybrid layout), a single one on cgroup v2. The cgroups
// exist exactly as long as this object.
#pragma once

#include <filesystem>
#include <vector>

#include "base/unique_fd.h"
#include "executor/executor.h"

namespace gantry::executor {

class CgroupLimits {
 public:
  // Creates the cgroups and writes the limits; nothing when no limit is asked for.
  explicit CgroupLimits(const Limits& limits);
  CgroupLimits(const CgroupLimits&) = delete;
  CgroupLimits& operator=(const CgroupLimits&) = delete;
  ~CgroupLimits();

  // Moves the calling process into the cgroups (called in the child before exec; works
  // after pivot_root too, since the fds are already open).
  void join() const;
  // The fds join() needs, which a forked child must keep open.
  std::vector<int> fds() const;

 private:
  void remove_dirs();
  void make(const std::filesystem::path& dir,
            const std::vector<std::pair<const char*, std::int64_t>>& settings);

  std::vector<std::filesystem::path> dirs_;
  std::vector<UniqueFd> procs_;
};

}  // namespace gantry::executor
