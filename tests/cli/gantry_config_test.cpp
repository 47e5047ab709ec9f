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

TEST(GantryConfig, DaemonJsonGivesDockerIoMirrorsAndInsecureRegistries) {
  auto c = parse_daemon_json(R"({"registry-mirrors": ["https://mirror.example", "http://127.0.0.1:5000"],
                                 "insecure-registries": ["registry.lan:5000"], "log-driver": "json-file"})",
                             "daemon.json `d`");
  EXPECT_EQ(c.registry_mirrors.at("docker.io"),
            (std::vector<std::string>{"https://mirror.example", "http://127.0.0.1:5000"}));
  EXPECT_EQ(c.registry_mirrors.size(), 1u);
  EXPECT_EQ(c.insecure_registries, std::vector<std::string>{"registry.lan:5000"});
  EXPECT_TRUE(parse_daemon_json("{}", "d").registry_mirrors.empty());
}

TEST(GantryConfig, DaemonJsonMistakesNameTheFileAndTheKey) {
  for (std::string bad : {"{", "[]", R"({"registry-mirrors": "https://m"})", R"({"registry-mirrors": [1]})",
                          R"({"insecure-registries": ["10.0.0.0/8"]})"}) {
    try {
      parse_daemon_json(bad, "daemon.json `d.json`");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("daemon.json `d.json`")) << e.what();
    }
  }
}

TEST(GantryConfig, TheConfigOptionIsReadInsteadOfTheFilesAndMayBeADaemonJson) {
  TempDir dir(fs::temp_directory_path(), "gantry-config-test-");
  write_file_atomic(dir.path() / "env.yaml", "max-parallelism: 9\n");
  write_file_atomic(dir.path() / "flag.yaml", "max-parallelism: 5\n");
  write_file_atomic(dir.path() / "daemon.json", R"({"registry-mirrors": ["http://127.0.0.1:5000"]})");
  ::setenv("GANTRY_CONFIG_FILE", (dir.path() / "env.yaml").c_str(), 1);
  EXPECT_EQ(load_config(dir.path() / "flag.yaml").max_parallelism, 5);
  auto daemon = load_config(dir.path() / "daemon.json");
  EXPECT_FALSE(daemon.max_parallelism);
  EXPECT_EQ(daemon.registry_mirrors.at("docker.io"), std::vector<std::string>{"http://127.0.0.1:5000"});
  EXPECT_EQ(daemon.sources, std::vector<fs::path>{dir.path() / "daemon.json"});
  EXPECT_THROW(load_config(dir.path() / "missing.yaml"), UsageError);
  ::unsetenv("GANTRY_CONFIG_FILE");
}

TEST(GantryConfig, DaemonJsonKeyIsReadRelativeToTheFileAndTheFilesOwnKeysWin) {
  TempDir dir(fs::temp_directory_path(), "gantry-config-test-");
  write_file_atomic(dir.path() / "daemon.json",
                    R"({"registry-mirrors": ["https://hub-mirror.example"], "insecure-registries": ["a:5000"]})");
  write_file_atomic(dir.path() / "gantry.yaml", "registry:\n  daemon-json: daemon.json\n  insecure: [b:5000]\n");
  auto c = load_config(dir.path() / "gantry.yaml");
  EXPECT_EQ(c.registry_mirrors.at("docker.io"), std::vector<std::string>{"https://hub-mirror.example"});
  EXPECT_EQ(c.insecure_registries, std::vector<std::string>{"b:5000"});
  EXPECT_EQ(c.sources, (std::vector<fs::path>{dir.path() / "daemon.json", dir.path() / "gantry.yaml"}));

  write_file_atomic(dir.path() / "dangling.yaml", "registry:\n  daemon-json: nope.json\n");
  try {
    load_config(dir.path() / "dangling.yaml");
    ADD_FAILURE() << "a missing daemon.json was ignored";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("nope.json`: no such file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gantry::cli
