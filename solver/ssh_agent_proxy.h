// The socket RUN --mount=type=ssh puts in a step's container: a socket of its own, owned and
// moded as the mount says (uid, gid, mode; BuildKit's 0:0 and 0600 by default), whose
// connections are relayed to the build's agent, read-only. The agent's own socket is never
// bound into a container: its mode and owner are the user's, and a step must not change them.
//
// Read-only as BuildKit forwards an agent: a step may list the agent's keys and have it sign,
// and every other request (add, remove or lock keys, extensions) is answered with a failure
// without reaching the agent.
//
//   SshAgentProxy proxy(scratch, agent_socket, {.uid = 1000, .gid = 1000, .mode = 0600});
//   bind proxy.socket() into the container; run the step
//   // the destructor stops relaying, closes every connection and removes the socket
//
// One thread per proxy relays every connection while the proxy lives, up to 64 at once (one
// more is closed as soon as it is accepted), each with one request at a time at the agent, so
// that the answers come back in the order of the requests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <thread>

#include "base/file_util.h"
#include "base/unique_fd.h"

namespace gantry::solver {

struct SocketOwner {
  uid_t uid = 0;
  gid_t gid = 0;
  std::uint32_t mode = 0600;
};

class SshAgentProxy {
 public:
  // Makes the socket in a new directory under `scratch`. Throws Error naming the socket when
  // it cannot be made, and the agent's socket when it cannot be reached.
  SshAgentProxy(const std::filesystem::path& scratch, const std::filesystem::path& agent_socket,
                SocketOwner owner);
  ~SshAgentProxy();
  SshAgentProxy(const SshAgentProxy&) = delete;
  SshAgentProxy& operator=(const SshAgentProxy&) = delete;

  const std::filesystem::path& socket() const { return socket_; }

 private:
  void relay() const;

  std::filesystem::path agent_socket_;
  TempDir dir_;
  std::filesystem::path socket_;
  UniqueFd listener_;
  UniqueFd stop_read_, stop_write_;  // closing stop_write_ ends relay()
  std::thread relay_thread_;
};

}  // namespace gantry::solver
