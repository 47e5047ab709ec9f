#include "solver/copy_filters.h"

#include <fnmatch.h>
#include <gtest/gtest.h>

namespace gantry::solver {

namespace {

// Patterns as fnmatch(3) matches whole paths: enough to show where they are applied.
cache::ExcludeRules matching(std::vector<std::string> patterns) {
  return cache::ExcludeRules{[patterns](std::string_view path) {
                               const std::string p(path);
                               for (const auto& pattern : patterns)
                                 if (::fnmatch(pattern.c_str(), p.c_str(), FNM_PATHNAME) == 0) return true;
                               return false;
                             },
                             [](std::string_view dir) { return dir == "keep"; }};
}

TEST(CopyFilters, ExcludePatternsApplyBelowTheSourceRelativeToIt) {
  const auto rules = excluding_below(matching({"secret"}), "app", matching({"*.log", "keep"}));
  EXPECT_TRUE(rules.excluded("app/x.log"));
  EXPECT_FALSE(rules.excluded("app/sub/x.log")) << "* stays within one path element";
  EXPECT_FALSE(rules.excluded("app")) << "never the source itself";
  EXPECT_FALSE(rules.excluded("x.log")) << "nothing outside the source";
  EXPECT_FALSE(rules.excluded("application/x.log"));
  EXPECT_TRUE(rules.excluded("secret")) << "what the .dockerignore leaves out stays out";
  EXPECT_TRUE(rules.may_reinclude_below("app/keep")) << "the patterns' own `!` exceptions, relative to the source";
  EXPECT_FALSE(rules.may_reinclude_below("keep"));

  const auto at_root = excluding_below({}, "", matching({"*.log"}));
  EXPECT_TRUE(at_root.excluded("x.log"));
  EXPECT_FALSE(at_root.excluded("d/x.log"));
}

TEST(CopyFilters, AWalkForParentsPatternsEntersOnlyTheDirectoriesOnTheirWay) {
  EXPECT_EQ(literal_prefix("x/y/*.txt"), "x/y");
  EXPECT_EQ(literal_prefix("src/**/*.txt"), "src");
  EXPECT_EQ(literal_prefix("**/a"), "");
  EXPECT_EQ(literal_prefix("a/b"), "a/b");
  EXPECT_EQ(literal_prefix("a/[bc]/d"), "a");

  const std::vector<std::string> patterns = literal_prefixes({"x/y/*.txt", "src/**/*.c"});
  EXPECT_TRUE(may_match_below(patterns, ""));
  EXPECT_TRUE(may_match_below(patterns, "x"));
  EXPECT_TRUE(may_match_below(patterns, "x/y"));
  EXPECT_TRUE(may_match_below(patterns, "src/deep/er"));
  EXPECT_FALSE(may_match_below(patterns, "node_modules"));
  EXPECT_FALSE(may_match_below(patterns, "x/z"));
  EXPECT_FALSE(may_match_below(patterns, "xx"));
  EXPECT_TRUE(may_match_below(literal_prefixes({"**/*.c"}), "anything"));
}

}  // namespace

}  // namespace gantry::solver
