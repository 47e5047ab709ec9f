#include "cache/garbage_collector.h"

#include <fcntl.h>
#include <sys/file.h>

#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/unique_fd.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

class GarbageCollectorTest : public ::testing::Test {
 protected:
  // A committed snapshot holding `bytes` of data, recorded with its size.
  std::string snapshot(std::size_t bytes) {
    auto staging = store_.snapshots().prepare();
    write_file_atomic(staging.fs() / "data", std::string(bytes, 'x'));
    std::string id = staging.commit();
    store_.db()
        .prepare("INSERT INTO snapshots(id, size, created, last_used) VALUES(?, ?, 0, 0)")
        .bind(1, id).bind(2, directory_size(store_.snapshots().dir(id))).run();
    return id;
  }
  void record(const std::string& key, std::vector<std::string> layers, std::int64_t last_used) {
    store_.db()
        .prepare("INSERT INTO cache_results(key, result, created, last_used) VALUES(?, ?, 0, ?)")
        .bind(1, key).bind(2, nlohmann::json{{"layers", layers}}.dump()).bind(3, last_used).run();
  }
  // An image whose one layer the store kept only as `layer_snapshot`: hashed to `digest`, never
  // stored as a blob (what a build leaves for its uncompressed layers).
  Digest image_on_snapshot(const std::string& name, const std::string& layer_snapshot, const std::string& hex) {
    const std::string digest = "sha256:" + hex;
    store_.db()
        .prepare("INSERT INTO layer_blobs(snapshot, compression, diff_id, digest, size, media_type) "
                 "VALUES(?, 'uncompressed', ?, ?, 10, 'application/vnd.oci.image.layer.v1.tar')")
        .bind(1, layer_snapshot).bind(2, digest).bind(3, digest).run();
    auto config = store_.content().put(nlohmann::json{{"image", name}}.dump());
    auto manifest = store_.content().put(nlohmann::json{
        {"config", {{"digest", config.str()}}}, {"layers", {{{"digest", digest}}}}}.dump());
    store_.images().set(name, manifest);
    return manifest;
  }
  int records() {
    auto st = store_.db().prepare("SELECT COUNT(*) FROM cache_results");
    st.step();
    return static_cast<int>(st.integer(0));
  }

  TempDir tmp_{fs::temp_directory_path()};
  Store store_{tmp_.path()};
};

}  // namespace

TEST_F(GarbageCollectorTest, KeepStorageEvictsLeastRecentlyUsedFirst) {
  auto a = snapshot(100000), b = snapshot(100000), c = snapshot(100000);
  record("old", {a}, 100);
  record("mid", {a, b}, 200);
  record("new", {c}, 300);
  auto size = directory_size(store_.snapshots().dir(a));
  auto report = prune(store_, {.keep_storage = 2 * size});
  // Dropping "old" frees nothing (a is still used by "mid"); dropping "mid" frees a and b.
  EXPECT_EQ(report.records, 2);
  EXPECT_EQ(records(), 1);
  EXPECT_FALSE(store_.snapshots().exists(a));
  EXPECT_FALSE(store_.snapshots().exists(b));
  EXPECT_TRUE(store_.snapshots().exists(c));
  EXPECT_GT(report.bytes, 0);
}

TEST_F(GarbageCollectorTest, UntilKeepsRecentlyUsedRecords) {
  auto a = snapshot(10), b = snapshot(10);
  record("ancient", {a}, 1000);
  record("fresh", {b}, static_cast<std::int64_t>(std::time(nullptr)));
  prune(store_, {.unused_for_seconds = 3600});
  EXPECT_FALSE(store_.snapshots().exists(a));
  EXPECT_TRUE(store_.snapshots().exists(b));
}

TEST_F(GarbageCollectorTest, AllKeepsOnlyWhatImagesUse) {
  auto a = snapshot(10);
  record("k", {a}, 1);
  auto layer = store_.content().put("layer bytes");
  auto config = store_.content().put("{}");
  auto manifest = store_.content().put(nlohmann::json{
      {"config", {{"digest", config.str()}}}, {"layers", {{{"digest", layer.str()}}}}}.dump());
  auto orphan = store_.content().put("nobody uses this");
  store_.images().set("img:1", manifest);
  auto report = prune(store_, {.all = true});
  EXPECT_EQ(records(), 0);
  EXPECT_FALSE(store_.snapshots().exists(a));
  EXPECT_TRUE(store_.content().has(manifest));
  EXPECT_TRUE(store_.content().has(config));
  EXPECT_TRUE(store_.content().has(layer));
  EXPECT_FALSE(store_.content().has(orphan));
  EXPECT_EQ(report.blobs, 1);
}

