#include "cache/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include "base/error.h"

namespace gantry::cache {

namespace fs = std::filesystem;

namespace {

UniqueFd open_lock_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw_errno("open `" + path.string() + "`");
  return fd;
}

void lock(int fd, int operation, const fs::path& path) {
  if (::flock(fd, operation) != 0) throw_errno("lock `" + path.string() + "`");
}

}  // namespace

StoreLock::StoreLock(const fs::path& root)
    : path_(root / "lock"), lock_(open_lock_file(path_)), gate_(open_lock_file(root / "lock.gate")) {
  lock(gate_.get(), LOCK_SH, root / "lock.gate");
  lock(lock_.get(), LOCK_SH, path_);
  ::flock(gate_.get(), LOCK_UN);
}

void StoreLock::make_exclusive() {
  if (::flock(gate_.get(), LOCK_EX | LOCK_NB) != 0) {
    // Another process waits for the store with the gate held: let it have its turn.
    ::flock(lock_.get(), LOCK_UN);
    lock(gate_.get(), LOCK_EX, path_.string() + ".gate");
  }
  lock(lock_.get(), LOCK_EX, path_);
}

bool StoreLock::try_make_exclusive() {
  if (::flock(gate_.get(), LOCK_EX | LOCK_NB) != 0) return false;  // a prune is waiting
  const bool exclusive = ::flock(lock_.get(), LOCK_EX | LOCK_NB) == 0;
  // The failed conversion dropped the shared lock; with the gate held nobody can have taken the
  // store exclusively meanwhile, so this does not wait.
  if (!exclusive) lock(lock_.get(), LOCK_SH, path_);
  if (!exclusive) ::flock(gate_.get(), LOCK_UN);
  return exclusive;
}

void StoreLock::make_shared() {
  lock(lock_.get(), LOCK_SH, path_);
  ::flock(gate_.get(), LOCK_UN);
}

}  // namespace gantry::cache
