// Build cache export and import end to end: a build exports its cache (--cache-to) to a real
// docker-registry or to a directory, a second machine (a fresh state root) imports it
// (--cache-from) and runs no step at all, yet makes the same image. A cache that is missing or
// corrupt only warns, and the steps run.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The steps a plain progress log shows running to completion: "#N [2/4] RUN ..." whose "#N"
// has a DONE line (a step taken from a cache has a CACHED line instead).
std::vector<std::string> executed_steps(const std::string& plain_log) {
  std::map<std::string, std::string> title_of;
  std::set<std::string> done;
  const std::regex title(R"(^(#\d+) (\[.*)$)"), finished(R"(^(#\d+) DONE )");
  std::istringstream lines(plain_log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, title)) title_of.emplace(m[1], m[2]);
    else if (std::regex_search(line, m, finished)) done.insert(m[1]);
  }
  std::vector<std::string> steps;
  for (const auto& id : done)
    if (auto t = title_of.find(id); t != title_of.end() && t->second.find(" FROM ") == std::string::npos)
      steps.push_back(t->second);
  return steps;
}

constexpr const char* kDockerfile =
    "FROM busybox AS tools\n"
    "RUN echo tool > /tool\n"
    "FROM busybox\n"
    "RUN echo one > /one\n"
    "COPY file /file\n"
    "COPY --from=tools /tool /tool\n"
    "RUN cat /file /one /tool > /two\n";

class BuildCacheTest : public ::testing::Test {
 protected:
  // A machine: a state root with busybox imported (the same image digest on each).
  static std::unique_ptr<GantryEnv> machine() {
    auto env = std::make_unique<GantryEnv>();
    env->import_busybox();
    return env;
  }

  fs::path context() {
    const fs::path dir = first_->scratch() / "ctx";
    fs::create_directories(dir);
    write_file_atomic(dir / "Dockerfile", kDockerfile);
    write_file_atomic(dir / "file", "hello\n");
    return dir;
  }

  // Builds the context on `env` with extra flags; returns the image id and the plain log.
  std::pair<std::string, Outcome> build(const GantryEnv& env, std::vector<std::string> flags) {
    const fs::path iid = env.scratch() / "iid";
    std::vector<std::string> args{"build", "--progress=plain", "--network=none", "--iidfile", iid.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(context().string());
    Outcome o = env.gantry(args);
    return {o.exit_code == 0 ? read_file(iid) : "", o};
  }

  std::unique_ptr<GantryEnv> first_ = machine();
};

}  // namespace

TEST_F(BuildCacheTest, RegistryCacheMakesAFreshRootRunNothingAndGiveTheSameImage) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Plain, first_->scratch() / "registry");
  const std::string ref = registry.host() + "/cache/app:buildcache";

  auto [first_id, exported] = build(*first_, {"--cache-to", "type=registry,ref=" + ref});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(executed_steps(exported.err).size(), 5u) << exported.err;
  EXPECT_NE(exported.err.find("exported cache to " + ref), std::string::npos) << exported.err;

  auto second = machine();
  auto [second_id, imported] = build(*second, {"--cache-from", "type=registry,ref=" + ref});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(executed_steps(imported.err).empty()) << imported.err;
  EXPECT_EQ(second_id, first_id);
  // The bare form of --cache-from is a registry ref too.
  auto third = machine();
  auto [third_id, bare] = build(*third, {"--cache-from", ref});
  ASSERT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_TRUE(executed_steps(bare.err).empty()) << bare.err;
  EXPECT_EQ(third_id, first_id);

  // Without the cache the same build on a fresh root runs its steps: the import did the work.
  auto fourth = machine();
  auto [fourth_id, uncached] = build(*fourth, {});
  ASSERT_EQ(uncached.exit_code, 0) << uncached.err;
  EXPECT_EQ(executed_steps(uncached.err).size(), 5u) << uncached.err;
}

