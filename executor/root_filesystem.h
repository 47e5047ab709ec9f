// The container's root: an overlay of the layer dirs mounted at a mount point, the kernel
// filesystems every process expects (/proc, /sys, /dev) with Docker's masked and read-only
// paths, and finally pivot_root into it. Runs inside the container's private mount namespace.
#pragma once

#include <filesystem>

#include "base/unique_fd.h"
#include "executor/executor.h"
#include "executor/path_in_root.h"

namespace gantry::executor {

// Makes every mount private (nothing we do propagates to the host), mounts the overlay at
// mount_point and returns an O_PATH fd of its root. `mount_point_layer` (MountDirs) goes under
// the image's layers: its entries show only where the image lacks them, and then serve as
// mount points that are never part of the upper dir.
UniqueFd mount_root(const RootFs& rootfs, const std::filesystem::path& mount_point,
                    const std::filesystem::path& mount_point_layer);

// A detached overlay mount of `lower_dirs` (top first) with an optional upper dir; nodev.
UniqueFd new_overlay(const std::vector<std::filesystem::path>& lower_dirs,
                     const std::filesystem::path& upper_dir, const std::filesystem::path& work_dir,
                     const std::filesystem::path& empty_dir);

// Fresh /proc (with Docker's masked and read-only paths), read-only /sys and a minimal /dev.
void mount_system_dirs(int root_fd, MountPointMaker& maker);

// pivot_root into the root and drop the old one, so the host tree is unreachable.
void pivot_into(int root_fd);

}  // namespace gantry::executor
