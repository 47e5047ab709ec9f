#include "cli/format/tab_columns.h"

#include <gtest/gtest.h>

namespace gantry::cli {
namespace {

TEST(TabColumns, PadsEachColumnToItsWidestCellPlusThree) {
  EXPECT_EQ(align_tab_columns("REPOSITORY\tTAG\nbusybox\tlatest\n"),
            "REPOSITORY   TAG\n"
            "busybox      latest\n");
}

TEST(TabColumns, AColumnIsAtLeastTenWide) {
  EXPECT_EQ(align_tab_columns("A\tB\tC\nxx\ty\tz\n"),
            "A         B         C\n"
            "xx        y         z\n");
}

TEST(TabColumns, TheLastCellIsNotAligned) {
  EXPECT_EQ(align_tab_columns("a-very-long-first-cell\nx\ty\n"), "a-very-long-first-cell\nx         y\n");
}

TEST(TabColumns, ABlockEndsAtALineWithoutTheColumn) {
  // The second column's block is the first two lines only: the third has no second tab.
  EXPECT_EQ(align_tab_columns("a\tbbbbbbbbbbbbb\tc\nd\te\tf\ng\th\n"),
            "a         bbbbbbbbbbbbb   c\n"
            "d         e               f\n"
            "g         h\n");
}

TEST(TabColumns, WidthCountsCharactersNotBytes) {
  EXPECT_EQ(align_tab_columns("\xc3\xa9t\xc3\xa9\tx\n"), "\xc3\xa9t\xc3\xa9       x\n");
}

}  // namespace
}  // namespace gantry::cli
