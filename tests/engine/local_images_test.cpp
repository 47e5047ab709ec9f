#include "engine/local_images.h"

#include <gtest/gtest.h>

#include <map>

#include "base/error.h"
#include "exporter/rootfs.h"
#include "tests/engine/store_fixture.h"

namespace gantry::engine {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class LocalImagesTest : public testing::StoreFixture {};

TEST_F(LocalImagesTest, FindsAnImageByTagByIdPrefixAndByManifestDigest) {
  const auto app = import({{"app", "1"}}, "team/app:1");
  EXPECT_EQ(find_image(store_, "team/app:1"), app.manifest);
  EXPECT_EQ(find_image(store_, "docker.io/team/app:1"), app.manifest);  // the same familiar name
  EXPECT_EQ(find_image(store_, app.config.hex().substr(0, 12)), app.manifest);
  EXPECT_EQ(find_image(store_, app.config.str()), app.manifest);
  EXPECT_EQ(find_image(store_, app.manifest.str()), app.manifest);
  try {
    find_image(store_, "team/other:1");
    FAIL() << "an unknown name was found";
  } catch (const NoSuchImage& e) {
    EXPECT_STREQ(e.what(), "image `team/other:1`: no such image");
  }
}

TEST_F(LocalImagesTest, ANameIsFoundBeforeAnIdPrefixSpelledTheSame) {
  const auto first = import({{"first", "1"}}, "first:1");
  const std::string prefix = first.config.hex().substr(0, 6);
  const auto named = import({{"second", "1"}}, prefix + ":latest");
  EXPECT_EQ(find_image(store_, prefix), named.manifest);
  EXPECT_EQ(find_image(store_, first.config.hex().substr(0, 12)), first.manifest);
}

TEST_F(LocalImagesTest, ANameWithADigestIsTheManifestItPins) {
  const auto app = import({{"app", "1"}}, "app:1");
  EXPECT_EQ(find_image(store_, "app@" + app.manifest.str()), app.manifest);
  EXPECT_EQ(find_image(store_, "app:1@" + app.manifest.str()), app.manifest);
  EXPECT_THROW(find_image(store_, "app@sha256:" + std::string(64, '0')), Error);
}

TEST_F(LocalImagesTest, APrefixOfSeveralImagesIdsIsAmbiguous) {
  // Images until two ids share their first four digits (a few hundred at most, by the
  // birthday bound on 65,536 prefixes).
  std::map<std::string, Digest> by_prefix;
  std::string shared;
  for (int i = 0; shared.empty(); ++i) {
    const auto image = import({{"n", std::to_string(i)}}, "img:" + std::to_string(i));
    const std::string prefix = image.config.hex().substr(0, 4);
    if (by_prefix.count(prefix)) shared = prefix;
    by_prefix.emplace(prefix, image.config);
  }
  try {
    find_image(store_, shared);
    FAIL() << "an ambiguous prefix named one image";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), ("image `" + shared + "`: the prefix matches 2 images: give more of the id").c_str());
  }
}

TEST_F(LocalImagesTest, AnIdPrefixShorterThanFourDigitsIsNotAnId) {
  const auto app = import({{"app", "1"}}, "app:1");
  EXPECT_THROW(find_image(store_, app.config.hex().substr(0, 3)), Error);
}

TEST_F(LocalImagesTest, TagNamesTheSameImageAndListShowsNamedThenUntagged) {
  const auto app = import({{"app", "1"}}, "app:1");
  const auto loose = import({{"loose", "1"}});
  store_.images().keep_untagged(loose.manifest);
  tag_image(store_, "app:1", "registry.example/app:2");

  const auto all = list_images(store_, ImageFilter::parse({}));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "app:1");
  EXPECT_EQ(all[1].name, "registry.example/app:2");
  EXPECT_EQ(all[1].view.manifest, app.manifest);
  EXPECT_EQ(all[2].name, "");
  EXPECT_EQ(all[2].view.manifest, loose.manifest);

  const auto dangling = list_images(store_, ImageFilter::parse({"dangling=true"}));
  ASSERT_EQ(dangling.size(), 1u);
  EXPECT_EQ(dangling[0].view.manifest, loose.manifest);
}

