// Runs a command in a real terminal: a tmux pane of its own (its own server and socket), and
// returns what the terminal showed once the command exited, and its exit status.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace gantry::e2e {

struct TerminalOutcome {
  int exit_code = -1;  // -1: it did not exit within the wait
  std::string screen;  // every line the pane showed (its scrollback too), trailing blank rows cut
};

// `work_dir` holds the tmux socket and configuration; the pane is 80x24.
TerminalOutcome run_in_terminal(const std::vector<std::string>& argv,
                                const std::filesystem::path& work_dir);

}  // namespace gantry::e2e
