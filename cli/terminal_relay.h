// gantry run -t's side of the container's terminal, as docker's client does it: the master of
// the container's pseudo-terminal is relayed to gantry's stdout, and (with -i) gantry's stdin to
// it, with gantry's own terminal in raw mode meanwhile, so keys such as Ctrl-C reach the
// container's terminal as bytes and its line discipline acts on them. Size changes of gantry's
// terminal (SIGWINCH) are passed on, which signals the container's foreground processes.
//
//   std::optional<TerminalRelay> relay;
//   spec.stdio.terminal = [&](UniqueFd master) { relay.emplace(std::move(master), interactive); };
//   executor.run(spec, ...);   // the relay runs on a thread of its own meanwhile
//   relay->wait();             // the rest of the output, then the terminal as it was
#pragma once

#include <termios.h>

#include <optional>
#include <thread>

#include "base/unique_fd.h"

namespace gantry::cli {

class TerminalRelay {
 public:
  // SIGWINCH must be blocked in every thread (main's SignalReceiver does it), so that the
  // relay's signalfd gets it.
  TerminalRelay(UniqueFd master, bool input);
  ~TerminalRelay();  // wait()s
  TerminalRelay(const TerminalRelay&) = delete;
  TerminalRelay& operator=(const TerminalRelay&) = delete;

  // Until the container's side is closed: every process that held it is gone.
  void wait();

 private:
  void relay();  // the thread
  void copy_size();

  UniqueFd master_, winch_;
  bool input_;
  int size_source_ = -1;              // the terminal whose size the container's follows
  std::optional<termios> restore_;    // stdin's terminal settings before raw mode
  std::thread thread_;
};

}  // namespace gantry::cli
