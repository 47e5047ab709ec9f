// Loopback ports for the servers end-to-end tests start (http.server, git daemon, ...).
#pragma once

namespace gantry::e2e {

// A loopback port nothing listens on (the kernel's pick; free again once closed).
int free_loopback_port();

// Whether something accepts connections on 127.0.0.1:`port`.
bool loopback_port_open(int port);

// Waits up to 10 s for 127.0.0.1:`port` to accept connections: a server just spawned.
bool wait_for_loopback_port(int port);

}  // namespace gantry::e2e
