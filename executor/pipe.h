// A pipe whose two ends are owned fds, both close-on-exec.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::executor {

struct Pipe {
  UniqueFd read, write;
};

inline Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

}  // namespace gantry::executor
