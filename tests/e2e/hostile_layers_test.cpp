// Hostile images, archives and caches end to end: what an untrusted image, archive or build cache
// can make of the store. An image config that lies about a layer's diff_id is refused at the
// door (pull, load, cache import), naming the layer, with nothing recorded, so that a later
// `FROM busybox` and its export still get busybox's own layer; an index inside an index and a
// multi-platform base pinned by digest are read safely.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/file_util.h"
#include "base/unique_fd.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";

// The last "gantry: " line of stderr, what a user reads after a failure.
std::string error_line(const Outcome& o) {
  auto pos = o.err.rfind("gantry: ");
  return pos == std::string::npos ? o.err : o.err.substr(pos, o.err.find('\n', pos) - pos);
}

void run_ok(const std::vector<std::string>& argv) {
  const Outcome o = run_command(argv);
  ASSERT_EQ(o.exit_code, 0) << argv[0] << ": " << o.err << o.out;
}

std::string member_of(const fs::path& archive, const std::string& name) {
  const Outcome o = run_command({"tar", "-xOf", archive.string(), name});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return o.out;
}

// An OCI image layout being written by hand, as an attacker would.
class HandMadeLayout {
 public:
  explicit HandMadeLayout(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_ / "blobs/sha256");
    write_file_atomic(dir_ / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }

  json add_blob(const std::string& bytes, std::string_view media_type) {
    const Digest digest = sha256_of(bytes);
    write_file_atomic(dir_ / "blobs/sha256" / digest.hex(), bytes);
    return {{"mediaType", media_type}, {"digest", digest.str()}, {"size", bytes.size()}};
  }
  // The index entries of index.json, each a descriptor (with its annotations).
  void write_index(const json& manifests) {
    write_file_atomic(dir_ / "index.json",
                      json{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", manifests}}.dump());
  }
  fs::path archive(const fs::path& tar) const {
    run_command({"tar", "-C", dir_.string(), "-cf", tar.string(), "."});
    return tar;
  }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

json tagged(json descriptor, const std::string& repository, const std::string& tag) {
  descriptor["annotations"] = {{"io.containerd.image.name", "docker.io/library/" + repository + ":" + tag},
                               {"org.opencontainers.image.ref.name", tag}};
  return descriptor;
}

class HostileLayersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    const json busybox = inspect("busybox");
    busybox_diff_id_ = busybox["RootFS"]["Layers"][0].get<std::string>();
    busybox_layer_ = env_.image_manifest("busybox")["layers"][0]["digest"].get<std::string>();
  }

  json inspect(const std::string& image) const {
    const Outcome o = env_.gantry({"inspect", image});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return o.exit_code == 0 ? json::parse(o.out)[0] : json::object();
  }

  fs::path context(const std::string& name, const std::string& dockerfile) const {
    const fs::path dir = env_.scratch() / name;
    fs::create_directories(dir);
    write_file_atomic(dir / "Dockerfile", dockerfile);
    return dir;
  }

  // The attacker's layer: a gzip tar whose /bin/sh is the attacker's; returns its bytes.
  std::string attacker_layer() const {
    const fs::path rootfs = env_.scratch() / "attacker-rootfs";
    fs::create_directories(rootfs / "bin");
    write_file_atomic(rootfs / "bin/sh", "#!/attacker\n");
    write_file_atomic(rootfs / "ATTACKER", "this file is not busybox's\n");
    const fs::path tar = env_.scratch() / "attacker-layer.tar.gz";
    run_command({"tar", "-C", rootfs.string(), "-czf", tar.string(), "."});
    return read_file(tar);
  }

  // A layout with one image, evil:1, whose config claims busybox's diff_id for the attacker's
  // layer; returns the layer's digest.
  std::string write_poisoned_image(HandMadeLayout& layout) const {
    const json layer = layout.add_blob(attacker_layer(), kOciLayerGzip);
    const json config = layout.add_blob(json{{"architecture", "amd64"},
                                             {"os", "linux"},
                                             {"config", json::object()},
                                             {"rootfs", {{"type", "layers"}, {"diff_ids", {busybox_diff_id_}}}}}
                                            .dump(),
                                        kOciConfig);
    const json manifest = layout.add_blob(
        json{{"schemaVersion", 2}, {"mediaType", kOciManifest}, {"config", config}, {"layers", {layer}}}.dump(),
        kOciManifest);
    layout.write_index(json::array({tagged(manifest, "evil", "1")}));
    return layer["digest"].get<std::string>();
  }

  // What a user of the poisoned image would do next: build on it (which, if the image got in,
  // unpacks its layer under the diff_id it claims).
  void build_on(const std::string& image) const {
    env_.gantry({"build", "-q", context("on-evil", "FROM " + image + "\n").string()});
  }

  // Nothing of the refused image is in the store: no name, no unpacked layer, no snapshot.
  void expect_nothing_recorded() const {
    const Outcome images = env_.gantry({"images"});
    EXPECT_EQ(images.out.find("evil"), std::string::npos) << images.out;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(env_.root() / "snapshots", ec))
      ADD_FAILURE() << "a snapshot was recorded: " << entry.path();
  }

