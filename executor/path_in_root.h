// Path work inside a container root filesystem, always relative to a root directory fd with
// RESOLVE_IN_ROOT, so that symlinks in an image (`/etc -> /`, `../../..`) resolve inside the
// image and can never reach the host.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <string>
#include <string_view>

#include "base/unique_fd.h"

namespace gantry::executor {

// Opens `path` (absolute or relative, inside the root) as if root_fd were "/". Throws Error
// naming the container path on failure.
UniqueFd open_in_root(int root_fd, std::string_view path, int flags);
// Same, but returns an empty fd with errno set instead of throwing.
UniqueFd try_open_in_root(int root_fd, std::string_view path, int flags);
// Same for a path that is clean already ("a/b", "" for the root), with only the syscall: for
// the container process, which may not allocate. `extra_resolve` adds RESOLVE_* flags.
UniqueFd open_clean_in_root(int root_fd, const char* relative, int flags,
                            std::uint64_t extra_resolve = 0) noexcept;

// The path inside the root with "." and ".." folded away and no leading "/": "a/b/c".
std::string clean_relative(std::string_view path);

// Something creating a mount point added to the upper dir: the new mount point itself, or a
// directory of a lower layer that overlayfs copied up because a mount point was made in it
// (executor/mount_point_maker.h).
struct AddedPath {
  std::string path;  // relative to the root
  bool copied_up = false;
  // For a copied-up directory, its owner and mode when copied: if they are unchanged after
  // the run and it is empty, the command did not touch it.
  unsigned mode = 0, uid = 0, gid = 0;
};

}  // namespace gantry::executor
