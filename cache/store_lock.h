// The lock on a store: every process that opens the store holds it shared for as long as it has
// the store open, and one that prunes takes it exclusively, so nothing a build has made but not
// yet recorded is removed.
//
// flock(2) alone is not enough: it grants a new shared lock while an exclusive one waits (a
// prune starves under a steady stream of builds), and converting a lock first drops the old one
// (a build whose non-blocking upgrade fails is left unlocked, for a prune to get in). A second
// lock file, the gate (<root>/lock.gate), mends both. Whoever takes the store lock exclusively
// holds the gate exclusively first, and a process takes its shared lock while holding the gate
// shared. So a waiting prune holds back the builds that start after it (they wait at the gate)
// until the running ones end; and while a process holds the gate, no other can hold the store
// lock exclusively, so a shared lock that a failed upgrade dropped is taken again at once.
#pragma once

#include <filesystem>

#include "base/unique_fd.h"

namespace gantry::cache {

class StoreLock {
 public:
  // Shared; waits while a prune waits for the store or runs.
  explicit StoreLock(const std::filesystem::path& root);

  // Waits until every other process has let go of the store. While another process waits to
  // take it exclusively, this one lets go of its shared lock until it is its turn (holding it
  // would deadlock with the other one): take it before the command has made anything.
  void make_exclusive();
  // Exclusive if no other process uses the store and none waits to prune it; never waits and,
  // when it fails, still holds the store shared.
  bool try_make_exclusive();
  // Back to shared from exclusive.
  void make_shared();

 private:
  std::filesystem::path path_;
  UniqueFd lock_, gate_;
};

}  // namespace gantry::cache
