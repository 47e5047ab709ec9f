// Outbound access for a network namespace through slirp4netns, a user-mode TCP/IP stack: it
// adds a tap device (10.0.2.100/24, gateway 10.0.2.2, DNS forwarder 10.0.2.3) to the namespace
// and turns the namespace's connections into ordinary sockets of its own on the host. Nothing
// on the host changes: no bridge, no ip_forward, no firewall rule, and it needs no root.
//
// The namespace's processes cannot reach the host's loopback services: slirp4netns runs with
// --disable-host-loopback (10.0.2.2 does not lead to 127.0.0.1) and inside a LoopbackGuard,
// which refuses its sockets any loopback destination, one that a RUN with CAP_NET_RAW could
// otherwise ask for in a frame it writes to the tap device itself. It also runs with its own
// --enable-sandbox (mount namespace, capabilities dropped) and --enable-seccomp: it parses
// packets written by untrusted code.
//
// Life: the constructor starts slirp4netns and returns once the tap device is configured; the
// destructor closes slirp4netns's exit pipe and reaps it. If gantry dies, the pipe closes with
// it and slirp4netns exits too: it never outlives gantry.
#pragma once

#include <sys/types.h>

#include "base/unique_fd.h"

namespace gantry::executor {

class LoopbackGuard;

class SlirpNetwork {
 public:
  // Throws gantry::Error naming slirp4netns and its last message when it cannot start.
  // The guard takes slirp4netns in before any process can use the namespace.
  SlirpNetwork(int namespace_fd, const LoopbackGuard& guard);
  SlirpNetwork(const SlirpNetwork&) = delete;
  SlirpNetwork& operator=(const SlirpNetwork&) = delete;
  ~SlirpNetwork();

  pid_t pid() const { return pid_; }
  // False once slirp4netns has exited (it is then reaped).
  bool running();

 private:
  pid_t pid_ = -1;
  UniqueFd exit_pipe_;  // write end: closing it tells slirp4netns to exit
};

}  // namespace gantry::executor
