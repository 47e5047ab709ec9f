// A RUN's network: the private default reaches out but not the host's loopback services, not
// even with frames it forges itself; --network=none has only `lo`; the build's own
// --network=host is the host's; DNS works when the host's resolver is on loopback.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "base/file_util.h"
#include "base/unique_fd.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// A TCP server on `address` (an ephemeral port) that counts the connections it accepts and
// answers each with "pong".
class CountingServer {
 public:
  explicit CountingServer(const std::string& address) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in at{};
    at.sin_family = AF_INET;
    ::inet_pton(AF_INET, address.c_str(), &at.sin_addr);
    socklen_t size = sizeof at;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&at), size) != 0 ||
        ::listen(fd_.get(), 8) != 0 ||
        ::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&at), &size) != 0) {
      throw std::runtime_error("listen on " + address);
    }
    port_ = ntohs(at.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~CountingServer() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd pfd{fd_.get(), POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      UniqueFd client(::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client) continue;
      ++connections_;
      (void)!::write(client.get(), "pong\n", 5);
    }
  }

  UniqueFd fd_;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// An IPv4 address of this host that is not loopback, or "" when it has none.
std::string non_loopback_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* a = list; a && found.empty(); a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK) ||
        !(a->ifa_flags & IFF_UP)) {
      continue;
    }
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr, text, sizeof text);
    found = text;
  }
  ::freeifaddrs(list);
  return found;
}

class HostileNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override { env_.import_busybox(); }

  fs::path context(const std::string& dockerfile) {
    const fs::path ctx = env_.scratch() / "ctx";
    fs::create_directories(ctx);
    write_file_atomic(ctx / "Dockerfile", dockerfile);
    return ctx;
  }

  // Builds with plain progress and no cache, expecting success; returns the progress text.
  std::string build(const fs::path& ctx, std::vector<std::string> flags = {}) {
    std::vector<std::string> args{"build", "--progress=plain", "--no-cache"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(ctx.string());
    const Outcome o = env_.gantry(args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.err;
  }

  GantryEnv env_;
};

// "nc ADDR PORT" and whether it got the server's answer, for the build's log. The words are
// split in the command ('REA''CHED') so that only the command's output holds them whole.
std::string probe(const std::string& address, int port) {
  const std::string target = address + " " + std::to_string(port);
  return "(nc -w 3 " + target + " </dev/null | grep -q pong && echo 'REA''CHED " + target +
         "' || echo 'refu''sed " + target + "')";
}

}  // namespace

// The attack: a registry or database the host keeps on 127.0.0.1 answered a RUN.
TEST_F(HostileNetworkTest, RunCannotReachTheHostsLoopback) {
  CountingServer server("127.0.0.1");
  const std::string port = std::to_string(server.port());
  const std::string log = build(
      context("FROM busybox:latest\nRUN " + probe("127.0.0.1", server.port()) + "; " +
              probe("10.0.2.2", server.port()) + "; " + probe("localhost", server.port()) + "\n"));
  EXPECT_EQ(log.find("REACHED"), std::string::npos) << log;
  EXPECT_NE(log.find("refused 127.0.0.1 " + port), std::string::npos) << log;
  EXPECT_EQ(server.connections(), 0);
}

// The same with CAP_NET_RAW: a SYN for 127.0.0.1 written to the tap device by hand.
TEST_F(HostileNetworkTest, ForgedFrameToTheHostsLoopbackIsRefused) {
  CountingServer server("127.0.0.1");
  const fs::path ctx =
      context("FROM busybox:latest\nCOPY loopback_syn_frame /\nRUN /loopback_syn_frame " +
              std::to_string(server.port()) + "\n");
  fs::copy_file(GANTRY_LOOPBACK_SYN_FRAME, ctx / "loopback_syn_frame");
  const std::string log = build(ctx);
  EXPECT_NE(log.find(" sent\n"), std::string::npos) << log;  // the frame did go out
  EXPECT_EQ(server.connections(), 0) << log;
}

