// A minimal /dev as Docker gives it: a small tmpfs with the harmless character devices, a
// private devpts instance for terminals, /dev/shm, the container's own /dev/mqueue and the
// /proc/self/fd links.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "executor/setup_failure.h"

namespace gantry::executor {

// What gantry makes before the clone: detached mounts, the tmpfs already holding the nodes,
// links and directories.
struct DevTrees {
  UniqueFd dev, pts, shm;
  // In a user namespace, which may not make device nodes: the host's nodes of the default set
  // (with host_devices, all of them), bound on empty files of the same paths in `dev`.
  std::vector<std::pair<std::string, UniqueFd>> host_nodes;
};
// host_devices (docker run --privileged): every device node of the host's /dev besides.
DevTrees make_dev_trees(std::int64_t shm_bytes, bool host_devices = false);

// In the container: attaches the trees on its /dev (`dev_point_fd`, an O_PATH fd of the mount
// point in the root `root_fd`), and a message queue filesystem of its IPC namespace (which
// only the container can make). /proc must already be mounted, for the fd links to make sense.
SetupFailure attach_dev(const DevTrees& trees, int root_fd, int dev_point_fd) noexcept;

}  // namespace gantry::executor
