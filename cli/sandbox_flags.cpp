#include "cli/sandbox_flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "base/error.h"
#include "base/quantities.h"
#include "engine/extra_hosts.h"
#include "executor/resource_limits.h"

namespace gantry::cli {
namespace {

// A limit as docker writes it: a whole number (ulimit_fault checks it is -1 or above).
std::optional<std::int64_t> limit_value(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void add_sandbox_flags(CLI::App& command, SandboxFlags& flags, const std::string& whose) {
  command.add_option("--add-host", flags.add_hosts,
                     "Add a line to " + whose + " /etc/hosts: HOST:IP or HOST=IP (IP host-gateway: the host)")
      ->allow_extra_args(false);
  command.add_option("--shm-size", flags.shm_size, "Size of " + whose + " /dev/shm (e.g. 64m, 1g; default 64m)");
  command.add_option("--ulimit", flags.ulimits, "Set a ulimit of " + whose + " process: NAME=SOFT[:HARD] (e.g. nofile=1024:4096)")
      ->allow_extra_args(false);
}

std::vector<executor::HostEntry> parse_extra_hosts(const std::vector<std::string>& values) {
  return engine::parse_extra_hosts(values, "--add-host");
}

std::int64_t parse_shm_size(const std::string& value) {
  if (value.empty()) return executor::kDefaultShmBytes;
  std::int64_t bytes = 0;
  try {
    bytes = parse_memory_size(value);
  } catch (const UsageError& e) {
    throw UsageError(std::string("--shm-size: ") + e.what());
  }
  if (bytes <= 0) throw UsageError("invalid --shm-size `" + value + "`: a size above 0");
  return bytes;
}

std::vector<executor::Ulimit> parse_ulimits(const std::vector<std::string>& values) {
  std::vector<executor::Ulimit> ulimits;
  for (const auto& value : values) {
    const auto eq = value.find('=');
    if (eq == std::string::npos) throw UsageError("invalid --ulimit `" + value + "`: expected NAME=SOFT[:HARD]");
    const std::string name = value.substr(0, eq), limits = value.substr(eq + 1);
    const auto colon = limits.find(':');
    const auto soft = limit_value(limits.substr(0, colon));
    const auto hard = colon == std::string::npos ? soft : limit_value(limits.substr(colon + 1));
    const executor::Ulimit ulimit{name, soft.value_or(0), hard.value_or(0)};
    const auto fault = executor::ulimit_fault(ulimit);
    if (fault == executor::UlimitFault::UnknownName) {
      throw UsageError("invalid --ulimit `" + value + "`: `" + name + "` is not one of " +
                       executor::resource_names());
    }
    if (!soft || !hard || fault == executor::UlimitFault::BadValue) {
      throw UsageError("invalid --ulimit `" + value +
                       "`: a limit is a whole number, or -1 for unlimited");
    }
    if (fault == executor::UlimitFault::SoftAboveHard) {
      throw UsageError("invalid --ulimit `" + value + "`: the soft limit is above the hard limit");
    }
    ulimits.push_back(ulimit);
  }
  return ulimits;
}

}  // namespace gantry::cli
