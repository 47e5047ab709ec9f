#include "executor/resource_limits.h"

#include <array>
#include <utility>

#include "base/error.h"

namespace gantry::executor {
namespace {

constexpr std::array<std::pair<const char*, int>, 15> kResources{{
    {"core", RLIMIT_CORE},
    {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},
    {"fsize", RLIMIT_FSIZE},
    {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK},
    {"msgqueue", RLIMIT_MSGQUEUE},
    {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},
    {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},
    {"rttime", RLIMIT_RTTIME},
    {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
}};

rlim_t limit_value(std::int64_t value) { return value < 0 ? RLIM_INFINITY : static_cast<rlim_t>(value); }

}  // namespace

std::optional<int> resource_of(const std::string& name) {
  for (const auto& [known, resource] : kResources) {
    if (name == known) return resource;
  }
  return std::nullopt;
}

std::string resource_names() {
  std::string names;
  for (const auto& [known, resource] : kResources) names += (names.empty() ? "" : ", ") + std::string(known);
  return names;
}

std::optional<UlimitFault> ulimit_fault(const Ulimit& u) {
  if (!resource_of(u.name)) return UlimitFault::UnknownName;
  if (u.soft < -1 || u.hard < -1) return UlimitFault::BadValue;
  if (u.hard != -1 && (u.soft == -1 || u.soft > u.hard)) return UlimitFault::SoftAboveHard;
  return std::nullopt;
}

std::vector<ResourceLimit> plan_resource_limits(const std::vector<Ulimit>& ulimits) {
  std::vector<ResourceLimit> limits;
  for (const Ulimit& u : ulimits) {
    const std::optional<int> resource = resource_of(u.name);
    if (!resource) throw Error("ulimit `" + u.name + "`: not a limit (" + resource_names() + ")");
    const rlimit value{limit_value(u.soft), limit_value(u.hard)};
    if (value.rlim_cur > value.rlim_max) {
      throw Error("ulimit `" + u.name + "`: the soft limit is above the hard limit");
    }
    limits.push_back({u.name, *resource, value});
  }
  return limits;
}

}  // namespace gantry::executor
