#include "base/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/error.h"

namespace gantry {

namespace fs = std::filesystem;

TEST(FileUtil, AtomicWriteReplacesContentAndLeavesNoTemp) {
  TempDir dir(fs::temp_directory_path());
  auto file = dir.path() / "f";
  write_file_atomic(file, "one");
  write_file_atomic(file, "two");
  EXPECT_EQ(read_file(file), "two");
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(FileUtil, WriteIfAbsentKeepsTheFileThatIsThereAndLeavesNoTemp) {
  TempDir dir(fs::temp_directory_path());
  auto file = dir.path() / "f";
  EXPECT_TRUE(write_file_if_absent(file, "first"));
  struct stat before {};
  ASSERT_EQ(::stat(file.c_str(), &before), 0);
  EXPECT_FALSE(write_file_if_absent(file, "second"));
  struct stat after {};
  ASSERT_EQ(::stat(file.c_str(), &after), 0);
  EXPECT_EQ(read_file(file), "first");
  EXPECT_EQ(after.st_ino, before.st_ino);  // the same file, not a copy renamed over it
  int entries = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(FileUtil, ErrorsNameThePath) {
  try {
    read_file("/nonexistent/gantry-file");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/gantry-file"), std::string::npos);
  }
}

TEST(FileUtil, TempDirIsRemoved) {
  fs::path p;
  {
    TempDir dir(fs::temp_directory_path(), "gantry-test-");
    p = dir.path();
    write_file_atomic(p / "x", "data");
    EXPECT_TRUE(fs::exists(p));
  }
  EXPECT_FALSE(fs::exists(p));
}

}  // namespace gantry
