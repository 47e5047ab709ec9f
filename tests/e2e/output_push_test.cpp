// --output type=image,name=...,push=true and type=registry against a real docker-registry: the
// image is named in the local store and pushed under every name, annotations and all.
#include <gtest/gtest.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/local_registry.h"
#include "tests/e2e/registry_helpers.h"

namespace gantry::e2e {

namespace {

using nlohmann::json;

class OutputPushTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!LocalRegistry::available())
      GTEST_SKIP() << "docker-registry is not installed (apt-get install docker-registry)";
    registry_.emplace(LocalRegistry::Mode::Plain, env_.root().parent_path() / "registry");
    env_.import_busybox();
    context_ = write_context(env_.scratch() / "app", "FROM busybox\nRUN echo pushed-by-output > /out.txt\n");
  }
  std::string host() const { return registry_->host(); }
  Outcome raw_manifest(const std::string& name) {
    return run_command({"skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + name});
  }

  GantryEnv env_;
  std::optional<LocalRegistry> registry_;  // declared after env_: stopped before its dir goes
  std::filesystem::path context_;
};

}  // namespace

TEST_F(OutputPushTest, TypeImageWithPushTagsAndPushesEveryNameWithItsAnnotations) {
  const std::string first = host() + "/team/app:1", second = host() + "/team/other:2";
  auto b = env_.gantry({"build", "--network=none", "--annotation", "org.opencontainers.image.title=app", "-o",
                        "type=image,\"name=" + first + "," + second + "\",push=true,annotation.org.example.k=v",
                        context_.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const std::string& name : {first, second}) {
    auto raw = raw_manifest(name);
    ASSERT_EQ(raw.exit_code, 0) << name << raw.err;
    const json manifest = json::parse(raw.out);
    EXPECT_EQ(manifest["annotations"], (json{{"org.opencontainers.image.title", "app"}, {"org.example.k", "v"}}))
        << raw.out;
    // The local store has the image under both names, the same image (its config) as pushed.
    EXPECT_EQ(env_.image_manifest(name)["config"]["digest"], manifest["config"]["digest"]) << name;
    EXPECT_NE(b.err.find("pushed " + name + "@sha256:"), std::string::npos) << b.err;
  }
}

TEST_F(OutputPushTest, TypeImageWithoutPushPushesNothing) {
  const std::string name = host() + "/team/kept:1";
  auto b = env_.gantry({"build", "--network=none", "-o", "type=image,name=" + name, context_.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(env_.gantry({"inspect", name}).exit_code, 0);
  EXPECT_NE(raw_manifest(name).exit_code, 0);
}

TEST_F(OutputPushTest, ARegistryOutputTakesSeveralNamesAndRefusesADescriptorAnnotation) {
  const std::string first = host() + "/team/reg:1", second = host() + "/team/reg:2";
  auto b = env_.gantry({"build", "--network=none", "-o", "type=registry,\"name=" + first + "," + second + "\"",
                        context_.string()});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(raw_manifest(first).out, raw_manifest(second).out);
  EXPECT_FALSE(raw_manifest(first).out.empty());

  const std::string third = host() + "/team/reg:3";
  auto refused = env_.gantry({"build", "--network=none", "--annotation", "manifest-descriptor:k=v", "-o",
                              "type=registry,name=" + third, context_.string()});
  EXPECT_EQ(refused.exit_code, 125);
  EXPECT_NE(refused.err.find("annotation `annotation-manifest-descriptor.k`: --output type=registry pushes a manifest "
                             "that no descriptor names"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(raw_manifest(third).exit_code, 0);  // refused before the build, nothing pushed
}

}  // namespace gantry::e2e
