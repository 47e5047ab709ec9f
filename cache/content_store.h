// Blobs by digest: <root>/blobs/sha256/<hex>, the same layout as an OCI image layout, so a
// blob can be linked or copied into an export as it is.
//
// Writes are atomic: an Ingest streams into <root>/ingest/<random>, and commit() fsyncs it,
// checks the digest (against the expected one, when given) and renames it into place. A blob
// that is visible is therefore always whole and correct; temp files left by a crash are removed
// by clean_ingest() at the next start, with the lock files of the blobs they were getting. The
// object remembers which blobs it made, so that a command that fails can take back what it wrote.
//
// Writers of a blob that takes long to get (a layer from a registry) hold its BlobLock while
// they fetch it: another process (or thread) pulling the same blob waits, then finds it in
// the store and fetches nothing.
//
//   auto lock = content.lock_blob(digest);
//   if (!content.has(digest)) { auto in = content.ingest(); ...; in.commit(digest); }
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/digest.h"
#include "base/unique_fd.h"

namespace gantry::cache {

class ContentStore {
 public:
  explicit ContentStore(std::filesystem::path root);

  class Ingest {
   public:
    Ingest(Ingest&&) noexcept = default;
    Ingest& operator=(Ingest&&) noexcept = default;
    ~Ingest();

    void write(const void* data, std::size_t size);
    void write(std::string_view data) { write(data.data(), data.size()); }
    std::int64_t size() const { return size_; }
    // The digest of what was written; nothing more may be written after.
    const Digest& digest();
    // Makes the blob visible under its digest; throws Error if `expected` is given and differs.
    Digest commit(const std::optional<Digest>& expected = std::nullopt);

   private:
    friend class ContentStore;
    Ingest(const ContentStore& store, std::filesystem::path temp, UniqueFd fd);
    const ContentStore* store_;
    std::filesystem::path temp_;
    UniqueFd fd_;
    static constexpr std::int64_t kWritebackChunk = 8 << 20;
    Sha256 hash_;
    std::optional<Digest> digest_;  // once taken
    std::int64_t size_ = 0;
    std::int64_t flushed_ = 0;  // bytes handed to the disk's writeback so far
    bool committed_ = false;
  };

  // An exclusive lock on ingest/lock-<hex>, released (and its file removed) when the object
  // goes away or its process dies.
  class BlobLock {
   public:
    BlobLock(BlobLock&&) noexcept = default;
    BlobLock& operator=(BlobLock&&) noexcept = default;
    ~BlobLock();

   private:
    friend class ContentStore;
    BlobLock(std::filesystem::path file, UniqueFd fd) : file_(std::move(file)), fd_(std::move(fd)) {}
    std::filesystem::path file_;
    UniqueFd fd_;
  };
  // Waits for the lock of `digest`.
  BlobLock lock_blob(const Digest& digest) const;

  Ingest ingest() const;
  Digest put(std::string_view data) const;
  // Copies a file in (hashing it on the way).
  Digest put_file(const std::filesystem::path& file,
                  const std::optional<Digest>& expected = std::nullopt) const;

  bool has(const Digest& digest) const;
  std::filesystem::path path(const Digest& digest) const;
  std::int64_t size(const Digest& digest) const;  // throws Error when absent
  std::string read(const Digest& digest) const;   // throws Error naming the digest when absent
  void remove(const Digest& digest) const;

  void clean_ingest() const;
  const std::filesystem::path& root() const { return root_; }

  // How many blobs this object has made so far (not counting those that were there already),
  // and which it made after an earlier count: what a command that fails wrote, to be removed
  // again (garbage_collector.h remove_written_blobs).
  std::size_t blobs_created() const;
  std::vector<Digest> blobs_created_since(std::size_t count) const;

 private:
  void note_created(const Digest& digest) const;

  std::filesystem::path root_;
  // Ingests commit on several threads (parallel downloads, layer packing).
  mutable std::mutex created_mutex_;
  mutable std::vector<Digest> created_;
};

}  // namespace gantry::cache
