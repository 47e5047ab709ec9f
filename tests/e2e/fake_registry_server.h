// A registry of a test's own that misbehaves on purpose (drips, hangs half-way through a blob),
// on a free port of 127.0.0.1. It accepts connections on a thread and serves each on a thread of
// its own: every request head read is handed to `answer` with its path, until `answer` drops the
// connection or the object goes away. TLS is refused at once (a TLS hello closes the connection),
// so the client falls back to plain HTTP on loopback, as it does for a local registry.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/unique_fd.h"

namespace gantry::e2e {

class FakeRegistryServer {
 public:
  // Writes the response to the request for `path`; false drops the connection. One that holds
  // the connection on purpose returns once stopping().
  using Answer = std::function<bool(const UniqueFd& connection, const std::string& path)>;

  // Throws std::runtime_error naming `what` when it cannot listen.
  FakeRegistryServer(const std::string& what, Answer answer);
  ~FakeRegistryServer();
  FakeRegistryServer(const FakeRegistryServer&) = delete;
  FakeRegistryServer& operator=(const FakeRegistryServer&) = delete;

  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  bool stopping() const { return stop_; }

  // All of `text`, or false when the client is gone.
  static bool send_text(const UniqueFd& connection, std::string_view text);

 private:
  void accept_loop();
  void serve(UniqueFd connection);

  Answer answer_;
  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> connections_;  // only the acceptor adds to it, joined after it
};

}  // namespace gantry::e2e
