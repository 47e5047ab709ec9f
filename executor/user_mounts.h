// RUN --mount and the executor's own files (/etc/hosts, /etc/resolv.conf, /etc/hostname),
// mounted into the container root before pivot_root. Sources are host paths; targets are
// container paths resolved inside the root.
//
// Gantry makes each mount before the clone, detached, with its flags set (prepare_mounts:
// errors such as a missing source are thrown there, naming it); the container attaches them in
// order (attach_mounts), making their mount points.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "executor/executor.h"
#include "executor/mount_point_maker.h"

namespace gantry::executor {

// Directories of the executor's state that the mounts need.
struct MountDirs {
  std::filesystem::path empty;    // an empty dir: the lower layer of an empty overlay
  // The bottom layer of every container root: /proc, /sys, /dev and the /etc files the
  // executor mounts over, so no run has to create (and later delete) them in its upper dir.
  std::filesystem::path mount_points;
  std::filesystem::path staging;  // a mount point for trees that are mounted in parts
};

// Host files bound read-only over the container's /etc/hosts, /etc/resolv.conf, /etc/hostname.
struct EtcFiles {
  std::filesystem::path hosts, resolv_conf, hostname;
};

struct PreparedMount {
  UniqueFd tree;       // detached
  std::string target;  // clean, inside the root: "etc/hosts"
  std::string shown;   // as messages show it: "/etc/hosts"
  // The part of `tree` to mount, "/" and a clean path ("" = all of it): it has to be attached on
  // the staging dir to be cut, so the container does that. Whether the mount point is a file is
  // then known only there; otherwise `file` says.
  std::string part;
  bool file = false;
};

// The /etc files, then `mounts` in order. Every mount is nodev.
std::vector<PreparedMount> prepare_mounts(const EtcFiles& etc, const std::vector<MountSpec>& mounts,
                                          const MountDirs& dirs);

// In the container: attaches each one, making its mount point; `staging` is MountDirs::staging.
SetupFailure attach_mounts(const std::vector<PreparedMount>& mounts, const char* staging,
                           MountPointMaker& maker) noexcept;

}  // namespace gantry::executor
