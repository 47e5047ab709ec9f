// Pulls and pushes as docker's store keeps them: the digest a registry knows an image by
// (RepoDigests), TLS client certificates from a certs.d directory, several pulls of one image
// at once, and a pull killed in the middle of a layer.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "tests/e2e/fake_registry_server.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// The last "gantry: " line of stderr, what a user reads after a failure.
std::string error_line(const Outcome& o) {
  auto pos = o.err.rfind("gantry: ");
  return pos == std::string::npos ? o.err : o.err.substr(pos, o.err.find('\n', pos) - pos);
}

bool one_line(const Outcome& o) {
  const auto pos = o.err.rfind("gantry: ");
  return pos != std::string::npos && o.err.find('\n', pos) == o.err.size() - 1;
}

// The DIGEST cells of `gantry images --digests` rows of `repository`.
std::vector<std::string> listed_digests(const Outcome& images, const std::string& repository) {
  std::vector<std::string> out;
  std::istringstream lines(images.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string repo, tag, digest;
    words >> repo >> tag >> digest;
    if (repo == repository) out.push_back(digest);
  }
  return out;
}

std::vector<std::string> inspected_repo_digests(const GantryEnv& env, const std::string& name) {
  const Outcome o = env.gantry({"inspect", name});
  if (o.exit_code != 0) return {"(inspect failed: " + o.err + ")"};
  return json::parse(o.out)[0].at("RepoDigests").get<std::vector<std::string>>();
}

// Every blob in the store's content store, checked against its name: a partial blob would not be.
std::vector<std::string> store_blobs(const GantryEnv& env) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(env.root() / "blobs/sha256", ec)) {
    const std::string hex = entry.path().filename().string();
    EXPECT_EQ(sha256_of(read_file(entry.path())).hex(), hex)
        << "a blob that is not what its name says";
    out.push_back("sha256:" + hex);
  }
  return out;
}

class RegistryPullTest : public ::testing::Test {
 protected:
  void start() {
    registry_.emplace(LocalRegistry::Mode::Plain, env_.root().parent_path() / "registry");
  }
  std::string host() const { return registry_->host(); }

  // busybox in env_'s store as `name`.
  void import_as(const std::string& name) {
    env_.import_busybox();
    ASSERT_EQ(env_.gantry({"tag", "busybox", name}).exit_code, 0);
  }

  GantryEnv env_;
  std::optional<LocalRegistry> registry_;  // declared after env_: stopped before its dir goes
};

}  // namespace

