// RUN --mount and the executor's own files (/etc/hosts, /etc/resolv.conf, /etc/hostname),
// mounted into the container root before pivot_root. Sources are host paths; targets are
// container paths resolved inside the root.
#pragma once

#include <filesystem>
#include <vector>

#include "executor/executor.h"
#include "executor/path_in_root.h"

namespace gantry::executor {

// Directories of the executor's state that the mounts need.
struct MountDirs {
  std::filesystem::path empty;    // an empty dir: the lower layer of an empty overlay
  // The bottom layer of every container root: /proc, /sys, /dev and the /etc files the
  // executor mounts over, so no run has to create (and later delete) them in its upper dir.
  std::filesystem::path mount_points;
  std::filesystem::path staging;  // a mount point for trees that are mounted in parts
};

// Bind-mounts a host file read-only on `target` (created when missing).
void bind_file_readonly(MountPointMaker& maker, const std::filesystem::path& source,
                        const std::string& target);

void mount_all(MountPointMaker& maker, const std::vector<MountSpec>& mounts,
               const MountDirs& dirs);

}  // namespace gantry::executor
