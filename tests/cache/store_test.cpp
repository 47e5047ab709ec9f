#include "cache/store.h"

#include <gtest/gtest.h>

#include "base/file_util.h"

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
  EXPECT_TRUE(store.images().remove("alpha:1"));
  EXPECT_FALSE(store.images().remove("alpha:1"));
  EXPECT_FALSE(store.images().find("alpha:1"));
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
  EXPECT_TRUE(store.images().remove("again:1"));
  EXPECT_TRUE(store.images().untagged().empty());
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

}  // namespace gantry::cache
