// A network namespace that no process lives in, held by an fd: a container joins it with
// setns(). Its `lo` is up (127.0.0.1 works) and it has no other interface until one is added.
#pragma once

#include "base/unique_fd.h"

namespace gantry::executor {

// Made by a short-lived thread of its own: unshare(CLONE_NEWNET) moves only the calling
// thread, so gantry's other threads never leave the host's namespace.
UniqueFd make_network_namespace();

}  // namespace gantry::executor
