// The limits of every RUN step, as docker's flags give them: -m/--memory (docker build's and
// docker run's) and --pids-limit (docker run's; gantry build takes it too).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "executor/executor.h"

namespace gantry::cli {

struct LimitFlags {
  std::string memory;                     // "" = no memory limit
  std::optional<std::int64_t> pids_limit;  // none = the default; -1 = no limit
};

void add_limit_flags(CLI::App& command, LimitFlags& flags);

// Throws UsageError naming the flag and its value when it is not a limit.
executor::Limits parse_limits(const LimitFlags& flags);

// Says once, on stderr, which of the limits the user asked for this host cannot enforce (its
// cgroups lack the controller): the steps then run without them.
void warn_unenforced(executor::Executor& executor, const LimitFlags& flags,
                     const executor::Limits& limits);

}  // namespace gantry::cli
