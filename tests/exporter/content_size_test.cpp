// The content size rule (exporter/content_size.h): what docker counts for a layer, measured on an
// unpacked snapshot and on the tar packed from it, which must agree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/content_store.h"
#include "exporter/content_size.h"
#include "exporter/layer.h"
#include "tests/exporter/tree_fixture.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;
using namespace testing;

class ContentSizeTest : public ::testing::Test {
 protected:
  ContentSizeTest() : tmp_(fs::temp_directory_path(), "gantry-content-size-test-"), store_(tmp_.path() / "store") {
    fs::create_directories(layer());
  }
  fs::path layer() const { return tmp_.path() / "layer"; }
  std::int64_t packed_size(Compression compression) {
    const LayerBlob blob = pack_layer(layer(), store_, {.compression = compression});
    return tar_content_size(store_.path(blob.digest), "layer");
  }

  TempDir tmp_;
  cache::ContentStore store_;
};

TEST_F(ContentSizeTest, DirectoriesAndEmptyFilesCountNothing) {
  make_dir(layer() / "app");
  make_dir(layer() / "app" / "deep");
  make_file(layer() / "app" / "empty", "");
  EXPECT_EQ(directory_content_size(layer()), 0);
  EXPECT_EQ(packed_size(Compression::Uncompressed), 0);
}

TEST_F(ContentSizeTest, FilesCountTheirBytesSymlinksTheirTargetAndHardLinksOnce) {
  make_file(layer() / "f", "hi\n");                        // 3
  make_dir(layer() / "etc");
  make_file(layer() / "etc" / "data", std::string(21, 'x'));  // 21
  ASSERT_EQ(::link((layer() / "etc" / "data").c_str(), (layer() / "etc" / "again").c_str()), 0);
  make_symlink(layer() / "etc" / "link", "../f");           // 4
  make_whiteout(layer() / "gone");                          // 0
  make_node(layer() / "fifo", S_IFIFO | 0644, 0);           // 0
  EXPECT_EQ(directory_content_size(layer()), 28);
  EXPECT_EQ(packed_size(Compression::Uncompressed), 28);
  EXPECT_EQ(packed_size(Compression::Gzip), 28);
}

TEST_F(ContentSizeTest, AnUnreadableBlobIsAnErrorNamingIt) {
  const fs::path junk = tmp_.path() / "junk";
  make_file(junk, "not a tar");
  EXPECT_THROW(
      {
        try {
          tar_content_size(junk, "layer sha256:junk");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("layer sha256:junk"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
}

}  // namespace
}  // namespace gantry::exporter
