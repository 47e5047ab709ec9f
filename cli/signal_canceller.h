// Ctrl-C (SIGINT) and SIGTERM for the whole process, so that a build always stops cleanly:
// running steps are killed, mounts released and the error reported, instead of the process
// dying mid-write.
//
// main() makes one SignalReceiver before any thread exists: it blocks both signals (and
// SIGWINCH, for cli/terminal_relay.h), so every thread made later (tty progress, TBB workers,
// pulls) inherits them blocked and none can be interrupted, and takes them on one thread of its own. While a SignalCanceller lives, a signal
// calls its `on_signal` (e.g. BuildJob::cancel) on that thread; with none, the process ends as
// the signal would have ended it.
//
//   SignalReceiver signals;                         // main, first
//   SignalCanceller on_ctrl_c(signals, [&job] { job.cancel(); });
//   job.solve(...);                                 // Ctrl-C: solve() throws Cancelled
#pragma once

#include <signal.h>

#include <functional>
#include <mutex>
#include <thread>

#include "base/unique_fd.h"

namespace gantry::cli {

class SignalReceiver {
 public:
  SignalReceiver();
  ~SignalReceiver();  // joins its thread and unblocks the signals again
  SignalReceiver(const SignalReceiver&) = delete;
  SignalReceiver& operator=(const SignalReceiver&) = delete;

 private:
  friend class SignalCanceller;
  void receive();  // the receiving thread
  // Installs `handler` (empty: none) and returns the one it replaces; no call of the old one
  // is in progress once it returns.
  std::function<void()> exchange_handler(std::function<void()> handler);

  sigset_t previous_mask_;
  UniqueFd signals_;  // signalfd for SIGINT and SIGTERM
  UniqueFd stop_;     // eventfd that ends the receiving thread
  std::mutex mutex_;  // guards handler_, and is held while it runs
  std::function<void()> handler_;
  std::thread receiver_;
};

// Routes the signals to `on_signal` for as long as it lives (then to what was there before).
class SignalCanceller {
 public:
  SignalCanceller(SignalReceiver& signals, std::function<void()> on_signal);
  ~SignalCanceller();
  SignalCanceller(const SignalCanceller&) = delete;
  SignalCanceller& operator=(const SignalCanceller&) = delete;

 private:
  SignalReceiver& signals_;
  std::function<void()> previous_;
};

}  // namespace gantry::cli
