// Registries end to end: gantry pushes to and pulls from a real docker-registry (plain HTTP,
// TLS with its own CA, htpasswd Basic auth, Bearer tokens), and skopeo and podman read back
// what gantry pushed. Failures (401, 404, a registry that is down, a corrupt blob) give one
// line naming the registry, image and blob, and leave nothing in the store.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"
#include "tests/e2e/registry_helpers.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;
using Mode = LocalRegistry::Mode;

namespace {

// The snapshots of a root: committed ones and any staging one left behind.
int snapshot_dirs(const GantryEnv& env) {
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator(env.root() / "snapshots", ec); !ec && it != fs::directory_iterator(); ++it) ++n;
  return n;
}

// A file's text, or "" when it cannot be read.
std::string read_file_or(const fs::path& file) {
  std::ifstream in(file);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available())
      GTEST_SKIP() << "docker-registry is not installed (apt-get install docker-registry)";
  }

  void start(Mode mode) { registry_.emplace(mode, env_.root().parent_path() / "registry"); }
  std::string host() const { return registry_->host(); }

  // gantry with this test's own credentials file.
  Outcome gantry(const GantryEnv& env, std::vector<std::string> args, std::map<std::string, std::string> vars = {}) {
    vars.emplace("GANTRY_CONFIG", (env_.scratch() / "config.json").string());
    return env.gantry(std::move(args), std::move(vars));
  }

  // A context whose Dockerfile is `dockerfile`, under the scratch dir.
  fs::path context(const std::string& name, const std::string& dockerfile) {
    return write_context(env_.scratch() / name, dockerfile);
  }

  // Builds busybox + one RUN layer as `name` in env_'s store.
  void build_app(const std::string& name) {
    env_.import_busybox();
    auto ctx = context("app", "FROM busybox\nRUN echo built-for-the-registry > /built.txt\n");
    auto o = gantry(env_, {"build", "-q", "-t", name, ctx.string()});
    ASSERT_EQ(o.exit_code, 0) << o.err;
  }

  Outcome skopeo(std::vector<std::string> args) {
    auto flags = registry_->skopeo_flags();
    args.insert(args.begin() + 1, flags.begin(), flags.end());
    args.insert(args.begin(), "skopeo");
    return run_command(args);
  }

  GantryEnv env_;
  std::optional<LocalRegistry> registry_;  // declared after env_: stopped before its dir goes
};

}  // namespace

