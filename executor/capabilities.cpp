#include "executor/capabilities.h"

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "base/error.h"

namespace gantry::executor {
namespace {

using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, decltype([](cap_t c) {
                                   cap_free(c);
                                 })>;

void set_root_capabilities() {
  CapState caps(cap_init());  // all flags clear: inheritable stays empty, as in Docker
  if (!caps) throw_errno("allocate a capability set");
  std::vector<cap_value_t> wanted;
  for (cap_value_t cap = 0; cap < 64; ++cap) {
    if (kDefaultCapabilities & (1ULL << cap)) wanted.push_back(cap);
  }
  const int count = static_cast<int>(wanted.size());
  if (cap_set_flag(caps.get(), CAP_EFFECTIVE, count, wanted.data(), CAP_SET) != 0 ||
      cap_set_flag(caps.get(), CAP_PERMITTED, count, wanted.data(), CAP_SET) != 0 ||
      cap_set_proc(caps.get()) != 0) {
    throw_errno("set the container's capabilities");
  }
}

}  // namespace

void become_user(const Identity& id, bool all_capabilities) {
  if (!all_capabilities) {
    for (cap_value_t cap = 0; cap <= static_cast<cap_value_t>(cap_max_bits()) - 1; ++cap) {
      if (!(kDefaultCapabilities & (1ULL << cap)) && cap_drop_bound(cap) != 0) {
        throw_errno("drop capability " + std::to_string(cap) + " from the bounding set");
      }
    }
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
    throw_errno("clear ambient capabilities");
  }
  if (::setgroups(id.supplementary_gids.size(), id.supplementary_gids.data()) != 0) {
    throw_errno("set supplementary groups");
  }
  if (::setresgid(id.gid, id.gid, id.gid) != 0) {
    throw_errno("set gid " + std::to_string(id.gid));
  }
  // Leaving uid 0 clears the permitted and effective sets: a plain user has no capabilities.
  if (::setresuid(id.uid, id.uid, id.uid) != 0) {
    throw_errno("set uid " + std::to_string(id.uid));
  }
  if (id.uid == 0 && !all_capabilities) set_root_capabilities();
}

}  // namespace gantry::executor