// docker's RepoDigests: the digest the registry has the image under, after push and after pull,
// shown by `images --digests` and `inspect`, the same digest skopeo reads from the registry.
TEST_F(RegistryPullTest, PushAndPullRecordTheDigestTheRegistryKnows) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  start();
  const std::string repository = host() + "/x";
  import_as(repository + ":1");
  EXPECT_EQ(inspected_repo_digests(env_, repository + ":1"), std::vector<std::string>{});
  EXPECT_EQ(listed_digests(env_.gantry({"images", "--digests"}), repository),
            std::vector<std::string>{"<none>"});

  const Outcome pushed = env_.gantry({"push", repository + ":1"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  const Outcome skopeo = run_command({"skopeo", "inspect", "--tls-verify=false", "--format",
                                      "{{.Digest}}", "docker://" + repository + ":1"});
  ASSERT_EQ(skopeo.exit_code, 0) << skopeo.err;
  const std::string digest = skopeo.out.substr(0, skopeo.out.find('\n'));
  ASSERT_EQ(digest.size(), 71u) << skopeo.out;

  EXPECT_EQ(listed_digests(env_.gantry({"images", "--digests"}), repository),
            std::vector<std::string>{digest});
  EXPECT_EQ(inspected_repo_digests(env_, repository + ":1"),
            std::vector<std::string>{repository + "@" + digest});

  GantryEnv fresh;
  const Outcome pulled = fresh.gantry({"pull", repository + ":1"});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(listed_digests(fresh.gantry({"images", "--digests"}), repository),
            std::vector<std::string>{digest});
  EXPECT_EQ(inspected_repo_digests(fresh, repository + ":1"),
            std::vector<std::string>{repository + "@" + digest});

  // As docker rmi does, the digest goes with the last name of its repository.
  ASSERT_EQ(fresh.gantry({"tag", repository + ":1", repository + ":2"}).exit_code, 0);
  Outcome removed = fresh.gantry({"rmi", repository + ":1"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out, "Untagged: " + repository + ":1\n");
  EXPECT_EQ(inspected_repo_digests(fresh, repository + ":2"),
            std::vector<std::string>{repository + "@" + digest});
  removed = fresh.gantry({"rmi", repository + ":2"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_EQ(removed.out,
            "Untagged: " + repository + ":2\nUntagged: " + repository + "@" + digest + "\n");
}

// `build --push` records the digest of the manifest it pushed for the image it leaves locally.
TEST_F(RegistryPullTest, BuildPushRecordsTheDigestItPushed) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  start();
  env_.import_busybox();
  const fs::path context = env_.scratch() / "ctx";
  fs::create_directories(context);
  write_file_atomic(context / "Dockerfile", "FROM busybox\nLABEL pushed=yes\n");
  const std::string repository = host() + "/built";
  const Outcome built = env_.gantry({"build", "--push", "-t", repository + ":1", context.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const Outcome skopeo = run_command({"skopeo", "inspect", "--tls-verify=false", "--format",
                                      "{{.Digest}}", "docker://" + repository + ":1"});
  ASSERT_EQ(skopeo.exit_code, 0) << skopeo.err;
  const std::string digest = skopeo.out.substr(0, skopeo.out.find('\n'));
  EXPECT_NE(built.err.find("pushed " + repository + ":1@" + digest), std::string::npos)
      << built.err;
  EXPECT_EQ(inspected_repo_digests(env_, repository + ":1"),
            std::vector<std::string>{repository + "@" + digest});
}

namespace {

// A docker-registry that asks every client for a TLS certificate signed by a CA of the test's
// own, with a server certificate from that CA; started with a config.yml of its own and
// stopped (SIGTERM) when the object goes away.
class ClientCertRegistry {
 public:
  explicit ClientCertRegistry(const fs::path& dir) : dir_(dir) {
    fs::create_directories(dir_);
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=gantry-test-ca", "-keyout", path("ca.key"), "-out", path("ca.crt")});
    write_file_atomic(dir_ / "san.ext", "subjectAltName=IP:127.0.0.1\n");
    sign("server", "/CN=127.0.0.1", {"-extfile", path("san.ext")});
    sign("client", "/CN=gantry-client", {});
    host_ = "127.0.0.1:" + std::to_string(unused_loopback_port());
    write_file_atomic(dir_ / "config.yml",
                      "version: 0.1\n"
                      "log:\n  level: info\n"
                      "storage:\n  filesystem:\n    rootdirectory: " +
                          path("data") +
                          "\n"
                          "http:\n  addr: " +
                          host_ +
                          "\n"
                          "  tls:\n    certificate: " +
                          path("server.crt") +
                          "\n"
                          "    key: " +
                          path("server.key") +
                          "\n"
                          "    clientcas:\n      - " +
                          path("ca.crt") + "\n");
    // env -i: the registry reads REGISTRY_* variables as configuration.
    pid_ = spawn_command({"env", "-i", "PATH=/usr/bin:/bin", "/usr/bin/docker-registry", "serve",
                          path("config.yml")});
    for (int attempt = 0; attempt < 100; ++attempt) {
      const Outcome probe = run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                         "--cacert", path("ca.crt"), "--cert", path("client.crt"),
                                         "--key", path("client.key"), "https://" + host_ + "/v2/"});
      if (probe.out == "200") return;
      std::this_thread::sleep_for(100ms);
    }
    stop();
    throw std::runtime_error("docker-registry with client certificates did not start in " +
                             dir_.string());
  }
  ~ClientCertRegistry() { stop(); }

  const std::string& host() const { return host_; }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // A certs.d directory for this registry with its CA, and the client certificate when asked.
  fs::path certs_d(const std::string& name, bool client_cert, bool client_key) const {
    const fs::path certs = dir_ / name;
    fs::create_directories(certs / host_);
    fs::copy_file(path("ca.crt"), certs / host_ / "ca.crt");
    if (client_cert) fs::copy_file(path("client.crt"), certs / host_ / "client.cert");
    if (client_key) fs::copy_file(path("client.key"), certs / host_ / "client.key");
    return certs;
  }

 private:
  static void openssl(std::vector<std::string> args) {
    args.insert(args.begin(), "openssl");
    const Outcome o = run_command(args);
    if (o.exit_code != 0) throw std::runtime_error("openssl failed: " + o.err);
  }
  void sign(const std::string& name, const std::string& subject, std::vector<std::string> extra) {
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout",
             path(name + ".key"), "-out", path(name + ".csr")});
    std::vector<std::string> args = {"x509",
                                     "-req",
                                     "-in",
                                     path(name + ".csr"),
                                     "-CA",
                                     path("ca.crt"),
                                     "-CAkey",
                                     path("ca.key"),
                                     "-CAcreateserial",
                                     "-days",
                                     "2",
                                     "-out",
                                     path(name + ".crt")};
    args.insert(args.end(), extra.begin(), extra.end());
    openssl(args);
  }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    wait_for(pid_);
    pid_ = -1;
  }

  fs::path dir_;
  std::string host_;
  int pid_ = -1;
};

}  // namespace

