// What a run sees at /sys/fs/cgroup: the cgroups it runs in, read-only, as Docker shows a
// container its own (on v1 a directory per controller the run has a cgroup of its own in, on
// v2 the run's cgroup itself). Programs size themselves from there: a JVM's heap, Go's
// GOMAXPROCS, `nproc`-like tools reading the CPU quota.
//
// Made by gantry before the clone from the run's cgroups (detached mounts), and attached by the
// container once its /sys is mounted.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "executor/sandbox_cgroup.h"
#include "executor/setup_failure.h"

namespace gantry::executor {

struct CgroupView {
  UniqueFd tmpfs;  // v1: a read-only tmpfs with a directory per controller; none on v2
  // Each run cgroup, bound read-only, and where it goes in the root ("sys/fs/cgroup/memory").
  std::vector<std::pair<std::string, UniqueFd>> trees;
};

CgroupView make_cgroup_view(const RunCgroup& run);

// In the container, after /sys is mounted in `root_fd`.
SetupFailure attach_cgroup_view(const CgroupView& view, int root_fd) noexcept;

}  // namespace gantry::executor
