// Lowering tests: assert on the llb graph and the image config that lower() produces.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"

namespace gantry::frontend {
namespace {

using nlohmann::json;

ImageInfo busybox(const std::string& ref, const Platform& = host_platform()) {
  if (ref != "busybox" && ref != "busybox:latest") throw Error("image " + ref + ": not found");
  json config = {{"architecture", "amd64"},
                 {"os", "linux"},
                 {"config", {{"Env", {"PATH=/bin", "HOME=/root"}}, {"Cmd", {"sh"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + std::string(64, '1')}}}},
                 {"history", {{{"created_by", "base layer"}}}}};
  return {"busybox:latest", Digest::from_hex(std::string(64, 'a')), config};
}

BuildPlan lower_text(const std::string& dockerfile, BuildOptions options = {}) {
  options.dockerfile = dockerfile;
  options.resolve_image = busybox;
  return lower(options);
}

const llb::ExecOp& exec_of(const llb::Output& out) { return std::get<llb::ExecOp>(out.node->op); }
const llb::FileOp& file_of(const llb::Output& out) { return std::get<llb::FileOp>(out.node->op); }
const llb::SourceOp& source_of(const llb::Output& out) { return std::get<llb::SourceOp>(out.node->op); }

TEST(Lower, FromImageRunUsesShellEnvAndWorkdir) {
  auto plan = lower_text("FROM busybox\nENV A=1\nWORKDIR /app\nUSER nobody\nRUN echo $A\n");
  const auto& run = exec_of(plan.root);
  EXPECT_EQ(run.args, (std::vector<std::string>{"/bin/sh", "-c", "echo $A"}));
  EXPECT_EQ(run.env, (std::vector<std::string>{"PATH=/bin", "HOME=/root", "A=1"}));
  EXPECT_EQ(run.cwd, "/app");
  EXPECT_EQ(run.user, "nobody");
  ASSERT_EQ(run.mounts.size(), 1u);
  EXPECT_EQ(run.mounts[0].dest, "/");
  EXPECT_EQ(run.mounts[0].output, 0);
  EXPECT_EQ(plan.root.node->meta.location, "Dockerfile:5");
  EXPECT_EQ(plan.root.node->meta.description, "[3/3] RUN echo $A");

  const auto& mkdir = file_of(plan.root.node->inputs[0]);
  EXPECT_EQ(std::get<llb::FileMkdir>(mkdir.actions[0]).path, "/app");
  const auto& base = source_of(plan.root.node->inputs[0].node->inputs[0]);
  EXPECT_EQ(base.identifier, "docker-image://busybox:latest@sha256:" + std::string(64, 'a'));

  const json& history = plan.image_config["history"];
  ASSERT_EQ(history.size(), 5u);
  EXPECT_EQ(history[0]["created_by"], "base layer");
  EXPECT_EQ(history[1]["created_by"], "ENV A=1");
  EXPECT_EQ(history[1]["empty_layer"], true);
  EXPECT_EQ(history[2]["empty_layer"], false);
  EXPECT_EQ(history[4]["created_by"], "RUN /bin/sh -c echo $A # buildkit");
  EXPECT_EQ(history[4]["empty_layer"], false);
  EXPECT_FALSE(plan.image_config.contains("rootfs"));
  EXPECT_EQ(plan.image_config["config"]["WorkingDir"], "/app");
}

// The history and config of one Dockerfile with every instruction, as docker 20.10's BuildKit
// wrote them for the same Dockerfile (docker image inspect / docker save), except where current
// BuildKit writes otherwise: an ARG entry carries the value in effect (a --build-arg), and the
// healthcheck struct has StartInterval.
TEST(Lower, HistoryAndConfigAreWhatBuildKitWrites) {
  BuildOptions options;
  options.build_args = {{"W", "override"}};
  auto plan = lower_text(
      "FROM busybox AS base\nRUN echo base > /base.txt\n"
      "FROM busybox\nARG NODEF\nARG V=1 W=x\nENV A=1 B=\"two words\" F=a.txt\nLABEL team=core \"x y\"=z\n"
      "MAINTAINER someone\nRUN echo $A > /a\nCOPY --from=base /base.txt /c.txt\nCOPY --chown=1:1 $F /f.txt\n"
      "ADD a.txt /b.txt\nWORKDIR /\nWORKDIR app\nUSER 1000:1000\nEXPOSE 80/tcp 443 8000-8001 53/udp\n"
      "VOLUME /data\nSTOPSIGNAL SIGTERM\nHEALTHCHECK --interval=1m30s --timeout=500ms --retries=3 CMD true\n"
      "ONBUILD RUN echo hi\nSHELL [\"/bin/sh\", \"-c\"]\nENTRYPOINT [\"/bin/sh\"]\nCMD echo $V\n",
      options);
  const std::vector<std::pair<std::string, bool>> expected = {
      {"base layer", false},
      {"ARG NODEF", true},
      {"ARG V=1 W=override", true},
      {"ENV A=1 B=two words F=a.txt", true},
      {"LABEL team=core x y=z", true},
      {"MAINTAINER someone", true},
      {"RUN |3 NODEF= V=1 W=override /bin/sh -c echo $A > /a # buildkit", false},
      {"COPY /base.txt /c.txt # buildkit", false},
      {"COPY a.txt /f.txt # buildkit", false},
      {"ADD a.txt /b.txt # buildkit", false},
      {"WORKDIR /", true},
      {"WORKDIR /app", false},
      {"USER 1000:1000", true},
      {"EXPOSE map[443/tcp:{} 53/udp:{} 80/tcp:{} 8000/tcp:{} 8001/tcp:{}]", true},
      {"VOLUME [/data]", true},
      {"STOPSIGNAL SIGTERM", true},
      {"HEALTHCHECK &{[\"CMD-SHELL\" \"true\"] \"1m30s\" \"500ms\" \"0s\" \"0s\" '\\x03'}", true},
      {"SHELL [/bin/sh -c]", true},
      {"ENTRYPOINT [\"/bin/sh\"]", true},
      {"CMD [\"/bin/sh\" \"-c\" \"echo $V\"]", true},
  };
  const json& history = plan.image_config["history"];
  ASSERT_EQ(history.size(), expected.size()) << history.dump(1);
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(history[i]["created_by"], expected[i].first) << i;
    EXPECT_EQ(history[i].value("empty_layer", false), expected[i].second) << expected[i].first;
  }
  const json& config = plan.image_config["config"];
  EXPECT_EQ(config["ArgsEscaped"], true);
  EXPECT_EQ(config["OnBuild"], json({"RUN echo hi"}));
  EXPECT_EQ(config["Shell"], json({"/bin/sh", "-c"}));
  // WORKDIR / makes no step: the stage is busybox, RUN, two COPYs, ADD and WORKDIR /app.
  EXPECT_EQ(std::get<llb::FileMkdir>(file_of(plan.root).actions[0]).path, "/app");
}

// An image built on a base that never set SHELL has none either: no "Shell": null.
TEST(Lower, NoShellInTheConfigUnlessSet) {
  auto plan = lower_text("FROM busybox\nRUN true\nCMD [\"sh\"]\n");
  EXPECT_FALSE(plan.image_config["config"].contains("Shell")) << plan.image_config.dump();
  auto stage = lower_text("FROM busybox AS a\nFROM a\nRUN true\n");
  EXPECT_FALSE(stage.image_config["config"].contains("Shell")) << stage.image_config.dump();
}

TEST(Lower, CopyFromContextRecordsFollowPathsAndExcludes) {
  BuildOptions options;
  options.dockerignore.emplace("*.log\n!keep.log\n");
  auto plan = lower_text("FROM busybox\nWORKDIR /app\nCOPY --chown=1:2 --chmod=0640 a.txt sub/ ./\n", options);
  const auto& copy = file_of(plan.root);
  ASSERT_EQ(copy.actions.size(), 2u);
  const auto& first = std::get<llb::FileCopy>(copy.actions[0]);
  EXPECT_EQ(first.src, "/a.txt");
  EXPECT_EQ(first.dest, "/app/");
  EXPECT_EQ(first.src_input, 1);
  EXPECT_EQ(first.chown->user, "1");
  EXPECT_EQ(first.chown->group, "2");
  EXPECT_EQ(*first.mode, 0640u);
  EXPECT_EQ(std::get<llb::FileCopy>(copy.actions[1]).src, "/sub/");
  const auto& context = source_of(plan.root.node->inputs[1]);
  EXPECT_EQ(context.identifier, "local://context");
  EXPECT_EQ(json::parse(context.attrs.at("followpaths")), json({"a.txt", "sub"}));
  EXPECT_EQ(json::parse(context.attrs.at("exclude")), json({"*.log", "!keep.log"}));
}

// BuildKit's rule: a wildcard may match nothing; the copies without one keep their keys.
TEST(Lower, OnlyAWildcardSourceMayMatchNothing) {
  auto plan = lower_text("FROM busybox\nCOPY go.mod go.sum* ./\n");
  const auto& copy = file_of(plan.root);
  ASSERT_EQ(copy.actions.size(), 2u);
  EXPECT_FALSE(std::get<llb::FileCopy>(copy.actions[0]).allow_empty_wildcard);
  EXPECT_TRUE(std::get<llb::FileCopy>(copy.actions[1]).allow_empty_wildcard);
}

TEST(Lower, UnusedStagesAreNotLoweredAndCopyFromStageUsesItsOutput) {
  auto plan = lower_text(
      "FROM doesnotexist AS unused\n"
      "FROM busybox AS build\nRUN make\n"
      "FROM scratch\nCOPY --from=build /out /bin/app\n");
  const auto& copy = file_of(plan.root);
  EXPECT_TRUE(plan.root.node->inputs[0].is_scratch());
  EXPECT_EQ(std::get<llb::FileCopy>(copy.actions[0]).src, "/out");
  EXPECT_EQ(exec_of(plan.root.node->inputs[1]).args.back(), "make");
}

TEST(Lower, NoCacheFilterNamesAStageInAnyCaseAndMarksOnlyItsSteps) {
  BuildOptions options;
  options.no_cache_stages = {"BUILD"};
  auto plan = lower_text(
      "FROM busybox AS Build\nRUN make\n"
      "FROM busybox\nRUN true\nCOPY --from=build /out /bin/app\n", options);
  EXPECT_FALSE(plan.root.node->meta.ignore_cache);
  EXPECT_FALSE(plan.root.node->inputs[0].node->meta.ignore_cache);
  EXPECT_TRUE(plan.root.node->inputs[1].node->meta.ignore_cache);
  EXPECT_TRUE(plan.warnings.empty());

  options.no_cache_stages = {"biuld", "1"};
  plan = lower_text("FROM busybox AS build\nRUN make\nFROM busybox\nRUN true\n", options);
  EXPECT_EQ(plan.warnings, (std::vector<std::string>{
                               "Dockerfile: --no-cache-filter \"biuld\" names no stage: every step may come from the cache"}));
}

TEST(Lower, ArgsScopeAndBuildArgOverride) {
  BuildOptions options;
  options.build_args = {{"V", "2"}, {"UNUSED", "x"}};
  auto plan = lower_text("ARG BASE=busybox\nFROM $BASE\nARG V=1\nRUN echo $V\n", options);
  const auto& run = exec_of(plan.root);
  EXPECT_EQ(run.env.back(), "V=2");
  EXPECT_EQ(plan.image_config["history"].back()["created_by"], "RUN |1 V=2 /bin/sh -c echo $V # buildkit");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_NE(plan.warnings[0].find("UNUSED"), std::string::npos);
}

TEST(Lower, EntrypointResetsInheritedCmd) {
  auto plan = lower_text("FROM busybox\nENTRYPOINT [\"/app\"]\nEXPOSE 80 53/udp\nLABEL a=b\n");
  EXPECT_TRUE(plan.image_config["config"]["Cmd"].is_null());
  EXPECT_EQ(plan.image_config["config"]["Entrypoint"], json({"/app"}));
  EXPECT_TRUE(plan.image_config["config"]["ExposedPorts"].contains("80/tcp"));
  EXPECT_TRUE(plan.image_config["config"]["ExposedPorts"].contains("53/udp"));
  EXPECT_EQ(plan.image_config["config"]["Labels"]["a"], "b");
}

TEST(Lower, MarshalIsDeterministic) {
  std::string df = "FROM busybox\nCOPY . /src\nRUN make\n";
  EXPECT_EQ(llb::marshal(lower_text(df).root).digest(), llb::marshal(lower_text(df).root).digest());
}

TEST(Lower, ErrorsNameFileAndLine) {
  try {
    lower_text("FROM busybox\n\nCPOY a /b\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dockerfile:3: unknown instruction: CPOY (did you mean COPY?)");
  }
  try {
    lower_text("FROM nope\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dockerfile:1: image nope: not found");
  }
}


TEST(Lower, RunMountsHeredocsAndInvalidMounts) {
  auto plan = lower_text(
      "FROM busybox AS b\nFROM busybox\n"
      "RUN --mount=type=cache,target=/c,sharing=locked --mount=from=b,source=/out,target=/o "
      "--mount=type=secret,id=tok,env=TOKEN --network=none cat /o\n");
  const auto& run = exec_of(plan.root);
  ASSERT_EQ(run.mounts.size(), 3u);
  EXPECT_EQ(run.mounts[1].type, llb::MountType::Cache);
  EXPECT_EQ(run.mounts[1].cache_id, "/c");
  EXPECT_EQ(run.mounts[1].sharing, llb::CacheSharing::Locked);
  EXPECT_EQ(run.mounts[2].input, 1);
  EXPECT_EQ(run.mounts[2].selector, "/out");
  EXPECT_TRUE(run.mounts[2].readonly);
  ASSERT_EQ(run.secret_env.size(), 1u);
  EXPECT_EQ(run.secret_env[0].name, "TOKEN");
  EXPECT_EQ(run.network, llb::NetworkMode::None);

  auto heredoc = lower_text("FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\n");
  EXPECT_EQ(exec_of(heredoc.root).args, (std::vector<std::string>{"/bin/sh", "-c", "echo one\necho two\n"}));

  try {
    lower_text("FROM busybox\nRUN --mount=type=cache,foo=bar true\n");
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("Dockerfile:2: invalid --mount: unexpected key 'foo'")) << e.what();
  }
}