TEST_F(RegistryPullTest, AClientCertificateInCertsDReachesARegistryThatAsksForOne) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  ClientCertRegistry registry(env_.scratch() / "client-cert-registry");
  const std::string name = registry.host() + "/team/app:1";
  import_as(name);
  const fs::path with_cert = registry.certs_d("with-cert", true, true);

  const Outcome pushed = env_.gantry({"push", name}, {{"GANTRY_CERTS_D", with_cert.string()}});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  GantryEnv fresh;
  const Outcome pulled = fresh.gantry({"pull", name}, {{"GANTRY_CERTS_D", with_cert.string()}});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(pulled.out, pushed.out);  // the same name@digest

  // Only the CA: the registry refuses the connection, and the error says which registry.
  const fs::path ca_only = registry.certs_d("ca-only", false, false);
  GantryEnv refused;
  const Outcome without = refused.gantry({"pull", name}, {{"GANTRY_CERTS_D", ca_only.string()}});
  EXPECT_EQ(without.exit_code, 1) << without.err;
  EXPECT_TRUE(one_line(without)) << without.err;
  EXPECT_NE(error_line(without).find("registry " + registry.host()), std::string::npos)
      << without.err;
  EXPECT_NE(error_line(without).find("client certificate"), std::string::npos) << without.err;
  EXPECT_EQ(refused.gantry({"images", "-q"}).out, "");

  // A certificate without its key is an error naming the certificate.
  const fs::path half = registry.certs_d("half", true, false);
  const Outcome no_key = refused.gantry({"pull", name}, {{"GANTRY_CERTS_D", half.string()}});
  EXPECT_EQ(no_key.exit_code, 1) << no_key.err;
  EXPECT_TRUE(one_line(no_key)) << no_key.err;
  EXPECT_NE(error_line(no_key).find((half / registry.host() / "client.cert").string()),
            std::string::npos)
      << no_key.err;
}

// Four pulls of one image into one fresh root at once: all succeed, and each blob is fetched
// by one of them only (the others wait for its lock and find it there).
TEST_F(RegistryPullTest, FourPullsOfOneImageAtOnceFetchEachBlobOnce) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  start();
  const std::string name = host() + "/team/shared:1";
  import_as(name);
  ASSERT_EQ(env_.gantry({"push", name}).exit_code, 0);

  GantryEnv fresh;
  std::vector<std::future<Outcome>> pulls;
  for (int i = 0; i < 4; ++i)
    pulls.push_back(std::async(std::launch::async, [&] { return fresh.gantry({"pull", name}); }));
  int downloaded = 0, present = 0;
  const std::regex counts(R"(\((\d+) blobs downloaded, (\d+) already present\))");
  for (auto& pull : pulls) {
    const Outcome o = pull.get();
    ASSERT_EQ(o.exit_code, 0) << o.err;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(o.err, m, counts)) << o.err;
    downloaded += std::stoi(m[1]);
    present += std::stoi(m[2]);
  }
  // busybox is a config and one layer.
  EXPECT_EQ(downloaded, 2);
  EXPECT_EQ(present, 6);
  EXPECT_EQ(store_blobs(fresh).size(), 3u);  // and the manifest
  EXPECT_NE(fresh.gantry({"images"}).out.find(host() + "/team/shared"), std::string::npos);
  const Outcome run = fresh.gantry({"run", "--rm", name, "echo", "pulled-and-runs"});
  EXPECT_EQ(run.out, "pulled-and-runs\n") << run.err;
}

