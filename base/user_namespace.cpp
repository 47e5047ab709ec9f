#include "base/user_namespace.h"

#include <cerrno>
#include <fstream>

#include "base/error.h"

namespace gantry {

bool in_initial_user_namespace() {
  static const bool initial = [] {
    std::ifstream map("/proc/self/uid_map");
    unsigned long inside = 1, outside = 1, count = 0;
    map >> inside >> outside >> count;
    return inside == 0 && outside == 0 && count == 4294967295UL;
  }();
  return initial;
}

bool setgroups_allowed() {
  static const bool allowed = [] {
    std::ifstream file("/proc/self/setgroups");
    std::string state;
    return !(file >> state) || state != "deny";
  }();
  return allowed;
}

const char* overlay_opaque_xattr() {
  return in_initial_user_namespace() ? "trusted.overlay.opaque" : "user.overlay.opaque";
}

namespace {

// Whether `id` is inside a range of the map file (/proc/self/uid_map or gid_map).
bool mapped(const char* map_file, unsigned long id) {
  std::ifstream map(map_file);
  unsigned long inside = 0, outside = 0, count = 0;
  while (map >> inside >> outside >> count)
    if (id >= inside && id - inside < count) return true;
  return false;
}

}  // namespace

Error chown_error(const std::string& what, uid_t uid, gid_t gid, int error) {
  const std::string action =
      "chown `" + what + "` to " + std::to_string(uid) + ":" + std::to_string(gid);
  if (error == EINVAL && !in_initial_user_namespace()) {
    const bool uid_mapped = mapped("/proc/self/uid_map", uid);
    const std::string id = uid_mapped ? "gid " + std::to_string(gid) : "uid " + std::to_string(uid);
    return Error(action + ": " + id +
                 " is not mapped in gantry's user namespace (a normal user's gantry maps ids "
                 "other than 0 only from the user's range in /etc/subuid and /etc/subgid)");
  }
  return errno_error(action, error);
}

}  // namespace gantry
