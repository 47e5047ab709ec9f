// --build-context names in the Dockerfile: how names match (named_context_key) and what FROM,
// COPY --from and RUN --mount=from lower to when a name stands for a context.
#include "frontend/dockerfile/named_context.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"

namespace gantry::frontend {
namespace {

using nlohmann::json;

ImageInfo image(const std::string& ref, char digit) {
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", {{"Env", {"PATH=/bin"}}, {"Cmd", {"sh"}}, {"WorkingDir", "/" + ref}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + std::string(64, '1')}}}},
                 {"history", {{{"created_by", "base layer"}}}}};
  return {ref, Digest::from_hex(std::string(64, digit)), config};
}

const llb::FileOp& file_of(const llb::Output& out) { return std::get<llb::FileOp>(out.node->op); }
const llb::ExecOp& exec_of(const llb::Output& out) { return std::get<llb::ExecOp>(out.node->op); }
const llb::SourceOp& source_of(const llb::Output& out) {
  return std::get<llb::SourceOp>(out.node->op);
}

// A build whose contexts are `named`: "img" names (by their key) resolve to an image, any other
// to a directory; `resolved` counts the resolutions.
struct NamedBuild {
  std::map<std::string, NamedContext> contexts;
  std::map<std::string, int> resolved;

  BuildPlan lower_text(const std::string& dockerfile) {
    BuildOptions options;
    options.dockerfile = dockerfile;
    options.resolve_image = [](const std::string& ref, const Platform&) {
      if (ref != "busybox") throw Error("image " + ref + ": not found");
      return image("busybox:latest", 'a');
    };
    for (const auto& [name, context] : contexts) options.named_contexts.insert(name);
    options.resolve_named_context = [this](const std::string& name) {
      ++resolved[name];
      return contexts.at(name);
    };
    return lower(options);
  }
};

TEST(NamedContextKey, IsTheFamiliarReferenceWithoutAnImplicitLatest) {
  EXPECT_EQ(named_context_key("alpine"), "alpine");
  EXPECT_EQ(named_context_key("alpine:latest"), "alpine");
  EXPECT_EQ(named_context_key("docker.io/library/alpine:latest"), "alpine");
  EXPECT_EQ(named_context_key("docker.io/library/alpine:3"), "alpine:3");
  EXPECT_EQ(named_context_key("127.0.0.1:5000/team/app"), "127.0.0.1:5000/team/app");
  EXPECT_EQ(named_context_key("base-stage"), "base-stage");
  try {
    named_context_key("Base");
    FAIL() << "an uppercase name is no reference";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("invalid context name `Base`"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(named_context_key(""), UsageError);
  EXPECT_THROW(named_context_key("a b"), UsageError);
  EXPECT_EQ(find_named_context_key("$X"), std::nullopt);
  EXPECT_EQ(find_named_context_key("docker.io/library/alpine"), "alpine");
}

TEST(NamedContextLowering, FromAnImageNameUsesTheContextsImageAndConfig) {
  NamedBuild build;
  build.contexts["busybox"] = {.image = image("mine", 'b')};
  // Every spelling of the name is the context, not the image of that name.
  for (const char* from : {"busybox", "busybox:latest", "docker.io/library/busybox"}) {
    auto plan = build.lower_text(std::string("FROM ") + from + "\nRUN true\n");
    const auto& base = source_of(plan.root.node->inputs[0]);
    EXPECT_EQ(base.identifier, "docker-image://mine@sha256:" + std::string(64, 'b')) << from;
    EXPECT_EQ(plan.image_config["config"]["WorkingDir"], "/mine");
    EXPECT_EQ(exec_of(plan.root).cwd, "/mine");
  }
  // Resolved once per lowering, though both passes over the stages meet it.
  EXPECT_EQ(build.resolved["busybox"], 3);
}

TEST(NamedContextLowering, FromADirectoryCopiesItOntoScratchWithAnEmptyConfig) {
  NamedBuild build;
  build.contexts["src"] = {.local_source = "context:src"};
  auto plan = build.lower_text("FROM src\nCMD [\"x\"]\n");
  const auto& copy = file_of(plan.root);
  ASSERT_EQ(copy.actions.size(), 1u);
  const auto& action = std::get<llb::FileCopy>(copy.actions[0]);
  EXPECT_EQ(action.src, "/");
  EXPECT_EQ(action.dest, "/");
  ASSERT_EQ(plan.root.node->inputs.size(), 2u);
  EXPECT_TRUE(plan.root.node->inputs[0].is_scratch());
  EXPECT_EQ(source_of(plan.root.node->inputs[1]).identifier, "local://context:src");
  EXPECT_EQ(plan.image_config["config"]["Cmd"], json::array({"x"}));
  EXPECT_EQ(plan.image_config["history"].size(), 1u);  // only CMD: no base history
}

TEST(NamedContextLowering, ReplacesAStageOfItsNameWithNoneOfItsInstructions) {
  NamedBuild build;
  build.contexts["deps"] = {.image = image("prebuilt", 'c')};
  auto plan = build.lower_text(
      "FROM busybox AS deps\nRUN exit 1\n"
      "FROM deps AS child\nRUN true\n"
      "FROM busybox\nCOPY --from=deps /a /a\n");
  const auto& copy = file_of(plan.root);
  EXPECT_EQ(source_of(plan.root.node->inputs[1]).identifier,
            "docker-image://prebuilt@sha256:" + std::string(64, 'c'));
  EXPECT_EQ(std::get<llb::FileCopy>(copy.actions[0]).src, "/a");
  // The replaced stage's RUN is nowhere in the graph.
  auto child = build.lower_text("FROM busybox AS deps\nRUN exit 1\nFROM deps\nRUN true\n");
  EXPECT_EQ(exec_of(child.root).args.back(), "true");
  EXPECT_EQ(source_of(child.root.node->inputs[0]).identifier,
            "docker-image://prebuilt@sha256:" + std::string(64, 'c'));
}

TEST(NamedContextLowering, CopyFromAndMountFromReadTheDirectoryItself) {
  NamedBuild build;
  build.contexts["assets"] = {.local_source = "context:assets"};
  auto plan = build.lower_text(
      "FROM busybox\nCOPY --from=assets /x /y\nRUN --mount=from=assets,target=/m cat /m/x\n");
  const auto& run = exec_of(plan.root);
  ASSERT_EQ(run.mounts.size(), 2u);
  EXPECT_EQ(run.mounts[1].dest, "/m");
  EXPECT_EQ(source_of(plan.root.node->inputs[run.mounts[1].input]).identifier,
            "local://context:assets");
  const llb::Output& copy = plan.root.node->inputs[0];
  EXPECT_EQ(source_of(copy.node->inputs[1]).identifier, "local://context:assets");
  EXPECT_EQ(std::get<llb::FileCopy>(file_of(copy).actions[0]).src, "/x");
}

TEST(NamedContextLowering, ACacheMountIsSeededFromADirectoryCopiedIntoALayer) {
  NamedBuild build;
  build.contexts["seed"] = {.local_source = "context:seed"};
  auto plan = build.lower_text("FROM busybox\nRUN --mount=type=cache,from=seed,source=/s,target=/c ls /c\n");
  const auto& run = exec_of(plan.root);
  ASSERT_EQ(run.mounts.size(), 2u);
  EXPECT_EQ(run.mounts[1].selector, "/s");
  const llb::Output& seed = plan.root.node->inputs[run.mounts[1].input];
  EXPECT_EQ(std::get<llb::FileCopy>(file_of(seed).actions[0]).src, "/");
  EXPECT_EQ(source_of(seed.node->inputs[1]).identifier, "local://context:seed");
}

TEST(NamedContextLowering, UnusedContextsAreNotResolvedAndFailuresNameTheLine) {
  NamedBuild build;
  build.contexts["unused"] = {.local_source = "context:unused"};
  build.lower_text("FROM busybox\nRUN true\n");
  EXPECT_EQ(build.resolved.count("unused"), 0u);

  BuildOptions options;
  options.dockerfile = "FROM busybox\nCOPY --from=broken /a /a\n";
  options.resolve_image = [](const std::string&, const Platform&) { return image("busybox:latest", 'a'); };
  options.named_contexts = {"broken"};
  options.resolve_named_context = [](const std::string& name) -> NamedContext {
    throw Error("build context " + name + "=https://127.0.0.1:1/x.tar: unreachable");
  };
  try {
    lower(options);
    FAIL() << "a context that cannot be had fails the build";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "Dockerfile:2: build context broken=https://127.0.0.1:1/x.tar: unreachable");
  }
}

}  // namespace
}  // namespace gantry::frontend
