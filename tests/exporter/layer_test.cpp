// pack_layer / unpack_layer: the same conformance checks for every compression.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/layer.h"
#include "exporter/media_types.h"
#include "tests/exporter/tree_fixture.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;
using namespace testing;

template <Compression C>
struct CompressionIs {
  static constexpr Compression value = C;
};

template <typename T>
class LayerTest : public ::testing::Test {
 protected:
  static constexpr Compression kCompression = T::value;
  LayerTest() : tmp_(fs::temp_directory_path(), "gantry-layer-test-"), store_(tmp_.path() / "store") {}

  fs::path dir(const std::string& name) {
    fs::create_directories(tmp_.path() / name);
    return tmp_.path() / name;
  }
  LayerBlob pack(const fs::path& layer, std::optional<std::int64_t> clamp = std::nullopt) {
    return pack_layer(layer, store_, {.compression = kCompression, .clamp_mtime = clamp});
  }

  TempDir tmp_;
  cache::ContentStore store_;
};

using Compressions = ::testing::Types<CompressionIs<Compression::Gzip>, CompressionIs<Compression::Zstd>,
                                      CompressionIs<Compression::Uncompressed>>;
class CompressionName {
 public:
  template <typename T>
  static std::string GetName(int) {
    switch (T::value) {
      case Compression::Gzip: return "Gzip";
      case Compression::Zstd: return "Zstd";
      case Compression::Uncompressed: return "Uncompressed";
    }
    return "";
  }
};
TYPED_TEST_SUITE(LayerTest, Compressions, CompressionName);

TYPED_TEST(LayerTest, RoundTripKeepsEveryKindOfEntry) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob blob = this->pack(source);
  EXPECT_EQ(blob.media_type, media_types::layer_type(this->kCompression, true));
  EXPECT_EQ(blob.size, this->store_.size(blob.digest));
  EXPECT_EQ(blob.digest, sha256_of_file(this->store_.path(blob.digest)));

  const fs::path unpacked = this->dir("unpacked");
  unpack_layer(this->store_.path(blob.digest), unpacked);
  EXPECT_EQ(describe_tree(unpacked), describe_tree(source));
}

TYPED_TEST(LayerTest, DiffIdIsTheHashOfTheUncompressedTar) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob compressed = this->pack(source);
  const LayerBlob plain = pack_layer(source, this->store_, {.compression = Compression::Uncompressed});
  EXPECT_EQ(compressed.diff_id, plain.diff_id);
  EXPECT_EQ(plain.digest, plain.diff_id);
  if (this->kCompression != Compression::Uncompressed) {
    EXPECT_NE(compressed.digest, compressed.diff_id);
    EXPECT_LT(compressed.size, plain.size);
  }
}

TYPED_TEST(LayerTest, PackingTwiceGivesTheSameDigests) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob first = this->pack(source);
  const LayerBlob second = this->pack(source);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.diff_id, second.diff_id);
}

TYPED_TEST(LayerTest, ClampMakesDigestsIndependentOfLaterMtimes) {
  const fs::path a = this->dir("a");
  const fs::path b = this->dir("b");
  make_file(a / "app/main", "binary", 0755, 0, 0, 1'700'000'000);
  make_file(b / "app/main", "binary", 0755, 0, 0, 1'800'000'000);
  set_mtime(a / "app", 1'700'000'500);
  set_mtime(b / "app", 1'900'000'000);
  const std::int64_t epoch = 1'600'000'000;
  EXPECT_NE(this->pack(a).digest, this->pack(b).digest);
  const LayerBlob clamped_a = this->pack(a, epoch);
  EXPECT_EQ(clamped_a.digest, this->pack(b, epoch).digest);

  // Earlier mtimes are kept; later ones become the epoch.
  make_file(a / "old", "old", 0644, 0, 0, 1'000'000'000);
  const fs::path unpacked = this->dir("unpacked");
  unpack_layer(this->store_.path(this->pack(a, epoch).digest), unpacked);
  EXPECT_EQ(lstat_mtime(unpacked / "old"), 1'000'000'000);
  EXPECT_EQ(lstat_mtime(unpacked / "app/main"), epoch);
}

TYPED_TEST(LayerTest, TruncatedBlobIsRejectedAndLeavesNothing) {
  const fs::path source = this->dir("source");
  make_file(source / "big", std::string(2'000'000, 'z') + "end", 0644);
  make_file(source / "random", sha256_of("seed").hex(), 0644);
  const LayerBlob blob = this->pack(source);
  const std::string bytes = read_file(this->store_.path(blob.digest));
  const fs::path truncated = this->tmp_.path() / "truncated";
  write_file_atomic(truncated, bytes.substr(0, bytes.size() / 2));
  const fs::path dest = this->dir("dest");
  try {
    unpack_layer(truncated, dest);
    FAIL() << "a truncated blob was unpacked";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(truncated.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dest));
}

TYPED_TEST(LayerTest, CorruptBlobIsRejectedAndLeavesNothing) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob blob = this->pack(source);
  std::string bytes = read_file(this->store_.path(blob.digest));
  // Flip bytes in the middle of the first header (plain tar) or the compressed stream.
  for (std::size_t i = 100; i < 140; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  const fs::path corrupt = this->tmp_.path() / "corrupt";
  write_file_atomic(corrupt, bytes);
  const fs::path dest = this->dir("dest");
  try {
    unpack_layer(corrupt, dest);
    FAIL() << "a corrupt blob was unpacked";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(corrupt.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dest));
}

}  // namespace
}  // namespace gantry::exporter
