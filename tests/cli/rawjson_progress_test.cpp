#include "cli/progress/rawjson_progress.h"

#include <gtest/gtest.h>

#include <sstream>

#include "base/base64.h"
#include "tests/cli/captured_file.h"
#include "tests/cli/progress_events.h"

namespace gantry::cli {
namespace {

using namespace testing;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

std::vector<json> statuses_of(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(json::parse(l));
  return out;
}

TEST(Rfc3339Nanos, FormatsAsGoMarshalsATime) {
  const system_clock::time_point may(seconds(1714564800));
  EXPECT_EQ(rfc3339_nanos(may), "2024-05-01T12:00:00Z");
  EXPECT_EQ(rfc3339_nanos(may + milliseconds(120)), "2024-05-01T12:00:00.12Z");
  EXPECT_EQ(rfc3339_nanos(may + nanoseconds(5)), "2024-05-01T12:00:00.000000005Z");
  EXPECT_EQ(rfc3339_nanos(system_clock::time_point(nanoseconds(123456789))),
            "1970-01-01T00:00:00.123456789Z");
}

class RawJsonProgressTest : public ::testing::Test {
 protected:
  CapturedFile out_;
  system_clock::time_point now_{seconds(1714564800)};
  RawJsonProgress progress_{out_.get(), [this] { return now_; }};
};

TEST_F(RawJsonProgressTest, AVertexIsSentWholeWhenItStartsAndWhenItCompletes) {
  auto start = started("b2", "[2/2] RUN make");
  start.inputs = {"a1"};
  progress_.event(start);
  now_ += milliseconds(1500);
  progress_.event(done("b2", "[2/2] RUN make", 1.5));

  auto s = statuses_of(out_.text());
  ASSERT_EQ(s.size(), 2u) << out_.text();
  EXPECT_EQ(s[0], json::parse(R"({"vertexes":[{"digest":"sha256:b2","inputs":["sha256:a1"],
                                 "name":"[2/2] RUN make","started":"2024-05-01T12:00:00Z"}]})"));
  EXPECT_EQ(s[1], json::parse(R"({"vertexes":[{"digest":"sha256:b2","inputs":["sha256:a1"],
                                 "name":"[2/2] RUN make","started":"2024-05-01T12:00:00Z",
                                 "completed":"2024-05-01T12:00:01.5Z"}]})"));
}

TEST_F(RawJsonProgressTest, FieldsComeInBuildKitsOrderAndEmptyOnesAreLeftOut) {
  progress_.event(started("b2", "[2/2] RUN make"));
  progress_.event(failed("b2", "[2/2] RUN make", "exit code 2", 0.1));
  const std::string text = out_.text();
  const std::string second = text.substr(text.find('\n') + 1);
  EXPECT_EQ(
      second,
      R"({"vertexes":[{"digest":"sha256:b2","name":"[2/2] RUN make","started":"2024-05-01T12:00:00Z",)"
      R"("completed":"2024-05-01T12:00:00Z","error":"exit code 2"}]})"
      "\n");
}

TEST_F(RawJsonProgressTest, ACachedVertexIsStartedCompletedAndCached) {
  progress_.event(cached("a1", "[1/2] FROM busybox"));
  auto s = statuses_of(out_.text());
  ASSERT_EQ(s.size(), 1u);
  const json& v = s[0]["vertexes"][0];
  EXPECT_EQ(v["cached"], true);
  EXPECT_EQ(v["started"], "2024-05-01T12:00:00Z");
  EXPECT_EQ(v["completed"], "2024-05-01T12:00:00Z");
  EXPECT_FALSE(v.contains("error"));
}

TEST_F(RawJsonProgressTest, LogsCarryTheLineWithItsNewlineAsBase64AndTheStreamNumber) {
  progress_.event(started("b2", "RUN x"));
  progress_.event(log_line("b2", "hello"));
  progress_.event(log_line("b2", "bad \xff byte", executor::Stream::Stderr));
  auto s = statuses_of(out_.text());
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[1], json::parse(R"({"logs":[{"vertex":"sha256:b2","stream":1,"data":"aGVsbG8K",
                                 "timestamp":"2024-05-01T12:00:00Z"}]})"));
  EXPECT_EQ(s[2]["logs"][0]["stream"], 2);
  // Bytes that are not UTF-8 go through unchanged: base64 carries any byte.
  EXPECT_EQ(base64_decode(s[2]["logs"][0]["data"].get<std::string>()), "bad \xff byte\n");
}

TEST_F(RawJsonProgressTest, TheImageIsTheStatusesOfAnExportingVertexCompletedAtTheEnd) {
  progress_.image_written("sha256:abc");
  progress_.image_named("app:1");
  now_ += milliseconds(10);
  progress_.finish();
  progress_.finish();  // idempotent

  auto s = statuses_of(out_.text());
  ASSERT_EQ(s.size(), 4u) << out_.text();
  const json& opened = s[0]["vertexes"][0];
  EXPECT_EQ(opened["name"], "exporting to image");
  EXPECT_EQ(opened["digest"].get<std::string>().substr(0, 7), "sha256:");
  EXPECT_FALSE(opened.contains("completed"));
  EXPECT_EQ(s[1], (json{{"statuses",
                         {{{"id", "writing image sha256:abc"},
                           {"vertex", opened["digest"]},
                           {"current", 0},
                           {"timestamp", "2024-05-01T12:00:00Z"},
                           {"started", "2024-05-01T12:00:00Z"},
                           {"completed", "2024-05-01T12:00:00Z"}}}}}));
  EXPECT_EQ(s[2]["statuses"][0]["id"], "naming to app:1");
  EXPECT_EQ(s[3]["vertexes"][0]["digest"], opened["digest"]);
  EXPECT_EQ(s[3]["vertexes"][0]["completed"], "2024-05-01T12:00:00.01Z");
}

TEST_F(RawJsonProgressTest, EachBakeTargetExportsOnAVertexOfItsOwnThatCompletes) {
  progress_.begin_target("app");
  progress_.image_written("sha256:abc");
  progress_.begin_target("tools");
  progress_.image_written("sha256:def");
  progress_.image_named("tools:1");
  progress_.finish();

  std::vector<std::string> status_ids;
  std::map<std::string, json> exporters;  // as last sent, by digest
  std::map<std::string, std::string> vertex_of;
  for (const auto& s : statuses_of(out_.text())) {
    for (const auto& v : s.value("vertexes", json::array())) exporters[v["digest"]] = v;
    for (const auto& st : s.value("statuses", json::array())) {
      status_ids.push_back(st["id"]);
      vertex_of[st["id"]] = st["vertex"];
      EXPECT_TRUE(st.contains("completed")) << st;
    }
  }
  EXPECT_EQ(status_ids, (std::vector<std::string>{"writing image sha256:abc",
                                                  "writing image sha256:def", "naming to tools:1"}))
      << "a target's name is no status of its own";
  ASSERT_EQ(exporters.size(), 2u) << out_.text();
  for (const auto& [digest, v] : exporters) EXPECT_TRUE(v.contains("completed")) << v;
  EXPECT_NE(vertex_of["writing image sha256:abc"], vertex_of["writing image sha256:def"]);
  EXPECT_EQ(vertex_of["writing image sha256:def"], vertex_of["naming to tools:1"]);
}

TEST_F(RawJsonProgressTest, ABuildWithoutNotesEndsWithoutAnExportingVertex) {
  progress_.event(cached("a1", "FROM busybox"));
  progress_.finish();
  EXPECT_EQ(statuses_of(out_.text()).size(), 1u);
}

}  // namespace
}  // namespace gantry::cli
