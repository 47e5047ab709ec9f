#include "engine/bake_scheduler.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::engine {

namespace {

BakeTargetBuild target(std::string name, std::vector<std::string> depends_on = {}) {
  return {std::move(name), std::move(depends_on), [] { return BuildRequest{}; }};
}

TEST(BakeWavesTest, TargetsWithoutDependenciesShareTheFirstWave) {
  const auto waves = bake_waves({target("a"), target("b"), target("c")});
  EXPECT_EQ(waves, (std::vector<std::vector<std::size_t>>{{0, 1, 2}}));
}

TEST(BakeWavesTest, ATargetComesOneWaveAfterItsLatestDependency) {
  // base <- tools, base <- app <- release; tools and app can build together.
  const auto waves = bake_waves({target("base"), target("tools", {"base"}), target("app", {"base"}),
                                 target("release", {"app", "base"}), target("docs")});
  EXPECT_EQ(waves, (std::vector<std::vector<std::size_t>>{{0, 4}, {1, 2}, {3}}));
}

TEST(BakeWavesTest, ADependencyNotListedBeforeItsTargetIsAnError) {
  try {
    bake_waves({target("app", {"base"}), target("base")});
    FAIL() << "scheduled a target before its dependency";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "bake target app depends on base, which is not listed before it");
  }
}

}  // namespace
}  // namespace gantry::engine
