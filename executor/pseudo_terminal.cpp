#include "executor/pseudo_terminal.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include "base/error.h"

namespace gantry::executor {

PseudoTerminal open_pseudo_terminal(int pts_fd) {
  PseudoTerminal terminal;
  terminal.master.reset(::openat(pts_fd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!terminal.master) throw_errno("open the container's /dev/pts/ptmx");
  int unlock = 0;
  if (::ioctl(terminal.master.get(), TIOCSPTLCK, &unlock) != 0) throw_errno("unlock the container's terminal");
  // Opened through the master rather than by name: the slave's path is the container's, and
  // means nothing in gantry's mount namespace.
  terminal.slave.reset(::ioctl(terminal.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!terminal.slave) throw_errno("open the container's terminal");
  return terminal;
}

}  // namespace gantry::executor
