#include "exporter/tree_walk.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "base/error.h"

namespace gantry::exporter {

namespace {
struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};
}  // namespace

std::vector<std::string> sorted_names(const std::filesystem::path& dir) {
  std::unique_ptr<DIR, DirCloser> handle(::opendir(dir.c_str()));
  if (!handle) throw_errno("open directory `" + dir.string() + "`");
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle.get());
    if (!entry) {
      if (errno != 0) throw_errno("read directory `" + dir.string() + "`");
      break;
    }
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct stat lstat_path(const std::filesystem::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) throw_errno("stat `" + path.string() + "`");
  return st;
}

}  // namespace gantry::exporter
