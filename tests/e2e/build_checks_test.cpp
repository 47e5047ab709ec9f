// Build checks end to end: `gantry build --check` and --call=check|outline|targets as buildx
// prints them, their exit codes, the `# check=` directive, and the list of broken checks a
// normal build prints when it is over.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class BuildChecksTest : public testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    context_ = env_.scratch() / "ctx";
    fs::create_directories(context_);
  }

  Outcome build(const std::string& dockerfile, std::vector<std::string> flags) {
    write_file_atomic(context_ / "Dockerfile", dockerfile);
    std::vector<std::string> args{"build"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context_.string());
    return env_.gantry(args);
  }

  GantryEnv env_;
  fs::path context_;
};

TEST_F(BuildChecksTest, CheckWithoutWarningsExitsZero) {
  const Outcome o = build("FROM busybox AS base\nCOPY Dockerfile /\n", {"--check"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, "Check complete, no warnings found.\n");
}

TEST_F(BuildChecksTest, CheckPrintsEachWarningWithItsLinesAndExitsOne) {
  const Outcome o = build("FROM busybox as base\nCOPY Dockerfile /\n", {"--check"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_EQ(o.out,
            "Check complete, 1 warning has been found!\n"
            "\n"
            "WARNING: FromAsCasing - https://docs.docker.com/go/dockerfile/rule/from-as-casing/\n"
            "'as' and 'FROM' keywords' casing do not match\n"
            "Dockerfile:1\n"
            "--------------------\n"
            "   1 | >>> FROM busybox as base\n"
            "   2 |     COPY Dockerfile /\n"
            "   3 |     \n"
            "--------------------\n");
  // Nothing was built: the store has busybox alone.
  const Outcome images = env_.gantry({"images", "-q"});
  EXPECT_EQ(lines_of(images.out).size(), 1u) << images.out;
}

TEST_F(BuildChecksTest, CheckCountsSeveralWarningsAndIgnoreStatusExitsZero) {
  const std::string file = "frOM busybox as base\ncOpy Dockerfile /\n";
  Outcome o = build(file, {"--call=check"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.out.find("Check complete, 2 warnings have been found!\n"), std::string::npos) << o.out;
  o = build(file, {"--call=check,ignorestatus=true"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
}

TEST_F(BuildChecksTest, CheckErrorTrueFailsWithTheRules) {
  const Outcome o = build("# check=error=true\nFROM busybox as base\nMAINTAINER me\n", {"--check"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.out.find("Check complete, 2 warnings have been found!"), std::string::npos) << o.out;
  EXPECT_NE(o.err.find("Dockerfile: lint violation found for rules: FromAsCasing, MaintainerDeprecated"),
            std::string::npos)
      << o.err;
}

TEST_F(BuildChecksTest, DirectiveSkipsRules) {
  const Outcome o = build("# check=skip=FromAsCasing,JSONArgsRecommended\nFROM busybox as base\nCMD echo\n", {"--check"});
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_EQ(o.out, "Check complete, no warnings found.\n");
  const Outcome bad = build("# check=skip\nFROM busybox\n", {"--check"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("Dockerfile:1: # check=skip: invalid check option \"skip\""), std::string::npos) << bad.err;
}

TEST_F(BuildChecksTest, CheckLooksAtEveryStageUnlessATargetIsNamed) {
  const std::string file = "FROM busybox AS unused\nMAINTAINER me\nFROM busybox AS app\nRUN true\n";
  EXPECT_EQ(build(file, {"--check"}).exit_code, 1);
  const Outcome o = build(file, {"--check", "--target", "app"});
  // MaintainerDeprecated is found as the file is read, whatever the target.
  EXPECT_NE(o.out.find("MaintainerDeprecated"), std::string::npos) << o.out;
}

TEST_F(BuildChecksTest, CheckJsonIsBuildKitsLintResult) {
  const Outcome o = build("FROM busybox as base\n", {"--call=check,format=json"});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  const auto result = nlohmann::json::parse(o.out);
  ASSERT_EQ(result["warnings"].size(), 1u);
  EXPECT_EQ(result["warnings"][0]["ruleName"], "FromAsCasing");
  EXPECT_EQ(result["warnings"][0]["url"], "https://docs.docker.com/go/dockerfile/rule/from-as-casing/");
  EXPECT_EQ(result["warnings"][0]["location"]["ranges"][0]["start"]["line"], 1);
  EXPECT_EQ(result["sources"][0]["filename"], "Dockerfile");
}

TEST_F(BuildChecksTest, BuildListsBrokenChecksWhenItIsOver) {
  const Outcome o = build("FROM busybox as base\nCMD echo hi\n", {"--progress=plain"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const std::string list =
      "\n 2 warnings found (use gantry build --check to expand):\n"
      " - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 1)\n"
      " - JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS "
      "signals (line 2)\n";
  ASSERT_GE(o.err.size(), list.size());
  EXPECT_EQ(o.err.substr(o.err.size() - list.size()), list) << o.err;
  // -q prints the image ID alone, as buildx's quiet mode keeps the warnings to itself.
  const Outcome quiet = build("FROM busybox as base\n", {"-q"});
  EXPECT_EQ(quiet.err.find("warning"), std::string::npos) << quiet.err;
}

TEST_F(BuildChecksTest, BuildFailsOnBrokenChecksWithErrorTrue) {
  const Outcome o = build("# check=error=true\nFROM busybox as base\nRUN true\n", {"--progress=plain"});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find(" - FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 2)"), std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("lint violation found for rules: FromAsCasing"), std::string::npos) << o.err;
  // The build arg sets the checks in the directive's place.
  const Outcome skipped = build("# check=error=true\nFROM busybox as base\nRUN true\n",
                                {"--progress=plain", "--build-arg", "BUILDKIT_DOCKERFILE_CHECK=skip=FromAsCasing"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
}

TEST_F(BuildChecksTest, OutlinePrintsArgsAndSecretsOfTheTarget) {
  const std::string file =
      "# GO_VERSION sets the Go version\nARG GO_VERSION=1.22\n"
      "# release is the image shipped\nFROM busybox AS release\n# MODE how to build\nARG MODE=fast\nARG EMPTY\n"
      "RUN --mount=type=secret,id=token,required=true true\n";
  const Outcome o = build(file, {"--call=outline", "--target", "release"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out,
            "TARGET:      release\n"
            "DESCRIPTION: is the image shipped\n"
            "\n"
            "BUILD ARG   VALUE   DESCRIPTION\n"
            "MODE        fast    how to build\n"
            "EMPTY               \n"
            "\n"
            "SECRET   REQUIRED\n"
            "token    true\n"
            "\n");
  const Outcome json = build(file, {"--call=outline,format=json"});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["args"][0]["name"], "MODE");
}

TEST_F(BuildChecksTest, OutlineShowsGlobalArgsUsedInFrom) {
  const Outcome o = build("# TAG of busybox\nARG TAG=latest\nARG UNUSED=1\nFROM busybox:${TAG}\n", {"--call=outline"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out,
            "BUILD ARG   VALUE    DESCRIPTION\n"
            "TAG         latest   of busybox\n"
            "\n");
}

TEST_F(BuildChecksTest, TargetsListsStagesAndTheDefault) {
  const std::string file = "# base has the tools\nFROM busybox AS base\nFROM base AS test\n# release ships\nFROM base AS release\n";
  const Outcome o = build(file, {"--call=targets"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out,
            "TARGET            DESCRIPTION\n"
            "base              has the tools\n"
            "test              \n"
            "release (default) ships\n");
  const Outcome json = build(file, {"--call=targets,format=json"});
  const auto targets = nlohmann::json::parse(json.out)["targets"];
  ASSERT_EQ(targets.size(), 3u);
  EXPECT_EQ(targets[2]["default"], true);
  EXPECT_EQ(targets[0]["base"], "busybox");
}

TEST_F(BuildChecksTest, UnknownCallsAreUsageErrors) {
  EXPECT_EQ(build("FROM busybox\n", {"--call=subrequests.describe"}).exit_code, 125);
  EXPECT_EQ(build("FROM busybox\n", {"--call=targets,format=yaml"}).exit_code, 125);
  EXPECT_EQ(build("FROM busybox\n", {"--check", "--call=outline"}).exit_code, 125);
  // Nothing is built, so nothing is named or written.
  const Outcome tagged = build("FROM busybox\n", {"--check", "-t", "app:1"});
  EXPECT_EQ(tagged.exit_code, 125);
  EXPECT_NE(tagged.err.find("-t/--tag: --call=check builds nothing for it to apply to"), std::string::npos) << tagged.err;
}

}  // namespace
}  // namespace gantry::e2e
