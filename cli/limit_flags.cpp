#include "cli/limit_flags.h"

#include <algorithm>
#include <charconv>
#include <iostream>

#include "base/error.h"
#include "base/quantities.h"
#include "executor/cgroup_hierarchy.h"

namespace gantry::cli {
namespace {

// Docker's floor: below it not even a shell starts.
constexpr std::int64_t kMinimumMemory = 6 << 20;
// The kernel's range of cpu.shares, to which docker clamps --cpu-shares.
constexpr std::int64_t kMinimumShares = 2, kMaximumShares = 262144;

std::optional<unsigned> number(std::string_view text) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string cpuset(const std::string& flag, const std::string& value) {
  if (!parse_cpu_list(value)) {
    throw UsageError(flag + " `" + value + "`: not a list of numbers and ranges (0-3, 0,1)");
  }
  return value;
}

// The requested numbers that the host's list lacks, or "" when it has them all.
std::string missing(const std::string& requested, const std::string& available) {
  const auto want = parse_cpu_list(requested);
  const auto have = parse_cpu_list(available);
  if (!want || !have) return "";
  std::string out;
  for (unsigned n : *want) {
    if (!have->contains(n)) out += (out.empty() ? "" : ",") + std::to_string(n);
  }
  return out;
}

const char* controller_of(const std::string& limit) {
  if (limit.starts_with("memory")) return "memory";
  if (limit.starts_with("cpuset")) return "cpuset";
  if (limit.starts_with("cpu")) return "cpu";
  return "pids";
}

}  // namespace

std::optional<std::set<unsigned>> parse_cpu_list(const std::string& text) {
  std::set<unsigned> out;
  if (text.empty()) return std::nullopt;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string_view item = std::string_view(text).substr(start, comma - start);
    const std::size_t dash = item.find('-');
    const auto first = number(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : number(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last >= 8192) return std::nullopt;
    for (unsigned n = *first; n <= *last; ++n) out.insert(n);
    start = comma + 1;
  }
  return out;
}

void add_limit_flags(CLI::App& command, LimitFlags& flags) {
  command.add_option("-m,--memory", flags.memory, "Memory limit of each RUN step or container (e.g. 512m, 2g)");
  command.add_option("--memory-swap", flags.memory_swap,
                     "Memory plus swap limit, with --memory (-1: unlimited swap; default: twice --memory)");
  command.add_option("--pids-limit", flags.pids_limit,
                     "Most processes and threads each RUN step or container may have (default " +
                         std::to_string(executor::kDefaultPidsLimit) + "; -1: no limit)");
  command.add_option("-c,--cpu-shares", flags.cpu_shares, "CPU shares (relative weight, 2 to 262144; 1024 by default)");
  command.add_option("--cpu-period", flags.cpu_period, "CPU CFS period in microseconds (1000 to 1000000)");
  command.add_option("--cpu-quota", flags.cpu_quota,
                     "CPU CFS quota: microseconds of CPU time per period (at least 1000; -1: none)");
  command.add_option("--cpuset-cpus", flags.cpuset_cpus, "CPUs in which to allow execution (0-3, 0,1)");
  command.add_option("--cpuset-mems", flags.cpuset_mems, "Memory nodes in which to allow execution (0-3, 0,1)");
  command.add_option("--cgroup-parent", flags.cgroup_parent,
                     "Parent cgroup of each RUN step's or the container's cgroups (absolute: from the "
                     "cgroup root; relative: below gantry's own)");
}

executor::Limits parse_limits(const LimitFlags& flags) {
  executor::Limits limits;
  if (!flags.memory.empty()) {
    limits.memory_bytes = parse_memory_size(flags.memory);
    if (*limits.memory_bytes < kMinimumMemory) {
      throw UsageError("--memory `" + flags.memory + "`: the minimum is 6 MiB");
    }
  }
  // Docker's rules: 0 is no value; -1 is unlimited swap; any other needs --memory, and no less.
  if (!flags.memory_swap.empty() && flags.memory_swap != "0") {
    const std::int64_t swap = flags.memory_swap == "-1" ? -1 : parse_memory_size(flags.memory_swap);
    if (!limits.memory_bytes) {
      throw UsageError("--memory-swap `" + flags.memory_swap + "`: needs a --memory limit as well");
    }
    if (swap != -1 && swap < *limits.memory_bytes) {
      throw UsageError("--memory-swap `" + flags.memory_swap + "`: must be at least --memory (`" +
                       flags.memory + "`), as it counts memory and swap together");
    }
    limits.memory_swap_bytes = swap;
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
  if (flags.cpu_shares && *flags.cpu_shares != 0) {
    if (*flags.cpu_shares < 0) {
      throw UsageError("--cpu-shares `" + std::to_string(*flags.cpu_shares) + "`: cannot be negative");
    }
    limits.cpu_shares = std::clamp(*flags.cpu_shares, kMinimumShares, kMaximumShares);
  }
  if (flags.cpu_period && *flags.cpu_period != 0) {
    if (*flags.cpu_period < 1000 || *flags.cpu_period > 1000000) {
      throw UsageError("--cpu-period `" + std::to_string(*flags.cpu_period) +
                       "`: must be 1000 (1 ms) to 1000000 (1 s) microseconds");
    }
    limits.cpu_period_us = *flags.cpu_period;
  }
  if (flags.cpu_quota && *flags.cpu_quota != 0) {
    if (*flags.cpu_quota != -1 && *flags.cpu_quota < 1000) {
      throw UsageError("--cpu-quota `" + std::to_string(*flags.cpu_quota) +
                       "`: at least 1000 (1 ms) microseconds, or -1 for none");
    }
    limits.cpu_quota_us = *flags.cpu_quota;
  }
  if (!flags.cpuset_cpus.empty()) limits.cpuset_cpus = cpuset("--cpuset-cpus", flags.cpuset_cpus);
  if (!flags.cpuset_mems.empty()) limits.cpuset_mems = cpuset("--cpuset-mems", flags.cpuset_mems);
  if (!flags.cgroup_parent.empty()) {
    executor::check_cgroup_parent(flags.cgroup_parent, "--cgroup-parent");
    limits.cgroup_parent = flags.cgroup_parent;
  }
  return limits;
}

void warn_unenforced(executor::Executor& executor, const LimitFlags& flags,
                     const executor::Limits& limits) {
  // Only what was asked for: a host without a pids controller runs without the default limit,
  // and a build that asks for nothing does not set up the executor before its first RUN.
  executor::Limits asked = limits;
  if (!flags.pids_limit) asked.pids.reset();
  const bool any = asked.memory_bytes || asked.pids || asked.cpu_shares || asked.cpu_period_us ||
                   asked.cpu_quota_us || !asked.cpuset_cpus.empty() || !asked.cpuset_mems.empty() ||
                   !asked.cgroup_parent.empty();
  if (!any) return;
  for (const std::string& limit : executor.unenforced_limits(asked)) {
    if (limit == "memory-swap") {
      std::cerr << "WARNING: this host's memory cgroups do not account swap: RUN steps run "
                   "without the --memory-swap limit, their swap not limited\n";
      continue;
    }
    std::cerr << "WARNING: this host's cgroups have no " << controller_of(limit)
              << " controller gantry can use: RUN steps run without the --" << limit << " limit\n";
  }
}

void check_cpuset_available(executor::Executor& executor, const LimitFlags& flags,
                            const executor::Limits& limits) {
  if (limits.cpuset_cpus.empty() && limits.cpuset_mems.empty()) return;
  const auto available = executor.available_cpuset();
  if (!available) return;  // warn_unenforced says so: no cpuset controller
  if (const std::string lacking = missing(limits.cpuset_cpus, available->cpus); !lacking.empty()) {
    throw UsageError("--cpuset-cpus `" + flags.cpuset_cpus + "`: CPUs " + lacking +
                     " are not available (this host gives gantry " + available->cpus + ")");
  }
  if (const std::string lacking = missing(limits.cpuset_mems, available->mems); !lacking.empty()) {
    throw UsageError("--cpuset-mems `" + flags.cpuset_mems + "`: memory nodes " + lacking +
                     " are not available (this host gives gantry " + available->mems + ")");
  }
}

}  // namespace gantry::cli
