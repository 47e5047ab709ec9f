#include "executor/resolv_conf.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

namespace gantry::executor {
namespace {

std::uint32_t address(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a.s_addr;
}

TEST(PrivateNetworkResolvConf, ReachableResolversAreKeptAsTheyAre) {
  const std::string host = "search corp.example\nnameserver 192.0.2.53\noptions ndots:2\n";
  EXPECT_EQ(private_network_resolv_conf(host), host);
}

// systemd-resolved's stub: the forwarder asks it from the host's side.
TEST(PrivateNetworkResolvConf, LoopbackResolverIsReplacedByTheForwarder) {
  EXPECT_EQ(
      private_network_resolv_conf("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n"),
      "nameserver 10.0.2.3\noptions edns0 trust-ad\nsearch .\n");
}

TEST(PrivateNetworkResolvConf, ForwarderComesBeforeTheReachableOnes) {
  EXPECT_EQ(private_network_resolv_conf("nameserver 127.0.1.1\nnameserver 198.51.100.1\n"
                                        "nameserver ::1\nnameserver 2001:db8::53\n"
                                        "nameserver 0.0.0.0\n"),
            "nameserver 10.0.2.3\nnameserver 198.51.100.1\n");
}

TEST(PrivateNetworkResolvConf, NoResolverAtAllGetsTheForwarder) {
  EXPECT_EQ(private_network_resolv_conf(""), "nameserver 10.0.2.3\n");
  EXPECT_EQ(private_network_resolv_conf("# nameserver 1.1.1.1\n"),
            "nameserver 10.0.2.3\n# nameserver 1.1.1.1\n");
}

TEST(PrivateNetworkResolvConf, LoopbackResolversAreListedForTheGuard) {
  EXPECT_EQ(loopback_resolvers("nameserver 127.0.0.53\nnameserver 192.0.2.1\n"
                               "  nameserver\t127.0.1.1 # local dnsmasq\nnameserver ::1\n"),
            (std::vector<std::uint32_t>{address("127.0.0.53"), address("127.0.1.1")}));
  EXPECT_TRUE(loopback_resolvers("nameserver 192.0.2.1\n").empty());
}

}  // namespace
}  // namespace gantry::executor
