#include "cli/sandbox_flags.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "base/error.h"
#include "base/quantities.h"
#include "executor/resource_limits.h"

namespace gantry::cli {
namespace {

bool is_ip_address(const std::string& text) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 || ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

// A limit as docker writes it: a whole number, or -1 for unlimited.
std::optional<std::int64_t> limit_value(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < -1) return std::nullopt;
  return value;
}

bool is_host_name(const std::string& text) {
  return !text.empty() && std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '#';
  });
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
  std::vector<executor::HostEntry> entries;
  for (const auto& value : values) {
    // HOST=IP first, as buildx takes it: an IPv6 address has colons of its own.
    auto split = value.find('=');
    if (split == std::string::npos) split = value.find(':');
    if (split == std::string::npos) {
      throw UsageError("invalid --add-host `" + value + "`: expected HOST:IP or HOST=IP");
    }
    executor::HostEntry entry{value.substr(0, split), value.substr(split + 1)};
    if (!is_host_name(entry.name)) {
      throw UsageError("invalid --add-host `" + value + "`: `" + entry.name + "` is not a host name");
    }
    if (entry.address != executor::kHostGateway && !is_ip_address(entry.address)) {
      throw UsageError("invalid --add-host `" + value + "`: `" + entry.address +
                       "` is not an IP address (or host-gateway)");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
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
    if (!executor::resource_of(name)) {
      throw UsageError("invalid --ulimit `" + value + "`: `" + name + "` is not one of " + executor::resource_names());
    }
    const auto colon = limits.find(':');
    const auto soft = limit_value(limits.substr(0, colon));
    const auto hard = colon == std::string::npos ? soft : limit_value(limits.substr(colon + 1));
    if (!soft || !hard) throw UsageError("invalid --ulimit `" + value + "`: a limit is a whole number, or -1 for unlimited");
    // -1 (unlimited) is above every number.
    if (*hard != -1 && (*soft == -1 || *soft > *hard)) {
      throw UsageError("invalid --ulimit `" + value + "`: the soft limit is above the hard limit");
    }
    ulimits.push_back({name, *soft, *hard});
  }
  return ulimits;
}

}  // namespace gantry::cli
