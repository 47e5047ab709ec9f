// Which user namespace gantry runs in, as far as filesystems care. Host root's gantry runs in
// the initial one, where overlayfs keeps its state (opaque dirs) in trusted.* xattrs. A normal
// user's gantry runs in a user namespace of its own (executor/rootless.h), where trusted.*
// cannot be written: there overlayfs is mounted with `userxattr` and keeps it in user.*.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/error.h"

namespace gantry {

// Whether this process is in the initial user namespace (its uid_map maps every id to itself).
// Read once: a process changes namespace only before its first call.
bool in_initial_user_namespace();

// Whether setgroups(2) may be called here: not in a user namespace whose gid map was written
// without newgidmap (it maps only the user's own gid). Read once.
bool setgroups_allowed();

// The xattr overlayfs marks an opaque dir with, in this process's user namespace.
const char* overlay_opaque_xattr();

// The Error "chown `what` to UID:GID: <cause>" of a chown that failed with `error`, as
// errno_error builds one. In a user namespace EINVAL means an id it does not map (a rootless
// gantry whose user has no range in /etc/subuid or /etc/subgid maps only 0): the cause then
// names that id.
Error chown_error(const std::string& what, uid_t uid, gid_t gid, int error);

}  // namespace gantry
