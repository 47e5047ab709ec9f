// The socket a step's ssh mount gets: owned and moded as asked, relaying the requests a step
// may make to the agent and answering the others itself, so that the agent never sees them.
#include "solver/ssh_agent_proxy.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::solver {
namespace {

namespace fs = std::filesystem;

UniqueFd unix_socket_at(const fs::path& path, bool listen, int backlog = 4) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, path.c_str());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto* a = reinterpret_cast<const sockaddr*>(&address);
  if (listen ? ::bind(fd.get(), a, sizeof address) != 0 || ::listen(fd.get(), backlog) != 0
             : ::connect(fd.get(), a, sizeof address) != 0)
    throw_errno("socket `" + path.string() + "`");
  return fd;
}

std::string message(unsigned char type, const std::string& body = "") {
  const std::uint32_t length = static_cast<std::uint32_t>(body.size() + 1);
  std::string m = {char(length >> 24), char(length >> 16), char(length >> 8), char(length),
                   char(type)};
  return m + body;
}

std::string read_exactly(int fd, std::size_t size) {
  std::string out(size, '\0');
  std::size_t got = 0;
  while (got < size) {
    const ssize_t n = ::read(fd, out.data() + got, size - got);
    if (n <= 0) throw Error("short read");
    got += static_cast<std::size_t>(n);
  }
  return out;
}

// An agent that answers every message with SSH_AGENT_SUCCESS (6) and remembers its types; it
// serves one connection after the other.
class FakeAgent {
 public:
  explicit FakeAgent(const fs::path& path) : listener_(unix_socket_at(path, true)) {
    thread_ = std::thread([this] {
      for (;;) {
        UniqueFd conn(::accept(listener_.get(), nullptr, nullptr));
        if (!conn) return;  // shut down
        serve(conn.get());
      }
    });
  }
  ~FakeAgent() {
    ::shutdown(listener_.get(), SHUT_RDWR);
    thread_.join();
  }
  std::vector<int> types() {
    std::lock_guard lock(mu_);
    return types_;
  }

 private:
  void serve(int conn) {
    for (;;) {
      std::string header, body;
      try {
        header = read_exactly(conn, 4);
        const auto* b = reinterpret_cast<const unsigned char*>(header.data());
        body = read_exactly(conn, (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) |
                                      (std::size_t{b[2]} << 8) | b[3]);
      } catch (const Error&) {
        return;
      }
      {
        std::lock_guard lock(mu_);
        types_.push_back(static_cast<unsigned char>(body[0]));
      }
      const std::string ok = message(6);
      if (::write(conn, ok.data(), ok.size()) != static_cast<ssize_t>(ok.size())) return;
    }
  }

  UniqueFd listener_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<int> types_;
};

TEST(SshAgentProxy, SocketHasTheOwnerAndModeAskedForAndGoesWithTheProxy) {
  TempDir dir(fs::temp_directory_path(), "proxy-test-");
  FakeAgent agent(dir.path() / "agent");
  fs::path socket;
  {
    SshAgentProxy proxy(dir.path(), dir.path() / "agent", {.uid = 1234, .gid = 5678, .mode = 0660});
    socket = proxy.socket();
    struct stat st {};
    ASSERT_EQ(::stat(socket.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_EQ(st.st_uid, 1234u);
    EXPECT_EQ(st.st_gid, 5678u);
  }
  EXPECT_FALSE(fs::exists(socket));
}

TEST(SshAgentProxy, RelaysListingAndSigningAndAnswersTheRestItself) {
  TempDir dir(fs::temp_directory_path(), "proxy-test-");
  FakeAgent agent(dir.path() / "agent");
  SshAgentProxy proxy(dir.path(), dir.path() / "agent", {});
  UniqueFd step = unix_socket_at(proxy.socket(), false);
  const std::string success = message(6), failure = message(5);
  for (const auto& [type, answer] :
       std::vector<std::pair<unsigned char, std::string>>{{11, success},     // list the keys
                                                          {19, failure},     // remove them all
                                                          {17, failure},     // add one
                                                          {22, failure},     // lock the agent
                                                          {27, failure},     // an extension
                                                          {13, success}}) {  // sign
    const std::string request = message(type, "payload");
    ASSERT_EQ(::write(step.get(), request.data(), request.size()),
              static_cast<ssize_t>(request.size()));
    EXPECT_EQ(read_exactly(step.get(), answer.size()), answer) << "request type " << int(type);
  }
  EXPECT_EQ(agent.types(), (std::vector<int>{11, 13}))
      << "the agent saw a request a step may not make";
}

TEST(SshAgentProxy, AnswersComeBackInTheOrderOfTheRequests) {
  TempDir dir(fs::temp_directory_path(), "proxy-test-");
  FakeAgent agent(dir.path() / "agent");
  SshAgentProxy proxy(dir.path(), dir.path() / "agent", {});
  UniqueFd step = unix_socket_at(proxy.socket(), false);
  // In one write: the agent's answer to the first is due before the proxy's own to the second.
  const std::string requests = message(11) + message(19) + message(13) + message(17);
  ASSERT_EQ(::write(step.get(), requests.data(), requests.size()), static_cast<ssize_t>(requests.size()));
  const std::string success = message(6), failure = message(5);
  EXPECT_EQ(read_exactly(step.get(), 4 * success.size()), success + failure + success + failure);
}

TEST(SshAgentProxy, AStepThatOpensTooManyConnectionsHasTheExtraOneClosed) {
  TempDir dir(fs::temp_directory_path(), "proxy-test-");
  // An agent that takes connections and never answers: what is checked is what the proxy holds.
  const UniqueFd agent = unix_socket_at(dir.path() / "agent", true, 256);
  SshAgentProxy proxy(dir.path(), dir.path() / "agent", {});
  std::vector<UniqueFd> held;
  for (int i = 0; i < 64; ++i) held.push_back(unix_socket_at(proxy.socket(), false));
  const UniqueFd extra = unix_socket_at(proxy.socket(), false);
  char byte;
  EXPECT_EQ(::read(extra.get(), &byte, 1), 0) << "the 65th connection is closed";
  // Accepted before it, in order, the 64 are still open and relayed: a request no agent
  // needs is answered.
  for (const UniqueFd& step : held) {
    pollfd p{step.get(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 0) << "a held connection was closed";
  }
  const std::string request = message(19);
  ASSERT_EQ(::write(held.back().get(), request.data(), request.size()), static_cast<ssize_t>(request.size()));
  EXPECT_EQ(read_exactly(held.back().get(), 5), message(5));
}

TEST(SshAgentProxy, AnAgentThatIsNotThereIsNamed) {
  TempDir dir(fs::temp_directory_path(), "proxy-test-");
  try {
    SshAgentProxy proxy(dir.path(), dir.path() / "missing.sock", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ssh agent socket `" +
                                         (dir.path() / "missing.sock").string() + "`: connect"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace gantry::solver
