// The new mount API (fsopen/fsmount/open_tree/move_mount): a mount is built detached, as an
// fd, and attached to a mount point fd at the end. No path is ever looked up twice, so nothing
// in the image can redirect a mount, and a mount that is never attached vanishes with its fd.
//
// Each call comes twice: gantry's, which throws Error naming the thing at fault, and the
// container's (try_*), which only makes the syscalls and returns a SetupFailure, for the
// process that runs in gantry's memory before it execs (executor/setup_failure.h).
#pragma once

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/unique_fd.h"
#include "executor/setup_failure.h"

namespace gantry::executor {

struct FilesystemOption {
  const char* key;
  const char* value;  // "" for a flag ({"newinstance", ""})
};

// A fresh filesystem instance as a detached mount. `options` are fsconfig key/value pairs
// (a pair with an empty value is a flag, e.g. {"newinstance", ""}); keys may repeat
// ("lowerdir+"). `attrs` are MOUNT_ATTR_* flags.
UniqueFd new_filesystem(const std::string& type,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        unsigned attrs);
SetupFailure try_new_filesystem(const char* type, std::span<const FilesystemOption> options,
                                unsigned attrs, UniqueFd& out) noexcept;

// A detached copy of the mount tree at `path` relative to dir_fd ("" = dir_fd itself).
UniqueFd clone_tree(int dir_fd, const std::string& path, const std::string& what);
SetupFailure try_clone_tree(int dir_fd, const char* path, const char* what, UniqueFd& out) noexcept;

// Sets MOUNT_ATTR_* flags on every mount of a detached tree (or on that mount alone).
void set_mount_attrs(int mount_fd, unsigned attrs, const std::string& what);
SetupFailure try_set_mount_attrs(int mount_fd, unsigned attrs, const char* what, bool recursive = true) noexcept;

// Attaches a detached mount on top of the mount point `target_fd` (an O_PATH fd).
void attach(int mount_fd, int target_fd, const std::string& what);
SetupFailure try_attach(int mount_fd, int target_fd, const char* what) noexcept;

}  // namespace gantry::executor
