// The registry client, pull and push against a real docker-registry (plain HTTP and Basic auth).
#include "registry/registry_client.h"

#include <gtest/gtest.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/store.h"
#include "exporter/image.h"
#include "exporter/media_types.h"
#include "registry/pull.h"
#include "registry/push.h"
#include "tests/e2e/local_registry.h"
#include "tests/registry/message_of.h"

namespace gantry::registry {

namespace fs = std::filesystem;
using e2e::LocalRegistry;
using nlohmann::json;

namespace {

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available())
      GTEST_SKIP() << "docker-registry is not installed (apt-get install docker-registry)";
  }
  void start(LocalRegistry::Mode mode) { registry_.emplace(mode, dir_.path() / "registry"); }

  // A one-layer image for `architecture` in a store under the test's dir.
  exporter::ImageRecord make_image(cache::Store& store, const std::string& architecture) {
    fs::path layer = dir_.path() / ("layer-" + architecture);
    fs::create_directories(layer);
    write_file_atomic(layer / "arch", architecture);
    auto blob = exporter::pack_layer(layer, store.content(), {.compression = exporter::Compression::Gzip});
    json config = {{"architecture", architecture}, {"os", "linux"}, {"config", json::object()}};
    return exporter::write_image(store.content(), config, {blob}, 0);
  }

  TempDir dir_{fs::temp_directory_path(), "gantry-registry-"};
  std::optional<LocalRegistry> registry_;
};

}  // namespace

TEST_F(RegistryClientTest, UploadsMonolithicAndChunkedAndReadsBack) {
  start(LocalRegistry::Mode::Plain);
  RegistryClient client(registry_->host(), {}, std::nullopt);
  std::string data(100000, 'x');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  write_file_atomic(dir_.path() / "blob", data);
  const Digest digest = sha256_of(data);

  EXPECT_FALSE(client.has_blob("a/one", digest));
  client.upload_blob("a/one", digest, dir_.path() / "blob", static_cast<std::int64_t>(data.size()));
  EXPECT_TRUE(client.has_blob("a/one", digest));
  client.upload_blob("a/two", digest, dir_.path() / "blob", static_cast<std::int64_t>(data.size()), 30000);
  std::string back;
  client.fetch_blob("a/two", digest, [&](std::string_view bytes) { back.append(bytes); });
  EXPECT_EQ(back, data);
  EXPECT_TRUE(client.mount_blob("a/three", digest, "a/one"));
  EXPECT_TRUE(client.has_blob("a/three", digest));

  const Digest absent = sha256_of("absent");
  std::string error = message_of([&] { client.fetch_blob("a/one", absent, [](std::string_view) {}); });
  EXPECT_EQ(error, registry_->host() + "/a/one: blob " + absent.str() + ": 404 Not Found (BLOB_UNKNOWN: blob unknown to registry)");
}