  // `FROM busybox` exported as an OCI archive still ships busybox's own layer.
  void expect_busybox_is_busybox() const {
    const fs::path out = env_.scratch() / "busybox-oci.tar";
    const Outcome built =
        env_.gantry({"build", "-q", "-o", "type=oci,dest=" + out.string(), context("busybox", "FROM busybox\n").string()});
    ASSERT_EQ(built.exit_code, 0) << built.err;
    const json index = json::parse(member_of(out, "index.json"));
    const std::string manifest = index["manifests"][0]["digest"].get<std::string>();
    const json layers = json::parse(member_of(out, "blobs/sha256/" + manifest.substr(7)))["layers"];
    ASSERT_EQ(layers.size(), 1u) << layers.dump();
    EXPECT_EQ(layers[0]["digest"], busybox_layer_) << "the export of FROM busybox ships another layer";
    const Outcome listing = run_command({"sh", "-c", "tar -xOf " + out.string() + " blobs/sha256/" +
                                                         layers[0]["digest"].get<std::string>().substr(7) +
                                                         " | tar -tzf -"});
    EXPECT_EQ(listing.out.find("ATTACKER"), std::string::npos) << "the attacker's file is in FROM busybox";
  }

  GantryEnv env_;
  std::string busybox_diff_id_, busybox_layer_;
};

TEST_F(HostileLayersTest, LoadOfAnOciArchiveWhoseConfigLiesAboutADiffIdIsRefused) {
  HandMadeLayout layout(env_.scratch() / "evil-layout");
  const std::string layer = write_poisoned_image(layout);
  const fs::path archive = layout.archive(env_.scratch() / "evil-oci.tar");

  const Outcome loaded = env_.gantry({"load", "-i", archive.string()});
  EXPECT_EQ(loaded.exit_code, 1) << loaded.out;
  EXPECT_NE(error_line(loaded).find(layer), std::string::npos) << loaded.err;
  EXPECT_NE(error_line(loaded).find("diff_id " + busybox_diff_id_), std::string::npos) << loaded.err;
  EXPECT_NE(error_line(loaded).find(archive.string()), std::string::npos) << loaded.err;
  if (loaded.exit_code == 0) build_on("evil:1");
  expect_nothing_recorded();
  expect_busybox_is_busybox();
}

