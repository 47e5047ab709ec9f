#include "executor/capabilities.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>

#include "base/error.h"
#include "base/file_util.h"
#include "base/user_namespace.h"

namespace gantry::executor {
namespace {

// The kernel's capability numbers: a name's index is its number.
constexpr const char* kCapabilityNames[] = {
    "CHOWN",        "DAC_OVERRIDE",  "DAC_READ_SEARCH", "FOWNER",          "FSETID",
    "KILL",         "SETGID",        "SETUID",          "SETPCAP",         "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",   "NET_RAW",         "IPC_LOCK",
    "IPC_OWNER",    "SYS_MODULE",    "SYS_RAWIO",       "SYS_CHROOT",      "SYS_PTRACE",
    "SYS_PACCT",    "SYS_ADMIN",     "SYS_BOOT",        "SYS_NICE",        "SYS_RESOURCE",
    "SYS_TIME",     "SYS_TTY_CONFIG", "MKNOD",          "LEASE",           "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP",      "MAC_OVERRIDE",    "MAC_ADMIN",       "SYSLOG",
    "WAKE_ALARM",   "BLOCK_SUSPEND", "AUDIT_READ",      "PERFMON",         "BPF",
    "CHECKPOINT_RESTORE",
};

std::string upper_without_prefix(std::string name) {
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("CAP_")) name.erase(0, 4);
  return name;
}

bool names_all(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [](const std::string& n) { return upper_without_prefix(n) == "ALL"; });
}

// The mask of `names` (ALL aside); throws UsageError naming an unknown one.
std::uint64_t mask_of(const std::vector<std::string>& names, const char* flag, unsigned last_capability) {
  std::uint64_t mask = 0;
  for (const std::string& name : names) {
    const std::string wanted = upper_without_prefix(name);
    if (wanted == "ALL") continue;
    const std::optional<unsigned> number = capability_number(wanted);
    if (!number || *number > last_capability) {
      throw UsageError(std::string(flag) + " `" + name + "`: not a capability of this kernel");
    }
    mask |= 1ULL << *number;
  }
  return mask;
}

}  // namespace

std::optional<unsigned> capability_number(std::string_view name) {
  const auto* end = std::end(kCapabilityNames);
  const auto* found = std::find(std::begin(kCapabilityNames), end, name);
  if (found == end) return std::nullopt;
  return static_cast<unsigned>(found - std::begin(kCapabilityNames));
}

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
                     .set_groups = setgroups_allowed(),
                     .all_capabilities = all_capabilities,
                     .last_capability = last_capability,
                     .uid_text = std::to_string(id.uid),
                     .gid_text = std::to_string(id.gid)};
}

std::uint64_t capabilities_of(const std::vector<std::string>& add, const std::vector<std::string>& drop,
                              unsigned last_capability) {
  const std::uint64_t added = mask_of(add, "--cap-add", last_capability);
  const std::uint64_t dropped = mask_of(drop, "--cap-drop", last_capability);
  // Every capability gantry has: it cannot give more (in a container of its own it may lack some).
  __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  __user_cap_data_struct own[2] = {};
  if (::syscall(SYS_capget, &header, own) != 0) throw_errno("read gantry's own capabilities");
  const std::uint64_t every = (static_cast<std::uint64_t>(own[1].permitted) << 32 | own[0].permitted) &
                              (last_capability >= 63 ? ~0ULL : (1ULL << (last_capability + 1)) - 1);
  if (names_all(add)) return every & ~dropped;
  if (names_all(drop)) return added;
  return (kDefaultCapabilities & ~dropped) | added;
}

SetupFailure become_user(const Credentials& c) noexcept {
  if (!c.all_capabilities) {
    for (unsigned cap = 0; cap <= c.last_capability; ++cap) {
      if (!(c.capabilities & (1ULL << cap)) && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
        return failed("drop a capability from the bounding set");
      }
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    return failed("clear ambient capabilities");
  }
  if (c.set_groups && ::syscall(SYS_setgroups, c.groups.size(), c.groups.data()) != 0) {
    return failed("set supplementary groups");
  }
  if (::syscall(SYS_setresgid, c.gid, c.gid, c.gid) != 0) return failed("set gid", c.gid_text.c_str());
  // Leaving uid 0 clears the permitted and effective sets: a plain user has no capabilities.
  if (::syscall(SYS_setresuid, c.uid, c.uid, c.uid) != 0) return failed("set uid", c.uid_text.c_str());
  if (c.uid == 0 && !c.all_capabilities) {
    // Inheritable stays empty, as in Docker.
    __user_cap_header_struct header{.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    __user_cap_data_struct data[2] = {};  // the low and the high 32 capabilities
    data[0].effective = data[0].permitted = static_cast<std::uint32_t>(c.capabilities);
    data[1].effective = data[1].permitted = static_cast<std::uint32_t>(c.capabilities >> 32);
    if (::syscall(SYS_capset, &header, data) != 0) return failed("set the container's capabilities");
  }
  return {};
}

}  // namespace gantry::executor
