// Lowering for a target platform (--platform) other than the build's: the automatic platform
// args, FROM --platform, the platform images are resolved for, RUN's ExecOp platform and the
// image config's.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"

namespace gantry::frontend {
namespace {

using nlohmann::json;

// Resolves every image as one of the platform asked for, recording what was asked.
struct RecordingResolver {
  std::vector<std::pair<std::string, std::string>> asked;  // ref, platform

  ImageResolver resolver() {
    return [this](const std::string& ref, const Platform& platform) {
      asked.emplace_back(ref, platform.str());
      json config = {{"architecture", platform.architecture},
                     {"os", platform.os},
                     {"config", {{"Env", {"PATH=/bin"}}}},
                     {"history", {{{"created_by", "base layer"}}}}};
      if (!platform.variant.empty()) config["variant"] = platform.variant;
      // One manifest per platform, as an index's children are.
      return ImageInfo{ref, sha256_of(ref + platform.str()), config};
    };
  }
};

BuildOptions for_platforms(const std::string& dockerfile, const std::string& target, const std::string& build,
                           RecordingResolver& images) {
  BuildOptions options;
  options.dockerfile = dockerfile;
  options.target_platform = Platform::parse(target);
  options.build_platform = Platform::parse(build);
  options.resolve_image = images.resolver();
  return options;
}

const llb::ExecOp& exec_of(const llb::Output& out) { return std::get<llb::ExecOp>(out.node->op); }

// The Env of the target stage's config.
std::vector<std::string> env_of(const BuildPlan& plan) {
  return plan.image_config["config"]["Env"].get<std::vector<std::string>>();
}

TEST(LowerPlatform, TheAutomaticArgsSayTheTargetAndBuildPlatformsAsTheDockerfileReferenceDoes) {
  RecordingResolver images;
  const auto plan = lower(for_platforms(
      "FROM busybox\n"
      "ARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT\n"
      "ENV T=$TARGETPLATFORM:$TARGETOS:$TARGETARCH:$TARGETVARIANT B=$BUILDPLATFORM:$BUILDOS:$BUILDARCH:$BUILDVARIANT\n",
      "linux/arm/v7", "linux/amd64", images));
  EXPECT_EQ(env_of(plan),
            (std::vector<std::string>{"PATH=/bin", "T=linux/arm/v7:linux:arm:v7", "B=linux/amd64:linux:amd64:"}));
}

TEST(LowerPlatform, FromImagesAreResolvedForTheStagesPlatform) {
  RecordingResolver images;
  lower(for_platforms("FROM --platform=$BUILDPLATFORM golang AS build\nRUN true\n"
                      "FROM busybox\nCOPY --from=build /x /x\nCOPY --from=alpine /y /y\n",
                      "linux/arm64", "linux/amd64", images));
  // Each image once per platform, over both passes of the lowering.
  EXPECT_EQ(images.asked, (std::vector<std::pair<std::string, std::string>>{
                              {"busybox", "linux/arm64"}, {"golang", "linux/amd64"}, {"alpine", "linux/arm64"}}));
}

TEST(LowerPlatform, ARunOfAnotherPlatformThanTheBuildsNamesItsPlatform) {
  RecordingResolver images;
  const auto plan = lower(for_platforms("FROM --platform=$BUILDPLATFORM busybox AS tools\nRUN make\n"
                                        "FROM busybox\nCOPY --from=tools /x /x\nRUN uname -m\n",
                                        "linux/arm64", "linux/amd64", images));
  EXPECT_EQ(exec_of(plan.root).platform, "linux/arm64");
  const llb::Output& copy = plan.root.node->inputs[0];
  EXPECT_EQ(exec_of(copy.node->inputs[1]).platform, "");  // the build platform's own: native
  EXPECT_EQ(llb::to_json(plan.root.node->op)["exec"]["platform"], "linux/arm64");
}

TEST(LowerPlatform, ANativeBuildKeepsItsDigestsWhateverTheHost) {
  RecordingResolver images;
  const std::string dockerfile = "FROM busybox\nRUN uname -m\n";
  const auto plan = lower(for_platforms(dockerfile, "linux/amd64", "linux/amd64", images));
  EXPECT_EQ(exec_of(plan.root).platform, "");
  EXPECT_FALSE(llb::to_json(plan.root.node->op)["exec"].contains("platform"));
  // The same step for another target is another node, so another cache key.
  const auto arm = lower(for_platforms(dockerfile, "linux/arm64", "linux/amd64", images));
  EXPECT_NE(plan.root.node->digest, arm.root.node->digest);
}

TEST(LowerPlatform, TheImageConfigSaysTheTargetStagesPlatform) {
  RecordingResolver images;
  const auto scratch = lower(for_platforms("FROM scratch\nCOPY a /a\n", "linux/arm/v7", "linux/amd64", images));
  EXPECT_EQ(scratch.image_config["architecture"], "arm");
  EXPECT_EQ(scratch.image_config["os"], "linux");
  EXPECT_EQ(scratch.image_config["variant"], "v7");
  const auto image = lower(for_platforms("FROM busybox\n", "linux/arm64", "linux/amd64", images));
  EXPECT_EQ(image.image_config["architecture"], "arm64");
  // A stage built on another keeps that one's platform.
  const auto staged = lower(for_platforms("FROM --platform=linux/s390x scratch AS base\nFROM base\nRUN true\n",
                                          "linux/arm64", "linux/amd64", images));
  EXPECT_EQ(staged.image_config["architecture"], "s390x");
  EXPECT_EQ(exec_of(staged.root).platform, "linux/s390x");
}

TEST(LowerPlatform, AMalformedFromPlatformFailsNamingItsLine) {
  RecordingResolver images;
  try {
    lower(for_platforms("FROM busybox\nFROM --platform=linux/arm64/v8/x busybox\n", "linux/amd64", "linux/amd64",
                        images));
    FAIL() << "a malformed FROM --platform was taken";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "Dockerfile:2: FROM --platform: platform `linux/arm64/v8/x`: not os/architecture[/variant]");
  }
}

TEST(LowerPlatform, InvalidBaseImagePlatformComparesWithTheStagesPlatform) {
  const ImageResolver amd64_only = [](const std::string& ref, const Platform&) {
    return ImageInfo{ref, sha256_of(ref), {{"architecture", "amd64"}, {"os", "linux"}, {"config", json::object()}}};
  };
  auto warnings = [&](const std::string& dockerfile, const std::string& target) {
    CheckReport report;
    BuildOptions options{.dockerfile = dockerfile, .resolve_image = amd64_only, .checks = &report};
    options.target_platform = Platform::parse(target);
    options.build_platform = Platform::parse("linux/amd64");
    lower(options);
    std::vector<std::string> out;
    for (const CheckWarning& w : report.warnings()) out.push_back(w.short_text());
    return out;
  };
  EXPECT_EQ(warnings("FROM busybox\n", "linux/arm64"),
            std::vector<std::string>{"InvalidBaseImagePlatform: Base image busybox was pulled with platform "
                                     "\"linux/amd64\", expected \"linux/arm64\" for current build (line 1)"});
  EXPECT_EQ(warnings("FROM busybox\n", "linux/amd64"), std::vector<std::string>{});
  EXPECT_EQ(warnings("FROM --platform=$BUILDPLATFORM busybox\n", "linux/arm64"), std::vector<std::string>{});
}

}  // namespace
}  // namespace gantry::frontend
