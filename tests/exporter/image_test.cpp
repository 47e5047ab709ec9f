#include <gtest/gtest.h>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/image.h"
#include "exporter/media_types.h"
#include "tests/exporter/tree_fixture.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ImageTest : public ::testing::Test {
 protected:
  ImageTest() : tmp_(fs::temp_directory_path(), "gantry-image-test-"), store_(tmp_.path() / "store") {
    testing::make_file(tmp_.path() / "l1/bin/app", "app", 0755);
    testing::make_file(tmp_.path() / "l2/etc/conf", "conf", 0644);
    layers_ = {pack_layer(tmp_.path() / "l1", store_, {}), pack_layer(tmp_.path() / "l2", store_, {})};
  }
  static json frontend_config() {
    return {{"config", {{"Cmd", {"/bin/app"}}, {"Env", {"PATH=/bin"}}}},
            {"history", {{{"created_by", "COPY app /bin/"}}, {{"created_by", "COPY conf /etc/"}}}}};
  }

  TempDir tmp_;
  cache::ContentStore store_;
  std::vector<LayerBlob> layers_;
};

TEST_F(ImageTest, WritesAnOciConfigAndManifest) {
  const ImageRecord record = write_image(store_, frontend_config(), layers_, 1'700'000'000);
  const ImageView view = read_image(store_, record.manifest);
  EXPECT_EQ(view.config, record.config);
  EXPECT_EQ(record.size, store_.size(record.manifest));

  const json& manifest = view.manifest_json;
  EXPECT_EQ(manifest["schemaVersion"], 2);
  EXPECT_EQ(manifest["mediaType"], media_types::kOciManifest);
  EXPECT_EQ(manifest["config"]["mediaType"], media_types::kOciConfig);
  EXPECT_EQ(manifest["config"]["digest"], record.config.str());
  EXPECT_EQ(manifest["config"]["size"], store_.size(record.config));
  ASSERT_EQ(manifest["layers"].size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(manifest["layers"][i]["digest"], layers_[i].digest.str());
    EXPECT_EQ(manifest["layers"][i]["size"], layers_[i].size);
    EXPECT_EQ(manifest["layers"][i]["mediaType"], media_types::kOciLayerGzip);
  }

  const json& config = view.config_json;
  EXPECT_EQ(config["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(config["os"], "linux");
  EXPECT_TRUE(config["architecture"].is_string());
  EXPECT_EQ(config["rootfs"]["type"], "layers");
  EXPECT_EQ(config["rootfs"]["diff_ids"], json({layers_[0].diff_id.str(), layers_[1].diff_id.str()}));
  EXPECT_EQ(config["history"][0]["created"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(config["config"]["Cmd"], json({"/bin/app"}));
}

TEST_F(ImageTest, SameInputsGiveTheSameDigests) {
  const ImageRecord a = write_image(store_, frontend_config(), layers_, 1'700'000'000);
  const ImageRecord b = write_image(store_, frontend_config(), layers_, 1'700'000'000);
  EXPECT_EQ(a.manifest, b.manifest);
  EXPECT_EQ(a.config, b.config);
  EXPECT_NE(write_image(store_, frontend_config(), layers_, 1'700'000'001).manifest, a.manifest);
}

TEST_F(ImageTest, KeepsHistoryTimesThatAreAlreadySet) {
  json config = frontend_config();
  config["history"][0]["created"] = "2020-01-01T00:00:00Z";
  const ImageView view = read_image(store_, write_image(store_, config, layers_, 1'700'000'000).manifest);
  EXPECT_EQ(view.config_json["history"][0]["created"], "2020-01-01T00:00:00Z");
  EXPECT_EQ(view.config_json["history"][1]["created"], "2023-11-14T22:13:20Z");
}

TEST_F(ImageTest, DockerMediaTypesConvertLayerTypes) {
  const ImageView view = read_image(store_, write_image(store_, frontend_config(), layers_, 0, false).manifest);
  EXPECT_EQ(view.manifest_json["mediaType"], media_types::kDockerManifest);
  EXPECT_EQ(view.manifest_json["config"]["mediaType"], media_types::kDockerConfig);
  EXPECT_EQ(view.manifest_json["layers"][0]["mediaType"], media_types::kDockerLayerGzip);
  EXPECT_EQ(view.config_json["created"], "1970-01-01T00:00:00Z");
}

TEST_F(ImageTest, AnnotationsAreTheManifestsAndNeedOciMediaTypes) {
  const ImageRecord plain = write_image(store_, frontend_config(), layers_, 0);
  const ImageRecord annotated = write_image(store_, frontend_config(), layers_, 0, true, {{"org.example.k", "v"}});
  const ImageView view = read_image(store_, annotated.manifest);
  EXPECT_EQ(view.manifest_json["annotations"], (json{{"org.example.k", "v"}}));
  EXPECT_FALSE(read_image(store_, plain.manifest).manifest_json.contains("annotations"));
  // Only the manifest differs: the config, and so the image id, stays.
  EXPECT_EQ(annotated.config, plain.config);
  EXPECT_NE(annotated.manifest, plain.manifest);
  EXPECT_THROW(write_image(store_, frontend_config(), layers_, 0, false, {{"k", "v"}}), UsageError);
}

TEST_F(ImageTest, ZstdLayersNeedOciMediaTypes) {
  EXPECT_THROW(pack_layer(tmp_.path() / "l1", store_, {.compression = Compression::Zstd, .oci_media_types = false}),
               UsageError);
  const LayerBlob zstd = pack_layer(tmp_.path() / "l1", store_, {.compression = Compression::Zstd});
  EXPECT_THROW(write_image(store_, frontend_config(), {zstd}, 0, false), UsageError);
}

TEST_F(ImageTest, ReadImageNamesAMissingManifest) {
  const Digest missing = sha256_of("no such manifest");
  try {
    read_image(store_, missing);
    FAIL() << "read a manifest that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.str()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace gantry::exporter
