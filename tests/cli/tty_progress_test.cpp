#include "cli/progress/tty_progress.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/cli/captured_file.h"
#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;
using std::chrono::milliseconds;

// The frames of a repainting display: the text between two cursor-ups, escapes removed.
std::vector<std::string> frames(const std::string& raw) {
  std::vector<std::string> out{""};
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\x1b') {
      out.back() += raw[i];
      continue;
    }
    std::size_t end = raw.find_first_of("ABCDEFGHJKSTfhlm", i + 1);
    if (end == std::string::npos) break;
    if (raw[end] == 'A') out.emplace_back();
    i = end;
  }
  return out;
}

TEST(TtyProgress, ShowsParallelStepsRunningTogetherAndEndsWithTheSummary) {
  CapturedFile out;
  {
    TtyProgress tty(out.get(), TerminalSize{70, 20}, milliseconds(10));
    tty.event(cached("base", "[1/3] FROM busybox"));
    tty.event(started("a", "[a 1/1] RUN sleep 1"));
    tty.event(started("b", "[b 1/1] RUN sleep 1"));
    tty.event(log_line("b", "half way"));
    std::this_thread::sleep_for(milliseconds(100));
    tty.event(done("a", "[a 1/1] RUN sleep 1", 1.0));
    tty.event(done("b", "[b 1/1] RUN sleep 1", 1.1));
    tty.note("writing image sha256:" + std::string(64, 'f') + " done");
    tty.finish();
  }
  const std::string raw = out.text();
  // Both running lines and b's output are painted before either step is DONE. (A repaint
  // writes only the lines that changed, so one frame need not hold both: which frame holds
  // which line depends on when the render thread ran.)
  const std::size_t first_done = raw.find("DONE");
  ASSERT_NE(first_done, std::string::npos) << raw;
  EXPECT_LT(raw.find("[a 1/1] RUN sleep 1"), first_done) << raw;
  EXPECT_LT(raw.find("[b 1/1] RUN sleep 1"), first_done) << raw;
  EXPECT_LT(raw.find("# half way"), first_done) << raw;
  EXPECT_NE(raw.find("[a 1/1] RUN sleep 1"), std::string::npos);
  EXPECT_NE(raw.find("DONE 1.0s"), std::string::npos);
  EXPECT_NE(raw.find("DONE 1.1s"), std::string::npos);
  EXPECT_NE(raw.find(" CACHED"), std::string::npos);
  // The note is printed whole (not cut to the 70 columns), then the summary ends the output.
  EXPECT_NE(raw.find("writing image sha256:" + std::string(64, 'f') + " done"), std::string::npos);
  auto last = frames(raw).back();
  auto summary = last.rfind("Built in ");
  ASSERT_NE(summary, std::string::npos) << last;
  EXPECT_TRUE(last.substr(summary).ends_with(": 3 steps, 1 cached\n")) << last.substr(summary);
}

TEST(TtyProgress, DoesNotRepaintAnUnchangedScreen) {
  CapturedFile out;
  TtyProgress tty(out.get(), TerminalSize{70, 20}, milliseconds(5));
  tty.event(cached("base", "[1/1] FROM busybox"));
  std::this_thread::sleep_for(milliseconds(30));
  // Nothing is running: the first paint printed the cached step; later ticks have only the
  // timer in the header, which changes every 0.1s, so a few frames at most.
  const auto painted = frames(out.text()).size();
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_LE(frames(out.text()).size(), painted + 1);
  tty.finish();
}

TEST(TtyProgress, FailureLeavesItsOutputAndErrorOnScreen) {
  CapturedFile out;
  {
    TtyProgress tty(out.get(), TerminalSize{70, 20}, milliseconds(10));
    tty.event(started("v", "[1/1] RUN false"));
    tty.event(log_line("v", "about to fail"));
    tty.event(failed("v", "[1/1] RUN false", "exit code: 1", 0.2));
  }  // the destructor finishes, as for a build that threw
  const std::string raw = out.text();
  EXPECT_NE(raw.find("ERROR 0.2s"), std::string::npos) << raw;
  EXPECT_NE(raw.find(" => => # about to fail"), std::string::npos) << raw;
  EXPECT_NE(raw.find(" => => error: exit code: 1"), std::string::npos) << raw;
  EXPECT_NE(raw.find("Failed after "), std::string::npos) << raw;
}

}  // namespace
}  // namespace gantry::cli
