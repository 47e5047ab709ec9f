// Process credentials for the container process: Docker's default capability set and the
// user's ids and groups. no_new_privs stays off, as in BuildKit and Docker: setuid programs
// (sudo, su, ping on old images) must work in RUN; the bounding set still caps what they get.
#pragma once

#include <cstdint>

#include "executor/user_lookup.h"

namespace gantry::executor {

// Docker's default capabilities (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID,
// SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP) as a mask.
inline constexpr std::uint64_t kDefaultCapabilities = 0x00000000a80425fbULL;

// Drops the bounding set to the default set (unless `all_capabilities`) and switches to the
// user's ids and groups. A non-root user ends with no effective capabilities, as in Docker.
void become_user(const Identity& id, bool all_capabilities);

}  // namespace gantry::executor
