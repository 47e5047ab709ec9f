#include "solver/context_listing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/file_util.h"
#include "cache/context_checksum.h"
#include "cache/store.h"

namespace gantry::solver {

namespace fs = std::filesystem;

namespace {

class ContextListingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(context() / "src/lib");
    write_file_atomic(context() / "README", "read me\n");
    write_file_atomic(context() / "src/main.c", "int main;\n");
    write_file_atomic(context() / "src/lib/util.c", "int util;\n");
  }
  fs::path context() const { return tmp_.path() / "ctx"; }

  // What a step reading `path` lists, as the solver takes it from the key's checksummer.
  std::string listing(const std::string& path) {
    cache::ContextChecksummer sums(store_.db(), context(), {});
    sums.checksum(path);
    return listing_under(sums.entries(), sums.matches(path));
  }

  TempDir tmp_{fs::temp_directory_path()};
  cache::Store store_{tmp_.path() / "root"};
};

}  // namespace

TEST_F(ContextListingTest, SameTreeNamesNothing) {
  EXPECT_EQ(changed_paths(listing("."), listing(".")), "");
}

TEST_F(ContextListingTest, NamesWhatChangedWasAddedOrRemoved) {
  const std::string before = listing(".");
  write_file_atomic(context() / "src/main.c", "int main = 1;\n");
  fs::remove(context() / "README");
  write_file_atomic(context() / "src/lib/new.c", "int n;\n");
  EXPECT_EQ(changed_paths(before, listing(".")), "README, src/lib/new.c, src/main.c");
}

TEST_F(ContextListingTest, ModeAndLinkTargetCountTimesDoNot) {
  const std::string before = listing(".");
  fs::last_write_time(context() / "README",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));
  EXPECT_EQ(changed_paths(before, listing(".")), "");
  ::chmod((context() / "src/lib").c_str(), 0700);
  fs::create_symlink("src/main.c", context() / "link");
  EXPECT_EQ(changed_paths(before, listing(".")), "link, src/lib");
}

TEST_F(ContextListingTest, NamesAFewThenCounts) {
  const std::string before = listing(".");
  for (const char* name : {"a", "b", "c", "d", "e"}) write_file_atomic(context() / name, name);
  EXPECT_EQ(changed_paths(before, listing(".")), "a, b, c and 2 more");
  EXPECT_EQ(changed_paths(before, listing("."), 5), "a, b, c, d, e");
}

TEST_F(ContextListingTest, ListsOnlyUnderTheReadPaths) {
  cache::ContextChecksummer sums(store_.db(), context(), {});
  sums.checksum(".");
  const std::string lib = listing_under(sums.entries(), {"src/lib"});
  EXPECT_EQ(changed_paths("", lib), "src/lib, src/lib/util.c");
  EXPECT_EQ(changed_paths("", listing_under(sums.entries(), {"src/li"})), "");
}

}  // namespace gantry::solver
