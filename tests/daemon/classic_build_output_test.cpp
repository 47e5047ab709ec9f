#include "daemon/classic_build_output.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/daemon/recording_stream.h"

namespace gantry::daemon {
namespace {

using Kind = solver::ProgressEvent::Kind;

TEST(ClassicBuildOutput, StepLines) {
  EXPECT_EQ(classic_step_line("[2/4] RUN make"), "Step 2/4 : RUN make");
  EXPECT_EQ(classic_step_line("[build 1/3] FROM busybox"), "Step build 1/3 : FROM busybox");
  EXPECT_EQ(classic_step_line("[internal] load build context"), "[internal] load build context");
  EXPECT_EQ(classic_step_line("no brackets"), "no brackets");
}

TEST(ClassicBuildOutput, ABuildStreamsItsStepsOutputAndImage) {
  RecordingStream out;
  ClassicBuildOutput output(out, false);
  output.event({.kind = Kind::Cached, .vertex = "a", .description = "[1/2] FROM busybox"});
  output.event({.kind = Kind::Started, .vertex = "b", .description = "[2/2] RUN echo hi"});
  output.event({.kind = Kind::Log, .vertex = "b", .text = "hi"});
  output.event({.kind = Kind::Done, .vertex = "b", .seconds = 1.25});
  output.warning("Dockerfile:1: something");
  const Digest config = Digest::parse("sha256:" + std::string(64, 'c'));
  output.built({.config = config}, {"app:latest", "app:2"});
  const auto m = out.messages();
  ASSERT_EQ(m.size(), 9u);
  EXPECT_EQ(m[0], nlohmann::json({{"stream", "Step 1/2 : FROM busybox\n ---> Using cache\n"}}));
  EXPECT_EQ(m[1], nlohmann::json({{"stream", "Step 2/2 : RUN echo hi\n"}}));
  EXPECT_EQ(m[2], nlohmann::json({{"stream", "hi\n"}}));
  EXPECT_EQ(m[3], nlohmann::json({{"stream", " ---> Done in 1.2s\n"}}));
  EXPECT_EQ(m[4], nlohmann::json({{"stream", "WARNING: Dockerfile:1: something\n"}}));
  EXPECT_EQ(m[5], nlohmann::json({{"aux", {{"ID", config.str()}}}}));
  EXPECT_EQ(m[6], nlohmann::json({{"stream", "Successfully built cccccccccccc\n"}}));
  EXPECT_EQ(m[7], nlohmann::json({{"stream", "Successfully tagged app:latest\n"}}));
  EXPECT_EQ(m[8], nlohmann::json({{"stream", "Successfully tagged app:2\n"}}));
}

TEST(ClassicBuildOutput, QuietWritesOnlyTheImageId) {
  RecordingStream out;
  ClassicBuildOutput output(out, true);
  output.event({.kind = Kind::Started, .vertex = "b", .description = "[2/2] RUN echo hi"});
  output.event({.kind = Kind::Log, .vertex = "b", .text = "hi"});
  output.info("pulled busybox");
  const Digest config = Digest::parse("sha256:" + std::string(64, 'd'));
  output.built({.config = config}, {"app:latest"});
  const auto m = out.messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], nlohmann::json({{"aux", {{"ID", config.str()}}}}));
  EXPECT_EQ(m[1], nlohmann::json({{"stream", config.str() + "\n"}}));
}

TEST(ClassicBuildOutput, AFailureIsAnErrorDetail) {
  RecordingStream out;
  ClassicBuildOutput output(out, false);
  output.failed("Dockerfile:2: exit code: 3");
  const auto m = out.messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(
      m[0],
      nlohmann::json::parse(
          R"({"errorDetail":{"message":"Dockerfile:2: exit code: 3","code":1},"error":"Dockerfile:2: exit code: 3"})"));
}

}  // namespace
}  // namespace gantry::daemon
