#include "engine/extra_hosts.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "base/error.h"

namespace gantry::engine {

namespace {

bool is_ip_address(const std::string& text) {
  unsigned char address[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, text.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), address) == 1;
}

bool is_host_name(const std::string& text) {
  return !text.empty() && std::none_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isspace(c) || std::iscntrl(c) || c == '#';
  });
}

}  // namespace

std::vector<executor::HostEntry> parse_extra_hosts(const std::vector<std::string>& values,
                                                   const std::string& option) {
  std::vector<executor::HostEntry> entries;
  for (const auto& value : values) {
    // HOST=IP first, as buildx takes it: an IPv6 address has colons of its own.
    auto split = value.find('=');
    if (split == std::string::npos) split = value.find(':');
    if (split == std::string::npos) {
      throw UsageError("invalid " + option + " `" + value + "`: expected HOST:IP or HOST=IP");
    }
    executor::HostEntry entry{value.substr(0, split), value.substr(split + 1)};
    if (!is_host_name(entry.name)) {
      throw UsageError("invalid " + option + " `" + value + "`: `" + entry.name +
                       "` is not a host name");
    }
    if (entry.address != executor::kHostGateway && !is_ip_address(entry.address)) {
      throw UsageError("invalid " + option + " `" + value + "`: `" + entry.address +
                       "` is not an IP address (or host-gateway)");
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace gantry::engine
