#include "base/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace gantry {
namespace {

TEST(Utf8, ColumnsCountCharactersNotBytes) {
  EXPECT_EQ(utf8_columns(""), 0u);
  EXPECT_EQ(utf8_columns("abc"), 3u);
  EXPECT_EQ(utf8_columns("h\u00e9 \u2026"), 4u);    // two- and three-byte characters
  EXPECT_EQ(utf8_columns("\xF0\x9F\x90\xB3"), 1u);  // four bytes
}

TEST(Utf8, APrefixOfColumnsEndsBeforeTheNextCharacter) {
  const std::string text = "a\u00e9b\u2026";  // 1 + 2 + 1 + 3 bytes
  EXPECT_EQ(utf8_prefix_bytes(text, 0), 0u);
  EXPECT_EQ(utf8_prefix_bytes(text, 1), 1u);
  EXPECT_EQ(utf8_prefix_bytes(text, 2), 3u);
  EXPECT_EQ(utf8_prefix_bytes(text, 3), 4u);
  EXPECT_EQ(utf8_prefix_bytes(text, 4), text.size());
  EXPECT_EQ(utf8_prefix_bytes(text, 9), text.size());
}

}  // namespace
}  // namespace gantry
