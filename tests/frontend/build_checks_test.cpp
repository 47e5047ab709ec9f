// Build checks: each BuildKit rule with its trigger and its message, the `# check=` directive,
// the BUILDKIT_DOCKERFILE_CHECK build arg and the overrides in comments above an instruction.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/build_checks.h"
#include "frontend/dockerfile/file_checks.h"
#include "frontend/dockerfile/frontend.h"

namespace gantry::frontend {
namespace {

using nlohmann::json;

ImageInfo image_of(const std::string& ref, const std::string& arch) {
  json config = {{"architecture", arch},
                 {"os", "linux"},
                 {"config", {{"Env", {"PATH=/bin"}}}},
                 {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                 {"history", json::array()}};
  return {ref, Digest::from_hex(std::string(64, 'a')), config};
}

ImageInfo resolve(const std::string& ref, const Platform& = host_platform()) {
  if (ref == "armimage") return image_of(ref, "arm64");
  if (ref.starts_with("busybox") || ref == "alpine") return image_of(ref, "amd64");
  throw Error("image " + ref + ": not found");
}

struct Checked {
  std::vector<CheckWarning> warnings;
  std::optional<std::string> failure;
};

Checked check(const std::string& dockerfile, BuildOptions options = {}) {
  CheckReport report;
  options.dockerfile = dockerfile;
  options.resolve_image = resolve;
  options.checks = &report;
  lower(options);
  return {report.warnings(), report.failure()};
}

// "Rule: message (line N)" of each warning.
std::vector<std::string> texts(const std::string& dockerfile, BuildOptions options = {}) {
  std::vector<std::string> out;
  for (const CheckWarning& w : check(dockerfile, std::move(options)).warnings) out.push_back(w.short_text());
  return out;
}

using Texts = std::vector<std::string>;

TEST(BuildChecks, CleanDockerfileHasNoWarnings) {
  EXPECT_EQ(texts("FROM busybox AS base\nARG V=1\nENV A=$V\nWORKDIR /app\nCMD [\"sh\"]\n"), Texts{});
}

TEST(BuildChecks, StageNameCasing) {
  EXPECT_EQ(texts("FROM busybox AS Base\nRUN true\n"),
            Texts{"StageNameCasing: Stage name 'Base' should be lowercase (line 1)"});
}

TEST(BuildChecks, FromAsCasing) {
  EXPECT_EQ(texts("FROM busybox as base\n"), Texts{"FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)"});
  EXPECT_EQ(texts("from busybox AS base\nrun true\n"),
            Texts{"FromAsCasing: 'AS' and 'from' keywords' casing do not match (line 1)"});
}

TEST(BuildChecks, NoEmptyContinuation) {
  EXPECT_EQ(texts("FROM busybox\nRUN echo a \\\n\n  b\n"), Texts{"NoEmptyContinuation: Empty continuation line (line 4)"});
}

TEST(BuildChecks, ConsistentInstructionCasing) {
  EXPECT_EQ(texts("FROM busybox\nRUN true\nrun true\nCMD [\"a\"]\n"),
            Texts{"ConsistentInstructionCasing: Command 'run' should match the case of the command majority (uppercase) (line 3)"});
  EXPECT_EQ(texts("from busybox\nrun true\nRun true\n"),
            Texts{"ConsistentInstructionCasing: Command 'Run' should match the case of the command majority (lowercase) (line 3)"});
}

TEST(BuildChecks, DuplicateStageNameIsReportedBeforeTheBuildFails) {
  CheckReport report;
  BuildOptions options{.dockerfile = "FROM busybox AS a\nFROM busybox AS a\n", .resolve_image = resolve, .checks = &report};
  EXPECT_THROW(lower(options), Error);
  ASSERT_EQ(report.warnings().size(), 1u);
  EXPECT_EQ(report.warnings()[0].short_text(),
            "DuplicateStageName: Duplicate stage name \"a\", stage names should be unique (line 2)");
}

TEST(BuildChecks, ReservedStageName) {
  EXPECT_EQ(texts("FROM busybox AS context\nFROM busybox\n"),
            Texts{"ReservedStageName: Stage name should not use the same name as reserved stage \"context\" (line 1)"});
}

TEST(BuildChecks, JSONArgsRecommendedUnlessAShellWasChosen) {
  EXPECT_EQ(texts("FROM busybox\nCMD echo hi\n"),
            Texts{"JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS "
                  "signals (line 2)"});
  EXPECT_EQ(texts("FROM busybox\nENTRYPOINT echo hi\n").size(), 1u);
  EXPECT_EQ(texts("FROM busybox\nSHELL [\"/bin/sh\", \"-c\"]\nCMD echo hi\n"), Texts{});
}

TEST(BuildChecks, MaintainerDeprecated) {
  EXPECT_EQ(texts("FROM busybox\nMAINTAINER me\n"),
            Texts{"MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 2)"});
}

TEST(BuildChecks, UndefinedArgInFrom) {
  EXPECT_EQ(texts("ARG TAG=latest\nFROM busybox${TAGG}\n"),
            Texts{"UndefinedArgInFrom: FROM argument 'TAGG' is not declared (did you mean TAG?) (line 2)"});
  // Declared without a value: not reported (the build then fails on the blank name, or not).
  EXPECT_EQ(texts("ARG TAG\nFROM busybox${TAG}\n"), Texts{});
}

TEST(BuildChecks, WorkdirRelativePathOnlyForTheFirstWorkdir) {
  EXPECT_EQ(texts("FROM busybox\nWORKDIR app\nWORKDIR sub\n"),
            Texts{"WorkdirRelativePath: Relative workdir \"app\" can have unexpected results if the base image changes "
                  "(line 2)"});
  EXPECT_EQ(texts("FROM busybox\nWORKDIR /app\nWORKDIR sub\n"), Texts{});
}

TEST(BuildChecks, UndefinedVar) {
  EXPECT_EQ(texts("FROM busybox\nENV PATHS=/x\nENV B=$PATH_\n"),
            Texts{"UndefinedVar: Usage of undefined variable '$PATH_' (did you mean $PATH?) (line 3)"});
  // An ARG without a value is declared: not reported. RUN's command is the shell's to expand.
  EXPECT_EQ(texts("FROM busybox\nARG V\nENV A=$V\nRUN echo $NOPE\n"), Texts{});
}

TEST(BuildChecks, MultipleInstructionsDisallowedPointsAtTheOneThatDoesNothing) {
  EXPECT_EQ(texts("FROM busybox\nCMD [\"a\"]\nCMD [\"b\"]\n"),
            Texts{"MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage "
                  "because only the last one will be used (line 2)"});
  EXPECT_EQ(texts("FROM busybox\nHEALTHCHECK NONE\nHEALTHCHECK NONE\n").size(), 1u);
  // One each in two stages is fine.
  EXPECT_EQ(texts("FROM busybox AS a\nCMD [\"a\"]\nFROM a\nCMD [\"b\"]\n"), Texts{});
}

TEST(BuildChecks, LegacyKeyValueFormat) {
  EXPECT_EQ(texts("FROM busybox\nENV A 1\nLABEL b 2\n"),
            (Texts{"LegacyKeyValueFormat: \"ENV key=value\" should be used instead of legacy \"ENV key value\" format (line 2)",
                   "LegacyKeyValueFormat: \"LABEL key=value\" should be used instead of legacy \"LABEL key value\" format "
                   "(line 3)"}));
}

TEST(BuildChecks, InvalidBaseImagePlatform) {
  EXPECT_EQ(texts("FROM armimage\n"),
            Texts{"InvalidBaseImagePlatform: Base image armimage was pulled with platform \"linux/arm64\", expected "
                  "\"linux/amd64\" for current build (line 1)"});
}

TEST(BuildChecks, RedundantTargetPlatform) {
  EXPECT_EQ(texts("FROM --platform=$TARGETPLATFORM busybox\n"),
            Texts{"RedundantTargetPlatform: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this "
                  "is the default behavior (line 1)"});
}

TEST(BuildChecks, SecretsUsedInArgOrEnv) {
  EXPECT_EQ(texts("FROM busybox\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x\nENV PUBLIC_KEY=y KEYS=z\n"),
            (Texts{"SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG \"GITHUB_TOKEN\") "
                   "(line 2)",
                   "SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV \"DB_PASSWORD\") "
                   "(line 3)"}));
}

TEST(BuildChecks, InvalidDefaultArgInFrom) {
  EXPECT_EQ(texts("ARG VARIANT\nFROM busybox${VARIANT:+:}${VARIANT}\n"), Texts{});
  EXPECT_EQ(texts("ARG TAG\nFROM busybox:${TAG}\n", {.build_args = {{"TAG", "latest"}}}),
            Texts{"InvalidDefaultArgInFrom: Default value for ARG busybox:${TAG} results in empty or invalid base image "
                  "name (line 2)"});
}

TEST(BuildChecks, FromPlatformFlagConstDisallowed) {
  EXPECT_EQ(texts("FROM --platform=linux/amd64 busybox AS build\n"),
            Texts{"FromPlatformFlagConstDisallowed: FROM --platform flag should not use constant value \"linux/amd64\" "
                  "(line 1)"});
  // A stage named for its platform means it.
  EXPECT_EQ(texts("FROM --platform=linux/amd64 busybox AS build-amd64\n"), Texts{});
}

TEST(BuildChecks, CopyIgnoredFile) {
  BuildOptions options{.dockerignore = "secret.txt\nlogs/\n"};
  EXPECT_EQ(texts("FROM busybox\nCOPY secret.txt logs/a.log ok.txt /dst/\nADD secret.txt /\n", options),
            (Texts{"CopyIgnoredFile: Attempting to Copy file \"secret.txt\" that is excluded by .dockerignore (line 2)",
                   "CopyIgnoredFile: Attempting to Copy file \"logs/a.log\" that is excluded by .dockerignore (line 2)",
                   "CopyIgnoredFile: Attempting to Add file \"secret.txt\" that is excluded by .dockerignore (line 3)"}));
  // With a `!` re-include BuildKit does not guess.
  EXPECT_EQ(texts("FROM busybox\nCOPY secret.txt /\n", {.dockerignore = "secret.txt\n!keep\n"}), Texts{});
}

TEST(BuildChecks, InvalidDefinitionDescriptionIsExperimental) {
  const std::string file = "# check=experimental=InvalidDefinitionDescription\n"
                           "# the base stage\nFROM busybox AS base\n# VERSION of it\nARG VERSION=1\n# wrong\nARG OTHER=2\n";
  EXPECT_EQ(texts(file), (Texts{"InvalidDefinitionDescription: Comment for FROM should follow the format: `# base "
                                "<description>` (line 3)",
                                "InvalidDefinitionDescription: Comment for ARG should follow the format: `# OTHER "
                                "<description>` (line 7)"}));
  EXPECT_EQ(texts("# the base stage\nFROM busybox AS base\n"), Texts{});
}

TEST(BuildChecks, ExposeProtoCasingAndInvalidFormat) {
  EXPECT_EQ(texts("FROM busybox\nEXPOSE 80/TCP 127.0.0.1:8080:8080 9090:90\n"),
            (Texts{"ExposeProtoCasing: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase (line 2)",
                   "ExposeInvalidFormat: EXPOSE instruction should not define an IP address or host-port mapping, found "
                   "'127.0.0.1:8080:8080' (line 2)",
                   "ExposeInvalidFormat: EXPOSE instruction should not define an IP address or host-port mapping, found "
                   "'9090:90' (line 2)"}));
}

TEST(BuildChecks, ExposeKeepsOnlyTheContainerPort) {
  BuildOptions options{.dockerfile = "FROM busybox\nEXPOSE 127.0.0.1:8080:80/udp\n", .resolve_image = resolve};
  const BuildPlan plan = lower(options);
  EXPECT_EQ(plan.image_config["config"]["ExposedPorts"], (json{{"80/udp", json::object()}}));
  options.dockerfile = "FROM busybox\nEXPOSE 1.2.3:80:80\n";
  EXPECT_THROW(lower(options), Error);
}

TEST(BuildChecks, WarningsCarryRuleDescriptionAndLink) {
  const auto w = check("FROM busybox as base\n").warnings;
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].rule, "FromAsCasing");
  EXPECT_EQ(w[0].url, "https://docs.docker.com/go/dockerfile/rule/from-as-casing/");
  EXPECT_EQ(w[0].description, "The 'as' keyword should match the case of the 'from' keyword");
  EXPECT_EQ(w[0].line, 1);
}

TEST(BuildChecks, OnlyTheStagesTheTargetNeedsUnlessAllAreAsked) {
  const std::string file = "FROM busybox AS unused\nCMD echo\nFROM busybox\nRUN true\n";
  EXPECT_EQ(texts(file), Texts{});
  EXPECT_EQ(texts(file, {.all_stages = true}).size(), 1u);
}

TEST(CheckDirective, SkipsRulesAndAll) {
  EXPECT_EQ(texts("# check=skip=FromAsCasing,MaintainerDeprecated\nFROM busybox as base\nMAINTAINER me\n"), Texts{});
  EXPECT_EQ(texts("# check=skip=all\nFROM busybox as base\n"), Texts{});
}

TEST(CheckDirective, ErrorTrueMakesAFailure) {
  const Checked c = check("# check=error=true\nFROM busybox as base\nMAINTAINER me\n");
  ASSERT_TRUE(c.failure);
  EXPECT_EQ(*c.failure, "lint violation found for rules: FromAsCasing, MaintainerDeprecated");
  EXPECT_FALSE(check("# check=error=true\nFROM busybox AS base\n").failure);
  EXPECT_FALSE(check("FROM busybox as base\n").failure);
}

TEST(CheckDirective, BadValueNamesTheDirective) {
  try {
    check("# check=skip=A;colour=red\nFROM busybox\n");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dockerfile:1: # check=skip=A;colour=red: invalid check option \"colour\" (known: skip, "
                           "experimental, error)");
  }
  EXPECT_THROW(check("# check=error=maybe\nFROM busybox\n"), Error);
}

