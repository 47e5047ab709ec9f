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

CacheMountLease::CacheMountLease(const fs::path& mounts_dir, const fs::path& locks_dir, const std::string& key,
                                 llb::CacheSharing sharing, const Fill& fill, const std::atomic<bool>& cancel)
    : mounts_dir_(mounts_dir), locks_dir_(locks_dir), name_(sha256_of(key).short_hex()) {
  std::error_code ec;
  fs::create_directories(mounts_dir_, ec);
  if (ec) throw Error("create `" + mounts_dir_.string() + "`: " + ec.message());
  for (;;) {
    for (int index = 0;; ++index) {
      // Locked waits for the directories there are rather than making another one.
      if (index > 0 && sharing == llb::CacheSharing::Locked && !fs::exists(directory(index))) break;
      if (try_hold(index, sharing, fill)) return;
    }
    if (cancel.load()) throw Cancelled();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

fs::path CacheMountLease::directory(int index) const {
  return mounts_dir_ / (index == 0 ? name_ : name_ + "-" + std::to_string(index));
}

bool CacheMountLease::try_hold(int index, llb::CacheSharing sharing, const Fill& fill) {
  const fs::path lock_file = locks_dir_ / ("cache-mount-" + directory(index).filename().string());
  UniqueFd fd(::open(lock_file.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw_errno("open lock `" + lock_file.string() + "`");
  const int how = sharing == llb::CacheSharing::Shared ? LOCK_SH : LOCK_EX;
  while (::flock(fd.get(), how | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return false;
    if (errno != EINTR) throw_errno("lock `" + lock_file.string() + "`");
  }
  const fs::path dir = directory(index);
  if (!fs::exists(dir)) {
    TempDir made(mounts_dir_, ".new-");
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
