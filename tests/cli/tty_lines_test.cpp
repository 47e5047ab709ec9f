#include "cli/progress/tty_lines.h"

#include <gtest/gtest.h>

#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;
using std::chrono::milliseconds;

TEST(FitToColumns, ReplacesControlCharactersAndCutsAtCharacterBoundaries) {
  EXPECT_EQ(fit_to_columns("a\tb\rc\x1b[2J", 80), "a b c [2J");
  EXPECT_EQ(fit_to_columns("héllo wörld", 5), "héllo");
  EXPECT_EQ(fit_to_columns("short", 80), "short");
}

TEST(StepLine, RunningStepShowsItsTimerAtTheRightEdge) {
  StepBoard board(3);
  const SteadyTime t0{};
  board.apply(started("v", "[a 1/1] RUN sleep 1"), t0);
  std::string line = step_line(board.steps()[0], t0 + milliseconds(1234), 60);
  EXPECT_EQ(line.size(), 60u);
  EXPECT_TRUE(line.starts_with(" => [a 1/1] RUN sleep 1 ")) << line;
  EXPECT_TRUE(line.ends_with(" 1.2s")) << line;
}

TEST(StepLine, FinishedStepsCarryTheirMark) {
  StepBoard board(3);
  board.apply(cached("c", "[1/2] FROM busybox"), {});
  board.apply(started("d", "[2/2] RUN make"), {});
  board.apply(done("d", "[2/2] RUN make", 2.3), {});
  EXPECT_TRUE(step_line(board.steps()[0], {}, 60).ends_with(" CACHED"));
  EXPECT_TRUE(step_line(board.steps()[1], {}, 60).ends_with(" DONE 2.3s"));
}

TEST(StepLine, LongNamesAreCutToTheWidth) {
  StepBoard board(3);
  board.apply(started("v", "RUN " + std::string(200, 'x')), {});
  std::string line = step_line(board.steps()[0], {}, 50);
  EXPECT_EQ(line.size(), 50u);
  EXPECT_TRUE(line.ends_with(" 0.0s")) << line;
}

TEST(FinishedLines, FailureShowsOutputAndError) {
  StepBoard board(3);
  board.apply(started("v", "RUN false"), {});
  board.apply(log_line("v", "oops"), {});
  board.apply(failed("v", "RUN false", "exit code 1", 0.1), {});
  auto lines = finished_lines(board.steps()[0], 60);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_TRUE(lines[0].ends_with("ERROR 0.1s"));
  EXPECT_EQ(lines[1], " => => # oops");
  EXPECT_EQ(lines[2], " => => error: exit code 1");
}

TEST(LiveLines, HeaderThenEveryRunningStepWithItsOutput) {
  StepBoard board(3);
  const SteadyTime t0{};
  board.apply(cached("c", "[1/3] FROM busybox"), t0);
  board.apply(started("a", "[a 1/1] RUN sleep 1"), t0);
  board.apply(started("b", "[b 1/1] RUN sleep 1"), t0 + milliseconds(100));
  board.apply(log_line("b", "working"), t0);
  auto lines = live_lines(board, t0 + milliseconds(500), 0.7, 60, 20);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "[+] Building 0.7s (1/3)");
  EXPECT_TRUE(lines[1].starts_with(" => [a 1/1] RUN sleep 1") && lines[1].ends_with(" 0.5s")) << lines[1];
  EXPECT_TRUE(lines[2].starts_with(" => [b 1/1] RUN sleep 1") && lines[2].ends_with(" 0.4s")) << lines[2];
  EXPECT_EQ(lines[3], " => => # working");
}

TEST(LiveLines, DropsOutputThenStepsToFitTheHeight) {
  StepBoard board(3);
  for (int i = 0; i < 6; ++i) {
    std::string v = "v" + std::to_string(i);
    board.apply(started(v, "RUN step " + std::to_string(i)), {});
    board.apply(log_line(v, "out"), {});
  }
  auto no_logs = live_lines(board, {}, 0, 60, 8);
  EXPECT_EQ(no_logs.size(), 7u);
  for (const auto& l : no_logs) EXPECT_EQ(l.find("# out"), std::string::npos);
  auto capped = live_lines(board, {}, 0, 60, 4);
  ASSERT_EQ(capped.size(), 4u);
  EXPECT_EQ(capped[3], " => ... and 4 more running");
}

TEST(SummaryLine, CountsStepsCachedAndFailed) {
  EXPECT_EQ(summary_line({.total = 5, .cached = 3, .done = 2}, 1.24), "Built in 1.2s: 5 steps, 3 cached");
  EXPECT_EQ(summary_line({.total = 1, .done = 1}, 0.5), "Built in 0.5s: 1 step, 0 cached");
  EXPECT_EQ(summary_line({.total = 3, .cached = 1, .done = 1, .failed = 1}, 2.0),
            "Failed after 2.0s: 3 steps, 1 cached, 1 failed");
}

}  // namespace
}  // namespace gantry::cli
