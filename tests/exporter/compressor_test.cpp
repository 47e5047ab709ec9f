// The layer compressors: each stream decompresses to its input with the codec's own library and
// passes its command-line tool's test, and its bytes depend on the input and the level only,
// never on the thread count or on how the input was cut into write() calls.
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "exporter/compressor.h"

namespace gantry::exporter {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kGzipBlock = 128 * 1024;  // parallel_gzip.cpp's block size

class StringSink final : public ByteSink {
 public:
  void write(const void* data, std::size_t size) override { bytes.append(static_cast<const char*>(data), size); }
  std::string bytes;
};

// Runs of text that deflate well between runs of random bytes that do not, so that every block
// of a large input has matches to find across its boundary and stored-looking stretches.
std::string layer_like_bytes(std::size_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> words = {"usr/lib/", "x86_64-linux-gnu ", "gantry ", "layer\n", "0x7f3a ", "{ } "};
  std::string data;
  data.reserve(size + 64);
  while (data.size() < size) {
    const std::size_t run = 1024 + rng() % (96 * 1024);
    if (rng() % 3 != 0) {
      for (const std::size_t end = data.size() + run; data.size() < end;) data += words[rng() % words.size()];
    } else {
      for (std::size_t i = 0; i < run; i += 8) {
        const std::uint64_t r = rng();
        data.append(reinterpret_cast<const char*>(&r), sizeof r);
      }
    }
  }
  data.resize(size);
  return data;
}

std::string gunzip(const std::string& compressed) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);  // gzip wrapper only
  std::string out;
  std::vector<char> buffer(1 << 16);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer.data());
    z.avail_out = static_cast<uInt>(buffer.size());
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - z.avail_out);
  }
  EXPECT_EQ(rc, Z_STREAM_END) << "the gzip stream does not end where a member ends";
  EXPECT_EQ(z.avail_in, 0u) << "bytes after the gzip member";
  inflateEnd(&z);
  return out;
}

std::string unzstd(const std::string& compressed) {
  ZSTD_DStream* d = ZSTD_createDStream();
  std::string out;
  std::vector<char> buffer(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::size_t rc = 1;
  while (in.pos < in.size || rc != 0) {
    ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
    rc = ZSTD_decompressStream(d, &o, &in);
    EXPECT_FALSE(ZSTD_isError(rc)) << ZSTD_getErrorName(rc);
    if (ZSTD_isError(rc) || (o.pos == 0 && in.pos == in.size && rc != 0)) break;
    out.append(buffer.data(), o.pos);
  }
  EXPECT_EQ(rc, 0u) << "the zstd frame is not complete";
  ZSTD_freeDStream(d);
  return out;
}

// `input` through `compressor`, written in pieces of `piece` bytes.
std::string compress(Compressor& compressor, StringSink& sink, const std::string& input, std::size_t piece) {
  for (std::size_t at = 0; at < input.size(); at += piece)
    compressor.write(input.data() + at, std::min(piece, input.size() - at));
  compressor.finish();
  return sink.bytes;
}

std::string gzip(const std::string& input, unsigned threads = 0, std::size_t piece = 1 << 20, int level = -1) {
  StringSink sink;
  auto compressor = make_parallel_gzip(level, sink, threads);
  return compress(*compressor, sink, input, piece);
}

std::string zstd(const std::string& input, unsigned workers = 0, std::size_t piece = 1 << 20) {
  StringSink sink;
  auto compressor = make_zstd(-1, sink, workers);
  return compress(*compressor, sink, input, piece);
}

// The exit status of `tool -t` on `compressed`, written to a file.
int tool_test(const std::string& tool, const std::string& compressed) {
  const TempDir tmp(fs::temp_directory_path(), "gantry-compressor-test-");
  const fs::path file = tmp.path() / "stream";
  write_file_atomic(file, compressed);
  return std::system((tool + " -t -q " + file.string()).c_str());
}

TEST(ParallelGzipTest, RoundTripsThroughZlibAndGzip) {
  const std::string input = layer_like_bytes(3 * kGzipBlock + 12345, 1);
  const std::string compressed = gzip(input);
  EXPECT_EQ(gunzip(compressed), input);
  EXPECT_LT(compressed.size(), input.size());
  EXPECT_EQ(tool_test("gzip", compressed), 0);
}

TEST(ParallelGzipTest, EmptyInputIsAnEmptyMember) {
  const std::string compressed = gzip("");
  EXPECT_EQ(gunzip(compressed), "");
  EXPECT_EQ(tool_test("gzip", compressed), 0);
  EXPECT_EQ(compressed, gzip("", 3));
}

TEST(ParallelGzipTest, ExactlyOneBlockAndOneByteMore) {
  for (const std::size_t size : {kGzipBlock - 1, kGzipBlock, kGzipBlock + 1, 2 * kGzipBlock}) {
    SCOPED_TRACE(size);
    const std::string input = layer_like_bytes(size, size);
    const std::string compressed = gzip(input);
    EXPECT_EQ(gunzip(compressed), input);
    EXPECT_EQ(tool_test("gzip", compressed), 0);
    EXPECT_EQ(compressed, gzip(input, 1, 4096));
  }
}

TEST(ParallelGzipTest, LargeInputIsTheSameForAnyThreadCountAndWriteSize) {
  const std::string input = layer_like_bytes(24 << 20, 2);
  const std::string reference = gzip(input, 1, 1 << 20);
  EXPECT_EQ(gunzip(reference), input);
  EXPECT_EQ(tool_test("gzip", reference), 0);
  EXPECT_EQ(gzip(input, 2, 1 << 20), reference);
  EXPECT_EQ(gzip(input, 5, 7919), reference);  // a prime: writes straddle every block boundary
  EXPECT_EQ(gzip(input, 0, 3 << 20), reference);
}

TEST(ParallelGzipTest, EveryLevelRoundTripsAndAnUnknownOneIsRefused) {
  const std::string input = layer_like_bytes(2 * kGzipBlock + 99, 3);
  for (const int level : {0, 1, 9}) {
    SCOPED_TRACE(level);
    EXPECT_EQ(gunzip(gzip(input, 2, 1 << 20, level)), input);
  }
  StringSink sink;
  EXPECT_THROW(make_parallel_gzip(10, sink), UsageError);
}

TEST(ZstdTest, RoundTripsThroughLibzstdAndZstd) {
  const std::string input = layer_like_bytes(3 << 20, 4);
  const std::string compressed = zstd(input);
  EXPECT_EQ(unzstd(compressed), input);
  EXPECT_LT(compressed.size(), input.size());
  EXPECT_EQ(tool_test("zstd", compressed), 0);
}

TEST(ZstdTest, EmptyInputIsAnEmptyFrame) {
  const std::string compressed = zstd("");
  EXPECT_EQ(unzstd(compressed), "");
  EXPECT_EQ(tool_test("zstd", compressed), 0);
  EXPECT_EQ(compressed, zstd("", 3));
}

// Larger than several of libzstd's jobs at the default level, so that the workers really split it.
TEST(ZstdTest, LargeInputIsTheSameForAnyWorkerCountAndWriteSize) {
  const std::string input = layer_like_bytes(40 << 20, 5);
  const std::string reference = zstd(input, 1, 1 << 20);
  EXPECT_EQ(unzstd(reference), input);
  EXPECT_EQ(tool_test("zstd", reference), 0);
  EXPECT_EQ(zstd(input, 2, 1 << 20), reference);
  EXPECT_EQ(zstd(input, 5, 7919), reference);
  EXPECT_EQ(zstd(input, 0, 3 << 20), reference);
}

}  // namespace
}  // namespace gantry::exporter
