// What `gantry daemon -H` listens on, read as dockerd reads its -H: unix:///PATH, or
// tcp://HOST:PORT (also tcp://HOST, tcp://:PORT, tcp://[IPv6]:PORT, and HOST:PORT without a
// scheme). A TCP address without a port gets the one registered for the Docker API: 2376 when it
// speaks TLS, else 2375; one without a host listens on 127.0.0.1 (dockerd's `localhost`, which Go
// listens on as 127.0.0.1).
#pragma once

#include <string>
#include <variant>

namespace gantry::daemon {

struct UnixAddress {
  std::string path;
};

struct TcpAddress {
  std::string host;  // a name or an IP address, IPv6 without its brackets
  int port = 0;
};

using ListenAddress = std::variant<UnixAddress, TcpAddress>;

// `tls`: whether the TCP listeners speak TLS (the default port). Throws UsageError naming `host`
// for anything else, fd:// (systemd's sockets) by name.
ListenAddress parse_listen_address(const std::string& host, bool tls);

}  // namespace gantry::daemon