TEST(CheckDirective, BuildArgReplacesTheDirective) {
  BuildOptions options{.build_args = {{"BUILDKIT_DOCKERFILE_CHECK", "skip=MaintainerDeprecated;error=true"}}};
  const Checked c = check("# check=skip=FromAsCasing\nFROM busybox as base\nMAINTAINER me\n", options);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].rule, "FromAsCasing");
  EXPECT_TRUE(c.failure);
  options.build_args["BUILDKIT_DOCKERFILE_CHECK"] = "nonsense";
  EXPECT_THROW(check("FROM busybox\n", options), UsageError);
}

TEST(CheckDirective, CommentAboveAnInstructionSkipsForItAlone) {
  EXPECT_EQ(texts("FROM busybox\n# check=skip=MaintainerDeprecated\nMAINTAINER a\nMAINTAINER b\n"),
            Texts{"MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label (line 4)"});
}

TEST(CheckConfig, ParsesAsBuildKit) {
  const CheckConfig c = parse_check_config(" skip = A , B ; experimental=all; error=1 ");
  EXPECT_EQ(c.skip, (std::set<std::string>{"A", "B"}));
  EXPECT_TRUE(c.experimental_all);
  EXPECT_TRUE(c.error);
  EXPECT_FALSE(parse_check_config("").error);
  EXPECT_THROW(parse_check_config("skip"), Error);
}

