#include "cache/directory_entries.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <tbb/parallel_for.h>

#include "base/error.h"

namespace gantry::cache {

std::vector<DirectoryEntry> stat_directory(int dir_fd, const std::string& what,
                                           const std::function<bool(const std::string&)>& wanted) {
  std::vector<DirectoryEntry> entries;
  DIR* d = ::fdopendir(::dup(dir_fd));
  if (!d) throw_errno("read directory `" + what + "`");
  while (const dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != ".." && (!wanted || wanted(name))) entries.push_back({std::move(name)});
  }
  ::closedir(d);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  auto stat_entry = [&](std::size_t i) {
    if (::fstatat(dir_fd, entries[i].name.c_str(), &entries[i].st, AT_SYMLINK_NOFOLLOW) != 0) entries[i].error = errno;
  };
  constexpr std::size_t kParallelFrom = 64;  // below, a thread hand-off costs more than it saves
  if (entries.size() >= kParallelFrom) tbb::parallel_for(std::size_t{0}, entries.size(), stat_entry);
  else for (std::size_t i = 0; i < entries.size(); ++i) stat_entry(i);
  return entries;
}

UniqueFd open_directory_at(int dir_fd, const char* name, const std::string& what) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno("open directory `" + what + "`");
  return fd;
}

}  // namespace gantry::cache
