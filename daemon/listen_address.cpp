#include "daemon/listen_address.h"

#include <charconv>
#include <string_view>

#include "base/error.h"

namespace gantry::daemon {

namespace {

constexpr int kPlainPort = 2375;
constexpr int kTlsPort = 2376;

UsageError bad_host(const std::string& host, const std::string& why) {
  return UsageError("-H `" + host + "`: " + why);
}

int parse_port(const std::string& host, std::string_view text) {
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 1 ||
      port > 65535)
    throw bad_host(host, "invalid port `" + std::string(text) + "` (1 to 65535)");
  return port;
}

// `rest`: what follows tcp://.
TcpAddress parse_tcp(const std::string& host, std::string_view rest, bool tls) {
  if (rest.find('/') != std::string_view::npos)
    throw bad_host(host, "a TCP address has no path (tcp://HOST:PORT)");
  TcpAddress address;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) throw bad_host(host, "no `]` after the IPv6 address");
    address.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':'))
      throw bad_host(host, "expected `:PORT` after the IPv6 address");
  } else {
    const auto colon = rest.find(':');
    if (colon != rest.rfind(':'))
      throw bad_host(host, "put an IPv6 address in brackets: tcp://[ADDRESS]:PORT");
    address.host = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
  }
  if (address.host.empty()) address.host = "127.0.0.1";
  // `rest` is empty or `:PORT`.
  address.port = rest.empty() ? (tls ? kTlsPort : kPlainPort) : parse_port(host, rest.substr(1));
  return address;
}

}  // namespace

ListenAddress parse_listen_address(const std::string& host, bool tls) {
  const auto separator = host.find("://");
  if (separator == std::string::npos) return parse_tcp(host, host, tls);  // dockerd's HOST:PORT
  const std::string scheme = host.substr(0, separator);
  const std::string_view rest = std::string_view(host).substr(separator + 3);
  if (scheme == "unix") {
    if (rest.empty()) throw bad_host(host, "give the socket's path: unix:///PATH");
    return UnixAddress{std::string(rest)};
  }
  if (scheme == "tcp") return parse_tcp(host, rest, tls);
  if (scheme == "fd")
    throw bad_host(host,
                   "gantry takes no sockets from systemd (fd://); listen on unix:///PATH or "
                   "tcp://HOST:PORT");
  throw bad_host(host, "unsupported scheme `" + scheme +
                           "`: gantry listens on unix:///PATH or tcp://HOST:PORT");
}

}  // namespace gantry::daemon
