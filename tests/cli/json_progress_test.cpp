#include "cli/progress/json_progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/cli/captured_file.h"
#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;
using nlohmann::json;

std::vector<json> objects_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
  return out;
}

TEST(Rfc3339Millis, FormatsUtcWithMilliseconds) {
  using namespace std::chrono;
  EXPECT_EQ(rfc3339_millis(system_clock::time_point(milliseconds(1714564800123))), "2024-05-01T12:00:00.123Z");
  EXPECT_EQ(rfc3339_millis(system_clock::time_point(milliseconds(5))), "1970-01-01T00:00:00.005Z");
}

TEST(JsonProgress, OneObjectPerEventThenASummary) {
  using namespace std::chrono;
  CapturedFile out;
  system_clock::time_point now(seconds(1714564800));
  {
    JsonProgress progress(out.get(), [&now] { return now; });
    progress.event(cached("base", "[1/2] FROM busybox"));
    progress.event({.kind = Kind::Started, .vertex = "run", .description = "[2/2] RUN make",
                    .location = "Dockerfile:2", .text = "the instruction changed"});
    progress.event(log_line("run", "warning: \"x\"", executor::Stream::Stderr));
    now += milliseconds(1500);
    progress.event(done("run", "[2/2] RUN make", 1.5));
    progress.note("writing image sha256:abc done");
  }
  auto o = objects_of(out.text());
  ASSERT_EQ(o.size(), 6u) << out.text();
  EXPECT_EQ(o[0], (json{{"type", "cached"}, {"vertex", "base"}, {"step", 1}, {"name", "[1/2] FROM busybox"},
                        {"time", "2024-05-01T12:00:00.000Z"}}));
  EXPECT_EQ(o[1], (json{{"type", "started"}, {"vertex", "run"}, {"step", 2}, {"name", "[2/2] RUN make"},
                        {"location", "Dockerfile:2"}, {"cache_miss_reason", "the instruction changed"},
                        {"time", "2024-05-01T12:00:00.000Z"}}));
  EXPECT_EQ(o[2]["type"], "log");
  EXPECT_EQ(o[2]["step"], 2);
  EXPECT_EQ(o[2]["stream"], "stderr");
  EXPECT_EQ(o[2]["data"], "warning: \"x\"");
  EXPECT_EQ(o[3]["type"], "done");
  EXPECT_EQ(o[3]["duration"], 1.5);
  EXPECT_EQ(o[3]["time"], "2024-05-01T12:00:01.500Z");
  EXPECT_EQ(o[4], (json{{"type", "message"}, {"data", "writing image sha256:abc done"},
                        {"time", "2024-05-01T12:00:01.500Z"}}));
  EXPECT_EQ(o[5]["type"], "summary");
  EXPECT_EQ(o[5]["steps"], 2);
  EXPECT_EQ(o[5]["cached"], 1);
  EXPECT_EQ(o[5]["failed"], 0);
  EXPECT_EQ(o[5]["success"], true);
  EXPECT_EQ(o[5]["duration"], 1.5);
}

TEST(JsonProgress, InvalidUtf8InOutputStillMakesValidJson) {
  CapturedFile out;
  {
    JsonProgress progress(out.get());
    progress.event(started("v", "RUN x"));
    progress.event(log_line("v", "bad \xff byte"));
  }
  auto o = objects_of(out.text());
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o[1]["data"].get<std::string>().find("bad "), 0u);
}

}  // namespace
}  // namespace gantry::cli
