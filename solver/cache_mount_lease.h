// The directories of RUN --mount=type=cache in the store, and who may use one while a step runs.
//
// A cache is known by a key (its id, and what it is seeded from). It has one directory, and more
// when sharing=private finds them all in use: <mounts>/<hash of key>, then <hash>-1, <hash>-2
// and so on. A lease holds a flock() on the lock file of the directory it chose, in the store's
// locks dir, for as long as the lease lives: a shared lock for sharing=shared, an exclusive one
// for private and locked. flock() locks belong to the open file, so the threads of one build
// exclude each other as concurrent builds on the same store do, and a killed build lets go.
//
//   shared  (the default) uses the first directory not held exclusively, with any number of
//           other shared users at once; a new one when every directory is held exclusively.
//   private uses the first directory nobody holds, or a new one.
//   locked  waits until the cache's first directory is free (made when missing), never taking
//           another one that a private user left.
//
// A new directory is made in a staging dir (on the same filesystem), filled (seeded, its mode
// and owner set) by the caller's `fill` and then renamed into place, so that nobody ever sees it
// half-filled, and a crash leaves it where the store's leftovers are cleared: seeding happens
// when the directory is made, never again.
//
//   CacheMountLease lease({mounts, locks, staging}, key, llb::CacheSharing::Locked, fill, cancel);
//   ... bind lease.dir() into the container and run the step ...
//   // the lease's destructor lets the next step in
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "base/unique_fd.h"
#include "llb/llb.h"

namespace gantry::solver {

struct CacheMountDirs {
  std::filesystem::path mounts;   // the caches' directories
  std::filesystem::path locks;    // their lock files
  std::filesystem::path staging;  // where new ones are filled
};

class CacheMountLease {
 public:
  // Fills `dir`, a new empty directory, before it becomes one of the cache's directories.
  using Fill = std::function<void(const std::filesystem::path& dir)>;

  // Throws Cancelled when `cancel` turns true while waiting (sharing=locked), and Error naming
  // the lock file or directory that cannot be made or locked; what `fill` throws goes through,
  // and the half-filled directory is removed.
  CacheMountLease(CacheMountDirs dirs, const std::string& key, llb::CacheSharing sharing,
                  const Fill& fill, const std::atomic<bool>& cancel);

  const std::filesystem::path& dir() const { return dir_; }

 private:
  // Tries to hold directory `index` of the cache, making it when missing; false when it is held.
  bool try_hold(int index, llb::CacheSharing sharing, const Fill& fill);
  std::filesystem::path directory(int index) const;

  CacheMountDirs dirs_;
  std::string name_;  // the hash of the key that names the cache's directories
  UniqueFd lock_;     // closing it lets go of the directory
  std::filesystem::path dir_;
};

}  // namespace gantry::solver
