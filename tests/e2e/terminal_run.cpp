#include "tests/e2e/terminal_run.h"

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// A tmux server of our own, killed when the object goes (also when the test fails).
class TmuxServer {
 public:
  explicit TmuxServer(const fs::path& dir)
      : socket_((dir / "tmux.sock").string()), config_(dir / "tmux.conf") {
    // The dead pane stays, so its status and screen can be read after the command exits; no
    // status line, so the pane is the whole 80x24 and never resized after the command starts.
    std::ofstream(config_)
        << "set -g remain-on-exit on\nset -g status off\nset -g history-limit 2000\n";
  }
  ~TmuxServer() { tmux({"kill-server"}); }
  TmuxServer(const TmuxServer&) = delete;
  TmuxServer& operator=(const TmuxServer&) = delete;

  Outcome tmux(std::vector<std::string> args) const {
    args.insert(args.begin(), {"tmux", "-S", socket_, "-f", config_.string()});
    return run_command(args);
  }

 private:
  std::string socket_;
  fs::path config_;
};

// The pane's lines without tmux's own "Pane is dead (status N, DATE)" and the blank rows below
// the output.
std::string output_lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    l.erase(l.find_last_not_of(' ') + 1);
    if (!l.starts_with("Pane is dead (")) lines.push_back(l);
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// The State line of /proc/PID/status of the pane's process, PID the last word of `panes`.
std::string process_state(const std::string& panes) {
  const std::string pid = panes.substr(panes.find_last_of(' ') + 1,
                                       panes.find_last_not_of('\n') - panes.find_last_of(' '));
  std::ifstream status("/proc/" + pid + "/status");
  for (std::string l; std::getline(status, l);)
    if (l.starts_with("State:")) return "pid " + pid + " " + l;
  return "pid " + pid + " gone";
}

}  // namespace

TerminalOutcome run_in_terminal(const std::vector<std::string>& argv, const fs::path& work_dir) {
  TmuxServer server(work_dir);
  // A shell in the pane runs the command and writes its status to a file: tmux itself sometimes
  // leaves its pane's exited process unreaped (a zombie with no status) for minutes, so its
  // #{pane_dead_status} cannot be waited for. `$?` is 128+N for a command killed by signal N.
  const fs::path status_file = work_dir / "exit-status";
  fs::remove(status_file);
  std::vector<std::string> args = {
      "new-session", "-d", "-x", "80", "-y",
      "24",          "--", "sh", "-c", "\"$@\"; echo $? > " + status_file.string(),
      "sh"};
  args.insert(args.end(), argv.begin(), argv.end());
  if (auto o = server.tmux(args); o.exit_code != 0)
    throw std::runtime_error("tmux new-session: " + o.err);

  TerminalOutcome result;
  // A bound on the wait, not a timing assertion: a command that hangs fails the test instead of
  // hanging it, and the screen says what was still running. The pane is dead once tmux has read
  // the closed pty to its end, so the capture below holds all the command printed.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::string last_state;
  while (std::chrono::steady_clock::now() < give_up) {
    auto o = server.tmux({"list-panes", "-F", "#{pane_dead} #{pane_pid}"});
    last_state = o.out + o.err;
    if (o.out.starts_with("1 ") && fs::exists(status_file)) {
      result.exit_code = std::stoi(read_file(status_file));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // -S - : from the start of the scrollback, for a line pushed off the top is still output.
  result.screen = output_lines(server.tmux({"capture-pane", "-p", "-S", "-"}).out);
  if (result.exit_code == -1)
    result.screen += "(still running after the wait; tmux: " + last_state +
                     ", the pane's process: " + process_state(last_state) + ")\n";
  return result;
}

}  // namespace gantry::e2e
