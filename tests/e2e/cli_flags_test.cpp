// The command line itself: usage errors worded as docker words them (exit 125), the build
// flags added for docker/buildx compatibility, and version/info.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// gantry with `stdin_file` as its standard input (the runner gives /dev/null otherwise).
Outcome gantry_with_stdin(const GantryEnv& env, const std::string& args, const fs::path& stdin_file) {
  return run_command({"sh", "-c", gantry_binary() + " " + args + " < '" + stdin_file.string() + "'"},
                     {{"GANTRY_ROOT", env.root().string()}});
}

}  // namespace

TEST(CliFlags, UnknownFlagIsAUsageErrorNamingTheCommand) {
  GantryEnv env;
  auto o = env.gantry({"build", "--frobnicate", "."});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_EQ(o.err, "gantry: unknown flag: --frobnicate\nSee 'gantry build --help'.\n");
  o = env.gantry({"images", "--nope"});
  EXPECT_EQ(o.exit_code, 125);
  EXPECT_NE(o.err.find("See 'gantry images --help'."), std::string::npos) << o.err;
}

TEST(CliFlags, AnUnknownFlagIsNamedWithoutItsValueByEveryCommand) {
  GantryEnv env;
  // CLI11 alone takes `1` for the context and says "got an unexpected argument"; docker names the flag.
  for (const auto& args : std::vector<std::vector<std::string>>{{"build", "--bogus=1", "."},
                                                                {"build", "--bogus", "1", "."},
                                                                {"images", "--bogus=x"},
                                                                {"save", "--bogus", "1", "img"},
                                                                {"run", "--bogus=1", "busybox", "true"}}) {
    auto o = env.gantry(args);
    EXPECT_EQ(o.exit_code, 125) << testing::PrintToString(args);
    EXPECT_TRUE(o.err.starts_with("gantry: unknown flag: --bogus\nSee 'gantry " + args[0] + " --help'."))
        << testing::PrintToString(args) << o.err;
  }
  auto shorthand = env.gantry({"build", "-Zq", "."});
  EXPECT_EQ(shorthand.exit_code, 125);
  EXPECT_TRUE(shorthand.err.starts_with("gantry: unknown shorthand flag: 'Z' in -Zq\n")) << shorthand.err;
}

TEST(CliFlags, AMissingTargetStageIsABuildFailureListingTheStages) {
  GantryEnv env;
  const fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM scratch AS base\nFROM base AS tools\nFROM scratch\n");
  auto o = env.gantry({"build", "--target", "nosuchstage", ctx.string()});
  EXPECT_EQ(o.exit_code, 1) << o.err;
  EXPECT_NE(o.err.find("target stage \"nosuchstage\" could not be found in Dockerfile (its stages: base, tools)"),
            std::string::npos)
      << o.err;
}

TEST(CliFlags, MalformedValuesAndMissingCommandsAreUsageErrors) {
  GantryEnv env;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"build", "a", "b"},
           {"build", "--progress", "fancy", "."},
           {"build", "--max-parallelism", "0", "."},
           {"build", "--max-parallelism", "many", "."},
           {"build", "--network", "bridge2", "."},
           {"tag", "only-one"},
           {"frobnicate"}}) {
    auto o = env.gantry(args);
    EXPECT_EQ(o.exit_code, 125) << testing::PrintToString(args) << o.err;
    EXPECT_TRUE(o.err.starts_with("gantry: ")) << o.err;
    EXPECT_NE(o.err.find("--help'."), std::string::npos) << o.err;
  }
}

TEST(CliFlags, EveryCommandHasHelp) {
  GantryEnv env;
  for (std::string cmd : {"build", "images", "tag", "rmi", "inspect", "history", "save", "load", "import", "du",
                          "prune", "run", "version", "info"}) {
    auto o = env.gantry({cmd, "--help"});
    EXPECT_EQ(o.exit_code, 0) << cmd << o.err;
    EXPECT_NE(o.out.find("Usage:"), std::string::npos) << cmd << o.out;
  }
  auto o = env.gantry({"build", "--help"});
  for (std::string flag : {"--tag", "--file", "--build-arg", "--target", "--no-cache", "--no-cache-filter", "--pull",
                           "--network", "--secret", "--ssh", "--output", "--load", "--platform", "--label",
                           "--iidfile", "--metadata-file", "--quiet", "--progress", "--max-parallelism"})
    EXPECT_NE(o.out.find(flag), std::string::npos) << flag;
}

