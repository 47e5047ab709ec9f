// The limits of every RUN step, as docker's flags give them: -m/--memory, --memory-swap,
// -c/--cpu-shares, --cpu-period, --cpu-quota, --cpuset-cpus, --cpuset-mems and --cgroup-parent
// (docker build's and docker run's), and --pids-limit (docker run's; gantry build takes it too).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "executor/executor.h"

namespace gantry::cli {

struct LimitFlags {
  std::string memory;                      // "" = no memory limit
  std::string memory_swap;                 // "" = no swap; -1 = unlimited
  std::optional<std::int64_t> pids_limit;  // none = the default; -1 = no limit
  std::optional<std::int64_t> cpu_shares, cpu_period, cpu_quota;  // 0 = the default, as docker
  std::string cpuset_cpus, cpuset_mems;    // "" = all
  std::string cgroup_parent;               // "" = below gantry's own cgroup
};

void add_limit_flags(CLI::App& command, LimitFlags& flags);

// Throws UsageError naming the flag and its value when it is not a limit, by docker's rules.
executor::Limits parse_limits(const LimitFlags& flags);

// Says once, on stderr, which of the limits the user asked for this host cannot enforce (its
// cgroups lack the controller): the steps then run without them.
void warn_unenforced(executor::Executor& executor, const LimitFlags& flags,
                     const executor::Limits& limits);

// Throws UsageError naming the flag when --cpuset-cpus or --cpuset-mems asks for CPUs or memory
// nodes this host does not give gantry. Called before any pull, so a value the host cannot
// honour costs no download; a host without a cpuset controller passes (warn_unenforced says so).
void check_cpuset_available(executor::Executor& executor, const LimitFlags& flags,
                            const executor::Limits& limits);

// A cpuset list ("0-3,5") as the set of its numbers; nothing when it is not one.
std::optional<std::set<unsigned>> parse_cpu_list(const std::string& text);

}  // namespace gantry::cli
