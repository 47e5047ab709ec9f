// The /etc/resolv.conf a run gets. The host network and `none` get the host's file as it is;
// the private network gets it with the resolvers it cannot reach replaced by slirp4netns's DNS
// forwarder (10.0.2.3), which asks the host's resolver from the host's side: a host whose
// resolver is on loopback (127.0.0.53 of systemd-resolved, a local dnsmasq) keeps working DNS,
// where Docker falls back to public resolvers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::executor {

inline constexpr std::string_view kSlirpDns = "10.0.2.3";

// `host` is the text of the host's resolv.conf. Loopback nameservers (127.0.0.0/8, 0.0.0.0,
// ::1) and IPv6 ones (the private network has no IPv6) are dropped; when any was dropped, or
// there was none, the forwarder comes first. Every other line (search, options) is kept.
std::string private_network_resolv_conf(std::string_view host);

// The IPv4 loopback nameservers of the host's resolv.conf (network byte order): the forwarder
// must be let through to them (LoopbackGuard).
std::vector<std::uint32_t> loopback_resolvers(std::string_view host);

}  // namespace gantry::executor