TEST_F(GarbageCollectorTest, AllRemovesTheCacheMountDirectoriesNoStepHolds) {
  for (const char* name : {"held", "free"}) {
    fs::create_directories(store_.root() / "cache-mounts" / name);
    write_file_atomic(store_.root() / "cache-mounts" / name / "data", "x");
  }
  // A running step's lease on `held`, as solver/cache_mount_lease.cpp takes it.
  const fs::path lock_file = store_.locks_dir() / "cache-mount-held";
  const UniqueFd lease(::open(lock_file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_TRUE(lease);
  ASSERT_EQ(::flock(lease.get(), LOCK_SH), 0);
  prune(store_, {.all = true});
  EXPECT_EQ(read_file(store_.root() / "cache-mounts/held/data"), "x");
  EXPECT_FALSE(fs::exists(store_.root() / "cache-mounts/free"));
}

TEST_F(GarbageCollectorTest, UntaggedImagesKeepTheirBlobsUntilForgotten) {
  auto config = store_.content().put("{\"untagged\":true}");
  auto manifest = store_.content().put(nlohmann::json{{"config", {{"digest", config.str()}}},
                                                      {"layers", nlohmann::json::array()}}.dump());
  auto newer = store_.content().put("{\"layers\":[]}");
  store_.images().set("img:1", manifest);
  store_.images().set("img:1", newer);  // manifest is now untagged
  prune(store_, {.all = true});
  EXPECT_TRUE(store_.content().has(manifest));
  EXPECT_TRUE(store_.content().has(config));
  ASSERT_TRUE(store_.images().forget_untagged(manifest));
  auto report = collect_unused_blobs(store_);
  EXPECT_FALSE(store_.content().has(manifest));
  EXPECT_FALSE(store_.content().has(config));
  EXPECT_TRUE(store_.content().has(newer));
  EXPECT_EQ(report.blobs, 2);
  EXPECT_GT(report.bytes, 0);
}

TEST_F(GarbageCollectorTest, CollectIfOverDoesNothingUnderTheCap) {
  auto a = snapshot(10);
  record("k", {a}, 1);
  EXPECT_FALSE(collect_if_over(store_, 1'000'000'000));
  EXPECT_TRUE(store_.snapshots().exists(a));
  auto report = collect_if_over(store_, 0);
  ASSERT_TRUE(report);
  EXPECT_FALSE(store_.snapshots().exists(a));
}

TEST_F(GarbageCollectorTest, DiskUsageSortsByKind) {
  auto a = snapshot(50000);
  record("k", {a}, 1);
  store_.images().set("img:1", store_.content().put("{\"layers\":[]}"));
  store_.content().put("loose");
  auto u = disk_usage(store_);
  EXPECT_GE(u.build_cache, 50000);
  EXPECT_EQ(u.layers, 0);
  EXPECT_GT(u.images, 0);
  EXPECT_GT(u.reclaimable_blobs, 0);
  EXPECT_EQ(u.build_cache_records, 1);
}

TEST_F(GarbageCollectorTest, SnapshotStandingInForAnImagesLayerBlobIsImageDataUntilTheImageGoes) {
  auto layer = snapshot(50000), other = snapshot(10);
  record("k", {layer, other}, 1);
  image_on_snapshot("img:1", layer, std::string(64, 'a'));
  // Not build cache: neither the cap nor --all may take it.
  EXPECT_GE(disk_usage(store_).images, 50000);
  EXPECT_LT(disk_usage(store_).build_cache, 50000);
  EXPECT_FALSE(collect_if_over(store_, 40000));
  prune(store_, {.all = true});
  EXPECT_EQ(records(), 0);
  EXPECT_TRUE(store_.snapshots().exists(layer));
  EXPECT_FALSE(store_.snapshots().exists(other));

  // Once no image uses it, it is build cache like any other snapshot.
  store_.images().remove("img:1");
  ASSERT_EQ(store_.images().untagged().size(), 0u);
  prune(store_, {.all = true});
  EXPECT_FALSE(store_.snapshots().exists(layer));
}

TEST_F(GarbageCollectorTest, BuildCacheEntriesAreTheSnapshotsDiskUsageCountsAsBuildCache) {
  auto base = snapshot(100), made = snapshot(50000), image_layer = snapshot(20000);
  auto orphan = snapshot(30);  // no record ends with it any more
  store_.db().exec("INSERT INTO unpacked_layers(diff_id, snapshot) VALUES('sha256:b', '" + base + "')");
  record("run", {base, made}, 5);
  record("run-by-content", {base, made}, 7);
  record("copy", {base, made, image_layer}, 9);
  image_on_snapshot("img:1", image_layer, std::string(64, 'a'));
  store_.db().exec("UPDATE cache_results SET use_count = 3 WHERE key = 'run-by-content'");

  std::map<std::string, BuildCacheEntry> entries;
  for (auto& e : build_cache_entries(store_)) entries[e.id] = e;
  ASSERT_EQ(entries.size(), 3u);  // the base layer is no record's last layer: not listed
  EXPECT_EQ(entries[made].parent, base);
  EXPECT_FALSE(entries[made].shared);
  EXPECT_EQ(entries[made].last_used, 7);
  EXPECT_EQ(entries[made].usage_count, 3);  // its busier record's
  EXPECT_EQ(entries[image_layer].parent, made);
  EXPECT_TRUE(entries[image_layer].shared);
  EXPECT_EQ(entries[orphan].usage_count, 0);
  std::int64_t own = 0;
  for (const auto& [id, e] : entries)
    if (!e.shared) own += e.size;
  EXPECT_EQ(own, disk_usage(store_).build_cache);
}

}  // namespace gantry::cache
