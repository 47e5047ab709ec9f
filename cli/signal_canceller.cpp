#include "cli/signal_canceller.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdint>

#include "base/error.h"

namespace gantry::cli {

namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// Ends the process as `sig` would have, had it not been blocked.
[[noreturn]] void die_of(int sig) {
  ::signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  ::pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  ::raise(sig);
  ::_exit(128 + sig);  // the default action of SIGINT and SIGTERM is to end the process
}

}  // namespace

SignalReceiver::SignalReceiver() {
  // SIGWINCH too, though not taken here: a terminal relay (run -t, cli/terminal_relay.h) reads
  // it from a signalfd of its own, which sees it only while no thread can take it first.
  sigset_t blocked = interrupt_signals();
  sigaddset(&blocked, SIGWINCH);
  if (::pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask_) != 0) throw_errno("block SIGINT/SIGTERM");
  const sigset_t set = interrupt_signals();
  signals_.reset(::signalfd(-1, &set, SFD_CLOEXEC));
  stop_.reset(::eventfd(0, EFD_CLOEXEC));
  if (!signals_ || !stop_) throw_errno("create signalfd");
  receiver_ = std::thread([this] { receive(); });
}

SignalReceiver::~SignalReceiver() {
  std::uint64_t one = 1;
  (void)!::write(stop_.get(), &one, sizeof one);
  receiver_.join();
  ::pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void SignalReceiver::receive() {
  pollfd fds[2] = {{signals_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
  for (;;) {
    if (::poll(fds, 2, -1) < 0) continue;
    if (fds[1].revents) return;
    signalfd_siginfo info;
    if (::read(signals_.get(), &info, sizeof info) != sizeof info) continue;
    std::lock_guard lock(mutex_);
    if (!handler_) die_of(static_cast<int>(info.ssi_signo));
    handler_();
  }
}

std::function<void()> SignalReceiver::exchange_handler(std::function<void()> handler) {
  std::lock_guard lock(mutex_);
  std::swap(handler_, handler);
  return handler;
}

SignalCanceller::SignalCanceller(SignalReceiver& signals, std::function<void()> on_signal)
    : signals_(signals), previous_(signals.exchange_handler(std::move(on_signal))) {}

SignalCanceller::~SignalCanceller() { signals_.exchange_handler(std::move(previous_)); }

}  // namespace gantry::cli
