#include "executor/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::executor {

unsigned last_capability() {
  const std::string text = read_file("/proc/sys/kernel/cap_last_cap");
  try {
    return static_cast<unsigned>(std::stoul(text));
  } catch (const std::exception&) {
    throw Error("/proc/sys/kernel/cap_last_cap: not a number: `" + text + "`");
  }
}

Credentials credentials_for(const Identity& id, bool all_capabilities, unsigned last_capability) {
  return Credentials{.uid = id.uid,
                     .gid = id.gid,
                     .groups = id.supplementary_gids,
                     .all_capabilities = all_capabilities,
                     .last_capability = last_capability,
                     .uid_text = std::to_string(id.uid),
                     .gid_text = std::to_string(id.gid)};
}

SetupFailure become_user(const Credentials& c) noexcept {
  if (!c.all_capabilities) {
    for (unsigned cap = 0; cap <= c.last_capability; ++cap) {
      if (!(kDefaultCapabilities & (1ULL << cap)) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
        return failed("drop a capability from the bounding set");
      }
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return failed("clear ambient capabilities");
  }
  if (::syscall(SYS_setgroups, c.groups.size(), c.groups.data()) != 0) {
    return failed("set supplementary groups");
  }
  if (::syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0) return failed("set gid", c.gid_text.c_str());
  // Leaving uid 0 clears the permitted and effective sets: a plain user has no capabilities.
  if (::syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0) return failed("set uid", c.uid_text.c_str());
  if (c.uid == 0 && !c.all_capabilities) {
    // Inheritable stays empty, as in Docker.
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    __user_cap_data_struct data[2] = {};  // the low and the high 32 capabilities
    data[0].effective = data[0].permitted = static_cast<std::uint32_t>(kDefaultCapabilities);
    data[1].effective = data[1].permitted = static_cast<std::uint32_t>(kDefaultCapabilities >> 32);
    if (::syscall(SYS_capset, &header, data) != 0) return failed("set the container's capabilities");
  }
  return {};
}

}  // namespace gantry::executor
