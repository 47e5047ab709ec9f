#include "executor/path_in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"

namespace gantry::executor {

UniqueFd try_open_in_root(int root_fd, std::string_view path, int flags, unsigned mode) {
  std::string relative = clean_relative(path);
  if (relative.empty()) relative = ".";
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return UniqueFd(static_cast<int>(::syscall(SYS_openat2, root_fd, relative.c_str(), &how,
                                             sizeof how)));
}

UniqueFd open_in_root(int root_fd, std::string_view path, int flags, unsigned mode) {
  UniqueFd fd = try_open_in_root(root_fd, path, flags, mode);
  if (!fd) throw_errno("open `" + std::string(path) + "` in the container");
  return fd;
}

std::string clean_relative(std::string_view path) {
  // Lexical folding is safe here: every lookup is also confined by RESOLVE_IN_ROOT.
  std::filesystem::path normal = (std::filesystem::path("/") / path).lexically_normal();
  std::string text = normal.relative_path().string();
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

MountPointMaker::MountPointMaker(int root_fd, int upper_fd)
    : root_fd_(root_fd), upper_fd_(upper_fd) {
  struct stat st;
  if (::fstat(root_fd, &st) != 0) throw_errno("stat the container root");
  root_dev_ = st.st_dev;
}

UniqueFd MountPointMaker::ensure(std::string_view path, bool file) {
  return make(path, file, /*record=*/true);
}

UniqueFd MountPointMaker::ensure_kept_dir(std::string_view path) {
  return make(path, /*file=*/false, /*record=*/false);
}

UniqueFd MountPointMaker::make(std::string_view path, bool file, bool record) {
  const std::string relative = clean_relative(path);
  UniqueFd existing = try_open_in_root(root_fd_, relative, O_PATH);
  if (existing || errno != ENOENT) {
    if (!existing) throw_errno("open `/" + relative + "` in the container");
    return existing;
  }
  bool first_creation = true;
  // Walk down from the root; each prefix is resolved from the root again so that a symlink
  // met on the way is confined to the root too.
  UniqueFd parent = open_in_root(root_fd_, "", O_PATH | O_DIRECTORY);
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = relative.find('/', start);
    const bool last = slash == std::string::npos;
    const std::string prefix = relative.substr(0, last ? relative.size() : slash);
    const std::string name = prefix.substr(start);
    UniqueFd here = try_open_in_root(root_fd_, prefix, O_PATH);
    if (!here) {
      if (errno != ENOENT) throw_errno("open `/" + prefix + "` in the container");
      if (record && first_creation) note_copy_ups(relative.substr(0, start == 0 ? 0 : start - 1));
      first_creation = false;
      if (last && file) {
        UniqueFd created(::openat(parent.get(), name.c_str(),
                                  O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!created) throw_errno("create mount point `/" + prefix + "`");
      } else if (::mkdirat(parent.get(), name.c_str(), 0755) != 0) {
        throw_errno("create directory `/" + prefix + "`");
      }
      here = open_in_root(root_fd_, prefix, O_PATH);
      struct stat st;
      // A mount point made inside another mount (a cache dir, a tmpfs) is not in the layer.
      if (record && ::fstat(here.get(), &st) == 0 && st.st_dev == root_dev_) {
        added_.push_back({.path = prefix});
      }
    }
    if (last) return here;
    parent = std::move(here);
    start = slash + 1;
  }
}

}  // namespace gantry::executor

namespace gantry::executor {

void MountPointMaker::note_copy_ups(const std::string& existing_parent) {
  // Creating an entry copies its parent and all the parent's ancestors into the upper dir.
  std::size_t end = 0;
  while (end < existing_parent.size()) {
    end = existing_parent.find('/', end + 1);
    if (end == std::string::npos) end = existing_parent.size();
    const std::string dir = existing_parent.substr(0, end);
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
    UniqueFd in_upper(static_cast<int>(
        ::syscall(SYS_openat2, upper_fd_, dir.c_str(), &how, sizeof how)));
    if (in_upper || errno != ENOENT) continue;
    struct stat st;
    UniqueFd merged = try_open_in_root(root_fd_, dir, O_PATH);
    if (!merged || ::fstat(merged.get(), &st) != 0) continue;
    added_.push_back(
        {.path = dir, .copied_up = true, .mode = st.st_mode, .uid = st.st_uid, .gid = st.st_gid});
  }
}

}  // namespace gantry::executor
