// pack_layer / unpack_layer: the same conformance checks for every compression.
#include <fcntl.h>
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/layer.h"
#include "exporter/layer_stream.h"
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
  const cache::UncompressedLayer read = unpack_layer(this->store_.path(blob.digest), blob.diff_id, unpacked);
  EXPECT_EQ(describe_tree(unpacked), describe_tree(source));
  EXPECT_EQ(read.diff_id, blob.diff_id);
  EXPECT_EQ(read.size, hash_layer(source, {.compression = Compression::Uncompressed}).size);
}

// An image config may lie about a layer: the layer is the tar its bytes hold, not the diff_id
// claimed, and unpacking must say so before anyone records it under the claimed one.
TYPED_TEST(LayerTest, ABlobThatIsNotItsClaimedDiffIdIsRefusedAndLeavesNothing) {
  const fs::path real = this->dir("real"), other = this->dir("other");
  make_file(real / "bin/sh", "the real shell", 0755);
  make_file(other / "bin/sh", "a shell of the attacker's", 0755);
  const LayerBlob claimed = this->pack(real);
  const LayerBlob actual = this->pack(other);
  const fs::path dest = this->dir("dest");
  try {
    unpack_layer(this->store_.path(actual.digest), claimed.diff_id, dest);
    FAIL() << "a layer was unpacked as the diff_id its config claims, which it is not";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(actual.digest.hex()), std::string::npos) << message;
    EXPECT_NE(message.find(actual.diff_id.str()), std::string::npos) << message;
    EXPECT_NE(message.find(claimed.diff_id.str()), std::string::npos) << message;
  }
  EXPECT_TRUE(fs::is_empty(dest));
  // Read through without unpacking, the blob says the same.
  LayerStream stream(this->store_.path(actual.digest), "layer");
  const cache::UncompressedLayer read = stream.finish();
  EXPECT_EQ(read.diff_id, actual.diff_id);
  EXPECT_THROW(expect_diff_id(read, claimed.diff_id, "layer"), Error);
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

TYPED_TEST(LayerTest, HashingGivesWhatPackingStores) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob hashed = hash_layer(source, {.compression = this->kCompression});
  EXPECT_TRUE(fs::is_empty(this->tmp_.path() / "store/ingest"));
  EXPECT_FALSE(this->store_.has(hashed.digest));
  const LayerBlob packed = this->pack(source);
  EXPECT_EQ(hashed.digest, packed.digest);
  EXPECT_EQ(hashed.diff_id, packed.diff_id);
  EXPECT_EQ(hashed.size, packed.size);
  EXPECT_EQ(hashed.media_type, packed.media_type);
}

TYPED_TEST(LayerTest, PackingToAnotherDiffIdThanExpectedStoresNothing) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  const LayerBlob hashed = hash_layer(source, {.compression = Compression::Uncompressed});
  const LayerBlob packed = pack_layer(source, this->store_, {.compression = this->kCompression}, hashed.diff_id);
  EXPECT_EQ(packed.diff_id, hashed.diff_id);
  this->store_.remove(packed.digest);

  make_file(source / "late", "written after the hash");
  try {
    pack_layer(source, this->store_, {.compression = this->kCompression}, hashed.diff_id);
    ADD_FAILURE() << "packed a changed layer";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("not to " + hashed.diff_id.str()), std::string::npos) << message;
    EXPECT_NE(message.find(source.string()), std::string::npos) << message;
  }
  EXPECT_TRUE(fs::is_empty(this->tmp_.path() / "store/blobs/sha256"));
  EXPECT_TRUE(fs::is_empty(this->tmp_.path() / "store/ingest"));
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
  const LayerBlob clamped = this->pack(a, epoch);
  unpack_layer(this->store_.path(clamped.digest), clamped.diff_id, unpacked);
  EXPECT_EQ(lstat_mtime(unpacked / "old"), 1'000'000'000);
  EXPECT_EQ(lstat_mtime(unpacked / "app/main"), epoch);
}

// A blob's bytes written into a socket in small pieces, as a download delivers them, by a thread
// of its own; the socket's end is the end of the blob.
class PipedBlob {
 public:
  explicit PipedBlob(std::string bytes) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) throw std::runtime_error("socketpair");
    reader_ = fds[0];
    writer_ = std::thread([bytes = std::move(bytes), fd = fds[1]] {
      for (std::size_t at = 0; at < bytes.size();) {
        const ssize_t n = ::send(fd, bytes.data() + at, std::min<std::size_t>(4096, bytes.size() - at), MSG_NOSIGNAL);
        if (n <= 0) break;  // the reader stopped
        at += static_cast<std::size_t>(n);
      }
      ::close(fd);
    });
  }
  ~PipedBlob() {
    ::close(reader_);  // a writer still blocked fails with EPIPE
    writer_.join();
  }
  int fd() const { return reader_; }

 private:
  int reader_ = -1;
  std::thread writer_;
};

