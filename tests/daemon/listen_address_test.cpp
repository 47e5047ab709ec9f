#include "daemon/listen_address.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::daemon {
namespace {

TcpAddress tcp(const std::string& host, bool tls = false) {
  return std::get<TcpAddress>(parse_listen_address(host, tls));
}

std::string refusal(const std::string& host) {
  try {
    parse_listen_address(host, false);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ListenAddress, UnixTakesThePathAfterTheScheme) {
  EXPECT_EQ(std::get<UnixAddress>(parse_listen_address("unix:///run/g.sock", false)).path,
            "/run/g.sock");
}

TEST(ListenAddress, TcpHostAndPort) {
  const TcpAddress a = tcp("tcp://10.1.2.3:4000");
  EXPECT_EQ(a.host, "10.1.2.3");
  EXPECT_EQ(a.port, 4000);
  EXPECT_EQ(tcp("tcp://[::1]:4001").host, "::1");
  EXPECT_EQ(tcp("tcp://[::1]:4001").port, 4001);
  EXPECT_EQ(tcp("builder.example:4002").host, "builder.example");  // no scheme: TCP, as dockerd
}

TEST(ListenAddress, APortlessAddressGetsTheDockerPortOfItsTransport) {
  EXPECT_EQ(tcp("tcp://0.0.0.0").port, 2375);
  EXPECT_EQ(tcp("tcp://0.0.0.0", true).port, 2376);
  EXPECT_EQ(tcp("tcp://[::]", true).port, 2376);
}

TEST(ListenAddress, AHostlessAddressListensOnLoopback) {
  EXPECT_EQ(tcp("tcp://:2380").host, "127.0.0.1");
  EXPECT_EQ(tcp("tcp://:2380").port, 2380);
  EXPECT_EQ(tcp("tcp://", true).host, "127.0.0.1");
}

TEST(ListenAddress, WhatGantryDoesNotListenOnIsRefusedNamingIt) {
  EXPECT_EQ(refusal("fd://"),
            "-H `fd://`: gantry takes no sockets from systemd (fd://); listen on unix:///PATH or "
            "tcp://HOST:PORT");
  EXPECT_EQ(refusal("npipe:////./pipe/x"),
            "-H `npipe:////./pipe/x`: unsupported scheme `npipe`: gantry listens on "
            "unix:///PATH or tcp://HOST:PORT");
  EXPECT_EQ(refusal("unix://"), "-H `unix://`: give the socket's path: unix:///PATH");
}

TEST(ListenAddress, MalformedTcpAddressesAreRefusedNamingThem) {
  EXPECT_EQ(refusal("tcp://h:0"), "-H `tcp://h:0`: invalid port `0` (1 to 65535)");
  EXPECT_EQ(refusal("tcp://h:65536"), "-H `tcp://h:65536`: invalid port `65536` (1 to 65535)");
  EXPECT_EQ(refusal("tcp://h:x1"), "-H `tcp://h:x1`: invalid port `x1` (1 to 65535)");
  EXPECT_EQ(refusal("tcp://h:"), "-H `tcp://h:`: invalid port `` (1 to 65535)");
  EXPECT_EQ(refusal("tcp://h:1/api"),
            "-H `tcp://h:1/api`: a TCP address has no path (tcp://HOST:PORT)");
  EXPECT_EQ(refusal("tcp://::1:2375"),
            "-H `tcp://::1:2375`: put an IPv6 address in brackets: tcp://[ADDRESS]:PORT");
  EXPECT_EQ(refusal("tcp://[::1"), "-H `tcp://[::1`: no `]` after the IPv6 address");
  EXPECT_EQ(refusal("tcp://[::1]2375"),
            "-H `tcp://[::1]2375`: expected `:PORT` after the IPv6 address");
}

}  // namespace
}  // namespace gantry::daemon