TEST_F(HostileLayersTest, LoadOfADockerArchiveWhoseConfigLiesAboutADiffIdIsRefused) {
  // docker-archive layers are plain tars, so the layer's name in the archive is all there is to
  // check: its bytes must hash to the diff_id of the config.
  const fs::path dir = env_.scratch() / "evil-docker";
  fs::create_directories(dir);
  const fs::path plain = env_.scratch() / "attacker-layer.tar";
  write_file_atomic(env_.scratch() / "attacker-layer.tar.gz", attacker_layer());
  run_ok({"sh", "-c", "gzip -dc " + (env_.scratch() / "attacker-layer.tar.gz").string() + " > " + plain.string()});
  fs::copy_file(plain, dir / "layer.tar");
  write_file_atomic(dir / "config.json", json{{"architecture", "amd64"},
                                              {"os", "linux"},
                                              {"config", json::object()},
                                              {"rootfs", {{"type", "layers"}, {"diff_ids", {busybox_diff_id_}}}}}
                                             .dump());
  write_file_atomic(dir / "manifest.json",
                    json::array({{{"Config", "config.json"}, {"RepoTags", {"evil:1"}}, {"Layers", {"layer.tar"}}}}).dump());
  const fs::path archive = env_.scratch() / "evil-docker.tar";
  run_ok({"tar", "-C", dir.string(), "-cf", archive.string(), "."});

  const Outcome loaded = env_.gantry({"load", "-i", archive.string()});
  EXPECT_EQ(loaded.exit_code, 1) << loaded.out;
  EXPECT_NE(error_line(loaded).find("layer.tar"), std::string::npos) << loaded.err;
  EXPECT_NE(error_line(loaded).find(busybox_diff_id_), std::string::npos) << loaded.err;
  if (loaded.exit_code == 0) build_on("evil:1");
  expect_nothing_recorded();
  expect_busybox_is_busybox();
}

TEST_F(HostileLayersTest, PullOfAnImageWhoseConfigLiesAboutADiffIdIsRefused) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Plain, env_.scratch() / "registry");
  HandMadeLayout layout(env_.scratch() / "evil-layout");
  const std::string layer = write_poisoned_image(layout);
  const std::string name = registry.host() + "/evil:1";
  run_ok({"skopeo", "copy", "--dest-tls-verify=false", "oci:" + layout.dir().string() + ":1", "docker://" + name});

  const Outcome pulled = env_.gantry({"pull", name});
  EXPECT_EQ(pulled.exit_code, 1) << pulled.out;
  EXPECT_NE(error_line(pulled).find(layer), std::string::npos) << pulled.err;
  EXPECT_NE(error_line(pulled).find("diff_id " + busybox_diff_id_), std::string::npos) << pulled.err;
  EXPECT_NE(error_line(pulled).find(name), std::string::npos) << pulled.err;
  if (pulled.exit_code == 0) build_on(name);
  // FROM pulls it too, and is refused the same way.
  const Outcome from = env_.gantry({"build", "-q", context("from-evil", "FROM " + name + "\n").string()});
  EXPECT_EQ(from.exit_code, 1);
  EXPECT_NE(error_line(from).find(layer), std::string::npos) << from.err;
  expect_nothing_recorded();
  expect_busybox_is_busybox();
}

