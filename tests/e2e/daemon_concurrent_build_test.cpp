// Eight docker clients (20.10 and 28.x, classic builder) build one context through one
// `gantry daemon` at once, with SOURCE_DATE_EPOCH as a build arg (as BuildKit takes it): all
// succeed with the image a `gantry build` of the same context makes, and the store stays
// consistent.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "base/file_util.h"
#include "tests/e2e/gantry_daemon.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;

constexpr int kClients = 8;
constexpr const char* kEpoch = "1700000000";

// busybox imported with a fixed creation time, so that two stores hold the same base image.
void import_fixed_busybox(const GantryEnv& env) {
  const auto o = env.gantry({"import", busybox_rootfs_tar().string(), "busybox:latest"},
                            {{"SOURCE_DATE_EPOCH", "1"}});
  if (o.exit_code != 0) throw std::runtime_error("gantry import: " + o.err);
}

TEST(DaemonConcurrentBuilds, EightClientsGetTheImageACliBuildMakes) {
  for (const char* docker : {"/usr/bin/docker", "/usr/local/bin/docker"})
    if (!fs::exists(docker)) GTEST_SKIP() << docker << " is not installed";
  GantryEnv env;
  import_fixed_busybox(env);
  GantryDaemon daemon(env);
  const fs::path ctx = env.scratch() / "ctx";
  write_context(ctx,
                "FROM busybox\nRUN echo built > /built && sleep 1\nCOPY data /data\n"
                "RUN cat /data > /copy\n");
  std::ofstream(ctx / "data") << "payload\n";

  std::vector<int> clients;
  std::vector<fs::path> outputs, id_files;
  for (int i = 0; i < kClients; ++i) {
    const std::string docker = i % 2 ? "/usr/local/bin/docker" : "/usr/bin/docker";
    outputs.push_back(env.scratch() / ("client-" + std::to_string(i) + ".out"));
    id_files.push_back(env.scratch() / ("client-" + std::to_string(i) + ".id"));
    // The client's output is kept to show it when it fails.
    clients.push_back(
        spawn_command({"sh", "-c", "exec \"$@\" >\"$OUT\" 2>&1", "sh", docker, "build",
                       "--build-arg", std::string("SOURCE_DATE_EPOCH=") + kEpoch, "--iidfile",
                       id_files.back().string(), "-t", "app:1", ctx.string()},
                      [&] {
                        auto e = docker_env(env, daemon);
                        e["OUT"] = outputs.back().string();
                        return e;
                      }()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(wait_for(clients[i]), 0) << read_file(outputs[i]) << daemon.log();
    ids.insert(fs::exists(id_files[i]) ? read_file(id_files[i]) : "(none)");
  }
  ASSERT_EQ(ids.size(), 1u) << daemon.log();
  const std::string id = *ids.begin();
  EXPECT_TRUE(id.starts_with("sha256:")) << id;

  // A `gantry build` of the same context in another store makes the same image.
  GantryEnv other;
  import_fixed_busybox(other);
  const auto cli = other.gantry(
      {"build", "-q", "--build-arg", std::string("SOURCE_DATE_EPOCH=") + kEpoch, ctx.string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out, id + "\n");
  EXPECT_EQ(cli.err.find("SOURCE_DATE_EPOCH"), std::string::npos) << cli.err;  // no warning

  // The store is consistent: the name once, on that image, and a rebuild is all cache hits.
  const auto images = env.gantry({"images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"});
  EXPECT_EQ(images.out,
            "app:1 " + id.substr(7, 12) + "\nbusybox:latest " +
                env.gantry({"inspect", "--format", "{{.Id}}", "busybox"}).out.substr(7, 12) + "\n");
  const auto again =
      run_command({"/usr/bin/docker", "build", "--build-arg",
                   std::string("SOURCE_DATE_EPOCH=") + kEpoch, "-t", "app:1", ctx.string()},
                  docker_env(env, daemon));
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  // No step ran ("Done in"); what the solver looked at came from the cache.
  EXPECT_EQ(again.out.find("Done in"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find(" ---> Using cache\n"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("Successfully built " + id.substr(7, 12)), std::string::npos)
      << again.out;
}

}  // namespace
}  // namespace gantry::e2e
