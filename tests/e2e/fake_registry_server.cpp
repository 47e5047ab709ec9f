#include "tests/e2e/fake_registry_server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <stdexcept>

namespace gantry::e2e {

FakeRegistryServer::FakeRegistryServer(const std::string& what, Answer answer)
    : answer_(std::move(answer)), listener_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  sockaddr_in address{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {htonl(INADDR_LOOPBACK)}};
  socklen_t length = sizeof address;
  if (!listener_ || ::bind(listener_.get(), reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_.get(), 16) != 0 ||
      ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
    throw std::runtime_error(what + ": cannot listen");
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeRegistryServer::~FakeRegistryServer() {
  stop_ = true;
  ::shutdown(listener_.get(), SHUT_RDWR);
  acceptor_.join();
  for (auto& t : connections_) t.join();
}

bool FakeRegistryServer::send_text(const UniqueFd& connection, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::send(connection.get(), text.data(), text.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void FakeRegistryServer::accept_loop() {
  while (!stop_) {
    const int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    connections_.emplace_back([this, fd] { serve(UniqueFd(fd)); });
  }
}

void FakeRegistryServer::serve(UniqueFd connection) {
  std::string request;
  char buffer[4096];
  while (!stop_) {
    const ssize_t n = ::recv(connection.get(), buffer, sizeof buffer, 0);
    if (n <= 0 || buffer[0] == 0x16) return;  // closed, or a TLS hello
    request.append(buffer, static_cast<std::size_t>(n));
    for (auto end = request.find("\r\n\r\n"); end != std::string::npos; end = request.find("\r\n\r\n")) {
      const std::string line = request.substr(0, request.find("\r\n"));
      request.erase(0, end + 4);
      const std::string path = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
      if (!answer_(connection, path)) return;
    }
  }
}

}  // namespace gantry::e2e
