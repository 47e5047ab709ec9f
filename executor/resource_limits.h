// setrlimit limits of a run's process (docker's --ulimit), by docker's names: nofile, nproc,
// core, memlock, stack, fsize, ... Worked out before the clone, set by the container process
// before it drops its capabilities (raising a hard limit needs CAP_SYS_RESOURCE).
#pragma once

#include <sys/resource.h>

#include <optional>
#include <string>
#include <vector>

#include "executor/executor.h"

namespace gantry::executor {

// RLIMIT_NOFILE for "nofile", ...; nothing for a name docker does not know.
std::optional<int> resource_of(const std::string& name);

// Every name resource_of knows, "core, cpu, ...": for the message about an unknown one.
std::string resource_names();

// What docker's rules find wrong with a ulimit, the first of: a name resource_of does not know,
// a limit below -1 (unlimited), a soft limit above the hard one (-1 is above every number).
// Front ends that take ulimits check them with this, each in its own words.
enum class UlimitFault { UnknownName, BadValue, SoftAboveHard };
std::optional<UlimitFault> ulimit_fault(const Ulimit& ulimit);

struct ResourceLimit {
  std::string name;  // docker's, for the message when the kernel refuses it
  int resource = 0;
  rlimit value{};
};

// Throws Error naming the limit when its name is unknown or its soft limit is above its hard.
std::vector<ResourceLimit> plan_resource_limits(const std::vector<Ulimit>& ulimits);

}  // namespace gantry::executor
