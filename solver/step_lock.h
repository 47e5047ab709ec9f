// A lock per cache key, shared by every process on a state root: a step that another build is
// running (a concurrent `gantry build`, a bake target beside this one) is waited for, and its
// result taken from the cache, instead of being run twice.
//
// Locks live in the store's locks dir, one file per 16 bits of the key (at most 65,536 empty files):
// two different steps share a lock only once in 65,536 pairs. flock() locks belong to the open
// file, so threads of one process exclude each other too, and a killed process lets go.
#pragma once

#include <atomic>
#include <filesystem>
#include <utility>

#include <tbb/task_arena.h>

#include "base/digest.h"
#include "base/unique_fd.h"

namespace gantry::solver {

class StepLock {
 public:
  // Waits until the lock for `key` is ours, or throws Cancelled once `cancel` turns true.
  // Throws Error naming the lock file when it cannot be created or locked.
  StepLock(const std::filesystem::path& locks_dir, const Digest& key, const std::atomic<bool>& cancel);

 private:
  UniqueFd fd_;  // closing it releases the lock
};

// Runs `work` holding the lock for `key`, isolated from the TBB tasks outside it. A thread that
// waits inside `work` for tasks of its own (a COPY copies on every core) may otherwise pick up
// another step meanwhile; when that step hashes to the same lock it waits on this very thread,
// below it on the stack, forever.
template <typename Work>
auto with_step_lock(const std::filesystem::path& locks_dir, const Digest& key,
                    const std::atomic<bool>& cancel, Work&& work) {
  const StepLock lock(locks_dir, key, cancel);
  return tbb::this_task_arena::isolate(std::forward<Work>(work));
}

}  // namespace gantry::solver
