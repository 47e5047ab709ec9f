// Cache mount directories: which directory each sharing mode gets while another lease holds
// one, when a directory is filled, and that a locked cache lets one user in at a time.
#include "solver/cache_mount_lease.h"

#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "base/error.h"
#include "base/file_util.h"
#include "solver/solver.h"

namespace gantry::solver {
namespace {

namespace fs = std::filesystem;
using llb::CacheSharing;

class CacheMountLeaseTest : public ::testing::Test {
 protected:
  CacheMountLeaseTest() : root_(fs::temp_directory_path(), "lease-test-") {
    fs::create_directories(locks());
    fs::create_directories(staging());
  }
  CacheMountDirs dirs() const { return {mounts(), locks(), staging()}; }
  fs::path staging() const { return root_.path() / "tmp"; }
  fs::path mounts() const { return root_.path() / "cache-mounts"; }
  fs::path locks() const { return root_.path() / "locks"; }

  // A lease on cache `key` whose new directories get a file naming their fill.
  CacheMountLease lease(const std::string& key, CacheSharing sharing) {
    return CacheMountLease(
        dirs(), key, sharing,
        [&](const fs::path& dir) { write_file_atomic(dir / "filled", std::to_string(++fills_)); },
        cancel_);
  }

  TempDir root_;
  std::atomic<bool> cancel_{false};
  int fills_ = 0;
};

TEST_F(CacheMountLeaseTest, SharedUsersShareOneDirectoryFilledOnce) {
  auto a = lease("id", CacheSharing::Shared);
  auto b = lease("id", CacheSharing::Shared);
  EXPECT_EQ(a.dir(), b.dir());
  EXPECT_EQ(fills_, 1);
  EXPECT_EQ(read_file(a.dir() / "filled"), "1");
  EXPECT_NE(lease("other", CacheSharing::Shared).dir(), a.dir());
}

TEST_F(CacheMountLeaseTest, AFilledDirectoryIsKeptAcrossLeasesAndNeverFilledAgain) {
  fs::path first;
  {
    auto a = lease("id", CacheSharing::Locked);
    first = a.dir();
    write_file_atomic(a.dir() / "written", "x");
  }
  auto again = lease("id", CacheSharing::Private);
  EXPECT_EQ(again.dir(), first);
  EXPECT_EQ(read_file(again.dir() / "written"), "x");
  EXPECT_EQ(fills_, 1);
}

TEST_F(CacheMountLeaseTest, PrivateUsersGetADirectoryEachWhileBothHoldOne) {
  auto a = lease("id", CacheSharing::Private);
  auto b = lease("id", CacheSharing::Private);
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_EQ(fills_, 2) << "each new directory is filled";
  // A shared user does not wait for private ones either: it gets a directory of its own.
  auto c = lease("id", CacheSharing::Shared);
  EXPECT_NE(c.dir(), a.dir());
  EXPECT_NE(c.dir(), b.dir());
}

TEST_F(CacheMountLeaseTest, PrivateUserGetsAFreeDirectoryBackAfterItsUserLetGo) {
  fs::path first;
  {
    auto a = lease("id", CacheSharing::Private);
    first = a.dir();
  }
  EXPECT_EQ(lease("id", CacheSharing::Private).dir(), first);
  EXPECT_EQ(fills_, 1);
}

TEST_F(CacheMountLeaseTest, LockedUserWaitsUntilTheHolderLetsGo) {
  std::atomic<bool> released{false};
  std::atomic<bool> entered_while_held{false};
  fs::path held_dir, waiter_dir;
  std::optional<CacheMountLease> holder(lease("id", CacheSharing::Locked));
  held_dir = holder->dir();
  std::thread waiter([&] {
    auto l = CacheMountLease(
        dirs(), "id", CacheSharing::Locked, [](const fs::path&) {}, cancel_);
    if (!released.load()) entered_while_held = true;
    waiter_dir = l.dir();
  });
  // Whenever the waiter gets in, it must find the holder gone: the order is what is checked.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  released = true;
  holder.reset();
  waiter.join();
  EXPECT_FALSE(entered_while_held.load());
  EXPECT_EQ(waiter_dir, held_dir)
      << "a locked user waits for the cache's directory, it does not make another";
}

TEST_F(CacheMountLeaseTest, LockedUserWaitingIsCancelled) {
  auto holder = lease("id", CacheSharing::Locked);
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cancel_ = true;
  });
  EXPECT_THROW(lease("id", CacheSharing::Locked), Cancelled);
  canceller.join();
}

TEST_F(CacheMountLeaseTest, LockedUserWaitsForTheFirstDirectoryNotOneAPrivateUserLeft) {
  std::optional<CacheMountLease> first(lease("id", CacheSharing::Private));
  fs::path left;
  {
    auto second = lease("id", CacheSharing::Private);
    left = second.dir();
  }
  ASSERT_TRUE(fs::exists(left));
  ASSERT_NE(left, first->dir());
  // The first directory is held and the one the private user left is free: a locked user
  // waits (here until cancelled) rather than taking it.
  cancel_ = true;
  EXPECT_THROW(lease("id", CacheSharing::Locked), Cancelled);
  cancel_ = false;
  const fs::path first_dir = first->dir();
  first.reset();
  EXPECT_EQ(lease("id", CacheSharing::Locked).dir(), first_dir);
}

TEST_F(CacheMountLeaseTest, AFailedFillLeavesNoDirectoryBehind) {
  auto failing = [](const fs::path& dir) {
    write_file_atomic(dir / "half", "x");
    throw Error("seed: no such path");
  };
  EXPECT_THROW(CacheMountLease(dirs(), "id", CacheSharing::Shared, failing, cancel_), Error);
  for (const fs::path& dir : {mounts(), staging()})
    for (const auto& entry : fs::directory_iterator(dir))
      ADD_FAILURE() << "left behind: " << entry.path();
  auto next = lease("id", CacheSharing::Shared);
  EXPECT_EQ(read_file(next.dir() / "filled"), "1");
  EXPECT_FALSE(fs::exists(next.dir() / "half"));
}

}  // namespace
}  // namespace gantry::solver
