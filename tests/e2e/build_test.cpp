// Builds from testdata/ with the real binary; the results are checked with skopeo, umoci and
// podman through ../shared/tools/oci-validate.sh, and with gantry inspect.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Outcome validate(const std::vector<std::string>& flags, const fs::path& archive,
                 const fs::path& scratch) {
  std::vector<std::string> argv{(shared_tools() / "oci-validate.sh").string()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  argv.push_back(archive.string());
  return run_command(argv, {{"GANTRY_VALIDATE_DIR", (scratch / "validate").string()}});
}

json inspect(const GantryEnv& env, const std::string& image) {
  auto o = env.gantry({"inspect", image});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return json::parse(o.out).at(0);
}

class BuildTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(shared_tools() / "oci-validate.sh"))
      GTEST_SKIP() << "../shared/tools/oci-validate.sh is not there to check the exports";
    env_.import_busybox();
  }
  GantryEnv env_;
};

}  // namespace

TEST_F(BuildTest, BusyboxAppAsOciArchivePassesSkopeoUmociAndRunsInPodman) {
  fs::path archive = env_.scratch() / "app-oci.tar";
  auto b = env_.gantry({"build", "--progress=plain", "-t", "app:1", "-o",
                        "type=oci,dest=" + archive.string(), testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--run", "", "--expect", "app says: hello from the app as user in /app"},
                    archive, env_.scratch());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("PASS umoci-unpack"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("PASS skopeo-inspect"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("PASS podman-run"), std::string::npos) << v.out;
}

TEST_F(BuildTest, TheDemoHelloImagePassesSkopeoUmociAndPodman) {
  fs::path archive = env_.scratch() / "hello.tar";
  auto b = env_.gantry({"build", "-t", "hello", "-o", "type=oci,dest=" + archive.string(),
                        (source_dir() / "examples/hello").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--run", "", "--expect",
                     "Hello from gantry: a container image built natively, without a daemon"},
                    archive, env_.scratch());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  for (const char* check : {"PASS skopeo-inspect", "PASS umoci-unpack", "PASS podman-run"})
    EXPECT_NE(v.out.find(check), std::string::npos) << v.out;
}

TEST_F(BuildTest, DockerArchiveLoadsAndRunsInPodman) {
  fs::path archive = env_.scratch() / "app-docker.tar";
  auto b = env_.gantry({"build", "-t", "app:docker", "-o", "type=docker,dest=" + archive.string(),
                        testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--run", "", "--expect", "app says: hello from the app"}, archive, env_.scratch());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("PASS podman-run"), std::string::npos) << v.out;
}

TEST_F(BuildTest, ConfigCarriesEveryInstruction) {
  auto b = env_.gantry({"build", "-t", "app:cfg", testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const json c = inspect(env_, "app:cfg").at("Config");
  EXPECT_EQ(c.at("WorkingDir"), "/app");
  EXPECT_EQ(c.at("User"), "user");
  EXPECT_EQ(c.at("Entrypoint"), json({"/bin/sh", "-c"}));
  EXPECT_EQ(c.at("Cmd"), json({"/app/greet.sh"}));
  EXPECT_TRUE(c.at("ExposedPorts").contains("8080/tcp"));
  EXPECT_TRUE(c.at("ExposedPorts").contains("9090/tcp"));
  EXPECT_EQ(c.at("Labels").at("org.example.team"), "build");
  bool has_greeting = false;
  for (const auto& e : c.at("Env")) has_greeting |= e == "GREETING=hello from the app";
  EXPECT_TRUE(has_greeting) << c.at("Env");
  EXPECT_EQ(inspect(env_, "app:cfg").at("RootFS").at("Layers").size(), 4u);  // busybox + WORKDIR + 2 COPY
}

TEST_F(BuildTest, DockerignoredFilesStayOut) {
  fs::path out = env_.scratch() / "rootfs";
  auto b = env_.gantry({"build", "-o", "type=local,dest=" + out.string(), testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(fs::exists(out / "app/greet.sh"));
  EXPECT_TRUE(fs::exists(out / "opt/util.sh"));
  EXPECT_FALSE(fs::exists(out / "app/ignored.txt"));
  EXPECT_FALSE(fs::exists(out / "app/build.tmp"));
}

TEST_F(BuildTest, ScratchImageStructureIsValid) {
  fs::path archive = env_.scratch() / "scratch.tar";
  auto b = env_.gantry({"build", "-t", "files:1", "-o", "type=oci,dest=" + archive.string(),
                        testdata("scratch-files").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = validate({"--no-podman"}, archive, env_.scratch());
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("PASS structure"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("PASS umoci-unpack"), std::string::npos) << v.out;
}

TEST_F(BuildTest, SameContextTwiceGivesTheSameDigest) {
  auto first = env_.gantry({"build", "-q", testdata("busybox-app").string()});
  auto second = env_.gantry({"build", "-q", testdata("busybox-app").string()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(first.out, second.out);
}

TEST_F(BuildTest, SourceDateEpochGivesTheSameDigestInAnotherRoot) {
  GantryEnv other;
  other.import_busybox();
  std::map<std::string, std::string> sde{{"SOURCE_DATE_EPOCH", "1700000000"}};
  auto a = env_.gantry({"build", "-q", "-t", "r:1", testdata("busybox-app").string()}, sde);
  auto b = other.gantry({"build", "-q", "--no-cache", "-t", "r:1", testdata("busybox-app").string()}, sde);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(inspect(env_, "r:1").at("Descriptor"), inspect(other, "r:1").at("Descriptor"));
  EXPECT_EQ(inspect(env_, "r:1").at("Created"), "2023-11-14T22:13:20Z");
}


TEST(DockerfileDockerignore, TheOneBesideTheDockerfileWins) {
  GantryEnv env;
  env.import_busybox();
  fs::path ctx = env.scratch() / "ctx", df_dir = env.scratch() / "dockerfiles";
  fs::create_directories(ctx);
  fs::create_directories(df_dir);
  write_file_atomic(ctx / "keep.txt", "keep\n");
  write_file_atomic(ctx / "drop.txt", "drop\n");
  write_file_atomic(ctx / ".dockerignore", "keep.txt\n");  // must not apply
  write_file_atomic(df_dir / "app.Dockerfile", "FROM busybox:latest\nCOPY . /ctx/\n");
  write_file_atomic(df_dir / "app.Dockerfile.dockerignore", "drop.txt\n");
  fs::path out = env.scratch() / "out";
  auto o = env.gantry({"build", "-f", (df_dir / "app.Dockerfile").string(), "-o",
                       "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_TRUE(fs::exists(out / "ctx/keep.txt"));
  EXPECT_FALSE(fs::exists(out / "ctx/drop.txt"));
}

}  // namespace gantry::e2e