TEST_F(HostileNetworkTest, RunReachesTheHostsOtherAddresses) {
  const std::string address = non_loopback_address();
  if (address.empty()) GTEST_SKIP() << "this host has no non-loopback IPv4 address";
  CountingServer server(address);
  const std::string log =
      build(context("FROM busybox:latest\nRUN " + probe(address, server.port()) + "\n"));
  EXPECT_NE(log.find("REACHED " + address), std::string::npos) << log;
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HostileNetworkTest, NetworkNoneHasOnlyLoopback) {
  const std::string log = build(
      context("FROM busybox:latest\nRUN echo \"links: $(ls /sys/class/net | tr '\\n' ' ')\"\n"),
      {"--network=none"});
  EXPECT_NE(log.find("links: lo \n"), std::string::npos) << log;
}

// The build's --network=host is the user's own choice (not the Dockerfile's): the host's
// loopback is reachable then.
TEST_F(HostileNetworkTest, BuildNetworkHostReachesTheHostsLoopback) {
  CountingServer server("127.0.0.1");
  const std::string log =
      build(context("FROM busybox:latest\nRUN " + probe("127.0.0.1", server.port()) + "\n"),
            {"--network=host"});
  EXPECT_NE(log.find("REACHED 127.0.0.1"), std::string::npos) << log;
  EXPECT_EQ(server.connections(), 1);
}

// `gantry run` defaults to docker's: a private network with outbound access, not the host's.
TEST_F(HostileNetworkTest, GantryRunDefaultsToThePrivateNetwork) {
  build(context("FROM busybox:latest\nCMD [\"ls\", \"/sys/class/net\"]\n"), {"-t", "links:1"});
  const Outcome o = env_.gantry({"run", "--rm", "links:1"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "lo\ntap0\n");
  const Outcome none = env_.gantry({"run", "--rm", "--network", "none", "links:1"});
  EXPECT_EQ(none.out, "lo\n") << none.err;
}

// A host whose resolver listens on loopback (systemd-resolved's 127.0.0.53, dnsmasq): gantry
// runs in a mount namespace of its own where /etc/resolv.conf names a resolver this test
// serves on a loopback address; the RUN's lookup must still be answered.
TEST_F(HostileNetworkTest, DnsWorksWhenTheHostsResolverIsOnLoopback) {
  const std::string resolver = "127.0.53." + std::to_string(::getpid() % 250 + 1);
  UniqueFd dns(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in at{};
  at.sin_family = AF_INET;
  at.sin_port = htons(53);
  ::inet_pton(AF_INET, resolver.c_str(), &at.sin_addr);
  ASSERT_EQ(::bind(dns.get(), reinterpret_cast<sockaddr*>(&at), sizeof at), 0) << resolver;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  // Answers every A query with 203.0.113.7 (a documentation address) and others with no data.
  std::thread server([&] {
    while (!stop) {
      pollfd pfd{dns.get(), POLLIN, 0};
      if (::poll(&pfd, 1, 50) <= 0) continue;
      unsigned char q[512];
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const ssize_t n =
          ::recvfrom(dns.get(), q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 17) continue;
      std::size_t end = 12;
      while (end < static_cast<std::size_t>(n) && q[end]) end += q[end] + 1u;
      if (end + 5 > static_cast<std::size_t>(n)) continue;
      const bool a_query = q[end + 1] == 0 && q[end + 2] == 1;
      std::string reply(reinterpret_cast<char*>(q), end + 5);
      reply[2] = '\x81';
      reply[3] = '\x80';
      reply[7] = a_query ? 1 : 0;  // answer count
      reply[8] = reply[9] = reply[10] = reply[11] = 0;
      if (a_query) reply += std::string("\xc0\x0c\0\x01\0\x01\0\0\0\x3c\0\x04\xcb\0\x71\x07", 16);
      ::sendto(dns.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
               from_size);
      ++answered;
    }
  });
  const fs::path resolv = env_.scratch() / "resolv.conf";
  write_file_atomic(resolv, "nameserver " + resolver + "\n");
  const fs::path ctx = context(
      "FROM busybox:latest\nRUN cat /etc/resolv.conf; nslookup gantry-test.invalid | grep "
      "Address\n");
  const std::string script = "mount --bind " + resolv.string() + " /etc/resolv.conf && exec " +
                             gantry_binary() + " build --progress=plain --no-cache " + ctx.string();
  const Outcome o =
      run_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script},
                  {{"GANTRY_ROOT", env_.root().string()}});
  stop = true;
  server.join();
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("Address: 203.0.113.7"), std::string::npos) << o.err;
  EXPECT_GT(answered.load(), 0);
}

}  // namespace gantry::e2e
