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

TEST(ListFormat, TableAloneIsTheVerbsOwnTable) {
  EXPECT_TRUE(ListFormat("table", kHeaders).is_default_table());
  EXPECT_TRUE(ListFormat("table  ", kHeaders).is_default_table());
  EXPECT_FALSE(ListFormat("{{.Tag}}", kHeaders).is_default_table());
}

TEST(ListFormat, AMalformedTemplateIsAUsageError) {
  EXPECT_THROW(ListFormat("table {{.Tag", kHeaders), UsageError);
}

}  // namespace
}  // namespace gantry::cli