namespace {

// Serves one image: GET /v2/, its manifest by tag, its blobs. While `drip` is set, the blob
// `slow` stops after half its bytes and the connection hangs there (until the object goes away);
// `half_sent` says when it got there.
class HalfLayerRegistry {
 public:
  HalfLayerRegistry(std::string manifest, std::map<std::string, std::string> blobs, std::string slow)
      : manifest_(std::move(manifest)), blobs_(std::move(blobs)), slow_(std::move(slow)) {}
  std::string host() const { return server_.host(); }
  std::atomic<bool> drip{true};
  std::atomic<bool> half_sent{false};

 private:
  // False when the connection is to be dropped.
  bool answer(const UniqueFd& connection, const std::string& path) {
    const auto send_text = &FakeRegistryServer::send_text;
    if (path == "/v2/") return send_text(connection, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    if (path.ends_with("/manifests/1"))
      return send_text(connection,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\n"
                       "Content-Length: " + std::to_string(manifest_.size()) + "\r\n\r\n" + manifest_);
    const auto blob = blobs_.find(path.substr(path.rfind('/') + 1));
    if (blob == blobs_.end()) return send_text(connection, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    const std::string& bytes = blob->second;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                             std::to_string(bytes.size()) + "\r\n\r\n";
    if (blob->first != slow_ || !drip) return send_text(connection, head + bytes);
    if (!send_text(connection, head + bytes.substr(0, bytes.size() / 2))) return false;
    half_sent = true;
    while (!server_.stopping()) std::this_thread::sleep_for(50ms);
    return false;
  }

  std::string manifest_;
  std::map<std::string, std::string> blobs_;  // "sha256:..." -> bytes
  std::string slow_;
  FakeRegistryServer server_{"half-layer registry",
                             [this](const UniqueFd& c, const std::string& p) { return answer(c, p); }};
};

}  // namespace

// A pull killed (SIGKILL) while a layer is half there leaves no name and no blob of that layer,
// and the next pull completes.
TEST_F(RegistryPullTest, APullKilledInTheMiddleOfALayerLeavesNothingBrokenAndTheNextCompletes) {
  // The image: busybox as imported, its manifest, config and (plain tar) layer.
  env_.import_busybox();
  const json inspected = json::parse(env_.gantry({"inspect", "busybox"}).out)[0];
  const auto blob = [&](const std::string& digest) {
    return read_file(env_.root() / "blobs/sha256" / digest.substr(7));
  };
  const std::string manifest = blob(inspected["Descriptor"]["digest"].get<std::string>());
  const json manifest_json = json::parse(manifest);
  const std::string config = manifest_json["config"]["digest"];
  ASSERT_EQ(manifest_json["layers"].size(), 1u);
  const std::string layer = manifest_json["layers"][0]["digest"];
  HalfLayerRegistry registry(manifest, {{config, blob(config)}, {layer, blob(layer)}}, layer);
  const std::string name = registry.host() + "/drip/app:1";

  GantryEnv fresh;
  const int pid = fresh.spawn({"pull", name});
  for (int waited = 0; !registry.half_sent && waited < 600; ++waited)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(registry.half_sent) << "the pull never got half the layer";
  ::kill(pid, SIGKILL);
  EXPECT_EQ(wait_for(pid), 128 + SIGKILL);

  // No name, no layer blob: nothing in the content store is short of its digest.
  EXPECT_EQ(fresh.gantry({"images", "-q"}).out, "");
  const auto blobs = store_blobs(fresh);
  EXPECT_EQ(std::find(blobs.begin(), blobs.end(), layer), blobs.end());
  EXPECT_EQ(std::find(blobs.begin(), blobs.end(), inspected["Descriptor"]["digest"].get<std::string>()),
            blobs.end());

  registry.drip = false;
  const Outcome pulled = fresh.gantry({"pull", name});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(fresh.gantry({"inspect", name}).exit_code, 0);
  const auto after = store_blobs(fresh);
  EXPECT_NE(std::find(after.begin(), after.end(), layer), after.end());
  // What the killed pull was writing, and its lock of the layer, are gone (the store removes what
  // a dead process left).
  for (const auto& entry : fs::directory_iterator(fresh.root() / "ingest"))
    ADD_FAILURE() << entry.path();
}

}  // namespace gantry::e2e
