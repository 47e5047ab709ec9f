// `gantry daemon` streams a pull's and a push's progress while they run, in dockerd's messages:
// per layer, its byte counts as they arrive, then "Pull complete" or "Pushed", and the final
// status; the docker CLI takes the stream as dockerd's.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/e2e/gantry_daemon.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The messages of a raw API response, one JSON object a line.
std::vector<json> messages_of(const std::string& body) {
  std::vector<json> out;
  for (const auto& line : lines_of(body))
    if (!line.empty() && line != "\r") out.push_back(json::parse(line));
  return out;
}

// POSTs to `path` on the daemon's socket; the response body.
Outcome post(const GantryDaemon& daemon, const std::string& path) {
  return run_command({"curl", "-sSf", "-X", "POST", "--unix-socket", daemon.socket().string(),
                      "http://gantry/v1.41" + path});
}

class DaemonTransferProgress : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
    registry_.emplace(LocalRegistry::Mode::Plain, env_.scratch() / "registry");
    env_.import_busybox();
    // Two layers of random bytes (gzip cannot shrink them) above busybox's: three layers whose
    // downloads take many network reads each.
    const fs::path ctx = env_.scratch() / "ctx";
    write_context(ctx,
                  "FROM busybox\nRUN head -c 3000000 /dev/urandom > /one\n"
                  "RUN head -c 2000000 /dev/urandom > /two\n");
    image_ = registry_->host() + "/team/big:v1";
    const auto build = env_.gantry({"build", "-t", image_, ctx.string()});
    ASSERT_EQ(build.exit_code, 0) << build.err;
  }

  GantryEnv env_;
  std::optional<LocalRegistry> registry_;
  std::string image_;
};

TEST_F(DaemonTransferProgress, APushSaysEachLayerAsItGoesThenTheDigest) {
  GantryDaemon daemon(env_);
  const auto push = post(daemon, "/images/" + image_ + "/push?tag=v1");
  ASSERT_EQ(push.exit_code, 0) << push.err << daemon.log();
  const auto messages = messages_of(push.out);
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages.front()["status"],
            "The push refers to repository [" + registry_->host() + "/team/big]");
  std::map<std::string, std::vector<std::string>> by_layer;
  std::size_t digest_line = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    ASSERT_FALSE(m.contains("error")) << m.dump();
    if (m.contains("id")) by_layer[m["id"]].push_back(m["status"]);
    if (m.value("status", "").starts_with("v1: digest: sha256:")) digest_line = i;
  }
  ASSERT_EQ(by_layer.size(), 3u) << push.out;
  for (const auto& [id, statuses] : by_layer)
    EXPECT_EQ(statuses, (std::vector<std::string>{"Pushing", "Pushed"})) << id;
  EXPECT_EQ(digest_line, messages.size() - 2) << push.out;  // then the aux Tag/Digest/Size
  EXPECT_TRUE(messages.back().contains("aux")) << push.out;
}

TEST_F(DaemonTransferProgress, APullStreamsEachLayersBytesBeforeTheFinalStatus) {
  ASSERT_EQ(env_.gantry({"push", image_}).exit_code, 0);
  GantryEnv empty;
  empty.import_busybox();  // busybox's layer is there already
  GantryDaemon daemon(empty);
  const auto pull =
      post(daemon, "/images/create?fromImage=" + registry_->host() + "/team/big&tag=v1");
  ASSERT_EQ(pull.exit_code, 0) << pull.err << daemon.log();
  const auto messages = messages_of(pull.out);
  ASSERT_GE(messages.size(), 3u) << pull.out;
  EXPECT_EQ(messages.front(), json({{"status", "Pulling from team/big"},
                                    {"progressDetail", json::object()},
                                    {"id", "v1"}}));
  EXPECT_EQ(messages.back()["status"], "Status: Downloaded newer image for " + image_);

  std::map<std::string, std::vector<json>> by_layer;
  for (const auto& m : messages) {
    ASSERT_FALSE(m.contains("error")) << m.dump();
    if (m.contains("id") && m["id"] != "v1") by_layer[m["id"]].push_back(m);
  }
  ASSERT_EQ(by_layer.size(), 3u) << pull.out;
  int downloaded_layers = 0;
  for (const auto& [id, layer] : by_layer) {
    if (layer.size() == 1) {
      EXPECT_EQ(layer[0]["status"], "Already exists") << id;  // busybox's
      continue;
    }
    ++downloaded_layers;
    EXPECT_EQ(layer.front()["status"], "Pulling fs layer") << id;
    EXPECT_EQ(layer.back()["status"], "Pull complete") << id;
    // Several byte counts, growing, up to the layer's size.
    std::vector<std::int64_t> counts;
    std::int64_t total = 0;
    for (const auto& m : layer)
      if (m["status"] == "Downloading") {
        counts.push_back(m["progressDetail"]["current"]);
        total = m["progressDetail"]["total"];
      }
    EXPECT_GE(counts.size(), 3u) << id;
    EXPECT_TRUE(std::is_sorted(counts.begin(), counts.end())) << id;
    EXPECT_EQ(counts.back(), total) << id;
    EXPECT_GT(total, 1000000) << id;
  }
  EXPECT_EQ(downloaded_layers, 2);
  const auto run = empty.gantry({"run", "--rm", image_, "sh", "-c", "wc -c < /one; wc -c < /two"});
  EXPECT_EQ(run.out, "3000000\n2000000\n") << run.err;
}

TEST_F(DaemonTransferProgress, TheDockerClientsPullAndPushThroughTheStream) {
  for (const char* docker : {"/usr/bin/docker", "/usr/local/bin/docker"}) {
    if (!fs::exists(docker)) continue;
    GantryDaemon daemon(env_);
    const auto push = run_command({docker, "push", image_}, docker_env(env_, daemon));
    ASSERT_EQ(push.exit_code, 0) << docker << push.out << push.err << daemon.log();
    EXPECT_NE(push.out.find("v1: digest: sha256:"), std::string::npos) << push.out;

    GantryEnv empty;
    GantryDaemon other(empty);
    const auto pull = run_command({docker, "pull", image_}, docker_env(empty, other));
    ASSERT_EQ(pull.exit_code, 0) << docker << pull.out << pull.err << other.log();
    EXPECT_NE(pull.out.find("Status: Downloaded newer image for " + image_), std::string::npos)
        << pull.out;
    EXPECT_EQ(empty.gantry({"inspect", "--format", "{{.Id}}", image_}).out,
              env_.gantry({"inspect", "--format", "{{.Id}}", image_}).out);
  }
}

TEST_F(DaemonTransferProgress, APullThatFailsOnceStartedEndsWithAnErrorDetail) {
  GantryDaemon daemon(env_);
  // The registry has no such repository: the failure comes once the stream began.
  const auto pull =
      post(daemon, "/images/create?fromImage=" + registry_->host() + "/team/none&tag=v1");
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  const auto messages = messages_of(pull.out);
  ASSERT_FALSE(messages.empty());
  const auto& last = messages.back();
  ASSERT_TRUE(last.contains("errorDetail")) << pull.out;
  EXPECT_NE(last["error"].get<std::string>().find("team/none"), std::string::npos) << pull.out;
  const auto docker = run_command({"/usr/bin/docker", "pull", registry_->host() + "/team/none:v1"},
                                  docker_env(env_, daemon));
  EXPECT_EQ(docker.exit_code, 1);
  EXPECT_NE(docker.err.find("team/none"), std::string::npos) << docker.err;
}

}  // namespace
}  // namespace gantry::e2e
