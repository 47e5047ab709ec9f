#include "cache/context_checksum.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "base/file_util.h"
#include "cache/store.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

class ContextChecksumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(ctx() / "dir/sub");
    write("a.txt", "alpha");
    write("b.txt", "beta");
    write("dir/one.txt", "one");
    write("dir/sub/two.txt", "two");
  }
  fs::path ctx() const { return tmp_.path() / "ctx"; }
  void write(const std::string& rel, const std::string& data) {
    std::ofstream(ctx() / rel, std::ios::binary | std::ios::trunc) << data;
  }
  Digest sum(const std::string& pattern, ExcludeRules ex = {}) {
    ContextChecksummer c(store_.db(), ctx(), std::move(ex));
    return c.checksum(pattern);
  }

  TempDir tmp_{fs::temp_directory_path()};
  Store store_{tmp_.path() / "root"};
};

}  // namespace

TEST_F(ContextChecksumTest, OnlyTheReadPathsCount) {
  auto a = sum("a.txt");
  write("b.txt", "changed");
  EXPECT_EQ(sum("a.txt"), a);
  write("a.txt", "changed");
  EXPECT_NE(sum("a.txt"), a);
}

TEST_F(ContextChecksumTest, MtimeDoesNotCountButModeDoes) {
  auto d = sum("dir");
  struct timespec times[2] = {{1000, 0}, {1000, 0}};
  ::utimensat(AT_FDCWD, (ctx() / "dir/one.txt").c_str(), times, 0);
  EXPECT_EQ(sum("dir"), d);
  ::chmod((ctx() / "dir/one.txt").c_str(), 0600);
  EXPECT_NE(sum("dir"), d);
}

TEST_F(ContextChecksumTest, NestedChangeChangesTheDirectory) {
  auto d = sum("/dir/");
  write("dir/sub/two.txt", "TWO");
  EXPECT_NE(sum("/dir/"), d);
}

TEST_F(ContextChecksumTest, SymlinkTargetsCountInsideADirectory) {
  fs::create_symlink("a.txt", ctx() / "dir/link");
  auto d = sum("dir");
  fs::remove(ctx() / "dir/link");
  fs::create_symlink("b.txt", ctx() / "dir/link");
  EXPECT_NE(sum("dir"), d);
}

TEST_F(ContextChecksumTest, ANamedSymlinkCountsWhatItPointsTo) {
  // COPY link copies what the link points to: its key must change with that content.
  fs::create_symlink("a.txt", ctx() / "link");
  auto d = sum("link");
  write("a.txt", "changed");
  EXPECT_NE(sum("link"), d);
}

TEST_F(ContextChecksumTest, NothingOutsideTheContextIsRead) {
  const fs::path host = tmp_.path() / "host";
  fs::create_directories(host);
  std::ofstream(host / "secret.txt") << "host secret";
  fs::create_symlink("/", ctx() / "hostroot");
  fs::create_symlink(host, ctx() / "hostdir");
  ContextChecksummer c(store_.db(), ctx(), {});
  EXPECT_TRUE(c.matches("hostdir/*").empty());
  // As a pattern that matches nothing, and no file was read for it.
  EXPECT_EQ(c.checksum(("hostroot" / host.relative_path() / "secret.txt").string()), c.checksum("nothing"));
  EXPECT_EQ(c.files_hashed(), 0u);
}

TEST_F(ContextChecksumTest, ExcludedPathsAreInvisible) {
  const ExcludeRules not_b([](std::string_view p) { return p == "b.txt"; });
  auto d = sum(".", not_b);
  write("b.txt", "changed");
  EXPECT_EQ(sum(".", not_b), d);
  write("a.txt", "changed");
  EXPECT_NE(sum(".", not_b), d);
}

TEST_F(ContextChecksumTest, WildcardsMatchPerComponent) {
  ContextChecksummer c(store_.db(), ctx(), {});
  EXPECT_EQ(c.matches("*.txt"), (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(c.matches("dir/*/two.txt"), (std::vector<std::string>{"dir/sub/two.txt"}));
  EXPECT_TRUE(c.matches("nothing*").empty());
}

TEST_F(ContextChecksumTest, RememberedHashesAreReusedAndNeverStale) {
  struct timespec old[2] = {{1000, 0}, {1000, 0}};
  for (auto f : {"a.txt", "b.txt"}) ::utimensat(AT_FDCWD, (ctx() / f).c_str(), old, 0);
  auto checksum_counting = [&](const std::string& pattern, std::size_t& hashed) {
    ContextChecksummer c(store_.db(), ctx(), {}, /*racy_window_ns=*/0);
    auto d = c.checksum(pattern);
    hashed = c.files_hashed();
    return d;
  };
  std::size_t hashed = 0;
  auto before = checksum_counting("a.txt", hashed);
  EXPECT_EQ(hashed, 1u);
  EXPECT_EQ(checksum_counting("a.txt", hashed), before);
  EXPECT_EQ(hashed, 0u) << "an unchanged file is verified by its metadata alone";
  // Same size and mtime, different content: ctime (and inode) give it away.
  write("a.txt", "ALPHA");
  ::utimensat(AT_FDCWD, (ctx() / "a.txt").c_str(), old, 0);
  EXPECT_NE(checksum_counting("a.txt", hashed), before);
  EXPECT_EQ(hashed, 1u);
  // Two files with identical size and mtime keep their own hashes.
  write("b.txt", "ALPHB");
  ::utimensat(AT_FDCWD, (ctx() / "b.txt").c_str(), old, 0);
  checksum_counting("*.txt", hashed);
  std::size_t unused = 0;
  EXPECT_NE(checksum_counting("a.txt", unused), checksum_counting("b.txt", unused));
}

}  // namespace gantry::cache