TEST_F(HostileLayersTest, ACacheWhoseConfigLiesAboutALayerIsSkippedAndTheStepRuns) {
  // A real cache of a RUN step (busybox's layer, then the step's), then the step's layer swapped
  // for the attacker's: the blob has its new digest, so only the cache config's diffID still
  // says what the layer was.
  const fs::path cache = env_.scratch() / "cache";
  const fs::path ctx = context("app", "FROM busybox\nRUN echo built-here > /made.txt\n");
  const Outcome exported = env_.gantry({"build", "-q", "--cache-to", "type=local,dest=" + cache.string(), ctx.string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const json index = json::parse(read_file(cache / "index.json"));
  const std::string manifest_digest = index["manifests"].back()["digest"].get<std::string>();
  json manifest = json::parse(read_file(cache / "blobs/sha256" / manifest_digest.substr(7)));
  ASSERT_EQ(manifest["layers"].size(), 2u) << manifest.dump();
  const std::string evil = attacker_layer();
  const Digest evil_digest = sha256_of(evil);
  write_file_atomic(cache / "blobs/sha256" / evil_digest.hex(), evil);
  manifest["layers"][1] = {{"mediaType", kOciLayerGzip}, {"digest", evil_digest.str()}, {"size", evil.size()}};
  const std::string manifest_bytes = manifest.dump();
  write_file_atomic(cache / "blobs/sha256" / sha256_of(manifest_bytes).hex(), manifest_bytes);
  json new_index = index;
  new_index["manifests"].back()["digest"] = sha256_of(manifest_bytes).str();
  new_index["manifests"].back()["size"] = manifest_bytes.size();
  write_file_atomic(cache / "index.json", new_index.dump());

  GantryEnv other;
  other.import_busybox();
  const fs::path out = other.scratch() / "rootfs";
  const Outcome imported = other.gantry({"build", "--progress=plain", "--cache-from", "type=local,src=" + cache.string(),
                                         "-o", "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("WARNING: cache " + cache.string()), std::string::npos) << imported.err;
  EXPECT_NE(imported.err.find(evil_digest.hex()), std::string::npos) << imported.err;
  EXPECT_EQ(read_file(out / "made.txt"), "built-here\n");
  EXPECT_FALSE(fs::exists(out / "ATTACKER")) << "the build took the attacker's layer from the cache";
}

// busybox (linux/amd64) and an arm64 twin (its config says arm64, same layer) in a layout whose
// index.json names an image index of the two, tagged multi:1; returns that index's digest.
std::string write_multi_platform_image(const GantryEnv& env, HandMadeLayout& layout) {
  const fs::path saved = env.scratch() / "busybox-saved.tar";
  const Outcome save = env.gantry({"save", "--format", "oci", "-o", saved.string(), "busybox"});
  EXPECT_EQ(save.exit_code, 0) << save.err;
  run_ok({"tar", "-C", layout.dir().string(), "-xf", saved.string()});
  json amd64 = json::parse(read_file(layout.dir() / "index.json"))["manifests"][0];
  amd64.erase("annotations");
  amd64["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  json manifest = json::parse(read_file(layout.dir() / "blobs/sha256" / amd64["digest"].get<std::string>().substr(7)));
  json config = json::parse(read_file(layout.dir() / "blobs/sha256" /
                                      manifest["config"]["digest"].get<std::string>().substr(7)));
  config["architecture"] = "arm64";
  manifest["config"] = layout.add_blob(config.dump(), manifest["config"]["mediaType"].get<std::string>());
  json arm64 = layout.add_blob(manifest.dump(), kOciManifest);
  arm64["platform"] = {{"os", "linux"}, {"architecture", "arm64"}};
  // The other platform first: the host's must be chosen, not the first.
  const json index = layout.add_blob(
      json{{"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", {arm64, amd64}}}.dump(), kOciIndex);
  layout.write_index(json::array({tagged(index, "multi", "1")}));
  return index["digest"].get<std::string>();
}

TEST_F(HostileLayersTest, AnOciArchiveWhoseIndexNamesAnIndexLoadsTheHostsPlatform) {
  HandMadeLayout layout(env_.scratch() / "multi-layout");
  write_multi_platform_image(env_, layout);
  const fs::path archive = layout.archive(env_.scratch() / "multi.tar");
  const Outcome loaded = env_.gantry({"load", "-i", archive.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_EQ(inspect("multi:1")["Architecture"], "amd64");
  const Outcome built = env_.gantry(
      {"build", "-q", context("on-multi", "FROM multi:1\nRUN test -x /bin/busybox\n").string()});
  EXPECT_EQ(built.exit_code, 0) << built.err;
}

TEST_F(HostileLayersTest, AMultiPlatformBasePinnedByDigestBuilds) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Plain, env_.scratch() / "registry");
  HandMadeLayout layout(env_.scratch() / "multi-layout");
  const std::string index = write_multi_platform_image(env_, layout);
  const std::string name = registry.host() + "/multi";
  run_ok({"skopeo", "copy", "--all", "--preserve-digests", "--dest-tls-verify=false",
          "oci:" + layout.dir().string() + ":1", "docker://" + name + ":1"});

  GantryEnv fresh;
  const Outcome built = fresh.gantry(
      {"build", "-q", "-t", "pinned:1",
       context("pinned", "FROM " + name + "@" + index + "\nRUN test -x /bin/busybox\n").string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const Outcome image = fresh.gantry({"inspect", "pinned:1"});
  ASSERT_EQ(image.exit_code, 0) << image.err;
  EXPECT_EQ(json::parse(image.out)[0]["Architecture"], "amd64");
}

TEST_F(HostileLayersTest, AMalformedLocalCacheIsAWarningAndTheStepsRun) {
  const std::string cache_config = "application/vnd.gantry.cache.config.v1+json";
  const auto manifest_naming = [&](const json& config) {
    return json{{"schemaVersion", 2}, {"mediaType", kOciManifest}, {"config", config}, {"layers", json::array()}};
  };
  const std::string bad_records = json{{"layers", json::array()}, {"records", {{{"key", 5}}}}}.dump();
  std::vector<std::function<void(HandMadeLayout&)>> caches = {
      [](HandMadeLayout& l) { l.write_index(json::array({json::object()})); },
      [](HandMadeLayout& l) { l.write_index(json::array({{{"digest", 5}}})); },
      [&](HandMadeLayout& l) {
        l.write_index({l.add_blob(manifest_naming({{"mediaType", cache_config}, {"digest", 7}}).dump(), kOciManifest)});
      },
      [&](HandMadeLayout& l) {
        l.write_index({l.add_blob(manifest_naming(l.add_blob(bad_records, cache_config)).dump(), kOciManifest)});
      },
  };
  for (std::size_t n = 0; n < caches.size(); ++n) {
    HandMadeLayout cache(env_.scratch() / ("cache-" + std::to_string(n)));
    caches[n](cache);
    const std::string made = "case " + std::to_string(n) + "\n";
    const fs::path ctx = context("ctx-" + std::to_string(n), "FROM busybox\nRUN printf '" + made.substr(0, made.size() - 1) +
                                                               "\\n' > /made.txt\n");
    const fs::path out = env_.scratch() / ("out-" + std::to_string(n));
    const Outcome built = env_.gantry({"build", "--cache-from", "type=local,src=" + cache.dir().string(), "-o",
                                       "type=local,dest=" + out.string(), ctx.string()});
    ASSERT_EQ(built.exit_code, 0) << "case " << n << ": " << built.err;
    EXPECT_NE(built.err.find("WARNING: cache " + cache.dir().string() + " not imported: "), std::string::npos)
        << built.err;
    EXPECT_EQ(built.err.find("json.exception"), std::string::npos) << built.err;
    EXPECT_EQ(read_file(out / "made.txt"), made);
  }
}

// A docker-archive of these members (name -> bytes).
fs::path docker_archive(const fs::path& dir, const std::map<std::string, std::string>& members) {
  fs::create_directories(dir);
  for (const auto& [name, bytes] : members) write_file_atomic(dir / name, bytes);
  const fs::path tar = dir.string() + ".tar";
  run_command({"tar", "-C", dir.string(), "-cf", tar.string(), "."});
  return tar;
}

TEST_F(HostileLayersTest, AMalformedDockerArchiveManifestIsOneLineNamingIt) {
  const std::string config = json{{"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}}}.dump();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[{\"Config\": \"c.json\",", "not valid JSON"},
      {"{\"Config\": \"c.json\"}", "not a list of images"},
      {"[{\"Config\": 5}]", "names no Config"},
      {"[{\"Config\": \"c.json\", \"Layers\": \"l.tar\"}]", "Layers: not a list"},
      {"[{\"Config\": \"c.json\", \"RepoTags\": [7]}]", "RepoTags: holds number"},
      {"[{\"Config\": \"c.json\", \"RepoTags\": [\"Not A Name\"]}]", "RepoTags"},
  };
  int n = 0;
  for (const auto& [manifest, why] : cases) {
    const fs::path archive =
        docker_archive(env_.scratch() / ("bad-" + std::to_string(n++)), {{"manifest.json", manifest}, {"c.json", config}});
    const Outcome loaded = env_.gantry({"load", "-i", archive.string()});
    EXPECT_EQ(loaded.exit_code, 1) << manifest;
    EXPECT_NE(error_line(loaded).find(archive.string() + "`: `manifest.json`"), std::string::npos) << loaded.err;
    EXPECT_NE(error_line(loaded).find(why), std::string::npos) << manifest << ": " << loaded.err;
    EXPECT_EQ(loaded.err.find("json.exception"), std::string::npos) << loaded.err;
    EXPECT_EQ(std::count(loaded.err.begin(), loaded.err.end(), '\n'), 1) << loaded.err;
  }
  const fs::path bad_config =
      docker_archive(env_.scratch() / "bad-config", {{"manifest.json", R"([{"Config": "c.json"}])"}, {"c.json", "{"}});
  const Outcome loaded = env_.gantry({"load", "-i", bad_config.string()});
  EXPECT_EQ(loaded.exit_code, 1);
  EXPECT_NE(error_line(loaded).find("config `c.json`: not valid JSON"), std::string::npos) << loaded.err;
  EXPECT_EQ(loaded.err.find("json.exception"), std::string::npos) << loaded.err;
}

// Far bigger than any manifest, and valid JSON all the same: only its size is wrong.
std::string oversized_manifest(const json& manifest) {
  json big = manifest;
  big["annotations"] = {{"padding", std::string(5 << 20, 'x')}};
  return big.dump();
}

TEST_F(HostileLayersTest, AnArchiveWhoseManifestOrIndexIsTooLargeIsRefusedAsTooLarge) {
  HandMadeLayout layout(env_.scratch() / "evil-layout");
  write_poisoned_image(layout);
  const json index = json::parse(read_file(layout.dir() / "index.json"));
  const std::string manifest_digest = index["manifests"][0]["digest"].get<std::string>();
  const json manifest = json::parse(read_file(layout.dir() / "blobs/sha256" / manifest_digest.substr(7)));

  // index.json itself.
  write_file_atomic(layout.dir() / "index.json", oversized_manifest(index));
  const fs::path big_index = layout.archive(env_.scratch() / "big-index.tar");
  Outcome loaded = env_.gantry({"load", "-i", big_index.string()});
  EXPECT_EQ(loaded.exit_code, 1);
  EXPECT_NE(error_line(loaded).find("`index.json` is too large"), std::string::npos) << loaded.err;

  // A manifest blob it names.
  const json big = layout.add_blob(oversized_manifest(manifest), kOciManifest);
  layout.write_index(json::array({tagged(big, "big", "1")}));
  const fs::path big_manifest = layout.archive(env_.scratch() / "big-manifest.tar");
  loaded = env_.gantry({"load", "-i", big_manifest.string()});
  EXPECT_EQ(loaded.exit_code, 1);
  EXPECT_NE(error_line(loaded).find("manifest " + big["digest"].get<std::string>() + ": too large"), std::string::npos)
      << loaded.err;
  EXPECT_NE(error_line(loaded).find(big_manifest.string()), std::string::npos) << loaded.err;
}

// A "registry" that serves the files under a directory as they are (busybox httpd), for answers
// a real registry would never give; stopped when the object goes away.
class StaticHttpServer {
 public:
  explicit StaticHttpServer(const fs::path& dir) : port_(unused_loopback_port()) {
    pid_ = spawn_command({"busybox", "httpd", "-f", "-p", "127.0.0.1:" + std::to_string(port_), "-h", dir.string()});
    for (int attempt = 0; attempt < 100 && !listening(); ++attempt) ::usleep(50'000);
  }
  ~StaticHttpServer() {
    ::kill(pid_, SIGTERM);
    wait_for(pid_);
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  bool listening() const {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  int port_;
  int pid_;
};

TEST_F(HostileLayersTest, ARegistryManifestThatIsTooLargeIsRefusedAsTooLarge) {
  const fs::path www = env_.scratch() / "www";
  fs::create_directories(www / "v2/big/manifests");
  write_file_atomic(www / "v2/index.html", "{}");
  write_file_atomic(www / "v2/big/manifests/1",
                    oversized_manifest({{"schemaVersion", 2}, {"mediaType", kOciManifest}, {"layers", json::array()}}));
  StaticHttpServer registry(www);
  const std::string name = registry.host() + "/big:1";
  const Outcome pulled = env_.gantry({"pull", name});
  EXPECT_EQ(pulled.exit_code, 1);
  EXPECT_NE(error_line(pulled).find(registry.host() + "/big: manifest 1: too large"), std::string::npos) << pulled.err;
  EXPECT_EQ(std::count(pulled.err.begin(), pulled.err.end(), '\n'), 1) << pulled.err;
}

}  // namespace
}  // namespace gantry::e2e