TEST_F(RegistryClientTest, PullPicksThePlatformOfAnIndexAndVerifiesEveryBlob) {
  start(LocalRegistry::Mode::Plain);
  cache::Store source(dir_.path() / "source");
  auto amd64 = make_image(source, "amd64");
  auto arm64 = make_image(source, "arm64");
  const std::string host = registry_->host();
  for (const auto& image : {amd64, arm64}) {
    const auto pushed = push_image(source, image.manifest,
                                   ImageRef::parse(host + "/multi/app@" + image.manifest.str()), {},
                                   CredentialStore({}));
    // The config and the layer, each new to the registry.
    EXPECT_EQ(pushed.blobs.size(), 2u);
    for (const auto& [blob, outcome] : pushed.blobs)
      EXPECT_EQ(outcome.how, PushedBlob::How::Uploaded) << blob.str();
  }
  namespace mt = exporter::media_types;
  auto entry = [&](const exporter::ImageRecord& r, const std::string& arch) {
    return json{{"mediaType", mt::kOciManifest}, {"digest", r.manifest.str()}, {"size", r.size},
                {"platform", {{"os", "linux"}, {"architecture", arch}}}};
  };
  json index = {{"schemaVersion", 2}, {"mediaType", mt::kOciIndex}, {"manifests", {entry(arm64, "arm64"), entry(amd64, "amd64")}}};
  const Digest index_digest =
      RegistryClient(host, {}, std::nullopt).put_manifest("multi/app", "1", std::string(mt::kOciIndex), index.dump());

  cache::Store fresh(dir_.path() / "fresh");
  auto report = pull_image(fresh, ImageRef::parse(host + "/multi/app:1"), {}, CredentialStore({}),
                           Platform::parse("linux/amd64"));
  EXPECT_EQ(report.manifest, amd64.manifest);
  EXPECT_EQ(report.blobs_downloaded, 2);
  ASSERT_EQ(report.layers.size(), 1u);
  EXPECT_TRUE(report.layers[0].downloaded);
  EXPECT_EQ(fresh.images().find(host + "/multi/app:1"), amd64.manifest);
  // Pulled again, the layer is one the store has.
  const auto again = pull_image(fresh, ImageRef::parse(host + "/multi/app:1"), {},
                                CredentialStore({}), Platform::parse("linux/amd64"));
  ASSERT_EQ(again.layers.size(), 1u);
  EXPECT_EQ(again.layers[0].digest, report.layers[0].digest);
  EXPECT_FALSE(again.layers[0].downloaded);
  // As docker records it, the repository's digest of the image is the index's.
  EXPECT_EQ(report.registry_digest, index_digest);
  ASSERT_EQ(fresh.images().repo_digests(amd64.manifest).size(), 1u);
  EXPECT_EQ(fresh.images().repo_digests(amd64.manifest)[0].str(), host + "/multi/app@" + index_digest.str());
  auto arm = pull_image(fresh, ImageRef::parse(host + "/multi/app:1"), {}, CredentialStore({}),
                        Platform::parse("linux/aarch64"));
  EXPECT_EQ(arm.manifest, arm64.manifest);
  std::string none = message_of([&] {
    pull_image(fresh, ImageRef::parse(host + "/multi/app:1"), {}, CredentialStore({}), Platform::parse("linux/s390x"));
  });
  EXPECT_NE(none.find("has no manifest for linux/s390x (it has linux/arm64, linux/amd64)"), std::string::npos) << none;
  EXPECT_EQ(none.find('\n'), std::string::npos) << none;
}

TEST_F(RegistryClientTest, BasicAuthErrorsSayWhatToDo) {
  start(LocalRegistry::Mode::Basic);
  const std::string host = registry_->host();
  const Digest d = sha256_of("x");
  const std::string anonymous = message_of([&] { RegistryClient(host, {}, std::nullopt).has_blob("a/b", d); });
  EXPECT_NE(anonymous.find(": 401 Unauthorized; authentication required: gantry login " + host),
            std::string::npos) << anonymous;
  EXPECT_NE(message_of([&] { RegistryClient(host, {}, Credentials{"gantry", "wrong"}).check_login(); })
                .find("rejected the credentials of user `gantry`"),
            std::string::npos);
  // A refusal says what was asked, for the daemon's POST /auth to answer dockerd's 401.
  try {
    RegistryClient(host, {}, Credentials{"gantry", "wrong"}).check_login();
    ADD_FAILURE() << "the login was not refused";
  } catch (const LoginRefused& e) {
    EXPECT_EQ(e.url(), "http://" + host + "/v2/");
  }
  RegistryClient good(host, {}, Credentials{LocalRegistry::user(), LocalRegistry::password()});
  good.check_login();
  EXPECT_FALSE(good.has_blob("a/b", d));
  // Only a token server takes an identity token; the message says so and does not show it.
  const std::string token = message_of(
      [&] { RegistryClient(host, {}, Credentials{.identity_token = "refresh-me"}).check_login(); });
  EXPECT_NE(token.find("registry " + host + ": the credentials for it are an identity token"),
            std::string::npos)
      << token;
  EXPECT_EQ(token.find("refresh-me"), std::string::npos) << token;
}

TEST_F(RegistryClientTest, UnreachableRegistryNamesTheHost) {
  const std::string host = "127.0.0.1:" + std::to_string(e2e::unused_loopback_port());
  RegistryOptions options;
  options.connect_timeout_seconds = 5;
  std::string error = message_of([&] { RegistryClient(host, options, std::nullopt).get_manifest("a/b", "1"); });
  EXPECT_EQ(error.rfind("registry " + host + " unreachable: ", 0), 0u) << error;
}

}  // namespace gantry::registry
