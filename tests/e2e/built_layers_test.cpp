// A layer a build made stays in the store as its snapshot and the digests of its tar, with no
// blob: whatever takes the image out of the store (save, FROM) must get exactly those bytes, and
// pruning the build cache must not take them away.
#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::vector<std::string> diff_ids(const GantryEnv& env, const std::string& image) {
  auto o = env.gantry({"inspect", image});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  return json::parse(o.out)[0]["RootFS"]["Layers"].get<std::vector<std::string>>();
}

fs::path blob_file(const GantryEnv& env, const std::string& digest) {
  return env.root() / "blobs/sha256" / digest.substr(7);
}

}  // namespace

TEST(BuiltLayers, SavedAfterPruneAllTheyPackToTheirDigests) {
  if (!fs::exists(shared_tools() / "oci-validate.sh"))
    GTEST_SKIP() << "../shared/tools/oci-validate.sh is not there to check the archives";
  GantryEnv env;
  env.import_busybox();
  auto b = env.gantry({"build", "--network=none", "-t", "app:1", testdata("busybox-app").string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto layers = diff_ids(env, "app:1");
  ASSERT_EQ(layers.size(), 4u);
  for (std::size_t i = 1; i < layers.size(); ++i) EXPECT_FALSE(fs::exists(blob_file(env, layers[i]))) << layers[i];

  auto prune = env.gantry({"prune", "--all"});
  ASSERT_EQ(prune.exit_code, 0) << prune.err;
  for (std::string format : {"docker", "oci"}) {
    const fs::path archive = env.scratch() / (format + ".tar");
    auto s = env.gantry({"save", "--format", format, "-o", archive.string(), "app:1"});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    // Its structure check hashes every layer against the manifest and the config's diff_ids.
    auto v = run_command({(shared_tools() / "oci-validate.sh").string(), "--no-podman", archive.string()},
                         {{"GANTRY_VALIDATE_DIR", (env.scratch() / ("validate-" + format)).string()}});
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_NE(v.out.find("PASS structure"), std::string::npos) << v.out;
    EXPECT_NE(v.out.find("PASS umoci-unpack"), std::string::npos) << v.out;
  }

  // A build on top of it uses the same layers.
  const fs::path ctx = env.scratch() / "next";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM app:1\nRUN cat /opt/util.sh > /tmp/copied\n");
  auto next = env.gantry({"build", "--network=none", "-t", "next:1", ctx.string()});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  const auto next_layers = diff_ids(env, "next:1");
  ASSERT_EQ(next_layers.size(), 5u);
  EXPECT_TRUE(std::equal(layers.begin(), layers.end(), next_layers.begin()));
}

TEST(BuiltLayers, ASnapshotChangedOnDiskStopsTheSaveAndWritesNoArchive) {
  GantryEnv env;
  env.import_busybox();
  const fs::path ctx = env.scratch() / "ctx";
  fs::create_directories(ctx);
  write_file_atomic(ctx / "Dockerfile", "FROM busybox\nRUN echo original > /marker\n");
  auto b = env.gantry({"build", "--network=none", "-t", "app:1", ctx.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  int changed = 0;
  for (const auto& snapshot : fs::directory_iterator(env.root() / "snapshots"))
    if (fs::exists(snapshot.path() / "fs/marker")) {
      write_file_atomic(snapshot.path() / "fs/marker", "tampered\n");
      ++changed;
    }
  ASSERT_EQ(changed, 1);

  const fs::path archive = env.scratch() / "app.tar";
  auto s = env.gantry({"save", "-o", archive.string(), "app:1"});
  EXPECT_EQ(s.exit_code, 1);
  const std::string layer = diff_ids(env, "app:1").back();
  EXPECT_NE(s.err.find("not to " + layer), std::string::npos) << s.err;
  EXPECT_NE(s.err.find("its files were changed on disk"), std::string::npos) << s.err;
  EXPECT_EQ(std::count(s.err.begin(), s.err.end(), '\n'), 1) << s.err;
  EXPECT_FALSE(fs::exists(archive));
  EXPECT_FALSE(fs::exists(blob_file(env, layer)));
}

}  // namespace gantry::e2e
