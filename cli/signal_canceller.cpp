#include "cli/signal_canceller.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/error.h"

namespace gantry::cli {

SignalCanceller::SignalCanceller(std::function<void()> on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::pthread_sigmask(SIG_BLOCK, &set, &previous_mask_) != 0) throw_errno("block SIGINT/SIGTERM");
  signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
  stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!signals_ || !stop_) throw_errno("create signalfd");
  waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
    pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) continue;
      if (fds[1].revents) return;
      signalfd_siginfo info;
      if (::read(signals_.get(), &info, sizeof info) == sizeof info) on_signal();
    }
  });
}

SignalCanceller::~SignalCanceller() {
  std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  waiter_.join();
  ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

}  // namespace gantry::cli
