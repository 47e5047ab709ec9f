// Turns Ctrl-C (SIGINT) and SIGTERM into a call of `on_signal` (e.g. Solver::cancel) for as
// long as the object lives, so a build stops cleanly: running steps are killed, mounts
// released and the error reported, instead of the process dying mid-write. Create it before
// any thread starts: the signals are blocked in the creating thread, and new threads inherit
// that mask.
#pragma once

#include <signal.h>

#include <functional>
#include <thread>

#include "base/unique_fd.h"

namespace gantry::cli {

class SignalCanceller {
 public:
  explicit SignalCanceller(std::function<void()> on_signal);
  ~SignalCanceller();
  SignalCanceller(const SignalCanceller&) = delete;
  SignalCanceller& operator=(const SignalCanceller&) = delete;

 private:
  sigset_t previous_mask_;
  UniqueFd signals_;  // signalfd for SIGINT and SIGTERM
  UniqueFd stop_;     // eventfd that ends the waiting thread
  std::thread waiter_;
};

}  // namespace gantry::cli