// Other platforms are built too (tests/e2e/multi_platform_test.cpp); a malformed one is refused.
TEST(CliFlags, PlatformIsTheHostsOrAWellFormedOther) {
  GantryEnv env;
  env.import_busybox();
  auto bad = env.gantry({"build", "--platform", "linux/arm64/v8/x", testdata("busybox-app").string()});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(bad.err.find("--platform: platform `linux/arm64/v8/x`: not os/architecture[/variant]"), std::string::npos)
      << bad.err;
  auto good = env.gantry({"build", "-q", "--platform", "linux/amd64", "--load", "--max-parallelism", "1",
                          testdata("busybox-app").string()});
  EXPECT_EQ(good.exit_code, 0) << good.err;
}

TEST(CliFlags, MetadataFileHasTheDigestsAndNamesLikeBuildx) {
  GantryEnv env;
  env.import_busybox();
  fs::path metadata = env.scratch() / "metadata.json";
  auto o = env.gantry({"build", "-q", "-t", "app:1", "-t", "app:2", "--metadata-file", metadata.string(),
                       testdata("busybox-app").string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  auto m = json::parse(read_file(metadata));
  auto inspected = json::parse(env.gantry({"inspect", "app:1"}).out)[0];
  EXPECT_EQ(m["containerimage.digest"], inspected["Descriptor"]["digest"]);
  EXPECT_EQ(m["containerimage.config.digest"], inspected["Id"]);
  EXPECT_EQ(m["containerimage.config.digest"].get<std::string>() + "\n", o.out);
  EXPECT_EQ(m["image.name"], "app:1,app:2");
}

TEST(CliFlags, DockerfileFromStdinWithAContext) {
  GantryEnv env;
  env.import_busybox();
  fs::path dockerfile = env.scratch() / "stdin.Dockerfile";
  write_file_atomic(dockerfile, "FROM busybox\nCOPY greeting.txt /copied.txt\n");
  fs::create_directories(env.scratch() / "ctx");
  write_file_atomic(env.scratch() / "ctx/greeting.txt", "from the context\n");
  fs::path out = env.scratch() / "rootfs";
  auto o = gantry_with_stdin(env, "build -q -f - -o type=local,dest=" + out.string() + " " +
                                      (env.scratch() / "ctx").string(), dockerfile);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out / "copied.txt"), "from the context\n");
}

TEST(CliFlags, ContextLessBuildFromStdin) {
  GantryEnv env;
  env.import_busybox();
  fs::path dockerfile = env.scratch() / "Dockerfile";
  write_file_atomic(dockerfile, "FROM busybox\nRUN echo made > /made.txt\n");
  fs::path out = env.scratch() / "rootfs";
  auto o = gantry_with_stdin(env, "build -q -o type=local,dest=" + out.string() + " -", dockerfile);
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out / "made.txt"), "made\n");
  // Without a context there is nothing to COPY.
  write_file_atomic(dockerfile, "FROM busybox\nCOPY anything /x\n");
  auto bad = gantry_with_stdin(env, "build -q -", dockerfile);
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("`anything` not found"), std::string::npos) << bad.err;
}

TEST(CliFlags, TarballContextFromAFileAndFromStdin) {
  GantryEnv env;
  env.import_busybox();
  fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx / "sub");
  write_file_atomic(ctx / "Dockerfile", "FROM busybox\nCOPY sub/data.txt /data.txt\n");
  write_file_atomic(ctx / "sub/data.txt", "in the tarball\n");
  fs::path tarball = env.scratch() / "ctx.tar.gz";
  ASSERT_EQ(run_command({"tar", "-C", ctx.string(), "-czf", tarball.string(), "."}).exit_code, 0);
  fs::path out = env.scratch() / "from-file";
  auto o = env.gantry({"build", "-q", "-o", "type=local,dest=" + out.string(), tarball.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out / "data.txt"), "in the tarball\n");
  fs::path out2 = env.scratch() / "from-stdin";
  auto s = gantry_with_stdin(env, "build -q -o type=local,dest=" + out2.string() + " -", tarball);
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(read_file(out2 / "data.txt"), "in the tarball\n");
}

TEST(CliFlags, VersionAndInfo) {
  GantryEnv env;
  env.import_busybox();
  auto v = env.gantry({"version"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_TRUE(std::regex_search(v.out, std::regex(R"(Version:\s+[0-9]+\.[0-9]+\.[0-9]+)"))) << v.out;
  EXPECT_NE(v.out.find("linux/amd64"), std::string::npos);
  auto i = env.gantry({"info"});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_NE(i.out.find("Root Dir:          " + env.root().string() + "\n"), std::string::npos) << i.out;
  EXPECT_NE(i.out.find("Images:            1\n"), std::string::npos) << i.out;
}

}  // namespace gantry::e2e
