#include "solver/cache_mount_lease.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_util.h"
#include "solver/solver.h"

namespace gantry::solver {

namespace fs = std::filesystem;

CacheMountLease::CacheMountLease(CacheMountDirs dirs, const std::string& key,
                                 llb::CacheSharing sharing, const Fill& fill,
                                 const std::atomic<bool>& cancel)
    : dirs_(std::move(dirs)), name_(sha256_of(key).short_hex()) {
  std::error_code ec;
  fs::create_directories(dirs_.mounts, ec);
  if (ec) throw Error("create `" + dirs_.mounts.string() + "`: " + ec.message());
  for (;;) {
    for (int index = 0;; ++index) {
      if (try_hold(index, sharing, fill)) return;
      // Locked waits for the first directory, the one its other users write, never one that
      // a private user left (whose content it would not see next time).
      if (sharing == llb::CacheSharing::Locked) break;
    }
    if (cancel.load()) throw Cancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

fs::path CacheMountLease::directory(int index) const {
  return dirs_.mounts / (index == 0 ? name_ : name_ + "-" + std::to_string(index));
}

bool CacheMountLease::try_hold(int index, llb::CacheSharing sharing, const Fill& fill) {
  const fs::path lock_file = dirs_.locks / ("cache-mount-" + directory(index).filename().string());
  UniqueFd fd(::open(lock_file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw_errno("open lock `" + lock_file.string() + "`");
  const int how = sharing == llb::CacheSharing::Shared ? LOCK_SH : LOCK_EX;
  while (::flock(fd.get(), how | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw_errno("lock `" + lock_file.string() + "`");
  }
  const fs::path dir = directory(index);
  if (!fs::exists(dir)) {
    TempDir made(dirs_.staging, "cache-mount-");
    fill(made.path());
    // Another shared user may have made it meanwhile: theirs is kept, and ours goes.
    if (::renameat2(AT_FDCWD, made.path().c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) == 0)
      made.release();
    else if (errno != EEXIST)
      throw_errno("rename `" + made.path().string() + "` to `" + dir.string() + "`");
  }
  lock_ = std::move(fd);
  dir_ = dir;
  return true;
}

}  // namespace gantry::solver