TEST(CheckHelpers, SecretNamesAndSuggestions) {
  EXPECT_TRUE(names_a_secret("api_key"));
  EXPECT_TRUE(names_a_secret("AUTH"));
  EXPECT_FALSE(names_a_secret("KEYBOARD"));
  EXPECT_FALSE(names_a_secret("GPG_KEY_FILE"));
  EXPECT_EQ(closest_name("TAGG", {"TAG", "OTHER"}), "TAG");
  EXPECT_EQ(closest_name("TAG", {"TAG"}), "");
  EXPECT_EQ(closest_name("COMPLETELY", {"TAG"}), "");
}

TEST(Outline, ArgsWithDefaultsDescriptionsSecretsAndSsh) {
  const std::string file =
      "# GO_VERSION sets the Go version\nARG GO_VERSION=1.22\nARG UNUSED=x\n"
      "# build compiles it\nFROM busybox:${GO_VERSION} AS build\n# MODE how to build\nARG MODE=release\nARG EXTRA\n"
      "RUN --mount=type=secret,id=token,required=true --mount=type=ssh true\n";
  BuildOptions options{.dockerfile = file, .build_args = {{"EXTRA", "given"}}, .resolve_image = [](const std::string&, const Platform&) {
                         return resolve("busybox");
                       }};
  const Outline o = lower(options).outline;
  EXPECT_EQ(o.name, "build");
  EXPECT_EQ(o.description, "compiles it");
  ASSERT_EQ(o.args.size(), 3u);
  EXPECT_EQ(o.args[0].name, "GO_VERSION");
  EXPECT_EQ(o.args[0].value, "1.22");
  EXPECT_EQ(o.args[0].description, "sets the Go version");
  EXPECT_EQ(o.args[1].name, "MODE");
  EXPECT_EQ(o.args[1].description, "how to build");
  EXPECT_EQ(o.args[2].name, "EXTRA");
  EXPECT_EQ(o.args[2].value, "given");
  ASSERT_EQ(o.secrets.size(), 1u);
  EXPECT_EQ(o.secrets[0].id, "token");
  EXPECT_TRUE(o.secrets[0].required);
  ASSERT_EQ(o.ssh.size(), 1u);
  EXPECT_EQ(o.ssh[0].id, "default");
}

TEST(Targets, StagesWithDescriptionsAndTheDefault) {
  const auto t = list_targets("# base is where it starts\nFROM busybox AS base\nFROM --platform=$BUILDPLATFORM base\n",
                              "Dockerfile");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "base");
  EXPECT_EQ(t[0].description, "is where it starts");
  EXPECT_FALSE(t[0].is_default);
  EXPECT_EQ(t[1].name, "");
  EXPECT_EQ(t[1].base, "base");
  EXPECT_EQ(t[1].platform, "$BUILDPLATFORM");
  EXPECT_TRUE(t[1].is_default);
  EXPECT_EQ(t[1].line, 3);
}

}  // namespace
}  // namespace gantry::frontend
