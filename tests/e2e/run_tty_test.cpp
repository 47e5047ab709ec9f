// gantry run -it in a real terminal (a tmux pane): the container gets a terminal of its own
// (/dev/pts/0), sized as gantry's and following its resizes, keys reach it raw (Ctrl-C is the
// container's), and gantry's terminal is as it was once the container is gone.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/tmux_pane.h"

namespace gantry::e2e {

namespace {

// Waits (a minute at most) until the screen matches `pattern`; returns the last screen.
// (capture-pane drops the spaces that end a line: busybox's prompt "/ # " shows as "/ #".)
std::string wait_for(TmuxPane& pane, const std::string& pattern, bool* found) {
  const std::regex wanted(pattern);
  std::string screen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    screen = pane.screen();
    if (std::regex_search(screen, wanted)) {
      *found = true;
      return screen;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *found = false;
  return screen;
}

#define EXPECT_SCREEN(pane, pattern)                                          \
  do {                                                                        \
    bool found = false;                                                       \
    const std::string screen = wait_for(pane, pattern, &found);               \
    EXPECT_TRUE(found) << "never saw /" << (pattern) << "/ on:\n" << screen;  \
  } while (false)

}  // namespace

TEST(RunTty, TheContainerHasItsOwnTerminalThatFollowsGantrysSize) {
  GantryEnv env;
  env.import_busybox();
  TmuxPane pane(env.scratch() / "tmux.sock", 120, 40);
  const std::string saved = (env.scratch() / "stty-before").string();
  pane.type_line("stty -g > " + saved + "; GANTRY_ROOT=" + env.root().string() + " " + gantry_binary() +
                 " run -it busybox sh; echo gantry-exit=$?");
  EXPECT_SCREEN(pane, R"(\n/ #\s*$)");

  pane.type_line("tty; stty size");
  EXPECT_SCREEN(pane, R"(\n/dev/pts/0\s*\n40 120\s*\n)");

  ASSERT_EQ(pane.resize(100, 30).exit_code, 0);
  pane.type_line("stty size");
  EXPECT_SCREEN(pane, R"(\n30 100\s*\n)");

  // Ctrl-C is a key for the container's terminal: it interrupts the sleep, and the shell in
  // the container (and gantry) go on.
  pane.type_line("echo sleep-started; sleep 60");
  EXPECT_SCREEN(pane, R"(\nsleep-started\s*\n)");
  pane.key("C-c");
  EXPECT_SCREEN(pane, R"(\n\^C\s*\n/ #\s*$)");
  pane.type_line("echo still-here");
  EXPECT_SCREEN(pane, R"(\nstill-here\s*\n)");

  pane.type_line("exit 4");
  EXPECT_SCREEN(pane, R"(\ngantry-exit=4\s*\n)");
  // gantry gave its terminal back as it found it.
  pane.type_line("stty -g | cmp -s - " + saved + " && echo terminal-restored");
  EXPECT_SCREEN(pane, R"(\nterminal-restored\s*\n)");
}

TEST(RunTty, WithAnInitTheCommandIsTheTerminalsForegroundAlone) {
  GantryEnv env;
  env.import_busybox();
  TmuxPane pane(env.scratch() / "tmux.sock", 120, 40);
  // Fields 5 and 8 of /proc/self/stat: the shell's process group and the terminal's foreground
  // group. Both are the shell's own, not the init's: ^C reaches the command, and not the init,
  // which would forward it a second time.
  pane.type_line("GANTRY_ROOT=" + env.root().string() + " " + gantry_binary() +
                 " run -it --init busybox sh -c 'read -r a b c d pgrp e f fg rest < /proc/self/stat;"
                 " echo \"pid=$$ pgrp=$pgrp fg=$fg\"; sleep 60'; echo gantry-exit=$?");
  EXPECT_SCREEN(pane, R"(\npid=(\d+) pgrp=\1 fg=\1\s*\n)");
  pane.key("C-c");
  EXPECT_SCREEN(pane, R"(gantry-exit=130\s*\n)");  // after the echoed ^C
}

}  // namespace gantry::e2e
