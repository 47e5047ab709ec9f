// SourceTree: every lookup, glob and listing stays inside the tree's root whatever its symlinks
// say, and what the exclude rules leave out is not in the tree.
#include "cache/source_tree.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

class SourceTreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root() / "dir/sub");
    fs::create_directories(outside() / "dir");
    write(root() / "a.txt", "in the tree");
    write(root() / "dir/sub/two.txt", "two");
    write(outside() / "secret.txt", "host secret");
    write(outside() / "dir/host.txt", "host");
  }
  fs::path root() const { return tmp_.path() / "tree"; }
  fs::path outside() const { return tmp_.path() / "host"; }
  static void write(const fs::path& p, const std::string& data) {
    std::ofstream(p, std::ios::binary) << data;
  }
  void link(const std::string& target, const std::string& name) const {
    fs::create_symlink(target, root() / name);
  }

  std::optional<std::string> found(std::string_view path, bool follow_last = true,
                                   ExcludeRules rules = {}) const {
    auto e = SourceTree(root(), std::move(rules)).find(path, follow_last);
    if (!e) return std::nullopt;
    return e->path;
  }

  TempDir tmp_{fs::temp_directory_path()};
};

}  // namespace

TEST_F(SourceTreeTest, AnAbsoluteLinkStartsAtTheTreesRoot) {
  link("/", "hostroot");
  EXPECT_EQ(found("hostroot/" + (outside() / "secret.txt").relative_path().string()), std::nullopt);
  EXPECT_EQ(found("hostroot/a.txt"), "a.txt");
  link(outside().string(), "hostdir");
  EXPECT_EQ(found("hostdir"), std::nullopt) << "the link's target is looked up in the tree";
  EXPECT_EQ(found("hostdir", false), "hostdir") << "a link not followed is itself found";
}

TEST_F(SourceTreeTest, DotDotStopsAtTheRoot) {
  link("../../../..", "up");
  EXPECT_EQ(found("up/a.txt"), "a.txt");
  EXPECT_EQ(found("../../a.txt"), "a.txt");
  EXPECT_EQ(found("dir/sub/../../a.txt"), "a.txt");
  EXPECT_EQ(found("up"), "") << "a link to the root finds the root";
  link("../host/secret.txt", "sideways");
  EXPECT_EQ(found("sideways"), std::nullopt);
}

TEST_F(SourceTreeTest, LinksInsideTheTreeResolveToTheirRealPath) {
  link("dir/sub", "shortcut");
  link("/dir/sub/two.txt", "two");
  EXPECT_EQ(found("shortcut/two.txt"), "dir/sub/two.txt");
  EXPECT_EQ(found("two"), "dir/sub/two.txt");
  EXPECT_EQ(found("a.txt/x"), std::nullopt) << "a file in the middle of a path";
  link("loop", "loop");
  EXPECT_THROW(found("loop"), Error);
}

TEST_F(SourceTreeTest, GlobsNeverListWhatIsOutside) {
  link(outside().string(), "hostdir");
  link("/", "hostroot");
  SourceTree tree(root());
  EXPECT_TRUE(tree.glob("hostdir/*").empty());
  EXPECT_TRUE(tree.glob("hostroot/" + outside().relative_path().string() + "/*").empty());
  EXPECT_EQ(tree.glob("hostroot/dir/*"), (std::vector<std::string>{"dir/sub"}));
  EXPECT_EQ(tree.glob("*/sub/*.txt"), (std::vector<std::string>{"dir/sub/two.txt"}));
}

TEST_F(SourceTreeTest, AStarMatchesALeadingDotAsGoDoes) {
  write(root() / ".hidden", "h");
  EXPECT_EQ(SourceTree(root()).glob("*"), (std::vector<std::string>{".hidden", "a.txt", "dir"}));
}

TEST_F(SourceTreeTest, ExcludedPathsAreNotInTheTree) {
  link("dir/sub/two.txt", "via-link");
  ExcludeRules rules([](std::string_view p) { return p == "dir" || p.starts_with("dir/"); });
  EXPECT_EQ(found("dir/sub/two.txt", true, rules), std::nullopt);
  EXPECT_EQ(found("via-link", true, rules), std::nullopt) << "a link into an excluded directory";
  EXPECT_EQ(found("via-link", false, rules), "via-link");
  ExcludeRules no_link([](std::string_view p) { return p == "via-link"; });
  EXPECT_EQ(found("via-link", true, no_link), std::nullopt) << "an excluded link is not followed";
  SourceTree tree(root(), rules);
  EXPECT_EQ(tree.glob("*"), (std::vector<std::string>{"a.txt", "via-link"}));
}

TEST_F(SourceTreeTest, AnExcludedDirectoryHoldingAReincludedPathKeepsJustThatPath) {
  write(root() / "dir/keep.txt", "kept");
  // `dir` then `!dir/keep.txt`
  auto excluded = [](std::string_view p) {
    return (p == "dir" || p.starts_with("dir/")) && p != "dir/keep.txt";
  };
  auto below = [](std::string_view d) {
    return std::string("dir/keep.txt/").starts_with(std::string(d) + "/");
  };
  SourceTree tree(root(), ExcludeRules(excluded, below));
  EXPECT_EQ(tree.glob("*"), (std::vector<std::string>{"a.txt", "dir"}));
  auto dir = tree.find("dir", true);
  ASSERT_TRUE(dir);
  const UniqueFd fd = open_directory_at(dir->parent.get(), dir->name.c_str(), "dir");
  std::vector<std::string> names;
  for (const auto& e : tree.entries(fd.get(), "dir")) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"keep.txt"}));
  EXPECT_EQ(found("dir/keep.txt", true, ExcludeRules(excluded, below)), "dir/keep.txt");
  EXPECT_EQ(found("dir/sub", true, ExcludeRules(excluded, below)), std::nullopt);
}

}  // namespace gantry::cache