// docker's SIZE: the files' bytes, not the tar's (no headers, no padding, no directories).
TEST_F(LocalImagesTest, ImageSizeIsTheLayersContentSize) {
  const auto app = import({{"big", std::string(100'000, 'a')}, {"dir/small", "hi"}}, "app:1");
  const auto view = exporter::read_image(store_.content(), app.manifest);
  const std::int64_t compressed = view.manifest_json["layers"][0]["size"].get<std::int64_t>();
  EXPECT_LT(compressed, 10'000);  // 100 KB of one letter gzips to little
  EXPECT_EQ(image_size(store_, view), 100'002);
}

TEST_F(LocalImagesTest, ALayersContentSizeIsRecordedOnceMeasured) {
  const auto app = import({{"file", "twelve bytes"}}, "app:1");
  const auto view = exporter::read_image(store_.content(), app.manifest);
  const Digest diff_id = Digest::parse(view.config_json["rootfs"]["diff_ids"][0].get<std::string>());
  EXPECT_EQ(store_.layer_content_sizes().find(diff_id), std::nullopt);
  EXPECT_EQ(image_size(store_, view), 12);
  EXPECT_EQ(store_.layer_content_sizes().find(diff_id), 12);
}

// A store from before layer_content_sizes existed opens with the table added, and its images
// are measured when first listed.
TEST_F(LocalImagesTest, AStoreWithoutContentSizesGainsThem) {
  const auto app = import({{"file", "twelve bytes"}}, "app:1");
  store_.db().exec("DROP TABLE layer_content_sizes");
  store_.db().exec("PRAGMA user_version=0");  // as such a store is: no schema version recorded
  cache::Store reopened(tmp_.path() / "root");
  EXPECT_EQ(image_size(reopened, exporter::read_image(reopened.content(), app.manifest)), 12);
}

TEST_F(LocalImagesTest, RemovingANameLeavesTheImageItsOtherNames) {
  const auto app = import({{"app", "1"}}, "app:1");
  tag_image(store_, "app:1", "app:2");
  const auto removed = remove_image(store_, "app:1", false);
  EXPECT_EQ(removed.untagged, std::vector<std::string>{"app:1"});
  EXPECT_FALSE(removed.deleted);
  EXPECT_EQ(store_.images().find("app:2"), app.manifest);
}

TEST_F(LocalImagesTest, RemovingByIdNeedsForceWhenTheImageHasSeveralNames) {
  const auto app = import({{"app", "1"}}, "app:1");
  tag_image(store_, "app:1", "app:2");
  const std::string id = app.config.hex().substr(0, 12);
  try {
    remove_image(store_, id, false);
    FAIL() << "removed an image with two names without force";
  } catch (const ImageInUse& e) {
    EXPECT_EQ(std::string(e.what()), "image `" + id + "` is referenced by 2 names: remove them by name or use -f");
  }
  EXPECT_EQ(store_.images().list().size(), 2u);  // nothing removed

  const auto removed = remove_image(store_, id, true);
  EXPECT_EQ(removed.untagged, (std::vector<std::string>{"app:1", "app:2"}));
  EXPECT_TRUE(store_.images().list().empty());
}

TEST_F(LocalImagesTest, RemovingAnUntaggedImageByIdDeletesIt) {
  const auto loose = import({{"loose", "1"}});
  store_.images().keep_untagged(loose.manifest);
  const auto removed = remove_image(store_, loose.config.hex().substr(0, 12), false);
  EXPECT_TRUE(removed.untagged.empty());
  ASSERT_TRUE(removed.deleted);
  EXPECT_EQ(*removed.deleted, loose.manifest);
  EXPECT_TRUE(store_.images().untagged().empty());
}

TEST_F(LocalImagesTest, SavedImagesLoadIntoAnotherStoreUnderTheirNames) {
  const auto app = import({{"etc/app.conf", "x=1"}}, "app:1");
  const auto loose = import({{"loose", "1"}});
  store_.images().keep_untagged(loose.manifest);
  for (const auto format : {ArchiveFormat::Docker, ArchiveFormat::Oci}) {
    const fs::path archive = tmp_.path() / (format == ArchiveFormat::Oci ? "oci.tar" : "docker.tar");
    save_images(store_, {"app:1", loose.config.hex().substr(0, 12)}, archive, format);

    cache::Store other(tmp_.path() / (archive.filename().string() + "-root"));
    const auto loaded = load_images(other, archive);
    ASSERT_EQ(loaded.size(), 2u) << archive;
    EXPECT_EQ(loaded[0].name, "app:1");
    const auto config_of = [&](const Digest& manifest) {
      return exporter::read_image(other.content(), manifest).config;
    };
    // The same image ids: the configs are the same bytes, whatever manifest the format made.
    EXPECT_EQ(config_of(*other.images().find("app:1")), app.config);
    ASSERT_EQ(other.images().untagged().size(), 1u);
    EXPECT_EQ(config_of(other.images().untagged()[0].manifest), loose.config);
  }
}

TEST_F(LocalImagesTest, LoadingAnImageTheStoreHasKeepsItsManifest) {
  const auto app = import({{"app", "1"}}, "app:1");
  const fs::path archive = tmp_.path() / "app.tar";
  save_images(store_, {"app:1"}, archive, ArchiveFormat::Docker);
  const auto loaded = load_images(store_, archive);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(store_.images().find("app:1"), app.manifest);  // not the docker archive's manifest
  EXPECT_TRUE(store_.images().untagged().empty());
}

TEST_F(LocalImagesTest, AMissingArchiveOrTarballIsNamed) {
  try {
    load_images(store_, tmp_.path() / "missing.tar");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "load `" + (tmp_.path() / "missing.tar").string() + "`: no such file");
  }
  EXPECT_THROW(import_image(store_, {.tarball = tmp_.path() / "missing.tar", .name = "x:1"}), Error);
  EXPECT_TRUE(store_.images().list().empty());
}

TEST_F(LocalImagesTest, ImportMakesANamedImageOfARootfsTarball) {
  const TempDir rootfs(tmp_.path(), "rootfs-");
  write_file_atomic(rootfs.path() / "hello", "hi");
  const fs::path tar = tmp_.path() / "rootfs.tar";
  exporter::write_rootfs_tar({rootfs.path()}, tar);
  const auto record = import_image(store_, {.tarball = tar, .name = "base:1", .created = 1'650'000'000});
  EXPECT_EQ(store_.images().find("base:1"), record.manifest);
  const auto view = exporter::read_image(store_.content(), record.manifest);
  EXPECT_EQ(view.config_json["created"], "2022-04-15T05:20:00Z");
  EXPECT_EQ(view.config_json["history"][0]["comment"], "imported from a rootfs tarball");
}

TEST_F(LocalImagesTest, ImportAppliesChangesAndTheMessage) {
  const TempDir rootfs(tmp_.path(), "rootfs-");
  write_file_atomic(rootfs.path() / "hello", "hi");
  const fs::path tar = tmp_.path() / "rootfs.tar";
  exporter::write_rootfs_tar({rootfs.path()}, tar);
  const auto record = import_image(
      store_, {.tarball = tar, .name = "base:1", .changes = {"CMD [\"sh\"]", "ENV A=1"}, .message = "from CI"});
  const auto view = exporter::read_image(store_.content(), record.manifest);
  EXPECT_EQ(view.config_json["config"], json::parse(R"({"Cmd":["sh"],"Env":["A=1"]})"));
  EXPECT_EQ(view.config_json["history"][0]["comment"], "from CI");
  EXPECT_EQ(view.config_json["architecture"], host_platform().architecture);

  const auto arm = import_image(store_, {.tarball = tar, .name = "base:arm", .platform = Platform::parse("linux/arm/v7")});
  const auto arm_config = exporter::read_image(store_.content(), arm.manifest).config_json;
  EXPECT_EQ(arm_config["architecture"], "arm");
  EXPECT_EQ(arm_config["variant"], "v7");
  EXPECT_EQ(arm_config["os"], "linux");
}

TEST_F(LocalImagesTest, AnImportWithABadChangeWritesNothing) {
  const TempDir rootfs(tmp_.path(), "rootfs-");
  const fs::path tar = tmp_.path() / "rootfs.tar";
  exporter::write_rootfs_tar({rootfs.path()}, tar);
  EXPECT_THROW(import_image(store_, {.tarball = tar, .name = "base:1", .changes = {"RUN true"}}), UsageError);
  EXPECT_TRUE(store_.images().list().empty());
}

}  // namespace
}  // namespace gantry::engine
