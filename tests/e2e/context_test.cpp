// What COPY and a bind mount read from the build context, as BuildKit reads it: .dockerignore
// exceptions inside an excluded directory, wildcards that match nothing, and symlinks named by a
// source (followed, inside the context) or met inside a copied directory (kept as links).
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

namespace fs = std::filesystem;

namespace {

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_.import_busybox();
    fs::create_directories(ctx());
  }
  fs::path ctx() const { return env_.scratch() / "ctx"; }
  fs::path out() const { return env_.scratch() / "out"; }
  void write(const std::string& rel, const std::string& data) const {
    fs::create_directories((ctx() / rel).parent_path());
    write_file_atomic(ctx() / rel, data);
  }
  Outcome build() const {
    fs::remove_all(out());
    return env_.gantry({"build", "-o", "type=local,dest=" + out().string(), ctx().string()});
  }

  GantryEnv env_;
};

}  // namespace

TEST_F(ContextTest, AnExceptionInsideAnExcludedDirectoryIsCopiedAndMounted) {
  write(".dockerignore", "build/\n!build/keep.txt\n");
  write("build/keep.txt", "kept\n");
  write("build/other.txt", "left out\n");
  write("build/sub/deep.txt", "left out\n");
  write("Dockerfile",
        "FROM busybox\nCOPY . /all/\n"
        "RUN --mount=type=bind,target=/ctx find /ctx/build | sort > /mounted\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out() / "all/build/keep.txt"), "kept\n");
  EXPECT_FALSE(fs::exists(out() / "all/build/other.txt"));
  EXPECT_FALSE(fs::exists(out() / "all/build/sub"));
  EXPECT_EQ(read_file(out() / "mounted"), "/ctx/build\n/ctx/build/keep.txt\n")
      << "the mount shows what COPY sees";
}

TEST_F(ContextTest, AWildcardThatMatchesNothingCopiesNothing) {
  write("go.mod", "module example.com/app\n");
  write("Dockerfile", "FROM busybox\nWORKDIR /app\nCOPY go.mod go.sum* ./\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(read_file(out() / "app/go.mod"), "module example.com/app\n");
  EXPECT_FALSE(fs::exists(out() / "app/go.sum"));

  // As in BuildKit, even when every source is such a wildcard; a plain missing source still fails.
  write("Dockerfile", "FROM busybox\nCOPY nothing* none-either?.txt /none/\n");
  const Outcome all_empty = build();
  ASSERT_EQ(all_empty.exit_code, 0) << all_empty.err;
  EXPECT_FALSE(fs::exists(out() / "none"));
  write("Dockerfile", "FROM busybox\nCOPY go.sum /app/\n");
  const Outcome missing = build();
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("`go.sum` not found in the build context"), std::string::npos)
      << missing.err;
}

TEST_F(ContextTest, ANamedSymlinkCopiesWhatItPointsToAndLinksInsideStayLinks) {
  write("real.txt", "first\n");
  fs::create_symlink("real.txt", ctx() / "link.txt");
  write("dir/file.txt", "f\n");
  fs::create_symlink("../real.txt", ctx() / "dir/inner");
  write("Dockerfile", "FROM busybox\nCOPY link.txt /x\nCOPY dir /d/\n");
  const Outcome o = build();
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(fs::is_symlink(out() / "x"));
  EXPECT_EQ(read_file(out() / "x"), "first\n");
  ASSERT_TRUE(fs::is_symlink(out() / "d/inner"));
  EXPECT_EQ(fs::read_symlink(out() / "d/inner"), "../real.txt");

  // The cache key follows the link too: a change of what it points to is copied again.
  write("real.txt", "second\n");
  const Outcome again = build();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(read_file(out() / "x"), "second\n");
}

}  // namespace gantry::e2e
