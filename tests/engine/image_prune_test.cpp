#include "engine/image_prune.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/engine/store_fixture.h"

namespace gantry::engine {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

class ImagePruneTest : public testing::StoreFixture {
 protected:
  bool has(const std::string& name) { return store_.images().find(name).has_value(); }
  static bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
  }
};

TEST_F(ImagePruneTest, ByDefaultOnlyDanglingImagesGo) {
  const auto first = import({{"a", "1"}}, "app");
  const auto second = import({{"b", "2"}}, "app");  // the first is left untagged
  const auto report = prune_images(store_, {});
  EXPECT_EQ(report.deleted, (std::vector<std::string>{first.config.str()}));
  EXPECT_TRUE(report.untagged.empty());
  EXPECT_GT(report.reclaimed_bytes, 0);
  EXPECT_EQ(store_.images().find("app:latest"), second.manifest);
  EXPECT_TRUE(store_.images().untagged().empty());
}

TEST_F(ImagePruneTest, AllTakesNamedImagesWithEveryName) {
  const auto image = import({{"a", "1"}}, "app");
  store_.images().set("app:v2", image.manifest);
  const auto report = prune_images(store_, {.all = true});
  EXPECT_TRUE(contains(report.untagged, "app:latest"));
  EXPECT_TRUE(contains(report.untagged, "app:v2"));
  EXPECT_EQ(report.deleted, (std::vector<std::string>{image.config.str()}));
  EXPECT_FALSE(has("app:latest"));
}

TEST_F(ImagePruneTest, UntilKeepsImagesCreatedAfterIt) {
  const auto old_image = import({{"a", "1"}}, "old", nlohmann::json::object(), 1'000'000);
  const auto new_image = import({{"b", "2"}}, "new", nlohmann::json::object(), 2'000'000);
  const auto report = prune_images(store_, {.all = true, .until = 1'500'000 * kSecond});
  EXPECT_EQ(report.deleted, (std::vector<std::string>{old_image.config.str()}));
  EXPECT_FALSE(has("old:latest"));
  EXPECT_TRUE(has("new:latest"));
  // Created exactly at until is pruned too.
  prune_images(store_, {.all = true, .until = 2'000'000 * kSecond});
  EXPECT_FALSE(has("new:latest"));
  EXPECT_NE(new_image.config, old_image.config);
}

TEST_F(ImagePruneTest, LabelsSelectAndNotLabelsSpare) {
  import({{ "a", "1" }}, "front", {{ "Labels", { {"team", "web"}, { "tier", "1" } } }});
  import({{ "b", "2" }}, "back", {{ "Labels", { { "team", "db" } } }});
  import({{ "c", "3" }}, "bare");
  prune_images(store_, {.all = true, .labels = {"team=web", "tier"}});
  EXPECT_FALSE(has("front:latest"));
  EXPECT_TRUE(has("back:latest"));
  EXPECT_TRUE(has("bare:latest"));
  // label!=team: an image with that label is kept, the others go.
  prune_images(store_, {.all = true, .not_labels = {"team"}});
  EXPECT_TRUE(has("back:latest"));
  EXPECT_FALSE(has("bare:latest"));
}

}  // namespace
}  // namespace gantry::engine
