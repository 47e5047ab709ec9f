#include "executor/resolv_conf.h"

#include <arpa/inet.h>

#include <optional>

namespace gantry::executor {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// The address of a `nameserver` line, or empty for any other line.
std::string_view nameserver_of(std::string_view line) {
  line = trim(line);
  constexpr std::string_view kKeyword = "nameserver";
  if (!line.starts_with(kKeyword) || line.size() == kKeyword.size() ||
      (line[kKeyword.size()] != ' ' && line[kKeyword.size()] != '\t')) {
    return {};
  }
  std::string_view address = trim(line.substr(kKeyword.size()));
  return address.substr(0, address.find_first_of(" \t#;"));
}

std::optional<in_addr> ipv4_of(std::string_view address) {
  in_addr v4{};
  if (::inet_pton(AF_INET, std::string(address).c_str(), &v4) != 1) return std::nullopt;
  return v4;
}

bool is_loopback(in_addr v4) {
  const std::uint32_t first_octet = ntohl(v4.s_addr) >> 24;
  return first_octet == 127 || first_octet == 0;
}

// Whether the private network can send to this resolver itself (it has no IPv6).
bool reachable_from_private_network(std::string_view address) {
  const std::optional<in_addr> v4 = ipv4_of(address);
  return v4 && !is_loopback(*v4);
}

// Calls on_address for the address of each nameserver line.
template <typename F>
void for_each_line(std::string_view text, F on_line) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    on_line(text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string private_network_resolv_conf(std::string_view host) {
  std::vector<std::string_view> kept;
  bool dropped = false, any_nameserver = false;
  for_each_line(host, [&](std::string_view line) {
    const std::string_view address = nameserver_of(line);
    if (!address.empty()) {
      any_nameserver = true;
      if (!reachable_from_private_network(address)) {
        dropped = true;
        return;
      }
    }
    kept.push_back(line);
  });
  std::string out;
  if (dropped || !any_nameserver) out = "nameserver " + std::string(kSlirpDns) + "\n";
  for (std::string_view line : kept) {
    out += line;
    out += '\n';
  }
  return out;
}

std::vector<std::uint32_t> loopback_resolvers(std::string_view host) {
  std::vector<std::uint32_t> resolvers;
  for_each_line(host, [&](std::string_view line) {
    const std::optional<in_addr> v4 = ipv4_of(nameserver_of(line));
    if (v4 && is_loopback(*v4)) resolvers.push_back(v4->s_addr);
  });
  return resolvers;
}

}  // namespace gantry::executor
