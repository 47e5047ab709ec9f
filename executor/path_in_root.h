// Path work inside a container root filesystem, always relative to a root directory fd with
// RESOLVE_IN_ROOT, so that symlinks in an image (`/etc -> /`, `../../..`) resolve inside the
// image and can never reach the host.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/unique_fd.h"

namespace gantry::executor {

// Opens `path` (absolute or relative, inside the root) as if root_fd were "/". Throws Error
// naming the container path on failure.
UniqueFd open_in_root(int root_fd, std::string_view path, int flags, unsigned mode = 0);
// Same, but returns an empty fd with errno set instead of throwing.
UniqueFd try_open_in_root(int root_fd, std::string_view path, int flags, unsigned mode = 0);

// The path inside the root with "." and ".." folded away and no leading "/": "a/b/c".
std::string clean_relative(std::string_view path);

// Creates missing mount points (directories, or an empty file for the last component when
// `file` is true) in the root, and remembers the ones it created on the root's own filesystem
// so that they can be removed from the upper dir after the run.
class MountPointMaker {
 public:
  explicit MountPointMaker(int root_fd);

  // Returns an O_PATH fd of the (possibly new) mount point.
  UniqueFd ensure(std::string_view path, bool file);
  // Like ensure() for a directory, but what is created stays (WORKDIR is a real change).
  UniqueFd ensure_kept_dir(std::string_view path);

  // Paths created since the last call (relative to the root, parents first) that the caller
  // must remove again.
  std::vector<std::string> take_created() { return std::exchange(created_, {}); }

 private:
  UniqueFd make(std::string_view path, bool file, bool record);

  int root_fd_;
  dev_t root_dev_;
  std::vector<std::string> created_;
};

}  // namespace gantry::executor
