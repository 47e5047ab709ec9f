#include "cli/config/gantry_config.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::cli {
namespace {

namespace fs = std::filesystem;

TEST(GantryConfig, ParsesEveryKey) {
  auto c = parse_config(R"(
root: /srv/gantry
gc:
  cap: 5GB
progress: plain
max-parallelism: 3
registry:
  mirrors:
    docker.io: [mirror.example.com, mirror2.example.com]
  insecure: [localhost:5000]
)", "test");
  EXPECT_EQ(c.root, "/srv/gantry");
  EXPECT_EQ(c.gc_cap, "5GB");
  EXPECT_EQ(c.progress, "plain");
  EXPECT_EQ(c.max_parallelism, 3);
  EXPECT_EQ(c.registry_mirrors.at("docker.io"),
            (std::vector<std::string>{"mirror.example.com", "mirror2.example.com"}));
  EXPECT_EQ(c.insecure_registries, std::vector<std::string>{"localhost:5000"});
}

TEST(GantryConfig, EmptyFileSetsNothing) {
  auto c = parse_config("", "test");
  EXPECT_FALSE(c.root);
  EXPECT_FALSE(c.max_parallelism);
}

TEST(GantryConfig, RejectsTyposAndWrongTypesNamingTheFile) {
  for (std::string bad : {"rot: /x", "gc: {capp: 1GB}", "max-parallelism: lots", "max-parallelism: 0",
                          "registry: {insecure: localhost}", "root: [", "- a list"}) {
    try {
      parse_config(bad, "config file `x.yaml`");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("config file `x.yaml`")) << e.what();
    }
  }
}

TEST(GantryConfig, LaterFileWinsKeyByKey) {
  GantryConfig system = parse_config("root: /sys\nprogress: plain\nmax-parallelism: 2\n", "system");
  GantryConfig user = parse_config("progress: json\n", "user");
  merge_config(system, user);
  EXPECT_EQ(system.root, "/sys");
  EXPECT_EQ(system.progress, "json");
  EXPECT_EQ(system.max_parallelism, 2);
}

TEST(GantryConfig, LoadsTheUserFileOverTheSystemOneOrOnlyGantryConfigFile) {
  TempDir dir(fs::temp_directory_path(), "gantry-config-test-");
  fs::create_directories(dir.path() / "xdg/gantry");
  write_file_atomic(dir.path() / "xdg/gantry/config.yaml", "max-parallelism: 7\n");
  write_file_atomic(dir.path() / "only.yaml", "max-parallelism: 9\n");
  ::setenv("XDG_CONFIG_HOME", (dir.path() / "xdg").c_str(), 1);
  ::unsetenv("GANTRY_CONFIG_FILE");
  auto user = load_config();
  EXPECT_EQ(user.max_parallelism, 7);
  EXPECT_EQ(user.sources.back(), dir.path() / "xdg/gantry/config.yaml");
  ::setenv("GANTRY_CONFIG_FILE", (dir.path() / "only.yaml").c_str(), 1);
  auto only = load_config();
  EXPECT_EQ(only.max_parallelism, 9);
  EXPECT_EQ(only.sources, std::vector<fs::path>{dir.path() / "only.yaml"});
  ::unsetenv("GANTRY_CONFIG_FILE");
  ::unsetenv("XDG_CONFIG_HOME");
}

}  // namespace
}  // namespace gantry::cli
