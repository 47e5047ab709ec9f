// Shell patterns (`${V#p}`, `${V/p/r}`): fixed cases, and every pattern and value up to a small
// size checked against the plain definition (shell_pattern_definition.h), which the linear
// search must agree with.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/error.h"
#include "frontend/dockerfile/shell_pattern.h"
#include "tests/frontend/shell_pattern_definition.h"

namespace gantry::frontend {
namespace {

TEST(ShellPattern, RemovesPrefixesAndSuffixes) {
  EXPECT_EQ(remove_affix("foo/bar/baz.tar.gz", "*/", false, false), "bar/baz.tar.gz");
  EXPECT_EQ(remove_affix("foo/bar/baz.tar.gz", "*/", false, true), "baz.tar.gz");
  EXPECT_EQ(remove_affix("foo/bar/baz.tar.gz", ".*", true, false), "foo/bar/baz.tar");
  EXPECT_EQ(remove_affix("foo/bar/baz.tar.gz", ".*", true, true), "foo/bar/baz");
  EXPECT_EQ(remove_affix("abc", "x*", false, true), "abc");
  EXPECT_EQ(remove_affix("abc", "", true, true), "abc");
  EXPECT_EQ(remove_affix("abc", "*", false, true), "");
  EXPECT_EQ(remove_affix("abc", "*", false, false), "abc");
  EXPECT_EQ(remove_affix("a?c", "a\\?", false, false), "c");
  EXPECT_EQ(remove_affix("abc", "a\\?", false, false), "abc");
}

TEST(ShellPattern, ReplacesLeftmostLongestMatches) {
  EXPECT_EQ(replace_pattern("a-b-c", "-", "+", false), "a+b-c");
  EXPECT_EQ(replace_pattern("a-b-c", "-", "+", true), "a+b+c");
  EXPECT_EQ(replace_pattern("aXbXc", "*X", "_", true), "_c");
  EXPECT_EQ(replace_pattern("abab", "?b", "x", true), "xx");
  EXPECT_EQ(replace_pattern("abc", "", "-", true), "-a-b-c-");
  EXPECT_EQ(replace_pattern("abc", "x*", "-", true), "abc");
  EXPECT_EQ(replace_pattern("abc", "*", "-", true), "-");
}

TEST(ShellPattern, WorksOnRunesNotBytes) {
  EXPECT_EQ(replace_pattern("h\xC3\xA9llo", "h?l", "X", false), "Xlo");
  EXPECT_EQ(remove_affix("\xC3\xA9t\xC3\xA9", "?", true, false), "\xC3\xA9t");
  // An invalid byte is a rune of its own and comes back unchanged.
  EXPECT_EQ(replace_pattern("a\xFF" "b", "b", "c", true), "a\xFF" "c");
}

TEST(ShellPattern, BadEscapeIsAnError) {
  try {
    replace_pattern("abc", "a\\x", "", true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "invalid pattern (a\\x) in substitution: invalid escape '\\x'");
  }
}

// Every string over `alphabet` of length 0..max_len.
std::vector<std::string> all_strings(const std::string& alphabet, std::size_t max_len) {
  std::vector<std::string> out = {""};
  for (std::size_t begin = 0, len = 0; len < max_len; ++len) {
    std::size_t end = out.size();
    for (std::size_t i = begin; i < end; ++i)
      for (char c : alphabet) out.push_back(out[i] + c);
    begin = end;
  }
  return out;
}

TEST(ShellPattern, AgreesWithTheDefinitionOnEverySmallCase) {
  std::vector<std::string> patterns = all_strings("ab*?", 4);
  std::vector<std::string> values = all_strings("ab", 6);
  int checked = 0;
  for (const std::string& p : patterns) {
    for (const std::string& v : values) {
      for (bool suffix : {false, true})
        for (bool longest : {false, true})
          ASSERT_EQ(remove_affix(v, p, suffix, longest), definition::remove_affix(v, p, suffix, longest))
              << "value " << v << " pattern " << p << (suffix ? " suffix" : " prefix")
              << (longest ? " longest" : " shortest");
      for (bool all : {false, true})
        ASSERT_EQ(replace_pattern(v, p, "_", all), definition::replace_pattern(v, p, "_", all))
            << "value " << v << " pattern " << p << (all ? " all" : " once");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 341 * 127);
}

}  // namespace
}  // namespace gantry::frontend