TEST(Lower, CacheMountFromAStageIsSeededFromItsSourceAndOptionsWithoutMeaningAreErrors) {
  auto plan = lower_text(
      "FROM busybox AS seed\nRUN make\nFROM busybox\n"
      "RUN --mount=type=cache,target=/c,from=seed,source=data/,sharing=private,uid=7 true\n");
  const auto& run = exec_of(plan.root);
  ASSERT_EQ(run.mounts.size(), 2u);
  EXPECT_EQ(run.mounts[1].sharing, llb::CacheSharing::Private);
  EXPECT_EQ(run.mounts[1].selector, "/data/");
  EXPECT_EQ(run.mounts[1].uid, 7u);
  ASSERT_EQ(run.mounts[1].input, 1);
  EXPECT_EQ(exec_of(plan.root.node->inputs[1]).args.back(), "make");

  auto secret = lower_text("FROM busybox\nRUN --mount=type=secret,source=tok cat /run/secrets/tok\n");
  EXPECT_EQ(exec_of(secret.root).mounts[1].secret_id, "tok") << "a secret's source is its id";

  for (const auto& [mount, error] : std::vector<std::pair<std::string, std::string>>{
           {"type=cache,target=/c,source=/data", "cache mount source '/data' needs from="},
           {"type=tmpfs,target=/t,from=seed", "unexpected key 'from' for mount type tmpfs"},
           {"type=ssh,source=/x", "unexpected key 'source' for mount type ssh"},
           {"type=secret,id=a,source=b", "both source and id can't be set"},
           {"type=secret,id=a,from=seed", "unexpected key 'from' for mount type secret"}}) {
    try {
      lower_text("FROM busybox AS seed\nFROM busybox\nRUN --mount=" + mount + " true\n");
      ADD_FAILURE() << mount << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(error), std::string::npos) << e.what();
    }
  }
}

