#include "solver/ssh_agent_proxy.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

// The requests of the agent protocol a step may make: list the keys, and sign with one.
constexpr unsigned char kRequestIdentities = 11;
constexpr unsigned char kSignRequest = 13;
// The agent's answer to anything else.
constexpr char kFailure[] = {0, 0, 0, 1, 5};
// The protocol's own bound on a message; a longer one is no agent request.
constexpr std::uint32_t kMaxMessage = 256 * 1024;
// Connections relayed at once (each holds two fds of gantry's): a step that opens more has
// the extra ones closed at once, so that it cannot use up gantry's fds.
constexpr std::size_t kMaxRelays = 64;

// The length of the message at the start of `buffer` (which holds at least 4 bytes).
std::uint32_t message_length(const std::string& buffer) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(buffer.data());
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

sockaddr_un address_of(const fs::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof address.sun_path)
    throw Error("ssh agent socket `" + path.string() + "`: path longer than a socket's " +
                std::to_string(sizeof address.sun_path - 1) + " bytes");
  std::strcpy(address.sun_path, path.c_str());
  return address;
}

UniqueFd connect_to(const fs::path& path) {
  const sockaddr_un address = address_of(path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw_errno("ssh agent socket `" + path.string() + "`: socket");
  while (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    if (errno != EINTR) throw_errno("ssh agent socket `" + path.string() + "`: connect");
  return fd;
}

// False when the peer is gone.
bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// One connection of a step, and the one to the agent it is relayed to. One request at a time
// is with the agent, so that the answers the proxy gives itself keep their place in line.
struct Relay {
  UniqueFd step, agent;
  std::string from_step;   // what the step sent that is not passed on yet
  std::string from_agent;  // what the agent sent that is not a whole answer yet
  bool awaiting = false;   // a request is with the agent: the step's next ones wait for its answer

  // Passes the whole messages in from_step on, or answers them, up to one that goes to the
  // agent; false to end the connection.
  bool pass_requests() {
    while (!awaiting && from_step.size() >= 4) {
      const std::uint32_t length = message_length(from_step);
      if (length == 0 || length > kMaxMessage) return false;
      if (from_step.size() < 4 + std::size_t{length}) return true;
      const unsigned char type = static_cast<unsigned char>(from_step[4]);
      const bool allowed = type == kRequestIdentities || type == kSignRequest;
      const bool sent = allowed ? send_all(agent.get(), from_step.data(), 4 + std::size_t{length})
                                : send_all(step.get(), kFailure, sizeof kFailure);
      if (!sent) return false;
      awaiting = allowed;
      from_step.erase(0, 4 + std::size_t{length});
    }
    return true;
  }

  // Passes the whole answers in from_agent on to the step, then the requests that waited for
  // them; false to end the connection.
  bool pass_answers() {
    while (from_agent.size() >= 4) {
      const std::uint32_t length = message_length(from_agent);
      if (length > kMaxMessage) return false;
      if (from_agent.size() < 4 + std::size_t{length}) return true;
      if (!send_all(step.get(), from_agent.data(), 4 + std::size_t{length})) return false;
      from_agent.erase(0, 4 + std::size_t{length});
      awaiting = false;
      if (!pass_requests()) return false;
    }
    return true;
  }
};

// Reads what `from` has into `into` (appended); false at its end or on an error.
bool read_some(int from, std::string& into) {
  char buffer[16384];
  ssize_t n;
  do n = ::read(from, buffer, sizeof buffer);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return false;
  into.append(buffer, static_cast<std::size_t>(n));
  return true;
}

}  // namespace

SshAgentProxy::SshAgentProxy(const fs::path& scratch, const fs::path& agent_socket,
                             SocketOwner owner)
    : agent_socket_(agent_socket), dir_(scratch, "ssh-"), socket_(dir_.path() / "agent.sock") {
  connect_to(agent_socket_);  // an agent that cannot be reached fails the step here, by name
  const sockaddr_un address = address_of(socket_);
  listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener_) throw_errno("ssh agent socket `" + socket_.string() + "`: socket");
  if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw_errno("ssh agent socket `" + socket_.string() + "`: bind");
  if (::chown(socket_.c_str(), owner.uid, owner.gid) != 0)
    throw_errno("chown `" + socket_.string() + "`");
  if (::chmod(socket_.c_str(), owner.mode & 07777) != 0)
    throw_errno("chmod `" + socket_.string() + "`");
  if (::listen(listener_.get(), 16) != 0)
    throw_errno("ssh agent socket `" + socket_.string() + "`: listen");
  int stop[2];
  if (::pipe2(stop, O_CLOEXEC) != 0)
    throw_errno("ssh agent socket `" + socket_.string() + "`: pipe");
  stop_read_ = UniqueFd(stop[0]);
  stop_write_ = UniqueFd(stop[1]);
  relay_thread_ = std::thread([this] { relay(); });
}

SshAgentProxy::~SshAgentProxy() {
  stop_write_.reset();
  relay_thread_.join();
}

void SshAgentProxy::relay() const {
  std::vector<std::unique_ptr<Relay>> relays;
  for (;;) {
    std::vector<pollfd> fds = {{stop_read_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}};
    for (const auto& r : relays) {
      fds.push_back({r->awaiting ? -1 : r->step.get(), POLLIN, 0});  // -1: not polled
      fds.push_back({r->agent.get(), POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;  // nothing to relay with: the step's connections end, and its ssh tells it
    }
    if (fds[0].revents != 0) return;
    // The relays that were polled; one accepted below has no pollfd until the next round.
    const std::size_t polled = relays.size();
    if (fds[1].revents & POLLIN) {
      UniqueFd step(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (step && relays.size() < kMaxRelays) {
        try {
          relays.push_back(
              std::make_unique<Relay>(Relay{std::move(step), connect_to(agent_socket_), {}}));
        } catch (const Error&) {
          // The agent went away: this connection ends at once, which the step's ssh reports.
        }
      }
    }
    std::vector<bool> ended(relays.size(), false);
    for (std::size_t i = 0; i < polled; ++i) {
      Relay& r = *relays[i];
      const pollfd& step = fds[2 + 2 * i];
      const pollfd& agent = fds[3 + 2 * i];
      if (step.revents != 0) ended[i] = !read_some(r.step.get(), r.from_step) || !r.pass_requests();
      if (!ended[i] && agent.revents != 0) ended[i] = !read_some(r.agent.get(), r.from_agent) || !r.pass_answers();
    }
    for (std::size_t i = relays.size(); i-- > 0;)
      if (ended[i]) relays.erase(relays.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

}  // namespace gantry::solver
