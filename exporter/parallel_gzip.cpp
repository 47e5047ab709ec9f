// pigz's scheme, which keeps a single valid gzip member while deflating blocks independently:
// block k is deflated with the last 32 KiB of block k-1 as its preset dictionary (so matches
// across the boundary are still found) and ends with a sync flush (so the pieces concatenate
// into one deflate stream); only the last block is finished. The CRC-32 of the whole input is
// combined from the blocks' CRCs.
//
// Blocks go to worker threads as soon as they are full and are written in order as they come
// back, with a bounded number in flight: the caller never waits for a whole batch, so the
// workers are never idle while it produces input (a batch barrier cost about a fifth of the
// speed-up on two cores). A layer that fits in one block is deflated on the caller's thread
// and starts no thread at all.
#include <zlib.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/error.h"
#include "exporter/compressor.h"

namespace gantry::exporter {

namespace {

constexpr std::size_t kBlockSize = 128 * 1024;
constexpr std::size_t kWindowSize = 32 * 1024;  // deflate's history window
constexpr std::size_t kBlocksInFlightPerWorker = 4;

struct Block {
  std::string input;
  std::string dictionary;  // the 32 KiB of input before this block
  bool last = false;
  std::string output;
  uLong crc = 0;
  bool done = false;           // guarded by the compressor's mutex
  std::exception_ptr failure;  // set by the worker instead of `output`
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
  ParallelGzip(int level, unsigned threads, ByteSink& out)
      : level_(level < 0 ? Z_DEFAULT_COMPRESSION : level),
        threads_(threads > 0 ? threads : std::max(1u, std::thread::hardware_concurrency())),
        out_(out) {
    if (level_ > 9) throw UsageError("gzip: compression level " + std::to_string(level) + " is not in 0..9");
    // mtime 0, no name, OS "unix": nothing in the header varies between runs.
    const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    out_.write(header, sizeof header);
    crc_ = crc32(0L, nullptr, 0);
    current_.reserve(kBlockSize);
  }
  ParallelGzip(const ParallelGzip&) = delete;
  ParallelGzip& operator=(const ParallelGzip&) = delete;
  ~ParallelGzip() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    work_ready_.notify_all();
    // the jthreads join here, before the blocks they may be working on go away
    workers_.clear();
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
    while (!in_order_.empty()) write_oldest();
    unsigned char trailer[8];
    for (int i = 0; i < 4; ++i) trailer[i] = static_cast<unsigned char>(crc_ >> (8 * i));
    for (int i = 0; i < 4; ++i) trailer[4 + i] = static_cast<unsigned char>(total_in_ >> (8 * i));
    out_.write(trailer, sizeof trailer);
  }

 private:
  void seal_block(bool last) {
    auto block = std::make_shared<Block>(Block{.input = std::move(current_), .dictionary = window_, .last = last});
    const std::size_t keep = std::min(kWindowSize, block->input.size());
    window_.assign(block->input, block->input.size() - keep, keep);
    current_ = std::string();
    current_.reserve(kBlockSize);
    if (last && workers_.empty()) {  // the whole input was one block: no thread is worth starting
      compress_block(*block, level_);
      block->done = true;
      in_order_.push_back(std::move(block));
      return;
    }
    if (workers_.empty())
      for (unsigned i = 0; i < threads_; ++i) workers_.emplace_back([this] { work(); });
    {
      std::lock_guard lock(mutex_);
      waiting_.push_back(block);
    }
    work_ready_.notify_one();
    in_order_.push_back(std::move(block));
    while (in_order_.size() > kBlocksInFlightPerWorker * threads_ || oldest_is_done()) write_oldest();
  }

  bool oldest_is_done() {
    std::lock_guard lock(mutex_);
    return !in_order_.empty() && in_order_.front()->done;
  }

  // Waits for the oldest block in flight and writes it out.
  void write_oldest() {
    std::shared_ptr<Block> block = std::move(in_order_.front());
    in_order_.pop_front();
    {
      std::unique_lock lock(mutex_);
      block_done_.wait(lock, [&] { return block->done; });
    }
    if (block->failure) std::rethrow_exception(block->failure);
    out_.write(block->output.data(), block->output.size());
    crc_ = crc32_combine(crc_, block->crc, static_cast<z_off_t>(block->input.size()));
    total_in_ += block->input.size();
  }

  void work() {
    for (;;) {
      std::shared_ptr<Block> block;
      {
        std::unique_lock lock(mutex_);
        work_ready_.wait(lock, [&] { return stopping_ || !waiting_.empty(); });
        if (stopping_) return;
        block = std::move(waiting_.front());
        waiting_.pop_front();
      }
      try {
        compress_block(*block, level_);
      } catch (...) {
        block->failure = std::current_exception();
      }
      {
        std::lock_guard lock(mutex_);
        block->done = true;
      }
      block_done_.notify_all();
    }
  }

  const int level_;
  const unsigned threads_;
  ByteSink& out_;
  std::string current_;
  std::string window_;
  uLong crc_ = 0;
  std::uint64_t total_in_ = 0;
  std::deque<std::shared_ptr<Block>> in_order_;  // every block not yet written, oldest first

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable block_done_;
  std::deque<std::shared_ptr<Block>> waiting_;  // blocks no worker has taken yet
  bool stopping_ = false;
  std::vector<std::jthread> workers_;  // last: joined (by the destructor) before the rest goes
};

}  // namespace

std::unique_ptr<Compressor> make_parallel_gzip(int level, ByteSink& out, unsigned threads) {
  return std::make_unique<ParallelGzip>(level, threads, out);
}

}  // namespace gantry::exporter
