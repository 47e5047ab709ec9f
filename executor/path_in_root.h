// Path work inside a container root filesystem, always relative to a root directory fd with
// RESOLVE_IN_ROOT, so that symlinks in an image (`/etc -> /`, `../../..`) resolve inside the
// image and can never reach the host.
#pragma once

#include <sys/types.h>

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

// Something creating a mount point added to the upper dir: the new mount point itself, or a
// directory of a lower layer that overlayfs copied up because a mount point was made in it.
struct AddedPath {
  std::string path;  // relative to the root
  bool copied_up = false;
  // For a copied-up directory, its owner and mode when copied: if they are unchanged after
  // the run and it is empty, the command did not touch it.
  unsigned mode = 0, uid = 0, gid = 0;
};

// Creates missing mount points (directories, or an empty file for the last component when
// `file` is true) in the root, and remembers what that added to the upper dir (`upper_fd`)
// so that it can be removed after the run.
class MountPointMaker {
 public:
  MountPointMaker(int root_fd, int upper_fd);

  // Returns an O_PATH fd of the (possibly new) mount point.
  UniqueFd ensure(std::string_view path, bool file);
  // Like ensure() for a directory, but what is created stays (WORKDIR is a real change).
  UniqueFd ensure_kept_dir(std::string_view path);

  // What was added since the last call, parents first, for the caller to remove again.
  std::vector<AddedPath> take_added() { return std::exchange(added_, {}); }

 private:
  UniqueFd make(std::string_view path, bool file, bool record);
  void note_copy_ups(const std::string& existing_parent);

  int root_fd_;
  int upper_fd_;
  dev_t root_dev_;
  std::vector<AddedPath> added_;
};

}  // namespace gantry::executor
