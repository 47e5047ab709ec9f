// A directory filled beside a destination outside the store and renamed into place at the end
// (an export to a directory, -o type=local), so that a reader sees the whole result or nothing.
//
// It is named "<dest's dir>/.<dest's name>.tmp-<pid>-XXXXXX" and recorded in the store's tmp/ as
// a link "<pid>-beside-XXXXXX" to it. If the process dies before the rename, the next gantry that
// opens the store removes both with the rest of the dead process's tmp/, and until then `gantry
// du` counts the directory with the store's temporary files.
//
//   cache::StagingBeside staging(store.root() / "tmp", dest);  // throws if dest is not empty
//   fill(staging.path());
//   staging.commit();                                          // rename(staging, dest)
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>

namespace gantry::cache {

class StagingBeside {
 public:
  // Throws Error naming `dest` when it exists and is not an empty directory, or when the
  // directory or its record cannot be made.
  StagingBeside(const std::filesystem::path& store_tmp, const std::filesystem::path& dest);
  StagingBeside(const StagingBeside&) = delete;
  StagingBeside& operator=(const StagingBeside&) = delete;
  ~StagingBeside();  // removes the directory and its record unless committed

  const std::filesystem::path& path() const { return dir_; }
  // Renames the directory to the destination, then drops the record.
  void commit();

 private:
  std::filesystem::path dest_, dir_, record_;
};

// The directory `record` (an entry of the store's tmp/ owned by process `pid`) names, when it is
// a StagingBeside record of that process; nothing for any other entry.
std::optional<std::filesystem::path> staged_beside(const std::filesystem::path& record, pid_t pid);

}  // namespace gantry::cache
