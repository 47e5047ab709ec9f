// Where streamed bytes go: the stages of packing (tar -> hash -> compress -> store) are chained
// sinks, so every byte is produced once and each stage sees it once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "base/digest.h"
#include "cache/content_store.h"

namespace gantry::exporter {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* data, std::size_t size) = 0;
};

// Hashes what passes through (the diff_id of a layer is the hash of the tar before compression).
class HashingSink final : public ByteSink {
 public:
  explicit HashingSink(ByteSink& next) : next_(next) {}
  void write(const void* data, std::size_t size) override {
    hash_.update(data, size);
    size_ += size;
    next_.write(data, size);
  }
  Digest finish() { return hash_.finish(); }
  std::int64_t size() const { return size_; }

 private:
  ByteSink& next_;
  Sha256 hash_;
  std::int64_t size_ = 0;
};

// Drops the bytes: for a blob whose digest is wanted but not its bytes.
class DiscardSink final : public ByteSink {
 public:
  void write(const void*, std::size_t) override {}
};

class IngestSink final : public ByteSink {
 public:
  explicit IngestSink(cache::ContentStore::Ingest& ingest) : ingest_(ingest) {}
  void write(const void* data, std::size_t size) override { ingest_.write(data, size); }

 private:
  cache::ContentStore::Ingest& ingest_;
};

// Writes to a file descriptor it does not own; `name` is the file, for errors.
class FdSink final : public ByteSink {
 public:
  FdSink(int fd, std::filesystem::path name) : fd_(fd), name_(std::move(name)) {}
  void write(const void* data, std::size_t size) override;

 private:
  int fd_;
  std::filesystem::path name_;
};

}  // namespace gantry::exporter
