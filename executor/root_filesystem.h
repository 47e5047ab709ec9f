// The container's root: an overlay of the layer dirs, the kernel filesystems every process
// expects (/proc, /sys, /dev) with Docker's masked and read-only paths, and finally pivot_root
// into it. Gantry makes the overlay before the clone (root_tree); the container, in its own
// mount namespace, attaches it and mounts the rest, which belongs to its namespaces.
#pragma once

#include <filesystem>
#include <vector>

#include "base/unique_fd.h"
#include "executor/dev_nodes.h"
#include "executor/executor.h"
#include "executor/mount_point_maker.h"

namespace gantry::executor {

// A detached overlay mount of `lower_dirs` (top first) with an optional upper dir; nodev.
UniqueFd new_overlay(const std::vector<std::filesystem::path>& lower_dirs,
                     const std::filesystem::path& upper_dir, const std::filesystem::path& work_dir,
                     const std::filesystem::path& empty_dir);

// The container's root as a detached overlay. `mount_point_layer` (MountDirs) goes under the
// image's layers: its entries show only where the image lacks them, and then serve as mount
// points that are never part of the upper dir.
UniqueFd root_tree(const RootFs& rootfs, const std::filesystem::path& mount_point_layer);

// In the container: makes every mount private (nothing it does propagates to the host),
// attaches `tree` at `mount_point` and opens the root it shows into `root` (O_PATH).
SetupFailure attach_root(int tree_fd, const char* mount_point, UniqueFd& root) noexcept;

// In the container: a fresh /proc (with Docker's masked and read-only paths), a read-only /sys
// of its network namespace, and /dev from `dev`. Privileged (docker run --privileged): /proc
// whole and /sys writable.
SetupFailure mount_system_dirs(int root_fd, MountPointMaker& maker, const DevTrees& dev,
                               bool privileged = false) noexcept;

// In the container: pivot_root into the root and drop the old one, so the host tree is
// unreachable.
SetupFailure pivot_into(int root_fd) noexcept;

}  // namespace gantry::executor
