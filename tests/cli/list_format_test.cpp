#include "cli/format/list_format.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::cli {
namespace {

using nlohmann::json;

const json kHeaders = {{"Repository", "REPOSITORY"}, {"Tag", "TAG"}};
const std::vector<json> kRows{{{"Repository", "busybox"}, {"Tag", "latest"}}, {{"Repository", "app"}, {"Tag", "1"}}};

TEST(ListFormat, ATemplatePrintsARowEach) {
  EXPECT_EQ(ListFormat("{{.Repository}}:{{.Tag}}", kHeaders).render(kRows), "busybox:latest\napp:1\n");
}

TEST(ListFormat, TableAddsTheHeaderRowAndAlignsColumns) {
  EXPECT_EQ(ListFormat("table {{.Repository}}\\t{{.Tag}}", kHeaders).render(kRows),
            "REPOSITORY   TAG\n"
            "busybox      latest\n"
            "app          1\n");
}

TEST(ListFormat, TheHeaderRowKeepsColumnNamesThroughFunctions) {
  EXPECT_EQ(ListFormat("table {{lower .Repository}}\t{{json .Tag}}", kHeaders).render({kRows[1]}),
            "REPOSITORY   TAG\n"
            "app          \"1\"\n");
}

TEST(ListFormat, EscapedTabsAndNewlinesOutsideTables) {
  EXPECT_EQ(ListFormat("{{.Repository}}\\t{{.Tag}}\\n", kHeaders).render({kRows[1]}), "app\t1\n\n");
}

TEST(ListFormat, JsonIsAnObjectPerRow) {
  EXPECT_EQ(ListFormat("json", kHeaders).render(kRows),
            R"({"Repository":"busybox","Tag":"latest"})"
            "\n"
            R"({"Repository":"app","Tag":"1"})"
            "\n");
}

TEST(ListFormat, NoFormatOrTableAloneIsTheVerbsOwnTable) {
  const std::string own = "table {{.Tag}}";
  for (const std::string format : {"", "table", "table  "})
    EXPECT_EQ(ListFormat::for_verb(format, own, false, kHeaders).render({kRows[1]}), "TAG\n1\n")
        << format;
  EXPECT_EQ(ListFormat::for_verb("{{.Repository}}", own, false, kHeaders).render({kRows[1]}),
            "app\n");
}

TEST(ListFormat, QuietIsEachRowsIdAndNoFormatOfTheUsers) {
  const std::vector<json> rows{{{"ID", "abc"}}, {{"ID", "def"}}};
  for (const std::string format : {"", "table"})
    EXPECT_EQ(ListFormat::for_verb(format, "table {{.Tag}}", true, kHeaders).render(rows),
              "abc\ndef\n");
  EXPECT_THROW(ListFormat::for_verb("{{.Tag}}", "table {{.Tag}}", true, kHeaders), UsageError);
}

TEST(ListFormat, AMalformedTemplateIsAUsageError) {
  EXPECT_THROW(ListFormat("table {{.Tag", kHeaders), UsageError);
}

}  // namespace
}  // namespace gantry::cli
