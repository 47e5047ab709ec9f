// Docker Hub names end to end, on fresh roots with nothing imported: `FROM busybox` and its
// other spellings, COPY --from, RUN --mount=from and `gantry run` pull what the store lacks,
// as docker does, here through a local registry configured as docker.io's mirror (there is no
// internet: the registry itself, registry-1.docker.io, does not resolve). --pull=never keeps a
// build offline, --pull picks up a new digest, and a mirror that is down fails naming it and
// the registry. The mirror may also come from a docker daemon.json.
#include <gtest/gtest.h>

#include <optional>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"
#include "tests/e2e/registry_helpers.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using Mode = LocalRegistry::Mode;

namespace {

// The Debian toolchain rootfs scripts/test-fixtures.sh makes (it has golang-go).
fs::path toolchain_tar() {
  const char* dir = std::getenv("GANTRY_FIXTURES");
  return fs::path(dir ? dir : "/var/tmp/gantry-fixtures") / "debian-toolchain-v2.tar";
}

class DockerHubNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available())
      GTEST_SKIP() << "docker-registry is not installed (apt-get install docker-registry)";
    mirror_.emplace(Mode::Plain, seed_.root().parent_path() / "mirror");
    seed_.import_busybox();
    busybox_digest_ = push_to_mirror("busybox:latest", "library/busybox:latest");
  }

  // The config that makes the mirror docker.io's (as an http:// URL, daemon.json's form), and a
  // credentials file of the test's own.
  std::map<std::string, std::string> vars() const {
    auto v = mirror_config(seed_.scratch() / "mirror.yaml", "docker.io", {"http://" + mirror_->host()});
    v.emplace("GANTRY_CONFIG", (seed_.scratch() / "no-credentials.json").string());
    return v;
  }

  Outcome gantry(const GantryEnv& env, std::vector<std::string> args) const { return env.gantry(std::move(args), vars()); }

  // Pushes `image` of the seed's store as `path` of the mirror; returns its manifest digest.
  std::string push_to_mirror(const std::string& image, const std::string& path) const {
    auto o = gantry(seed_, {"push", image, mirror_->host() + "/" + path});
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return digest_of(o.out);
  }

  fs::path context(const std::string& dockerfile) {
    return write_context(seed_.scratch() / ("ctx-" + std::to_string(++contexts_)), dockerfile);
  }

  std::string pulled_from_mirror(const std::string& familiar) const {
    return "pulled " + familiar + " from mirror " + mirror_->host();
  }

  // The store's images and blobs: what a failed command must leave as it was.
  std::string store_state(const GantryEnv& env) const {
    std::string state = gantry(env, {"images", "-q"}).out;
    if (fs::exists(env.root() / "blobs"))
      for (const auto& e : fs::recursive_directory_iterator(env.root() / "blobs")) state += e.path().string() + "\n";
    return state;
  }

  GantryEnv seed_;  // imports and pushes what the mirror serves
  std::optional<LocalRegistry> mirror_;
  std::string busybox_digest_;  // of library/busybox:latest on the mirror
  int contexts_ = 0;
};

}  // namespace

