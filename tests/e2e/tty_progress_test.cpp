// The tty progress display in a real terminal: gantry runs in a tmux pane, and the test reads
// the screen with capture-pane while the build runs and after it ends.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/tmux_pane.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

// The row where the shell echoed gantry's exit status, or -1 while it runs. (The typed command
// line holds "gantry-exit=$?" too, not a number.)
int exit_row(const std::vector<std::string>& lines) {
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (std::regex_match(lines[i], std::regex(R"(gantry-exit=[0-9]+\s*)"))) return static_cast<int>(i);
  return -1;
}

// A step line of the live block: " => [left 2/2] RUN ... echo left      0.4s" (no DONE).
bool running(const std::string& line, const std::string& stage_word) {
  static const std::regex timer(R"( [0-9]+\.[0-9]s\s*$)");
  return line.find("echo " + stage_word) != std::string::npos && line.find("DONE") == std::string::npos &&
         std::regex_search(line, timer);
}

}  // namespace

TEST(TtyProgress, ParallelStagesRunTogetherOnScreenAndTheSummaryEndsTheOutput) {
  GantryEnv env;
  env.import_busybox();
  TmuxPane pane(env.scratch() / "tmux.sock");
  pane.type_line("GANTRY_ROOT=" + env.root().string() + " " + gantry_binary() +
                 " build --progress=auto -t par:1 " + testdata("parallel-stages").string() +
                 "; echo gantry-exit=$?");

  bool both_running = false;
  std::string last;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    last = pane.screen();
    if (exit_row(lines_of(last)) >= 0) break;
    bool left = false, right = false;
    for (const auto& l : lines_of(last)) {
      left |= running(l, "left");
      right |= running(l, "right");
    }
    both_running |= left && right;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(both_running) << "never saw both stages running at once; last screen:\n" << last;

  auto lines = lines_of(last);
  const int row = exit_row(lines);
  ASSERT_GE(row, 1) << last;
  EXPECT_EQ(lines[row].substr(0, 13), "gantry-exit=0") << last;
  const std::string summary = lines[row - 1];
  EXPECT_TRUE(std::regex_match(summary, std::regex(R"(Built in [0-9]+\.[0-9]s: [0-9]+ steps, [0-9]+ cached\s*)")))
      << "last line before the prompt: `" << summary << "`\n" << last;
  // Both stages finished and left their DONE lines; the live block is gone.
  EXPECT_NE(last.find("echo left"), std::string::npos);
  EXPECT_NE(last.find("echo right"), std::string::npos);
  EXPECT_EQ(last.find("[+] Building"), std::string::npos) << last;
  EXPECT_NE(last.find("naming to par:1 done"), std::string::npos) << last;
}

}  // namespace gantry::e2e
