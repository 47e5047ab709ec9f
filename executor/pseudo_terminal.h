// A pseudo-terminal for a container (docker run -t): made by gantry before the clone on the
// container's own devpts instance, so that inside it the slave is /dev/pts/0 and `tty` says so.
// The container makes the slave its stdio and controlling terminal; the caller relays the
// master's traffic.
#pragma once

#include "base/unique_fd.h"

namespace gantry::executor {

struct PseudoTerminal {
  UniqueFd master, slave;  // both close-on-exec
};

// A new terminal pair on the devpts mount `pts_fd` (DevTrees::pts). Throws Error naming the step.
PseudoTerminal open_pseudo_terminal(int pts_fd);

}  // namespace gantry::executor
