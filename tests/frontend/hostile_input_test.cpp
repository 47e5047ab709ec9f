// Hostile Dockerfiles at the frontend's own interfaces: the bounds it sets (nesting depth) fail
// with one readable line, and inputs that used to take quadratic time still give the same results.
// (The end-to-end checks of the same inputs are in tests/e2e/hostile_frontend_test.cpp; their
// timings are in bench/frontend.)
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::frontend {
namespace {

// `${a:-${a:-...x...}}`, `depth` levels deep.
std::string nested_defaults(int depth) {
  std::string word;
  for (int i = 0; i < depth; ++i) word += "${a:-";
  word += "x";
  for (int i = 0; i < depth; ++i) word += "}";
  return word;
}

TEST(HostileInput, NestingUpToTheBoundExpands) {
  EXPECT_EQ(ShellLexer().process_word(nested_defaults(100), {}), "x");
  EXPECT_EQ(ShellLexer().process_word(nested_defaults(100), {{"a", "set"}}), "set");
}

TEST(HostileInput, NestingPastTheBoundIsOneShortError) {
  for (int depth : {101, 9000}) {
    try {
      ShellLexer().process_word(nested_defaults(depth), {});
      FAIL() << "no error at depth " << depth;
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("${...} nested more than 100 levels deep"), std::string::npos) << what;
      EXPECT_LT(what.size(), 400u) << "the word is cut in the message";
      EXPECT_EQ(what.find('\n'), std::string::npos);
    }
  }
}

TEST(HostileInput, LongWordsAreCutInErrorsAtARuneBoundary) {
  // An unterminated quote, with a two-byte rune across the 200th byte.
  std::string word = "'" + std::string(198, 'a') + "\xC3\xA9" + std::string(500, 'b');
  try {
    ShellLexer().process_word(word, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string expected = "failed to process \"'" + std::string(198, 'a') + "\xC3\xA9\"... (" +
                           std::to_string(word.size()) +
                           " bytes): unexpected end of statement while looking for matching single-quote";
    EXPECT_EQ(e.what(), expected);
  }
}

}  // namespace
}  // namespace gantry::frontend