TEST_F(DockerHubNamesTest, EverySpellingOfBusyboxBuildsOnAFreshRootWithNoPullFlag) {
  for (const std::string from : {"busybox", "busybox:latest", "docker.io/library/busybox",
                                 "index.docker.io/library/busybox"}) {
    GantryEnv fresh;
    auto o = gantry(fresh, {"build", "-t", "app:1", context("FROM " + from + "\nRUN test -x /bin/busybox\n").string()});
    EXPECT_EQ(o.exit_code, 0) << from << ": " << o.err;
    EXPECT_NE(o.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << from << ": " << o.err;
    // Whatever the spelling, the store keys it as docker does: busybox:latest.
    EXPECT_NE(gantry(fresh, {"images"}).out.find("busybox "), std::string::npos) << from;
  }
}

TEST_F(DockerHubNamesTest, OneSpellingPulledServesTheOthersFromTheStore) {
  GantryEnv fresh;
  ASSERT_EQ(gantry(fresh, {"pull", "index.docker.io/library/busybox"}).exit_code, 0);
  auto o = gantry(fresh, {"build", context("FROM busybox\nRUN true\n").string()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.err.find("pulled "), std::string::npos) << o.err;
}

// NAME:TAG@DIGEST pulls the digest: the tag is not looked at, so one the mirror lacks is no error.
TEST_F(DockerHubNamesTest, ATagAndADigestPullTheDigest) {
  ASSERT_EQ(busybox_digest_.size(), 71u) << busybox_digest_;
  GantryEnv fresh;
  auto o = gantry(fresh, {"build", context("FROM busybox:no-such-tag@" + busybox_digest_ + "\nRUN true\n").string()});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("pulled busybox:no-such-tag@" + busybox_digest_ + " from mirror " + mirror_->host()),
            std::string::npos)
      << o.err;
}

TEST_F(DockerHubNamesTest, CopyFromAndRunMountFromPullWhatTheStoreLacks) {
  GantryEnv fresh;
  auto copied = gantry(fresh, {"build", "-o", "type=local,dest=" + (fresh.scratch() / "out").string(),
                               context("FROM scratch\nCOPY --from=busybox /bin/busybox /busybox\n").string()});
  EXPECT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_NE(copied.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << copied.err;
  EXPECT_TRUE(fs::exists(fresh.scratch() / "out/busybox"));

  GantryEnv other;
  auto imported = other.gantry({"import", busybox_rootfs_tar().string(), "localbase:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto mounted = gantry(other, {"build", context("FROM localbase:1\n"
                                                 "RUN --mount=from=busybox,target=/m test -x /m/bin/busybox\n")
                                           .string()});
  EXPECT_EQ(mounted.exit_code, 0) << mounted.err;
  EXPECT_NE(mounted.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << mounted.err;
}

TEST_F(DockerHubNamesTest, RunPullsWhatTheStoreLacksUnlessPullIsNever) {
  GantryEnv fresh;
  auto never = gantry(fresh, {"run", "--pull", "never", "--rm", "busybox", "true"});
  EXPECT_EQ(never.exit_code, 125) << never.err;  // docker run's code for an error of its own
  EXPECT_NE(error_line(never).find("image `busybox` is not in the local store, and --pull=never forbade pulling it"),
            std::string::npos)
      << never.err;

  auto run = gantry(fresh, {"run", "--rm", "busybox", "true"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << run.err;
  // Now in the store: no second pull.
  auto again = gantry(fresh, {"run", "--rm", "busybox", "echo", "from-the-store"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.out, "from-the-store\n");
  EXPECT_EQ(again.err.find("pulled "), std::string::npos) << again.err;

  auto bad = gantry(fresh, {"run", "--pull", "sometimes", "--rm", "busybox", "true"});
  EXPECT_EQ(bad.exit_code, 125);
  EXPECT_NE(error_line(bad).find("`sometimes`"), std::string::npos) << bad.err;
}

TEST_F(DockerHubNamesTest, PullNeverFailsNamingTheImageAndLeavesTheStoreAsItWas) {
  GantryEnv fresh;
  const std::string before = store_state(fresh);
  auto o = gantry(fresh, {"build", "--pull=never", "-t", "app:1", context("FROM busybox\nRUN true\n").string()});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(error_line(o).find("image `busybox` is not in the local store, and --pull=never forbade pulling it"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(o.err.find("pulled "), std::string::npos) << o.err;
  EXPECT_EQ(store_state(fresh), before);
}

TEST_F(DockerHubNamesTest, ABadPullValueIsAUsageErrorNamingIt) {
  GantryEnv fresh;
  for (const char* command : {"build", "bake"}) {
    auto o = gantry(fresh, {command, "--pull=sometimes", seed_.scratch().string()});
    EXPECT_EQ(o.exit_code, 125) << command << ": " << o.err;
    EXPECT_NE(error_line(o).find("--pull value `sometimes`"), std::string::npos) << o.err;
  }
}

TEST_F(DockerHubNamesTest, PullAsksTheMirrorAgainAndPicksUpANewDigest) {
  GantryEnv fresh;
  const std::string dockerfile = "FROM busybox\nRUN ls / > /listing\n";
  auto listing = [&](std::vector<std::string> flags) {
    const fs::path out = fresh.scratch() / ("out-" + std::to_string(contexts_));
    std::vector<std::string> args = {"build", "-o", "type=local,dest=" + out.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context(dockerfile).string());
    auto o = gantry(fresh, args);
    EXPECT_EQ(o.exit_code, 0) << o.err;
    return std::make_pair(o, fs::exists(out / "listing") ? read_file(out / "listing") : std::string("(none)"));
  };
  auto [first, first_listing] = listing({});
  EXPECT_NE(first.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << first.err;
  EXPECT_EQ(first_listing.find("v2\n"), std::string::npos) << first_listing;

  // A new busybox:latest on the mirror, with a /v2 of its own.
  auto rebuilt = gantry(seed_, {"build", "-q", "-t", "busybox-v2:1", context("FROM busybox\nRUN echo 2 > /v2\n").string()});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  ASSERT_NE(push_to_mirror("busybox-v2:1", "library/busybox:latest"), busybox_digest_);

  auto [cached, cached_listing] = listing({});  // the store has busybox: no pull without --pull
  EXPECT_EQ(cached.err.find("pulled "), std::string::npos) << cached.err;
  EXPECT_EQ(cached_listing.find("v2\n"), std::string::npos) << cached_listing;

  auto [pulled, pulled_listing] = listing({"--pull"});
  EXPECT_NE(pulled.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << pulled.err;
  EXPECT_NE(pulled_listing.find("v2\n"), std::string::npos) << pulled_listing;
  auto [always, always_listing] = listing({"--pull=always"});
  EXPECT_NE(always.err.find(pulled_from_mirror("busybox:latest") + " (0 blobs downloaded"), std::string::npos)
      << always.err;
}

TEST_F(DockerHubNamesTest, AMirrorThatIsDownFailsNamingTheImageTheMirrorAndTheRegistry) {
  const std::string down = "127.0.0.1:" + std::to_string(unused_loopback_port());
  GantryEnv fresh;
  auto env = mirror_config(fresh.scratch() / "down.yaml", "docker.io", {down});
  // Bounded even where registry-1.docker.io's name could take long to fail.
  env.emplace("GANTRY_REGISTRY_TIMEOUT", "30");
  env.emplace("GANTRY_CONFIG", (fresh.scratch() / "no-credentials.json").string());
  auto o = fresh.gantry({"build", context("FROM busybox\nRUN true\n").string()}, env);
  EXPECT_EQ(o.exit_code, 1);
  const std::string line = error_line(o);
  EXPECT_NE(line.find("pull busybox:latest: "), std::string::npos) << o.err;
  EXPECT_NE(line.find("registry-1.docker.io"), std::string::npos) << o.err;
  EXPECT_NE(line.find("mirror " + down + ": "), std::string::npos) << o.err;
  EXPECT_EQ(gantry(fresh, {"images", "-q"}).out, "");
}

TEST_F(DockerHubNamesTest, DaemonJsonMirrorsServeDockerIoByConfigOrByTheConfigKey) {
  // --config names the file to read instead of $GANTRY_CONFIG_FILE, which names a dead mirror here.
  const fs::path daemon = seed_.scratch() / "daemon.json";
  write_file_atomic(daemon, "{\n  \"registry-mirrors\": [\"http://" + mirror_->host() + "\"],\n"
                            "  \"log-driver\": \"json-file\"\n}\n");
  GantryEnv fresh;
  auto env = mirror_config(fresh.scratch() / "down.yaml", "docker.io",
                           {"127.0.0.1:" + std::to_string(unused_loopback_port())});
  env.emplace("GANTRY_CONFIG", (fresh.scratch() / "no-credentials.json").string());
  auto o = fresh.gantry({"--config", daemon.string(), "build", context("FROM busybox\nRUN true\n").string()}, env);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << o.err;
  EXPECT_EQ(o.err.find("WARNING: mirror"), std::string::npos) << o.err;

  // registry.daemon-json in a gantry config, relative to that file.
  GantryEnv other;
  write_file_atomic(seed_.scratch() / "gantry.yaml", "registry:\n  daemon-json: daemon.json\n");
  env["GANTRY_CONFIG_FILE"] = (seed_.scratch() / "gantry.yaml").string();
  auto keyed = other.gantry({"pull", "busybox"}, env);
  EXPECT_EQ(keyed.exit_code, 0) << keyed.err;
  EXPECT_NE(keyed.err.find(pulled_from_mirror("busybox:latest")), std::string::npos) << keyed.err;
  auto info = other.gantry({"info"}, env);
  EXPECT_NE(info.out.find(daemon.string()), std::string::npos) << info.out;

  auto missing = other.gantry({"--config", (seed_.scratch() / "nope.json").string(), "info"}, env);
  EXPECT_EQ(missing.exit_code, 125);
  EXPECT_NE(error_line(missing).find("nope.json"), std::string::npos) << missing.err;
}

TEST_F(DockerHubNamesTest, MultiStageGoBuildFromAGolangImageOfTheMirror) {
  if (!fs::exists(toolchain_tar()))
    GTEST_SKIP() << toolchain_tar() << " is missing: scripts/test-fixtures.sh makes it";
  auto imported = seed_.gantry({"import", toolchain_tar().string(), "golang-like:1"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  ASSERT_FALSE(push_to_mirror("golang-like:1", "library/golang-like:1").empty());

  // testdata/go-multistage, its builder stage FROM the mirror's image.
  const fs::path ctx = seed_.scratch() / "go";
  fs::create_directories(ctx);
  for (const char* file : {"go.mod", "main.go"}) fs::copy_file(testdata("go-multistage") / file, ctx / file);
  std::string dockerfile = read_file(testdata("go-multistage") / "Dockerfile");
  const std::string from = "FROM debian-toolchain:latest AS builder";
  ASSERT_NE(dockerfile.find(from), std::string::npos) << dockerfile;
  dockerfile.replace(dockerfile.find(from), from.size(), "FROM golang-like:1 AS builder");
  write_file_atomic(ctx / "Dockerfile", dockerfile);

  GantryEnv fresh;
  const fs::path out = fresh.scratch() / "out";
  auto o = gantry(fresh, {"build", "--network=none", "-o", "type=local,dest=" + out.string(), ctx.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find(pulled_from_mirror("golang-like:1")), std::string::npos) << o.err;
  auto primes = run_command({(out / "primes").string(), "10"});
  EXPECT_EQ(primes.exit_code, 0) << primes.err;
  EXPECT_NE(primes.out.find("go says: first 10 primes: 2 3 5 7 11 13 17 19 23 29"), std::string::npos) << primes.out;
}

}  // namespace gantry::e2e
