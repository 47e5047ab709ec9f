// Process credentials for the container process: Docker's default capability set and the
// user's ids and groups. no_new_privs stays off, as in BuildKit and Docker, unless asked for
// (--security-opt no-new-privileges): setuid programs (sudo, su, ping on old images) must work
// in RUN; the bounding set still caps what they get.
//
// Gantry works the credentials out before the clone (credentials_for); the container switches
// to them with raw syscalls only (become_user): glibc's set*id wrappers would signal every
// thread of what they take to be their process, gantry's threads.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "executor/setup_failure.h"
#include "executor/user_lookup.h"

namespace gantry::executor {

// Docker's default capabilities (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID,
// SETPCAP, NET_BIND_SERVICE, NET_RAW, SYS_CHROOT, MKNOD, AUDIT_WRITE, SETFCAP) as a mask.
inline constexpr std::uint64_t kDefaultCapabilities = 0x00000000a80425fbULL;
inline constexpr std::uint64_t kNetAdmin = 1ULL << 12;  // CAP_NET_ADMIN

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  bool set_groups = true;         // false where the user namespace denies setgroups: groups unused
  bool all_capabilities = false;  // RUN --security=insecure
  unsigned last_capability = 0;   // the kernel's highest capability number
  std::string uid_text, gid_text;  // for messages
  std::uint64_t capabilities = kDefaultCapabilities;  // kept unless all_capabilities
};

// The kernel's number of a capability named as the kernel names it, without CAP_ ("SYS_ADMIN");
// none for a name it does not know.
std::optional<unsigned> capability_number(std::string_view name);

// The kernel's highest capability number (/proc/sys/kernel/cap_last_cap), read once.
unsigned last_capability();

Credentials credentials_for(const Identity& id, bool all_capabilities, unsigned last_capability);

// docker run's --cap-add and --cap-drop over Docker's default set, as docker combines them: ALL
// added gives every capability (that gantry has) but those dropped, ALL dropped gives only those added, and
// otherwise the defaults lose the dropped and gain the added. Names are docker's, with or
// without CAP_, in any case ("net_admin", "CAP_SYS_TIME", "ALL"). Throws UsageError naming a
// capability the kernel does not have.
std::uint64_t capabilities_of(const std::vector<std::string>& add, const std::vector<std::string>& drop,
                              unsigned last_capability);

// Drops the bounding set to `capabilities` (unless all_capabilities) and switches to the
// user's ids and groups. A non-root user ends with no effective capabilities, as in Docker.
SetupFailure become_user(const Credentials& credentials) noexcept;

}  // namespace gantry::executor
