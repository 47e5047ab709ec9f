#include "cli/progress/plain_progress.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/cli/captured_file.h"
#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(PlainProgress, NumbersStepsAndKeepsTheirNumbers) {
  CapturedFile out;
  PlainProgress plain(out.get());
  plain.event(cached("base", "[1/3] FROM busybox"));
  plain.event(started("a", "[2/3] RUN make"));
  plain.event(started("b", "[3/3] RUN test"));
  plain.event(done("a", "[2/3] RUN make", 1.25));
  plain.event(failed("b", "[3/3] RUN test", "exit code 1", 0.5));
  plain.note("writing image sha256:abc done");
  EXPECT_EQ(lines_of(out.text()), (std::vector<std::string>{
                                      "#1 [1/3] FROM busybox", "#1 CACHED", "#2 [2/3] RUN make",
                                      "#3 [3/3] RUN test", "#2 DONE 1.2s", "#3 ERROR: exit code 1",
                                      "writing image sha256:abc done"}));
}

TEST(PlainProgress, PrefixesEveryLineOfAMultiLineText) {
  CapturedFile out;
  PlainProgress plain(out.get());
  plain.event(started("a", "RUN x"));
  plain.event(failed("a", "RUN x", "first\nsecond", 0.1));
  auto lines = lines_of(out.text());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], "#1 ERROR: first");
  EXPECT_EQ(lines[2], "#1 ERROR: second");
}

TEST(PlainProgress, NeverClipsALogLine) {
  CapturedFile out;
  PlainProgress plain(out.get());
  const std::string huge(3 << 20, 'x');  // BuildKit clips at 1 MiB
  plain.event(started("a", "RUN x"));
  plain.event(log_line("a", huge));
  auto lines = lines_of(out.text());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[1].starts_with("#1 0.")) << lines[1].substr(0, 20);
  EXPECT_TRUE(lines[1].ends_with(" " + huge));
}

TEST(PlainProgress, LinesFromParallelStepsNeverInterleave) {
  CapturedFile out;
  PlainProgress plain(out.get());
  std::vector<std::thread> steps;
  for (int t = 0; t < 4; ++t) {
    steps.emplace_back([&plain, t] {
      std::string v = "v" + std::to_string(t);
      plain.event(started(v, "RUN step"));
      for (int i = 0; i < 500; ++i) plain.event(log_line(v, std::string(100, static_cast<char>('a' + t))));
    });
  }
  for (auto& s : steps) s.join();
  auto lines = lines_of(out.text());
  ASSERT_EQ(lines.size(), 4u * 501);
  std::map<char, char> letter_of_step;  // each thread writes its own letter
  for (const auto& l : lines) {
    if (l.ends_with("RUN step")) continue;
    // "#N 0.123 " then 100 times the same letter, always the same for step N.
    auto letters = l.substr(l.rfind(' ') + 1);
    ASSERT_EQ(letters.size(), 100u) << l;
    const char letter = letter_of_step.try_emplace(l[1], letters[0]).first->second;
    EXPECT_EQ(letters, std::string(100, letter)) << l;
  }
  EXPECT_EQ(letter_of_step.size(), 4u);
}

}  // namespace
}  // namespace gantry::cli