TEST_F(RegistryTest, PushedImageReadsBackWithSkopeoAndPodmanAndBuildsFromAFreshRoot) {
  start(Mode::Plain);
  const std::string name = host() + "/team/app:1";
  build_app(name);
  auto pushed = gantry(env_, {"push", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  const std::string digest = digest_of(pushed.out);
  ASSERT_EQ(digest.size(), 71u) << pushed.out;

  auto inspect = skopeo({"inspect", "--format", "{{.Digest}}", "docker://" + name});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(inspect.out.substr(0, 71), digest);
  // The store keeps built layers plain; the registry gets them gzip-compressed, as docker push
  // sends them, and the image id (its config) is the same.
  auto raw = skopeo({"inspect", "--raw", "docker://" + name});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  for (const auto& layer : json::parse(raw.out)["layers"])
    EXPECT_TRUE(layer["mediaType"].get<std::string>().ends_with("+gzip") ||
                layer["mediaType"].get<std::string>().ends_with(".tar.gzip"))
        << raw.out;
  auto local = json::parse(gantry(env_, {"inspect", name}).out)[0];
  EXPECT_EQ(json::parse(raw.out)["config"]["digest"], local["Id"]) << local.dump();
  fs::path copy = env_.scratch() / "copy";
  auto copied = run_command({"skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", "docker://" + name, "oci:" + copy.string() + ":1"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(json::parse(read_file(copy / "index.json"))["manifests"][0]["digest"], digest);

  if (fs::exists("/usr/bin/podman")) {
    TempDir runroot("/tmp", "gpr-");  // podman wants a short runroot
    auto podman = run_command({"podman", "--root", (env_.scratch() / "podman").string(), "--runroot",
                               runroot.path().string(), "pull", "--tls-verify=false", "docker://" + name});
    EXPECT_EQ(podman.exit_code, 0) << podman.err;
    run_command({"podman", "--root", (env_.scratch() / "podman").string(), "--runroot",
                 runroot.path().string(), "system", "reset", "--force"});
  }

  // Everything is there already: nothing is uploaded again.
  auto again = gantry(env_, {"push", name});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find(" 0 blobs uploaded"), std::string::npos) << again.err;
  // Another repository of the same registry gets the blobs by cross-repository mount.
  auto other = gantry(env_, {"push", name, host() + "/other/app:1"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_NE(other.err.find(" 0 blobs uploaded, 3 mounted"), std::string::npos) << other.err;

  // A fresh root pulls the image for FROM and builds on it.
  GantryEnv fresh;
  auto ctx = context("child", "FROM " + name + "\nRUN cat /built.txt > /copied.txt\n");
  auto built = gantry(fresh, {"build", "-t", "child:1", ctx.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.err.find("pulled " + name), std::string::npos) << built.err;
  auto images = gantry(fresh, {"images"});
  EXPECT_NE(images.out.find(host() + "/team/app"), std::string::npos) << images.out;
}

// The SIZE column of `gantry images` for `name` (its last word).
std::string listed_size(const Outcome& images, const std::string& repository) {
  const auto at = images.out.find(repository + " ");
  if (at == std::string::npos) return "(not listed)";
  const std::string line = images.out.substr(at, images.out.find('\n', at) - at);
  return line.substr(line.rfind(' ') + 1);
}

// SIZE is the layers uncompressed: a pulled image, its layers gzip-compressed on the way, shows
// the size the image it was pushed from shows.
TEST_F(RegistryTest, APulledImageShowsTheSizeOfTheImageItWasPushedFrom) {
  start(Mode::Plain);
  const std::string name = host() + "/team/sized:1";
  env_.import_busybox();
  // A megabyte of zeros: its layer is far smaller gzip-compressed than plain.
  auto ctx = context("sized", "FROM busybox\nRUN head -c 1000000 /dev/zero > /zeros\n");
  ASSERT_EQ(gantry(env_, {"build", "-q", "-t", name, ctx.string()}).exit_code, 0);
  ASSERT_EQ(gantry(env_, {"push", name}).exit_code, 0);
  const std::string pushed = listed_size(gantry(env_, {"images"}), host() + "/team/sized");
  GantryEnv fresh;
  const Outcome pulled = gantry(fresh, {"pull", name});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(listed_size(gantry(fresh, {"images"}), host() + "/team/sized"), pushed);
}

// A pull unpacks each layer as it downloads: the image is ready to run when the pull ends, and a
// build FROM it unpacks nothing more.
TEST_F(RegistryTest, APulledImageIsUnpackedByThePullAndABuildFromItUnpacksNothing) {
  start(Mode::Plain);
  const std::string name = host() + "/team/unpacked:1";
  build_app(name);
  ASSERT_EQ(gantry(env_, {"push", name}).exit_code, 0);
  GantryEnv fresh;
  const Outcome pulled = gantry(fresh, {"pull", name});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  const int layers = snapshot_dirs(fresh);
  EXPECT_EQ(layers, 2) << "busybox's layer and the RUN's";
  bool found = false;
  for (const auto& entry : fs::directory_iterator(fresh.root() / "snapshots"))
    found = found || read_file_or(entry.path() / "fs/built.txt") == "built-for-the-registry\n";
  EXPECT_TRUE(found) << "no snapshot holds the RUN layer's file";

  auto ctx = context("labelled", "FROM " + name + "\nLABEL checked=yes\n");
  const Outcome built = gantry(fresh, {"build", "-q", "-t", "labelled:1", ctx.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(snapshot_dirs(fresh), layers);
}

TEST_F(RegistryTest, ChunkedUploadGivesTheSameImage) {
  start(Mode::Plain);
  const std::string name = host() + "/team/chunked:1";
  build_app(name);
  auto pushed = gantry(env_, {"push", "--chunk-size", "4096", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  fs::path copy = env_.scratch() / "copy";
  auto copied = run_command({"skopeo", "copy", "--preserve-digests", "--src-tls-verify=false", "docker://" + name, "oci:" + copy.string() + ":1"});
  ASSERT_EQ(copied.exit_code, 0) << copied.err;  // skopeo verifies every blob's digest
  EXPECT_EQ(json::parse(read_file(copy / "index.json"))["manifests"][0]["digest"], digest_of(pushed.out));
}

TEST_F(RegistryTest, TlsRegistryIsTrustedOnlyWithItsCa) {
  start(Mode::Tls);
  const std::string name = host() + "/team/app:tls";
  env_.import_busybox();
  auto ctx = context("app", "FROM busybox\nRUN echo tls > /tls.txt\n");
  auto untrusted = gantry(env_, {"build", "--push", "-t", name, ctx.string()});
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(error_line(untrusted).find("TLS certificate not trusted"), std::string::npos) << untrusted.err;
  EXPECT_NE(error_line(untrusted).find(host()), std::string::npos) << untrusted.err;

  auto pushed = gantry(env_, {"build", "--push", "-t", name, ctx.string()},
                       {{"GANTRY_REGISTRY_CA", registry_->ca_file().string()}});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  auto at = pushed.err.find("pushed " + name + "@");
  ASSERT_NE(at, std::string::npos) << pushed.err;
  const std::string digest = digest_of(pushed.err.substr(at, pushed.err.find(' ', at + 7) - at));
  auto inspect = skopeo({"inspect", "--format", "{{.Digest}}", "docker://" + name});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  EXPECT_EQ(inspect.out.substr(0, 71), digest);

  GantryEnv fresh;
  auto pulled = gantry(fresh, {"pull", "--registry-ca", registry_->ca_file().string(), name});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(digest_of(pulled.out), digest);
}

TEST_F(RegistryTest, BasicAuthNeedsLoginAndRejectsAWrongPassword) {
  start(Mode::Basic);
  const std::string name = host() + "/team/app:basic";
  build_app(name);
  auto anonymous = gantry(env_, {"push", name});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(error_line(anonymous).find("401 Unauthorized"), std::string::npos) << anonymous.err;
  EXPECT_NE(error_line(anonymous).find("gantry login " + host()), std::string::npos) << anonymous.err;

  auto wrong = gantry(env_, {"login", "-u", LocalRegistry::user(), "-p", "not-the-password", host()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(error_line(wrong).find("401"), std::string::npos) << wrong.err;
  EXPECT_NE(error_line(wrong).find("rejected the credentials"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(env_.scratch() / "config.json"));

  auto login = gantry(env_, {"login", "-u", LocalRegistry::user(), "-p", LocalRegistry::password(), host()});
  ASSERT_EQ(login.exit_code, 0) << login.err;
  auto config = json::parse(read_file(env_.scratch() / "config.json"));
  EXPECT_EQ(config["auths"][host()]["auth"], "Z2FudHJ5OmdhbnRyeS1wYXNz");  // base64("gantry:gantry-pass")
  auto pushed = gantry(env_, {"push", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  auto inspect = skopeo({"inspect", "--format", "{{.Digest}}", "docker://" + name});
  EXPECT_EQ(inspect.out.substr(0, 71), digest_of(pushed.out)) << inspect.err;

  ASSERT_EQ(gantry(env_, {"logout", host()}).exit_code, 0);
  EXPECT_EQ(gantry(env_, {"push", name}).exit_code, 1);
}

TEST_F(RegistryTest, BearerTokenAuthPushesWithLoginAndPullsAnonymously) {
  start(Mode::Token);
  const std::string name = host() + "/team/app:token";
  build_app(name);
  auto anonymous = gantry(env_, {"push", name});
  EXPECT_EQ(anonymous.exit_code, 1);
  EXPECT_NE(error_line(anonymous).find("401"), std::string::npos) << anonymous.err;

  auto wrong = gantry(env_, {"login", "-u", LocalRegistry::user(), "-p", "nope", host()});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(error_line(wrong).find("token request"), std::string::npos) << wrong.err;

  ASSERT_EQ(gantry(env_, {"login", "-u", LocalRegistry::user(), "-p", LocalRegistry::password(), host()}).exit_code, 0);
  auto pushed = gantry(env_, {"push", name});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  auto inspect = skopeo({"inspect", "--format", "{{.Digest}}", "docker://" + name});
  EXPECT_EQ(inspect.out.substr(0, 71), digest_of(pushed.out)) << inspect.err;

  // The token server grants anonymous pulls.
  GantryEnv fresh;
  auto pulled = fresh.gantry({"pull", name}, {{"GANTRY_CONFIG", (fresh.scratch() / "none.json").string()}});
  ASSERT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_EQ(digest_of(pulled.out), digest_of(pushed.out));
}

TEST_F(RegistryTest, MissingTagIs404NamingTheImage) {
  start(Mode::Plain);
  auto o = gantry(env_, {"pull", host() + "/team/app:nope"});
  EXPECT_EQ(o.exit_code, 1);
  const std::string line = error_line(o);
  EXPECT_NE(line.find("pull " + host() + "/team/app:nope"), std::string::npos) << line;
  EXPECT_NE(line.find("404 Not Found"), std::string::npos) << line;
  EXPECT_NE(line.find("MANIFEST_UNKNOWN"), std::string::npos) << line;
  EXPECT_EQ(gantry(env_, {"images", "-q"}).out, "");
}

TEST_F(RegistryTest, RegistryDownIsUnreachableAndLeavesTheStoreUsable) {
  const std::string down = "127.0.0.1:" + std::to_string(unused_loopback_port());
  auto pull = gantry(env_, {"pull", down + "/team/app:1"});
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(error_line(pull).find("registry " + down + " unreachable"), std::string::npos) << pull.err;

  env_.import_busybox();
  auto ctx = context("from-down", "FROM " + down + "/team/app:1\nRUN true\n");
  auto build = gantry(env_, {"build", "-t", "bad:1", ctx.string()});
  EXPECT_EQ(build.exit_code, 1);
  EXPECT_NE(error_line(build).find(down + "/team/app:1"), std::string::npos) << build.err;
  auto ok = context("ok", "FROM busybox\nRUN echo fine > /f\n");
  auto follow_up = gantry(env_, {"build", "-t", "good:1", ok.string()});
  EXPECT_EQ(follow_up.exit_code, 0) << follow_up.err;
}

TEST_F(RegistryTest, CorruptBlobIsADigestMismatchAndNothingIsKept) {
  start(Mode::Plain);
  const std::string name = host() + "/team/app:corrupt";
  build_app(name);
  ASSERT_EQ(gantry(env_, {"push", name}).exit_code, 0);
  auto raw = skopeo({"inspect", "--raw", "docker://" + name});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  const std::string layer = json::parse(raw.out)["layers"].back()["digest"];
  const fs::path blob = registry_->blob_file(Digest::parse(layer));
  const std::string original = read_file(blob);
  std::string corrupt = original;
  corrupt[corrupt.size() / 2] ^= 0x20;  // same size, other bytes
  write_file_atomic(blob, corrupt);

  GantryEnv fresh;
  auto pull = gantry(fresh, {"pull", name});
  EXPECT_EQ(pull.exit_code, 1);
  const std::string line = error_line(pull);
  EXPECT_NE(line.find("pull " + name), std::string::npos) << line;
  EXPECT_NE(line.find("blob " + layer), std::string::npos) << line;
  EXPECT_NE(line.find("does not match its digest"), std::string::npos) << line;
  EXPECT_FALSE(fs::exists(fresh.root() / "blobs/sha256" / layer.substr(7)));
  EXPECT_TRUE(fs::is_empty(fresh.root() / "ingest"));
  EXPECT_EQ(snapshot_dirs(fresh), 0) << "the layers unpacked while they downloaded are gone too";
  EXPECT_EQ(gantry(fresh, {"images", "-q"}).out, "");

  // Once the registry serves the right bytes, the same root pulls and builds.
  write_file_atomic(blob, original);
  auto ctx = context("again", "FROM " + name + "\nRUN cat /built.txt\n");
  auto build = gantry(fresh, {"build", "-t", "again:1", ctx.string()});
  EXPECT_EQ(build.exit_code, 0) << build.err;
}

// Registry mirrors from the config file: each mirror of the image's registry is tried in
// order, the registry itself last.
class RegistryMirrorTest : public RegistryTest {
 protected:
  // A config file naming `mirrors` for this test's registry.
  std::map<std::string, std::string> mirror_config(const std::vector<std::string>& mirrors) {
    return e2e::mirror_config(env_.scratch() / "gantry-config.yaml", host(), mirrors);
  }

  // Builds `FROM image` + a copy of /built.txt in a fresh root; returns what /built.txt held.
  std::string build_from(const std::string& image, const std::map<std::string, std::string>& vars,
                         Outcome& outcome) {
    GantryEnv fresh;
    auto ctx = context("from-" + std::to_string(++builds_), "FROM " + image + "\nRUN cp /built.txt /seen.txt\n");
    fs::path out = env_.scratch() / ("rootfs-" + std::to_string(builds_));
    outcome = gantry(fresh, {"build", "-o", "type=local,dest=" + out.string(), ctx.string()}, vars);
    return fs::exists(out / "seen.txt") ? read_file(out / "seen.txt") : "";
  }

  int builds_ = 0;
};

TEST_F(RegistryMirrorTest, AMirrorIsPulledFromFirst) {
  start(Mode::Plain);
  LocalRegistry mirror(Mode::Plain, env_.root().parent_path() / "mirror");
  const std::string name = host() + "/team/app:1";
  build_app(name);
  ASSERT_EQ(gantry(env_, {"push", name}).exit_code, 0);
  // The mirror holds an image of its own under the same path: which one a build gets says
  // where it pulled from.
  auto ctx = context("mirrored", "FROM busybox\nRUN echo served-by-the-mirror > /built.txt\n");
  ASSERT_EQ(gantry(env_, {"build", "-q", "-t", "mirrored:1", ctx.string()}).exit_code, 0);
  auto pushed = gantry(env_, {"push", "mirrored:1", mirror.host() + "/team/app:1"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;

  Outcome o;
  EXPECT_EQ(build_from(name, mirror_config({mirror.host()}), o), "served-by-the-mirror\n") << o.err;
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("pulled " + name + " from mirror " + mirror.host()), std::string::npos) << o.err;
  // Without the config the registry itself serves it.
  EXPECT_EQ(build_from(name, {}, o), "built-for-the-registry\n") << o.err;
  // gantry pull goes through the mirror too.
  GantryEnv fresh;
  auto pulled = gantry(fresh, {"pull", name}, mirror_config({mirror.host()}));
  EXPECT_EQ(pulled.exit_code, 0) << pulled.err;
  EXPECT_NE(pulled.err.find("from mirror " + mirror.host()), std::string::npos) << pulled.err;
}

TEST_F(RegistryMirrorTest, AMirrorThatIsDownOrLacksTheImageFallsBackToTheRegistry) {
  start(Mode::Plain);
  LocalRegistry empty(Mode::Plain, env_.root().parent_path() / "empty-mirror");
  const std::string down = "127.0.0.1:" + std::to_string(unused_loopback_port());
  const std::string name = host() + "/team/app:1";
  build_app(name);
  ASSERT_EQ(gantry(env_, {"push", name}).exit_code, 0);

  Outcome o;
  EXPECT_EQ(build_from(name, mirror_config({down, empty.host()}), o), "built-for-the-registry\n") << o.err;
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("WARNING: mirror " + down + ": "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("WARNING: mirror " + empty.host() + ": "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("404"), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("from mirror"), std::string::npos) << o.err;

  // When the registry fails too, the error names it and the mirrors passed over.
  registry_.reset();
  build_from(name, mirror_config({down}), o);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(error_line(o).find("pull " + name + ": "), std::string::npos) << o.err;
  EXPECT_NE(error_line(o).find("; mirror " + down + ": "), std::string::npos) << o.err;
}

}  // namespace gantry::e2e
