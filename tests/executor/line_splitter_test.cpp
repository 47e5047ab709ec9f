#include "executor/line_splitter.h"

#include <gtest/gtest.h>

namespace gantry::executor {
namespace {

TEST(LineSplitter, JoinsLinesSplitAcrossReads) {
  std::vector<std::pair<Stream, std::string>> lines;
  const LineSink sink = [&](Stream s, std::string_view line) { lines.emplace_back(s, line); };
  LineSplitter splitter(Stream::Stderr, sink);
  splitter.feed("ab");
  splitter.feed("c\nde");
  splitter.feed("f\n\ng");
  EXPECT_EQ(lines.size(), 3u);
  splitter.finish();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].second, "abc");
  EXPECT_EQ(lines[1].second, "def");
  EXPECT_EQ(lines[2].second, "");
  EXPECT_EQ(lines[3].second, "g");
  EXPECT_EQ(lines[3].first, Stream::Stderr);
}

TEST(LineSplitter, FinishWithoutTailAddsNothing) {
  int count = 0;
  const LineSink sink = [&](Stream, std::string_view) { ++count; };
  LineSplitter splitter(Stream::Stdout, sink);
  splitter.feed("x\n");
  splitter.finish();
  EXPECT_EQ(count, 1);
}

}  // namespace
}  // namespace gantry::executor