TYPED_TEST(LayerTest, UnpackingFromAStreamGivesWhatUnpackingTheBlobGives) {
  const fs::path source = this->dir("source");
  make_rich_layer(source);
  make_file(source / "big", std::string(300'000, 'b'), 0644);
  const LayerBlob blob = this->pack(source);
  const fs::path from_stream = this->dir("from-stream");
  PipedBlob piped(read_file(this->store_.path(blob.digest)));
  const cache::UncompressedLayer read = unpack_layer_stream(piped.fd(), "layer " + blob.digest.str(), blob.diff_id,
                                                            from_stream);
  EXPECT_EQ(describe_tree(from_stream), describe_tree(source));
  EXPECT_EQ(read.diff_id, blob.diff_id);
  EXPECT_EQ(read.size, hash_layer(source, {.compression = Compression::Uncompressed}).size);
}

TYPED_TEST(LayerTest, AStreamThatEndsEarlyOrIsNotItsDiffIdLeavesNothing) {
  const fs::path source = this->dir("source"), other = this->dir("other");
  make_file(source / "big", std::string(2'000'000, 'z') + "end", 0644);
  make_file(other / "bin/sh", "a shell of the attacker's", 0755);
  const LayerBlob blob = this->pack(source);
  const LayerBlob lying = this->pack(other);
  const std::string bytes = read_file(this->store_.path(blob.digest));
  const fs::path dest = this->dir("dest");
  {
    PipedBlob half(bytes.substr(0, bytes.size() / 2));
    EXPECT_THROW(unpack_layer_stream(half.fd(), "layer half", blob.diff_id, dest), Error);
    EXPECT_TRUE(fs::is_empty(dest));
  }
  PipedBlob other_layer(read_file(this->store_.path(lying.digest)));
  try {
    unpack_layer_stream(other_layer.fd(), "layer " + lying.digest.str(), blob.diff_id, dest);
    FAIL() << "a streamed layer was unpacked as a diff_id it is not";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(blob.diff_id.str()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(lying.digest.str()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dest));
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
    unpack_layer(truncated, blob.diff_id, dest);
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
    unpack_layer(corrupt, blob.diff_id, dest);
    FAIL() << "a corrupt blob was unpacked";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(corrupt.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(dest));
}

// The names in a plain tar, in the order they were written.
std::vector<std::string> tar_names(const fs::path& tar) {
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  std::vector<std::string> names;
  if (archive_read_open_filename(a, tar.c_str(), 1 << 16) == ARCHIVE_OK) {
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a, &entry) == ARCHIVE_OK) names.emplace_back(archive_entry_pathname(entry));
  }
  archive_read_free(a);
  return names;
}

std::string two_digits(int i) { return (i < 10 ? "0" : "") + std::to_string(i); }

// The walk reads entries on several threads, in batches: the tar must still hold every entry
// once, depth first, each directory's children sorted by their tar names, across the batches.
TEST(LayerPacking, ManyEntriesComeOutDepthFirstInTarOrder) {
  TempDir tmp(fs::temp_directory_path(), "gantry-layer-test-");
  cache::ContentStore store(tmp.path() / "store");
  const fs::path layer = tmp.path() / "layer";
  // Made in reverse, so that the directory order on disk is not the sorted order.
  for (const std::string dir : {"c", "b", "a"})
    for (int i = 39; i >= 0; --i) make_file(layer / dir / ("f" + two_digits(i)), std::string(i * 100, 'x'));
  make_file(layer / "b/big", std::string(300'000, 'b'));  // too big to read ahead: streamed
  set_xattr(layer / "b/f05", "user.note", "kept");
  make_whiteout(layer / "a/zz");  // ".wh.zz" in the tar: before "f00"
  make_opaque(layer / "c");
  fs::create_hard_link(layer / "a/f01", layer / "c/link");  // its first name is batches earlier

  const LayerBlob blob = pack_layer(layer, store, {.compression = Compression::Uncompressed});

  std::vector<std::string> expected = {"a/", "a/.wh.zz"};
  for (int i = 0; i < 40; ++i) expected.push_back("a/f" + two_digits(i));
  expected.insert(expected.end(), {"b/", "b/big"});
  for (int i = 0; i < 40; ++i) expected.push_back("b/f" + two_digits(i));
  expected.insert(expected.end(), {"c/", "c/.wh..wh..opq"});
  for (int i = 0; i < 40; ++i) expected.push_back("c/f" + two_digits(i));
  expected.push_back("c/link");
  EXPECT_EQ(tar_names(store.path(blob.digest)), expected);

  const fs::path unpacked = tmp.path() / "unpacked";
  fs::create_directories(unpacked);
  unpack_layer(store.path(blob.digest), blob.diff_id, unpacked);
  EXPECT_EQ(describe_tree(unpacked), describe_tree(layer));
  EXPECT_EQ(fs::hard_link_count(unpacked / "c/link"), 2u);
}

// Where overlayfs runs with userxattr (a rootless gantry) it keeps its own state in
// user.overlay.*: that is no file's xattr, so a layer never carries it.
TEST(LayerPacking, OverlayfsStateInUserXattrsIsNotPacked) {
  TempDir tmp(fs::temp_directory_path(), "gantry-layer-test-");
  cache::ContentStore store(tmp.path() / "store");
  const fs::path layer = tmp.path() / "layer", expected = tmp.path() / "expected";
  for (const fs::path& root : {layer, expected}) {
    make_file(root / "f", "x");
    set_xattr(root / "f", "user.note", "kept");
    set_mtime(root, 1'600'000'000);
  }
  set_xattr(layer / "f", "user.overlay.origin", "overlayfs's");

  const LayerBlob blob = pack_layer(layer, store, {.compression = Compression::Uncompressed});
  const fs::path unpacked = tmp.path() / "unpacked";
  fs::create_directories(unpacked);
  unpack_layer(store.path(blob.digest), blob.diff_id, unpacked);
  set_mtime(unpacked, 1'600'000'000);
  EXPECT_EQ(describe_tree(unpacked), describe_tree(expected));
}

}  // namespace
}  // namespace gantry::exporter
