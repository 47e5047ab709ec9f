// A real terminal for end-to-end tests: a tmux server of the test's own (its own socket, killed
// with the object), one pane running sh, whose screen the test reads with capture-pane.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

class TmuxPane {
 public:
  TmuxPane(const std::filesystem::path& socket, int columns = 120, int rows = 40) : socket_(socket.string()) {
    auto o = tmux({"new-session", "-d", "-x", std::to_string(columns), "-y", std::to_string(rows), "sh"});
    if (o.exit_code != 0) throw std::runtime_error("tmux new-session: " + o.err);
  }
  ~TmuxPane() { tmux({"kill-server"}); }
  TmuxPane(const TmuxPane&) = delete;
  TmuxPane& operator=(const TmuxPane&) = delete;

  void type_line(const std::string& command) {
    tmux({"send-keys", "-l", command});
    tmux({"send-keys", "Enter"});
  }
  void key(const std::string& name) { tmux({"send-keys", name}); }  // "C-c", "Enter"
  std::string screen() { return tmux({"capture-pane", "-p"}).out; }
  // The terminal's new size, as a user dragging the window's corner gives it.
  Outcome resize(int columns, int rows) {
    return tmux({"resize-window", "-x", std::to_string(columns), "-y", std::to_string(rows)});
  }

 private:
  Outcome tmux(std::vector<std::string> args) {
    args.insert(args.begin(), {"tmux", "-S", socket_});
    return run_command(args);
  }
  std::string socket_;
};

}  // namespace gantry::e2e
