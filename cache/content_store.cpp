#include "cache/content_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/temp_names.h"

namespace gantry::cache {

namespace fs = std::filesystem;

ContentStore::ContentStore(fs::path root) : root_(std::move(root)) {
  fs::create_directories(root_ / "blobs" / "sha256");
  fs::create_directories(root_ / "ingest");
}

fs::path ContentStore::path(const Digest& digest) const {
  return root_ / "blobs" / "sha256" / digest.hex();
}

bool ContentStore::has(const Digest& digest) const {
  struct stat st;
  return ::stat(path(digest).c_str(), &st) == 0;
}

std::int64_t ContentStore::size(const Digest& digest) const {
  struct stat st;
  if (::stat(path(digest).c_str(), &st) != 0) throw_errno("blob " + digest.str());
  return st.st_size;
}

std::string ContentStore::read(const Digest& digest) const {
  if (!has(digest)) throw Error("blob " + digest.str() + ": not in the content store");
  return read_file(path(digest));
}

void ContentStore::remove(const Digest& digest) const {
  if (::unlink(path(digest).c_str()) != 0 && errno != ENOENT)
    throw_errno("remove blob " + digest.str());
}

void ContentStore::clean_ingest() const {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_ / "ingest", ec)) {
    const std::string name = entry.path().filename().string();
    if (auto pid = owner_of_temp_name(name, "blob-"); pid && !process_alive(*pid)) fs::remove(entry, ec);
    // A blob's lock file that a killed process left: removed as its holder would, if nobody holds it.
    if (name.starts_with("lock-"))
      if (UniqueFd fd(::open(entry.path().c_str(), O_RDWR | O_CLOEXEC)); fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
        struct stat held, now;
        if (::fstat(fd.get(), &held) == 0 && ::stat(entry.path().c_str(), &now) == 0 && held.st_ino == now.st_ino)
          ::unlink(entry.path().c_str());
      }
  }
}

ContentStore::BlobLock ContentStore::lock_blob(const Digest& digest) const {
  const fs::path file = root_ / "ingest" / ("lock-" + digest.hex());
  // The holder removes the file when it is done; a waiter that then gets the lock of the removed
  // file tries again on the file as it is now, so two never hold one blob's lock at once.
  for (;;) {
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (!fd) throw_errno("open lock `" + file.string() + "`");
    while (::flock(fd.get(), LOCK_EX) != 0)
      if (errno != EINTR) throw_errno("lock `" + file.string() + "`");
    struct stat held, now;
    if (::fstat(fd.get(), &held) != 0) throw_errno("stat `" + file.string() + "`");
    if (::stat(file.c_str(), &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev)
      return BlobLock(file, std::move(fd));
  }
}

ContentStore::BlobLock::~BlobLock() {
  if (fd_) ::unlink(file_.c_str());  // before the unlock: a waiter then sees the file is gone
}

ContentStore::Ingest ContentStore::ingest() const {
  std::string tmpl = (root_ / "ingest" / ("blob-" + std::to_string(::getpid()) + "-XXXXXX")).string();
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd) throw_errno("create ingest file in `" + (root_ / "ingest").string() + "`");
  return Ingest(*this, tmpl, std::move(fd));
}

ContentStore::Ingest::Ingest(const ContentStore& store, fs::path temp, UniqueFd fd)
    : store_(&store), temp_(std::move(temp)), fd_(std::move(fd)) {}

ContentStore::Ingest::~Ingest() {
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void ContentStore::Ingest::write(const void* data, std::size_t size) {
  if (digest_) throw Error("write `" + temp_.string() + "`: its digest was taken already");
  hash_.update(data, size);
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write `" + temp_.string() + "`");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
    size_ += n;
  }
  // Start writing each full chunk to disk now, in the background: commit's fsync then waits
  // for the last chunk only, not for a whole 100 MB layer at the end of a build.
  if (size_ - flushed_ >= kWritebackChunk) {
    const std::int64_t chunk = (size_ - flushed_) / kWritebackChunk * kWritebackChunk;
    ::sync_file_range(fd_.get(), flushed_, chunk, SYNC_FILE_RANGE_WRITE);  // advice: errors are fsync's to report
    flushed_ += chunk;
  }
}

const Digest& ContentStore::Ingest::digest() {
  if (!digest_) digest_ = hash_.finish();
  return *digest_;
}

Digest ContentStore::Ingest::commit(const std::optional<Digest>& expected) {
  const Digest digest = this->digest();
  if (expected && *expected != digest)
    throw Error("blob " + expected->str() + ": content does not match its digest (got " +
                digest.str() + ")");
  if (::fchmod(fd_.get(), 0644) != 0) throw_errno("chmod `" + temp_.string() + "`");
  if (::fsync(fd_.get()) != 0) throw_errno("fsync `" + temp_.string() + "`");
  fd_.reset();
  const fs::path dest = store_->path(digest);
  const bool existed = store_->has(digest);
  if (::rename(temp_.c_str(), dest.c_str()) != 0) throw_errno("store blob " + digest.str());
  committed_ = true;
  if (!existed) store_->note_created(digest);
  return digest;
}

void ContentStore::note_created(const Digest& digest) const {
  std::lock_guard lock(created_mutex_);
  created_.push_back(digest);
}

std::size_t ContentStore::blobs_created() const {
  std::lock_guard lock(created_mutex_);
  return created_.size();
}

std::vector<Digest> ContentStore::blobs_created_since(std::size_t count) const {
  std::lock_guard lock(created_mutex_);
  return {created_.begin() + static_cast<std::ptrdiff_t>(std::min(count, created_.size())), created_.end()};
}

Digest ContentStore::put(std::string_view data) const {
  Digest digest = sha256_of(data);
  if (has(digest)) return digest;
  auto in = ingest();
  in.write(data);
  return in.commit(digest);
}

Digest ContentStore::put_file(const fs::path& file, const std::optional<Digest>& expected) const {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open `" + file.string() + "`");
  auto in = ingest();
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read `" + file.string() + "`");
    }
    if (n == 0) break;
    in.write(buf.data(), static_cast<std::size_t>(n));
  }
  return in.commit(expected);
}

}  // namespace gantry::cache