TEST_F(BuildCacheTest, ABaseSavedAndLoadedElsewhereKeepsTheRegistryCache) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Plain, first_->scratch() / "registry");
  const std::string ref = registry.host() + "/cache/app:buildcache";
  auto [first_id, exported] = build(*first_, {"--cache-to", "type=registry,ref=" + ref + ",mode=max"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  // The base travels as a docker archive: another manifest (docker media types) of the same
  // layers, so only its content ties the second machine's steps to the first's.
  const fs::path archive = first_->scratch() / "busybox.tar";
  ASSERT_EQ(first_->gantry({"save", "-o", archive.string(), "busybox"}).exit_code, 0);
  GantryEnv second;
  const Outcome loaded = second.gantry({"load", "-i", archive.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  const auto manifest_on = [](const GantryEnv& env) {
    return json::parse(env.gantry({"inspect", "busybox"}).out)[0]["Descriptor"]["digest"].get<std::string>();
  };
  ASSERT_NE(manifest_on(second), manifest_on(*first_));

  auto [second_id, imported] = build(second, {"--cache-from", "type=registry,ref=" + ref});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(executed_steps(imported.err).empty()) << imported.err;
  EXPECT_EQ(second_id, first_id);
}

TEST_F(BuildCacheTest, InlineCacheTravelsInThePushedImage) {
  if (!LocalRegistry::available()) GTEST_SKIP() << "docker-registry is not installed";
  LocalRegistry registry(LocalRegistry::Mode::Plain, first_->scratch() / "registry");
  const std::string image = registry.host() + "/team/app:1";

  auto [first_id, pushed] = build(*first_, {"-t", image, "--push", "--cache-to", "type=inline"});
  ASSERT_EQ(pushed.exit_code, 0) << pushed.err;
  const json config = first_->image_config(image);
  ASSERT_TRUE(config.contains("gantry.buildcache.v1")) << config.dump();

  auto second = machine();
  auto [second_id, imported] = build(*second, {"--cache-from", "type=registry,ref=" + image, "--cache-to", "type=inline"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(executed_steps(imported.err).empty()) << imported.err;
  EXPECT_EQ(second_id, first_id);

  // An image without an inline cache is a warning, not a failure.
  auto plain = machine();
  ASSERT_EQ(build(*plain, {"-t", registry.host() + "/team/plain:1", "--push"}).second.exit_code, 0);
  auto [third_id, without] = build(*machine(), {"--cache-from", registry.host() + "/team/plain:1"});
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_NE(without.err.find("carries no build cache"), std::string::npos) << without.err;
}

TEST_F(BuildCacheTest, LocalCacheInMaxModeKeepsEveryStageAndIsAnOciLayout) {
  const fs::path dir = first_->scratch() / "cache-dir";
  auto [min_id, min_export] = build(*first_, {"--cache-to", "type=local,dest=" + dir.string()});
  ASSERT_EQ(min_export.exit_code, 0) << min_export.err;
  // min: the final stage's four steps; the tools stage's RUN is not among the image's layers.
  EXPECT_NE(min_export.err.find("(4 records"), std::string::npos) << min_export.err;
  auto [max_id, max_export] =
      build(*first_, {"--cache-to", "type=local,dest=" + dir.string() + ",mode=max,compression=zstd"});
  ASSERT_EQ(max_export.exit_code, 0) << max_export.err;
  EXPECT_NE(max_export.err.find("(5 records"), std::string::npos) << max_export.err;
  EXPECT_EQ(max_id, min_id);

  const json index = json::parse(read_file(dir / "index.json"));
  ASSERT_EQ(index["manifests"].size(), 1u);
  const std::string manifest_digest = index["manifests"][0]["digest"];
  const json manifest = json::parse(read_file(dir / "blobs" / "sha256" / manifest_digest.substr(7)));
  EXPECT_EQ(manifest["config"]["mediaType"], "application/vnd.gantry.cache.config.v1+json");
  for (const auto& layer : manifest["layers"])
    EXPECT_TRUE(fs::exists(dir / "blobs" / "sha256" / layer["digest"].get<std::string>().substr(7)));

  auto second = machine();
  auto [second_id, imported] = build(*second, {"--cache-from", "type=local,src=" + dir.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_TRUE(executed_steps(imported.err).empty()) << imported.err;
  EXPECT_EQ(second_id, min_id);

  // The tools stage alone (--target) is in the max-mode cache too.
  auto third = machine();
  auto [tools_id, tools] = build(*third, {"--target", "tools", "--cache-from", "type=local,src=" + dir.string()});
  ASSERT_EQ(tools.exit_code, 0) << tools.err;
  EXPECT_TRUE(executed_steps(tools.err).empty()) << tools.err;
}

TEST_F(BuildCacheTest, MissingOrCorruptCacheWarnsAndTheStepsRun) {
  // Nothing at that directory: a warning naming it, and a normal build.
  const fs::path missing = first_->scratch() / "no-cache-here";
  auto [id, built] = build(*first_, {"--cache-from", "type=local,src=" + missing.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_NE(built.err.find("WARNING: cache " + missing.string() + " not imported"), std::string::npos) << built.err;
  EXPECT_EQ(executed_steps(built.err).size(), 5u) << built.err;

  // A cache whose layer blobs were damaged: the records cannot be imported, the steps run, and
  // the image is the same as the cache's.
  const fs::path dir = first_->scratch() / "cache-dir";
  ASSERT_EQ(build(*first_, {"--cache-to", "type=local,dest=" + dir.string()}).second.exit_code, 0);
  const json index = json::parse(read_file(dir / "index.json"));
  const std::string manifest_digest = index["manifests"][0]["digest"];
  const json manifest = json::parse(read_file(dir / "blobs" / "sha256" / manifest_digest.substr(7)));
  for (const auto& layer : manifest["layers"]) {
    std::ofstream damage(dir / "blobs" / "sha256" / layer["digest"].get<std::string>().substr(7),
                         std::ios::binary | std::ios::app);
    damage << "garbage";
  }
  auto second = machine();
  auto [second_id, imported] = build(*second, {"--cache-from", "type=local,src=" + dir.string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("not imported"), std::string::npos) << imported.err;
  EXPECT_FALSE(executed_steps(imported.err).empty()) << imported.err;
  // Nothing half-imported is left: the next build on that root finds all of its own cache.
  auto [again_id, again] = build(*second, {});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(executed_steps(again.err).empty()) << again.err;
  EXPECT_EQ(again_id, second_id);
}

TEST_F(BuildCacheTest, MalformedCacheFlagsAreUsageErrors) {
  for (const char* flag : {"--cache-to=type=local", "--cache-to=type=s3,bucket=x",
                                  "--cache-to=type=registry,ref=r/x:1,mode=all", "--cache-from=type=local,dest=x", "--cache-from=type=inline",
                                  "--cache-to=compression=gzip"}) {
    Outcome o = first_->gantry({"build", flag, context().string()});
    EXPECT_EQ(o.exit_code, 125) << flag << ": " << o.err;
    EXPECT_NE(o.err.find("invalid --cache-"), std::string::npos) << o.err;
  }
}

}  // namespace gantry::e2e
