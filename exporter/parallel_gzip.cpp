// pigz's scheme, which keeps a single valid gzip member while deflating blocks independently:
// block k is deflated with the last 32 KiB of block k-1 as its preset dictionary (so matches
// across the boundary are still found) and ends with a sync flush (so the pieces concatenate
// into one deflate stream); only the last block is finished. The CRC-32 of the whole input is
// combined from the blocks' CRCs. Blocks are compressed a batch at a time on TBB threads while
// the caller fills the next batch.
#include <zlib.h>

#include <algorithm>
#include <future>
#include <string>
#include <vector>

#include <tbb/parallel_for.h>

#include "base/error.h"
#include "exporter/compressor.h"

namespace gantry::exporter {

namespace {

constexpr std::size_t kBlockSize = 128 * 1024;
constexpr std::size_t kWindowSize = 32 * 1024;  // deflate's history window
constexpr std::size_t kBatchBlocks = 32;         // 4 MiB of input per batch

struct Block {
  std::string input;
  std::string dictionary;  // the 32 KiB of input before this block
  bool last = false;
  std::string output;
  uLong crc = 0;
};

class DeflateStream {
 public:
  explicit DeflateStream(int level) {
    // Raw deflate (negative window bits): the gzip header and trailer are ours.
    if (deflateInit2(&z_, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error("gzip: cannot initialise deflate at level " + std::to_string(level));
  }
  DeflateStream(const DeflateStream&) = delete;
  DeflateStream& operator=(const DeflateStream&) = delete;
  ~DeflateStream() { deflateEnd(&z_); }
  z_stream* get() { return &z_; }

 private:
  z_stream z_{};
};

void compress_block(Block& block, int level) {
  DeflateStream stream(level);
  z_stream* z = stream.get();
  if (!block.dictionary.empty())
    deflateSetDictionary(z, reinterpret_cast<const Bytef*>(block.dictionary.data()),
                         static_cast<uInt>(block.dictionary.size()));
  block.output.resize(deflateBound(z, block.input.size()) + 16);
  z->next_in = reinterpret_cast<Bytef*>(block.input.data());
  z->avail_in = static_cast<uInt>(block.input.size());
  z->next_out = reinterpret_cast<Bytef*>(block.output.data());
  z->avail_out = static_cast<uInt>(block.output.size());
  const int flush = block.last ? Z_FINISH : Z_SYNC_FLUSH;
  const int rc = deflate(z, flush);
  if (rc != (block.last ? Z_STREAM_END : Z_OK) || z->avail_in != 0)
    throw Error("gzip: deflate failed (" + std::to_string(rc) + ")");
  block.output.resize(block.output.size() - z->avail_out);
  block.crc = crc32(0L, reinterpret_cast<const Bytef*>(block.input.data()),
                    static_cast<uInt>(block.input.size()));
}

class ParallelGzip final : public Compressor {
 public:
  ParallelGzip(int level, ByteSink& out) : level_(level < 0 ? Z_DEFAULT_COMPRESSION : level), out_(out) {
    if (level_ > 9) throw UsageError("gzip: compression level " + std::to_string(level) + " is not in 0..9");
    // mtime 0, no name, OS "unix": nothing in the header varies between runs.
    const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    out_.write(header, sizeof header);
    crc_ = crc32(0L, nullptr, 0);
    current_.reserve(kBlockSize);
  }
  ~ParallelGzip() override {
    if (in_flight_.valid()) in_flight_.wait();
  }

  void write(const void* data, std::size_t size) override {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      const std::size_t n = std::min(size, kBlockSize - current_.size());
      current_.append(p, n);
      p += n;
      size -= n;
      if (current_.size() == kBlockSize) seal_block(false);
    }
  }

  void finish() override {
    seal_block(true);
    launch_batch();
    collect_in_flight();
    unsigned char trailer[8];
    for (int i = 0; i < 4; ++i) trailer[i] = static_cast<unsigned char>(crc_ >> (8 * i));
    for (int i = 0; i < 4; ++i) trailer[4 + i] = static_cast<unsigned char>(total_in_ >> (8 * i));
    out_.write(trailer, sizeof trailer);
  }

 private:
  void seal_block(bool last) {
    Block block{.input = std::move(current_), .dictionary = window_, .last = last};
    const std::size_t keep = std::min(kWindowSize, block.input.size());
    window_.assign(block.input, block.input.size() - keep, keep);
    batch_.push_back(std::move(block));
    current_ = std::string();
    current_.reserve(kBlockSize);
    if (batch_.size() == kBatchBlocks) launch_batch();
  }

  // Waits for the previous batch, writes its output in order, and starts this one.
  void launch_batch() {
    collect_in_flight();
    if (batch_.empty()) return;
    in_flight_blocks_ = std::move(batch_);
    batch_.clear();
    in_flight_ = std::async(std::launch::async, [this] {
      tbb::parallel_for(std::size_t{0}, in_flight_blocks_.size(),
                        [this](std::size_t i) { compress_block(in_flight_blocks_[i], level_); });
    });
  }

  void collect_in_flight() {
    if (!in_flight_.valid()) return;
    in_flight_.get();
    for (const Block& block : in_flight_blocks_) {
      out_.write(block.output.data(), block.output.size());
      crc_ = crc32_combine(crc_, block.crc, static_cast<z_off_t>(block.input.size()));
      total_in_ += block.input.size();
    }
    in_flight_blocks_.clear();
  }

  int level_;
  ByteSink& out_;
  std::string current_;
  std::string window_;
  std::vector<Block> batch_;
  std::vector<Block> in_flight_blocks_;
  std::future<void> in_flight_;  // declared after the blocks it uses, so it is waited for first
  uLong crc_ = 0;
  std::uint64_t total_in_ = 0;
};

}  // namespace

std::unique_ptr<Compressor> make_parallel_gzip(int level, ByteSink& out) {
  return std::make_unique<ParallelGzip>(level, out);
}

}  // namespace gantry::exporter
