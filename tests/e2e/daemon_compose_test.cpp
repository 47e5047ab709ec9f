// docker-compose (Debian's 1.29, unmodified) builds through `gantry daemon`: once through its own
// client library, docker-py, which speaks the Engine API itself (COMPOSE_DOCKER_CLI_BUILD=0), and
// once through the docker CLI it starts (COMPOSE_DOCKER_CLI_BUILD=1, the 28.x client's classic
// builder).
#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/gantry_daemon.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kCompose = "/usr/bin/docker-compose";

// Two services, each with a build context of its own; the first with a build arg, a label and a
// target stage that is not the last.
constexpr const char* kTwoServices = R"(services:
  web:
    build:
      context: ./web
      args:
        GREETING: hello-from-compose
      target: chosen
      labels:
        com.example.service: web
    image: compose-web:1
  worker:
    build: ./worker
    image: compose-worker:1
)";

class DaemonWithCompose : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!fs::exists(kCompose)) GTEST_SKIP() << kCompose << " is not installed";
    env_.import_busybox();
    daemon_.emplace(env_);
  }
  // docker-compose in `project`, as GetParam() builds ("0": docker-py, "1": the docker CLI).
  Outcome compose(const fs::path& project, std::vector<std::string> args) {
    args.insert(args.begin(), {kCompose, "--project-directory", project.string(), "-f",
                               (project / "compose.yaml").string()});
    auto env = docker_env(env_, *daemon_);
    env["COMPOSE_DOCKER_CLI_BUILD"] = GetParam();
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin";  // the docker CLI it runs: the 28.x client
    return run_command(args, env);
  }
  std::string inspect(const std::string& format, const std::string& image) {
    return env_.gantry({"inspect", "--format", format, image}).out;
  }

  GantryEnv env_;
  std::optional<GantryDaemon> daemon_;
};

TEST_P(DaemonWithCompose, BuildsTwoServicesWithTheirArgsLabelsAndTargets) {
  const fs::path project = env_.scratch() / "project";
  write_context(project / "web",
                "FROM busybox AS base\n"
                "ARG GREETING=unset\n"
                "RUN echo \"$GREETING\" > /greeting\n"
                "FROM base AS chosen\n"
                "RUN echo chosen > /stage\n"
                "FROM base AS last\n"
                "RUN echo last > /stage\n");
  write_context(project / "worker", "FROM busybox\nENV ROLE=worker\nRUN echo worker > /role\n");
  std::ofstream(project / "compose.yaml") << kTwoServices;

  const auto build = compose(project, {"build", "--no-cache", "--force-rm"});
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err << daemon_->log();
  EXPECT_NE(build.out.find("Successfully tagged compose-web:1\n"), std::string::npos) << build.out;
  EXPECT_NE(build.out.find("Successfully tagged compose-worker:1\n"), std::string::npos)
      << build.out;

  // Both images are in gantry's store, each made of its own context as compose.yaml says.
  const auto web = env_.gantry({"run", "--rm", "compose-web:1", "cat", "/greeting", "/stage"});
  ASSERT_EQ(web.exit_code, 0) << web.err;
  EXPECT_EQ(web.out, "hello-from-compose\nchosen\n");
  EXPECT_EQ(inspect("{{index .Config.Labels \"com.example.service\"}}", "compose-web:1"), "web\n");
  const auto worker =
      env_.gantry({"run", "--rm", "compose-worker:1", "sh", "-c", "echo $ROLE; cat /role"});
  ASSERT_EQ(worker.exit_code, 0) << worker.err;
  EXPECT_EQ(worker.out, "worker\nworker\n");

  // Built again, from the cache: the same images.
  const std::string web_id = inspect("{{.Id}}", "compose-web:1");
  const auto again = compose(project, {"build"});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err << daemon_->log();
  EXPECT_NE(again.out.find("Using cache"), std::string::npos) << again.out;
  EXPECT_EQ(inspect("{{.Id}}", "compose-web:1"), web_id);
}

TEST_P(DaemonWithCompose, AFailingRunFailsTheBuildWithItsOutput) {
  const fs::path project = env_.scratch() / "broken";
  write_context(project / "svc", "FROM busybox\nRUN echo compose-sees-this && exit 7\n");
  std::ofstream(project / "compose.yaml")
      << "services:\n  broken:\n    build: ./svc\n    image: compose-broken:1\n";
  const auto build = compose(project, {"build"});
  EXPECT_NE(build.exit_code, 0);
  EXPECT_NE(build.out.find("compose-sees-this\n"), std::string::npos) << build.out;
  EXPECT_NE(build.err.find("exit code: 7"), std::string::npos) << build.err;
  EXPECT_EQ(env_.gantry({"inspect", "compose-broken:1"}).exit_code, 1);
}

INSTANTIATE_TEST_SUITE_P(Builders, DaemonWithCompose, ::testing::Values("0", "1"),
                         [](const auto& info) {
                           return info.param == "0" ? "DockerPy" : "DockerCli";
                         });

}  // namespace
}  // namespace gantry::e2e
