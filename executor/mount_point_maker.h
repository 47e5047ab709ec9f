// Mount points in the container root, made by the container process before pivot_root: the
// directories (or, last, the empty file) a mount needs where the image lacks them. Everything
// made this way lands in the upper dir, so each new entry is reported to the executor
// (executor/setup_report.h), which removes it from the layer after the run; so is each
// directory of a lower layer that overlayfs copied up because an entry was made in it.
//
// The container runs in gantry's memory (executor/setup_failure.h): no allocation here. Paths
// come clean and relative from gantry ("etc/hosts"; "" is the root); the path being made is
// kept in a buffer of the maker, which a returned failure names.
#pragma once

#include <linux/limits.h>
#include <sys/types.h>

#include <string_view>

#include "base/unique_fd.h"
#include "executor/setup_failure.h"

namespace gantry::executor {

class MountPointMaker {
 public:
  // root_fd: the container root (O_PATH) on device root_dev; upper_fd: its upper dir.
  MountPointMaker(int root_fd, dev_t root_dev, int upper_fd, int report_fd)
      : root_fd_(root_fd), root_dev_(root_dev), upper_fd_(upper_fd), report_fd_(report_fd) {}
  MountPointMaker(const MountPointMaker&) = delete;
  MountPointMaker& operator=(const MountPointMaker&) = delete;

  // Opens (O_PATH) the mount point `path` into `out`, making what is missing.
  SetupFailure ensure(std::string_view path, bool file, UniqueFd& out);
  // Like ensure() for a directory, but what it makes stays (WORKDIR is a real change).
  SetupFailure ensure_kept_dir(std::string_view path, UniqueFd& out);

 private:
  SetupFailure make(std::string_view path, bool file, bool report, UniqueFd& out);
  // Reports the directories of path_[1, 1 + length) that exist only in a lower layer.
  void report_copy_ups(std::size_t length);

  int root_fd_;
  dev_t root_dev_;
  int upper_fd_;
  int report_fd_;
  // "/" and the path being made; a NUL cuts it at the prefix at hand.
  char path_[PATH_MAX + 1] = {};
};

}  // namespace gantry::executor
