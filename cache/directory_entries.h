// The entries of one directory with their lstat, for the walks that visit every file of a big
// tree (context checksums, snapshot sizes, COPY, layer packing): stat'ed relative to the
// directory's fd, never by full path, and a big directory's on every core.
#pragma once

#include <sys/stat.h>

#include <functional>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace gantry::cache {

struct DirectoryEntry {
  std::string name;
  struct stat st {};
  int error = 0;  // the errno of a failed lstat (st is then meaningless)
};

// The entries of the directory `dir_fd` other than . and .. for which `wanted(name)` holds,
// sorted by name. Throws Error naming `what` when the directory cannot be read.
std::vector<DirectoryEntry> stat_directory(int dir_fd, const std::string& what,
                                           const std::function<bool(const std::string&)>& wanted = {});

// Opens the directory `name` in `dir_fd` for reading, not following a symlink. Throws Error
// naming `what` when it cannot.
UniqueFd open_directory_at(int dir_fd, const char* name, const std::string& what);

}  // namespace gantry::cache
