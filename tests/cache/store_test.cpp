#include "cache/store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

#include "base/file_util.h"
#include "base/unique_fd.h"

namespace gantry::cache {

namespace fs = std::filesystem;

TEST(Store, ImagesTagRetagAndRemove) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  auto a = store.content().put("manifest a");
  auto b = store.content().put("manifest b");
  store.images().set("hello:latest", a);
  EXPECT_EQ(store.images().find("hello:latest"), a);
  store.images().set("hello:latest", b);
  EXPECT_EQ(store.images().find("hello:latest"), b);
  store.images().set("alpha:1", a);
  auto list = store.images().list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "alpha:1");
  EXPECT_EQ(store.images().remove("alpha:1"), std::vector<std::string>{"alpha:1"});
  EXPECT_TRUE(store.images().remove("alpha:1").empty());
  EXPECT_FALSE(store.images().find("alpha:1"));
}

TEST(Store, NamesOfAnImageAreTheNamesPointingToItSorted) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  auto a = store.content().put("manifest a");
  auto b = store.content().put("manifest b");
  store.images().set("zeta:1", a);
  store.images().set("alpha:1", a);
  store.images().set("beta:1", b);
  const auto names = store.images().names_of(a);
  ASSERT_EQ(names.size(), 2u);
  EXPECT_EQ(names[0].name, "alpha:1");
  EXPECT_EQ(names[1].name, "zeta:1");
  EXPECT_EQ(names[0].manifest, a);
  EXPECT_TRUE(store.images().names_of(store.content().put("manifest c")).empty());
}

TEST(Store, MovingTheLastNameLeavesTheOldImageUntaggedUntilForgotten) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  auto a = store.content().put("manifest a");
  auto b = store.content().put("manifest b");
  store.images().set("app:1", a);
  store.images().set("other:1", a);
  store.images().set("app:1", b);  // other:1 still names a
  EXPECT_TRUE(store.images().untagged().empty());
  store.images().set("other:1", b);  // a has no name left
  auto untagged = store.images().untagged();
  ASSERT_EQ(untagged.size(), 1u);
  EXPECT_EQ(untagged[0].manifest, a);
  EXPECT_TRUE(untagged[0].name.empty());
  store.images().set("again:1", a);  // named again: no longer untagged
  EXPECT_TRUE(store.images().untagged().empty());
  store.images().set("again:1", b);
  EXPECT_TRUE(store.images().forget_untagged(a));
  EXPECT_FALSE(store.images().forget_untagged(a));
  EXPECT_TRUE(store.images().untagged().empty());
  // Removing a name removes the image with it, as docker rmi does: nothing is left untagged.
  EXPECT_FALSE(store.images().remove("again:1").empty());
  EXPECT_TRUE(store.images().untagged().empty());
}

TEST(Store, RepoDigestsGoWithTheLastNameOfTheirRepository) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  auto image = store.content().put("manifest");
  auto index = sha256_of("index");
  auto pushed = sha256_of("pushed manifest");
  store.images().set("reg:5000/app:1", image);
  store.images().set("reg:5000/app:2", image);
  store.images().set("other:1", image);
  store.images().add_repo_digest("reg:5000/app", index, image);
  store.images().add_repo_digest("other", pushed, image);
  auto digests = store.images().repo_digests(image);
  ASSERT_EQ(digests.size(), 2u);
  EXPECT_EQ(digests[0].str(), "other@" + pushed.str());
  EXPECT_EQ(digests[1].str(), "reg:5000/app@" + index.str());

  // app:2 still names the image in its repository: the digest stays.
  EXPECT_EQ(store.images().remove("reg:5000/app:1"), std::vector<std::string>{"reg:5000/app:1"});
  EXPECT_EQ(store.images().repo_digests(image).size(), 2u);
  // The repository's last name takes its digest along; other's stays.
  EXPECT_EQ(store.images().remove("reg:5000/app:2"),
            (std::vector<std::string>{"reg:5000/app:2", "reg:5000/app@" + index.str()}));
  ASSERT_EQ(store.images().repo_digests(image).size(), 1u);
  EXPECT_EQ(store.images().repo_digests(image)[0].repository, "other");
  // The image's last name takes every digest it has.
  store.images().add_repo_digest("reg:5000/app", index, image);
  EXPECT_EQ(store.images().remove("other:1"),
            (std::vector<std::string>{"other:1", "other@" + pushed.str(), "reg:5000/app@" + index.str()}));
  EXPECT_TRUE(store.images().repo_digests(image).empty());
}

TEST(Store, RepoDigestsOfAnUntaggedImageStayUntilItIsForgotten) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  auto old_image = store.content().put("old");
  auto new_image = store.content().put("new");
  auto old_digest = sha256_of("old index");
  store.images().set("app:1", old_image);
  store.images().add_repo_digest("app", old_digest, old_image);
  store.images().set("app:1", new_image);  // a newer pull moved the tag
  EXPECT_EQ(store.images().repo_digests(old_image).size(), 1u);
  EXPECT_TRUE(store.images().repo_digests(new_image).empty());
  // The same digest pulled for another platform moves to that image.
  store.images().add_repo_digest("app", old_digest, new_image);
  EXPECT_TRUE(store.images().repo_digests(old_image).empty());
  store.images().add_repo_digest("app", sha256_of("x"), old_image);
  EXPECT_TRUE(store.images().forget_untagged(old_image));
  EXPECT_TRUE(store.images().repo_digests(old_image).empty());
  EXPECT_EQ(store.images().repo_digests(new_image).size(), 1u);
}

