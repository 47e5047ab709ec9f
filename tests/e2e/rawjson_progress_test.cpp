// build --progress=rawjson end to end: stderr carries BuildKit's SolveStatus stream, which a
// consumer of BuildKit's progress reads back to the build's graph, states and output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "base/base64.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace {

using nlohmann::json;

std::vector<json> solve_statuses(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    out.push_back(json::parse(l));  // throws on one that is not JSON
  return out;
}

}  // namespace

TEST(RawJsonProgress, ARunStepsVertexCompletesAndItsLogsDecodeToItsOutput) {
  GantryEnv env;
  env.import_busybox();
  const auto context = env.scratch() / "ctx";
  std::filesystem::create_directories(context);
  std::ofstream(context / "Dockerfile") << "FROM busybox:latest\n"
                                           "RUN echo rawjson-says-hi && echo to-stderr >&2\n";
  auto o = env.gantry(
      {"build", "--progress=rawjson", "--network", "none", "-t", "raw:1", context.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "") << "rawjson goes to stderr, as buildx writes it";

  std::vector<json> statuses;
  ASSERT_NO_THROW(statuses = solve_statuses(o.err)) << o.err;
  // The vertexes as last sent (each is sent whole when it changes), and the logs by vertex.
  std::map<std::string, json> vertexes;
  std::map<std::string, std::map<int, std::string>> logs;
  std::vector<std::string> status_ids;
  for (const auto& s : statuses) {
    for (const auto& v : s.value("vertexes", json::array())) vertexes[v.at("digest")] = v;
    for (const auto& l : s.value("logs", json::array()))
      logs[l.at("vertex")][l.at("stream").get<int>()] +=
          base64_decode(l.at("data").get<std::string>());
    for (const auto& st : s.value("statuses", json::array())) status_ids.push_back(st.at("id"));
  }

  const json* run = nullptr;
  for (const auto& [digest, v] : vertexes)
    if (v.value("name", "").find("RUN echo rawjson-says-hi") != std::string::npos) run = &v;
  ASSERT_NE(run, nullptr) << o.err;
  EXPECT_TRUE(run->contains("started")) << *run;
  EXPECT_TRUE(run->contains("completed")) << *run;
  EXPECT_FALSE(run->contains("cached")) << *run;
  EXPECT_FALSE(run->contains("error")) << *run;
  // Its input, the base image, is a vertex of the stream too.
  ASSERT_EQ(run->at("inputs").size(), 1u) << *run;
  EXPECT_TRUE(vertexes.count(run->at("inputs")[0])) << o.err;

  const auto& run_logs = logs[run->at("digest")];
  EXPECT_EQ(run_logs.at(1), "rawjson-says-hi\n");
  EXPECT_EQ(run_logs.at(2), "to-stderr\n");

  auto id = env.gantry({"inspect", "-f", "{{.Id}}", "raw:1"});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  EXPECT_EQ(status_ids,
            (std::vector<std::string>{"writing image " + id.out.substr(0, id.out.find('\n')),
                                      "naming to raw:1"}));
}

}  // namespace gantry::e2e
