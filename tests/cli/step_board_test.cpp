#include "cli/progress/step_board.h"

#include <gtest/gtest.h>

#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;

TEST(StepBoard, NumbersStepsInOrderOfFirstAppearance) {
  StepBoard board(3);
  const SteadyTime t{};
  board.apply(cached("v1", "[1/3] FROM busybox"), t);
  board.apply(started("v2", "[a 1/1] RUN sleep 1"), t);
  board.apply(started("v3", "[b 1/1] RUN sleep 1"), t);
  board.apply(done("v2", "[a 1/1] RUN sleep 1", 1.0), t);
  EXPECT_EQ(board.number_of("v1"), 1);
  EXPECT_EQ(board.number_of("v2"), 2);
  EXPECT_EQ(board.number_of("v3"), 3);
  EXPECT_EQ(board.number_of("unknown"), 0);
  auto c = board.counts();
  EXPECT_EQ(c.total, 3);
  EXPECT_EQ(c.cached, 1);
  EXPECT_EQ(c.done, 1);
  EXPECT_EQ(c.running, 1);
  EXPECT_EQ(c.failed, 0);
}

TEST(StepBoard, KeepsOnlyTheLastOutputLines) {
  StepBoard board(2);
  board.apply(started("v", "RUN seq 5"), {});
  for (std::string n : {"1", "2", "3", "4", "5"}) board.apply(log_line("v", n), {});
  ASSERT_EQ(board.steps().size(), 1u);
  EXPECT_EQ(board.steps()[0].tail, (std::deque<std::string>{"4", "5"}));
}

TEST(StepBoard, RecordsFailureWithItsError) {
  StepBoard board(2);
  board.apply(started("v", "RUN false"), {});
  board.apply(failed("v", "RUN false", "exit code 1", 0.25), {});
  const Step& s = board.steps().at(0);
  EXPECT_EQ(s.status, Step::Status::Failed);
  EXPECT_EQ(s.error, "exit code 1");
  EXPECT_DOUBLE_EQ(s.seconds, 0.25);
  EXPECT_EQ(board.counts().failed, 1);
}

}  // namespace
}  // namespace gantry::cli
