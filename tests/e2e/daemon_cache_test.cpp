// Daemons on separate stores share their build cache through a registry (`gantry daemon
// --cache-from/--cache-to type=registry`): a docker client builds on one daemon, then the same
// on another, and the second runs none of the first's steps yet makes the same image.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/e2e/gantry_daemon.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDockerClient = "/usr/local/bin/docker";

// The RUN prints a marker and leaves a time stamp no second run could repeat.
constexpr const char* kDockerfile =
    "FROM busybox\n"
    "RUN sleep 1 && echo the-slow-step-ran && date +%s%N > /stamp\n"
    "RUN cat /stamp > /copy\n";

// A daemon on a store of its own (busybox imported), whose builds import and export `cache`.
struct Builder {
  GantryEnv env;
  std::optional<GantryDaemon> daemon;

  explicit Builder(const std::string& cache,
                   const std::map<std::string, std::string>& daemon_environment = {}) {
    env.import_busybox();
    daemon.emplace(
        env,
        std::vector<std::string>{"--cache-from", "type=registry,ref=" + cache, "--cache-to",
                                 "type=registry,ref=" + cache + ",mode=max"},
        daemon_environment);
  }
  Outcome docker_build(const fs::path& context) const {
    return run_command({kDockerClient, "build", "-t", "app", context.string()},
                       {{"DOCKER_HOST", "unix://" + daemon->socket().string()},
                        {"DOCKER_BUILDKIT", "0"},
                        {"DOCKER_CONFIG", (env.scratch() / "docker-config").string()}});
  }
  std::string image_id() const { return env.gantry({"inspect", "--format", "{{.Id}}", "app"}).out; }
};

TEST(DaemonSharedCache, ASecondDaemonReusesTheStepsTheFirstExportedToTheRegistry) {
  if (!fs::exists(kDockerClient)) GTEST_SKIP() << kDockerClient << " is not installed";
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  GantryEnv registry_home;
  LocalRegistry registry(LocalRegistry::Mode::Plain, registry_home.scratch() / "registry");
  // A repository: each build gets a tag of its own there.
  const std::string cache = registry.host() + "/cache/builds";
  const fs::path context = registry_home.scratch() / "ctx";
  fs::create_directories(context);
  std::ofstream(context / "Dockerfile") << kDockerfile;

  Builder first(cache);
  const auto built = first.docker_build(context);
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err << first.daemon->log();
  EXPECT_NE(built.out.find("the-slow-step-ran\n"), std::string::npos) << built.out;
  EXPECT_NE(built.out.find("exported cache to " + cache + ":app_latest-"), std::string::npos)
      << built.out;

  Builder second(cache);
  const auto reused = second.docker_build(context);
  ASSERT_EQ(reused.exit_code, 0) << reused.out << reused.err << second.daemon->log();
  EXPECT_EQ(reused.out.find("the-slow-step-ran"), std::string::npos) << reused.out;
  EXPECT_NE(reused.out.find(" ---> Using cache\n"), std::string::npos) << reused.out;
  // The stamp the first daemon's RUN wrote is in the second's image: the same image.
  const std::string id = first.image_id();
  ASSERT_EQ(id.rfind("sha256:", 0), 0u) << id;
  EXPECT_EQ(second.image_id(), id);
  EXPECT_EQ(second.env.gantry({"run", "--rm", "app", "cat", "/copy"}).out,
            first.env.gantry({"run", "--rm", "app", "cat", "/copy"}).out);
}

TEST(DaemonSharedCache, TheCacheRegistryIsReachedWithTheDaemonsOwnCredentials) {
  if (!fs::exists(kDockerClient)) GTEST_SKIP() << kDockerClient << " is not installed";
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  GantryEnv registry_home;
  LocalRegistry registry(LocalRegistry::Mode::Basic, registry_home.scratch() / "registry");
  const std::string cache = registry.host() + "/cache/builds";
  const fs::path context = registry_home.scratch() / "ctx";
  fs::create_directories(context);
  std::ofstream(context / "Dockerfile") << kDockerfile;
  // The daemon's config.json has a login there; the client has none.
  const fs::path daemon_config = registry_home.scratch() / "daemon-docker-config";
  fs::create_directories(daemon_config);
  std::ofstream(daemon_config / "config.json")
      << R"({"auths": {")" << registry.host() << R"(": {"username": ")" << LocalRegistry::user()
      << R"(", "password": ")" << LocalRegistry::password() << R"("}}})";

  Builder first(cache, {{"DOCKER_CONFIG", daemon_config.string()}});
  const auto built = first.docker_build(context);
  ASSERT_EQ(built.exit_code, 0) << built.out << built.err << first.daemon->log();
  EXPECT_NE(built.out.find("exported cache to " + cache + ":app_latest-"), std::string::npos)
      << built.out;
  Builder second(cache, {{"DOCKER_CONFIG", daemon_config.string()}});
  const auto reused = second.docker_build(context);
  ASSERT_EQ(reused.exit_code, 0) << reused.out << reused.err << second.daemon->log();
  EXPECT_EQ(reused.out.find("the-slow-step-ran"), std::string::npos) << reused.out;
  EXPECT_EQ(second.image_id(), first.image_id());

  // Without them the registry refuses the export, and the build says so.
  Builder anonymous(cache, {{"DOCKER_CONFIG", (registry_home.scratch() / "none").string()}});
  const auto refused = anonymous.docker_build(context);
  EXPECT_NE(refused.exit_code, 0) << refused.out;
  EXPECT_NE((refused.out + refused.err).find(registry.host()), std::string::npos)
      << refused.out << refused.err;
}

TEST(DaemonSharedCache, ACacheOptionNoBuildReadsIsRefusedByName) {
  GantryEnv env;
  const auto o = env.gantry({"daemon", "--validate", "-H", "unix:///run/unused.sock", "--cache-to",
                             "type=registry,ref=127.0.0.1:5000/c,ignore-error=true"});
  EXPECT_EQ(o.exit_code, 125) << o.out << o.err;
  EXPECT_NE(o.err.find("unknown key `ignore-error`"), std::string::npos) << o.err;
  const auto ok = env.gantry({"daemon", "--validate", "-H", "unix:///run/unused.sock", "--cache-to",
                              "type=registry,ref=127.0.0.1:5000/c,mode=max"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(ok.out, "configuration OK\n");
}

}  // namespace
}  // namespace gantry::e2e