TEST(Lower, RelativeMountTargetsAreInTheWorkingDirectoryAndNoneMountsOverTheRoot) {
  auto plan = lower_text("FROM busybox\nWORKDIR /app\nRUN --mount=type=cache,target=cache --mount=type=tmpfs,target=./t/ true\n");
  const auto& run = exec_of(plan.root);
  ASSERT_EQ(run.mounts.size(), 3u);
  EXPECT_EQ(run.mounts[1].dest, "/app/cache");
  EXPECT_EQ(run.mounts[1].cache_id, "cache") << "the cache's id is the target as written, as BuildKit's";
  EXPECT_EQ(run.mounts[2].dest, "/app/t");
  for (const std::string target : {"/", "."}) {
    try {
      lower_text("FROM busybox\nRUN --mount=type=cache,target=" + target + " true\n");
      ADD_FAILURE() << target << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("Dockerfile:2: invalid --mount: invalid mount target \"/\""), std::string::npos) << e.what();
    }
  }
}

TEST(Lower, OnbuildTriggersRunInChildAndAddUrlUsesHttpSource) {
  BuildOptions options;
  options.dockerfile = "FROM busybox\nADD https://example.com/f.tgz /f\n";
  options.resolve_image = [](const std::string& ref, const Platform&) {
    ImageInfo info = busybox("busybox");
    if (ref == "parent") info.config["config"]["OnBuild"] = {"RUN echo triggered"};
    return info;
  };
  auto add = lower(options);
  const auto& op = file_of(add.root);
  EXPECT_EQ(source_of(add.root.node->inputs[1]).identifier, "https://example.com/f.tgz");
  EXPECT_EQ(std::get<llb::FileCopy>(op.actions[0]).src, "/f.tgz");

  options.dockerfile = "FROM parent\nRUN after\n";
  auto child = lower(options);
  EXPECT_EQ(exec_of(child.root.node->inputs[0]).args.back(), "echo triggered");
  EXPECT_FALSE(child.image_config["config"].contains("OnBuild"));
}

TEST(Lower, OnbuildTriggersAreNumberedAsTheFirstStepsOfTheStage) {
  BuildOptions options;
  options.dockerfile = "FROM parent\nRUN after\n";
  options.resolve_image = [](const std::string&, const Platform&) {
    ImageInfo info = busybox("busybox");
    info.config["config"]["OnBuild"] = {"COPY . /app", "ENV BUILT=1", "RUN make -C /app"};
    return info;
  };
  auto plan = lower(options);
  std::vector<std::string> steps;
  for (const llb::Node* n = plan.root.node.get(); n && !n->inputs.empty(); n = n->inputs[0].node.get())
    steps.insert(steps.begin(), n->meta.description);
  EXPECT_EQ(steps, (std::vector<std::string>{"[2/4] COPY . /app", "[3/4] RUN make -C /app", "[4/4] RUN after"}));
}

}  // namespace
}  // namespace gantry::frontend
