#include "cli/limit_flags.h"

#include <iostream>

#include "base/error.h"
#include "base/quantities.h"

namespace gantry::cli {
namespace {

// Docker's floor: below it not even a shell starts.
constexpr std::int64_t kMinimumMemory = 6 << 20;

}  // namespace

void add_limit_flags(CLI::App& command, LimitFlags& flags) {
  command.add_option("-m,--memory", flags.memory, "Memory limit of each RUN step or container (e.g. 512m, 2g)");
  command.add_option("--pids-limit", flags.pids_limit,
                     "Most processes and threads each RUN step or container may have (default " +
                         std::to_string(executor::kDefaultPidsLimit) + "; -1: no limit)");
}

executor::Limits parse_limits(const LimitFlags& flags) {
  executor::Limits limits;
  if (!flags.memory.empty()) {
    limits.memory_bytes = parse_memory_size(flags.memory);
    if (*limits.memory_bytes < kMinimumMemory) {
      throw UsageError("--memory `" + flags.memory + "`: the minimum is 6 MiB");
    }
  }
  if (flags.pids_limit) {
    if (*flags.pids_limit == -1) {
      limits.pids.reset();
    } else if (*flags.pids_limit <= 0) {
      throw UsageError("--pids-limit `" + std::to_string(*flags.pids_limit) +
                       "`: a number of processes above 0, or -1 for no limit");
    } else {
      limits.pids = *flags.pids_limit;
    }
  }
  return limits;
}

void warn_unenforced(executor::Executor& executor, const LimitFlags& flags,
                     const executor::Limits& limits) {
  // Only what was asked for: a host without a pids controller runs without the default limit,
  // and a build that asks for nothing does not set up the executor before its first RUN.
  if (flags.memory.empty() && !flags.pids_limit) return;
  executor::Limits asked;
  if (!flags.memory.empty()) asked.memory_bytes = limits.memory_bytes;
  asked.pids = flags.pids_limit ? limits.pids : std::nullopt;
  for (const std::string& controller : executor.unenforced_limits(asked)) {
    std::cerr << "WARNING: this host's cgroups have no " << controller
              << " controller gantry can use: RUN steps run without the "
              << (controller == "memory" ? "--memory" : "--pids-limit") << " limit\n";
  }
}

}  // namespace gantry::cli
