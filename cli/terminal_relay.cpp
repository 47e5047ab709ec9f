#include "cli/terminal_relay.h"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include "base/error.h"

namespace gantry::cli {
namespace {

// Writes all of data, or gives up when the other side is gone.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

TerminalRelay::TerminalRelay(UniqueFd master, bool input) : master_(std::move(master)), input_(input) {
  sigset_t winch;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  winch_.reset(::signalfd(-1, &winch, SFD_CLOEXEC));
  if (!winch_) throw_errno("create a signalfd for SIGWINCH");
  size_source_ = ::isatty(STDOUT_FILENO) ? STDOUT_FILENO : ::isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
  copy_size();  // before the command starts, which may ask at once
  if (input_ && ::isatty(STDIN_FILENO)) {
    termios settings{};
    if (::tcgetattr(STDIN_FILENO, &settings) != 0) throw_errno("read the terminal's settings");
    restore_ = settings;
    ::cfmakeraw(&settings);
    if (::tcsetattr(STDIN_FILENO, TCSADRAIN, &settings) != 0) throw_errno("put the terminal in raw mode");
  }
  thread_ = std::thread([this] { relay(); });
}

TerminalRelay::~TerminalRelay() { wait(); }

void TerminalRelay::wait() {
  if (thread_.joinable()) thread_.join();
  if (restore_) {
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &*restore_);
    restore_.reset();
  }
}

void TerminalRelay::copy_size() {
  winsize size{};
  if (size_source_ >= 0 && ::ioctl(size_source_, TIOCGWINSZ, &size) == 0) {
    ::ioctl(master_.get(), TIOCSWINSZ, &size);
  }
}

void TerminalRelay::relay() {
  std::array<pollfd, 3> fds{pollfd{master_.get(), POLLIN, 0}, pollfd{winch_.get(), POLLIN, 0},
                            pollfd{input_ ? STDIN_FILENO : -1, POLLIN, 0}};
  std::array<char, 16384> buffer;
  while (true) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      // EIO once no process holds the container's side: it is gone, and so is its output.
      const ssize_t n = ::read(master_.get(), buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      write_all(STDOUT_FILENO, buffer.data(), static_cast<std::size_t>(n));  // a closed stdout: dropped
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info;
      if (::read(winch_.get(), &info, sizeof info) == sizeof info) copy_size();
    }
    if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      // At the end of gantry's input the container's stays open, as docker's: it may still
      // be writing.
      if (n <= 0 || !write_all(master_.get(), buffer.data(), static_cast<std::size_t>(n))) fds[2].fd = -1;
    }
  }
}

}  // namespace gantry::cli
