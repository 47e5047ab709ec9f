#include "engine/container_spec.h"

#include <gtest/gtest.h>

#include "base/error.h"
#include "exporter/media_types.h"
#include "tests/engine/store_fixture.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

class ContainerSpecTest : public testing::StoreFixture {};

TEST_F(ContainerSpecTest, TheImageConfigGivesTheProcessUnlessTheRequestSaysOtherwise) {
  import({{"bin/app", "#!/bin/sh"}}, "app:1",
         {{"Entrypoint", {"/bin/app"}}, {"Cmd", {"--serve"}}, {"Env", {"PATH=/bin", "MODE=prod"}},
          {"WorkingDir", "/srv"}, {"User", "app"}});

  const Container plain = prepare_container(store_, {.image = "app:1"});
  EXPECT_EQ(plain.spec.process.args, (std::vector<std::string>{"/bin/app", "--serve"}));
  EXPECT_EQ(plain.spec.process.env, (std::vector<std::string>{"PATH=/bin", "MODE=prod"}));
  EXPECT_EQ(plain.spec.process.cwd, "/srv");
  EXPECT_EQ(plain.spec.process.user, "app");

  const Container custom = prepare_container(
      store_, {.image = "app:1", .command = {"--check"}, .env = {"MODE=test"}, .workdir = "/tmp", .user = "0:0"});
  // The entrypoint stays; the command replaces Cmd; the request's env comes after the image's.
  EXPECT_EQ(custom.spec.process.args, (std::vector<std::string>{"/bin/app", "--check"}));
  EXPECT_EQ(custom.spec.process.env, (std::vector<std::string>{"PATH=/bin", "MODE=prod", "MODE=test"}));
  EXPECT_EQ(custom.spec.process.cwd, "/tmp");
  EXPECT_EQ(custom.spec.process.user, "0:0");
}

// docker run --entrypoint: a new one drops the image's Cmd; an empty one keeps it, alone.
TEST_F(ContainerSpecTest, AnEntrypointOfTheRunsOwnReplacesTheImagesAndItsCmd) {
  import({{"bin/app", "#!/bin/sh"}}, "app:1", {{"Entrypoint", {"/bin/app"}}, {"Cmd", {"--serve"}}});
  EXPECT_EQ(prepare_container(store_, {.image = "app:1", .entrypoint = "/bin/other"}).spec.process.args,
            std::vector<std::string>{"/bin/other"});
  EXPECT_EQ(prepare_container(store_, {.image = "app:1", .command = {"-v"}, .entrypoint = "/bin/other"}).spec.process.args,
            (std::vector<std::string>{"/bin/other", "-v"}));
  EXPECT_EQ(prepare_container(store_, {.image = "app:1", .entrypoint = ""}).spec.process.args,
            std::vector<std::string>{"--serve"});
  EXPECT_EQ(prepare_container(store_, {.image = "app:1", .command = {"sh"}, .entrypoint = ""}).spec.process.args,
            std::vector<std::string>{"sh"});
}

TEST_F(ContainerSpecTest, TheRootfsIsTheImageLayersUnderAScratchUpperLayer) {
  import({{"etc/os-release", "ID=test"}}, "base:1", {{"Cmd", {"sh"}}});
  const Container c = prepare_container(store_, {.image = "base:1", .network = executor::Network::None});
  ASSERT_EQ(c.spec.rootfs.lower_dirs.size(), 1u);
  EXPECT_EQ(read_file(c.spec.rootfs.lower_dirs[0] / "etc/os-release"), "ID=test");
  EXPECT_EQ(c.spec.rootfs.upper_dir, c.scratch.path() / "upper");
  EXPECT_TRUE(fs::is_directory(c.spec.rootfs.upper_dir));
  EXPECT_TRUE(fs::is_directory(c.spec.rootfs.work_dir));
  EXPECT_EQ(c.spec.process.cwd, "/");
  EXPECT_EQ(c.spec.process.network, executor::Network::None);
}

TEST_F(ContainerSpecTest, AnImageWithoutACommandNeedsOne) {
  import({{"data", "1"}}, "data:1");
  try {
    prepare_container(store_, {.image = "data:1"});
    FAIL() << "a container without a command";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "image `data:1` has no command: give one after the image name");
  }
  EXPECT_EQ(prepare_container(store_, {.image = "data:1", .command = {"true"}}).spec.process.args,
            std::vector<std::string>{"true"});
}

TEST_F(ContainerSpecTest, AnImageNotInTheStoreIsNamed) {
  try {
    prepare_container(store_, {.image = "missing:1"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("image `missing:1`: no such image"), std::string::npos)
        << e.what();
  }
}

// An index of an amd64 and an arm64 image, as a pull of a multi-platform image by digest
// or an OCI layout would leave it, named `name`.
void name_index(cache::Store& store, const std::string& name, const std::vector<exporter::ImageRecord>& images,
                const std::vector<std::string>& platforms) {
  nlohmann::json manifests = nlohmann::json::array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const Platform p = Platform::parse(platforms[i]);
    manifests.push_back({{"mediaType", exporter::media_types::kOciManifest},
                         {"digest", images[i].manifest.str()},
                         {"size", images[i].size},
                         {"platform", {{"os", p.os}, {"architecture", p.architecture}}}});
  }
  const nlohmann::json index = {{"schemaVersion", 2}, {"mediaType", exporter::media_types::kOciIndex}, {"manifests", manifests}};
  store.images().set(name, store.content().put(index.dump()));
}

TEST_F(ContainerSpecTest, TheRunIsForThePlatformOfItsImageOrTheOneAskedFor) {
  const auto amd = import({{"etc/arch", "amd64"}}, std::nullopt, {{"Cmd", {"sh"}}});
  const auto arm = import({{"etc/arch", "arm64"}}, std::nullopt, {{"Cmd", {"sh"}}}, 1'700'000'000, "linux/arm64");
  name_index(store_, "multi:1", {amd, arm}, {"linux/amd64", "linux/arm64"});
  store_.images().set("arm:1", arm.manifest);

  const Container host = prepare_container(store_, {.image = "multi:1"});
  EXPECT_EQ(read_file(host.spec.rootfs.lower_dirs.at(0) / "etc/arch"), host_platform().architecture);
  const Container chosen = prepare_container(store_, {.image = "multi:1", .platform = Platform::parse("linux/arm64")});
  EXPECT_EQ(read_file(chosen.spec.rootfs.lower_dirs.at(0) / "etc/arch"), "arm64");
  EXPECT_EQ(chosen.spec.platform, Platform::parse("linux/arm64"));
  // An image of one platform runs as what it is, unless another is asked for.
  EXPECT_EQ(prepare_container(store_, {.image = "arm:1"}).spec.platform, Platform::parse("linux/arm64"));
  try {
    prepare_container(store_, {.image = "arm:1", .platform = Platform::parse("linux/s390x")});
    FAIL() << "an arm64 image ran as linux/s390x";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "image `arm:1` is for linux/arm64, not linux/s390x (--platform)");
  }
}

}  // namespace
}  // namespace gantry::engine