// A store at the schema's version opens without taking the write lock: a reader is not held up
// by another process's long write.
TEST(Store, AStoreAtTheSchemaVersionOpensWhileAnotherWrites) {
  TempDir root(fs::temp_directory_path());
  { Store store(root.path()); }
  Store writer(root.path());
  Database::Transaction held(writer.db());
  Store reader(root.path());  // would wait 60 s for `held` if opening wrote
  EXPECT_EQ(reader.images().find("x:1"), std::nullopt);
}

TEST(Store, AStoreMadeBeforeRepoDigestsOpens) {
  TempDir root(fs::temp_directory_path());
  const auto image = sha256_of("m");
  {
    Store store(root.path());
    store.images().set("x:1", image);
    // As such a store is: without the table, and at schema version 0 (none recorded).
    store.db().exec("DROP TABLE repo_digests");
    store.db().exec("PRAGMA user_version=0");
  }
  Store store(root.path());
  EXPECT_EQ(store.images().find("x:1"), image);
  store.images().add_repo_digest("x", sha256_of("i"), image);
  EXPECT_EQ(store.images().repo_digests(image).size(), 1u);
}

TEST(Store, AStoreMadeBeforeUseCountsOpensWithEachRecordUsedOnce) {
  TempDir root(fs::temp_directory_path());
  {
    Store store(root.path());
    // As such a store is: cache_results without use_count, at schema version 2.
    store.db().exec("ALTER TABLE cache_results DROP COLUMN use_count");
    store.db().exec("INSERT INTO cache_results(key, result, created, last_used) VALUES('k', '{}', 1, 2)");
    store.db().exec("PRAGMA user_version=2");
  }
  Store store(root.path());
  auto st = store.db().prepare("SELECT use_count FROM cache_results WHERE key = 'k'");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 1);
}

TEST(Store, ReopenKeepsStateAndCleansStaging) {
  TempDir root(fs::temp_directory_path());
  std::string id;
  {
    Store store(root.path());
    store.images().set("x:1", store.content().put("m"));
    auto staging = store.snapshots().prepare();
    write_file_atomic(staging.fs() / "file", "data");
    id = staging.commit();
  }
  fs::create_directories(root.path() / "snapshots" / "staging-999999999-dead" / "fs");
  Store again(root.path());
  EXPECT_TRUE(again.images().find("x:1"));
  EXPECT_TRUE(again.snapshots().exists(id));
  EXPECT_EQ(read_file(again.snapshots().dir(id) / "file"), "data");
  EXPECT_FALSE(fs::exists(root.path() / "snapshots" / "staging-999999999-dead"));
}

TEST(Store, AStoreOpenedWithoutRecoveryLeavesWhatACrashLeftForTheNextOneThatRecovers) {
  TempDir root(fs::temp_directory_path());
  { Store store(root.path()); }
  const fs::path dead = root.path() / "snapshots" / "staging-999999999-dead";
  fs::create_directories(dead / "fs");
  {
    Store skipping(root.path(), Store::Recovery::Skip);
    EXPECT_TRUE(fs::exists(dead));
  }
  Store recovering(root.path());
  EXPECT_FALSE(fs::exists(dead));
}

TEST(Store, UncommittedStagingIsRemoved) {
  TempDir root(fs::temp_directory_path());
  Store store(root.path());
  fs::path dir;
  {
    auto staging = store.snapshots().prepare();
    dir = staging.fs().parent_path();
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
}

// Whether another process could take the store lock exclusively right now.
bool store_lock_is_free(const fs::path& root) {
  UniqueFd fd(::open((root / "lock").c_str(), O_RDONLY | O_CLOEXEC));
  return fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0;
}

TEST(StoreLock, AFailedUpgradeKeepsTheStoreShared) {
  TempDir root(fs::temp_directory_path());
  Store build(root.path());
  std::optional<Store> other_build(std::in_place, root.path());
  EXPECT_FALSE(Store::ExclusiveLock::try_take(build));
  other_build.reset();
  EXPECT_FALSE(store_lock_is_free(root.path())) << "the build let go of the store";
}

TEST(StoreLock, AWaitingPruneHoldsBackStoresOpenedAfterIt) {
  using namespace std::chrono_literals;
  TempDir root(fs::temp_directory_path());
  std::optional<Store> running_build(std::in_place, root.path());
  std::atomic<int> order{0};
  std::atomic<int> pruned_at{0}, opened_at{0};
  std::thread prune([&] {
    Store store(root.path());
    Store::ExclusiveLock lock(store);
    pruned_at = ++order;
  });
  std::this_thread::sleep_for(300ms);  // the prune is waiting for the running build
  std::thread next_build([&] {
    Store store(root.path());
    opened_at = ++order;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(opened_at.load(), 0) << "a build started while the prune waited";
  running_build.reset();
  prune.join();
  next_build.join();
  EXPECT_EQ(pruned_at.load(), 1);
  EXPECT_EQ(opened_at.load(), 2);
}

}  // namespace gantry::cache
