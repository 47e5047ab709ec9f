#include "executor/mount_point_maker.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "executor/path_in_root.h"
#include "executor/setup_report.h"

namespace gantry::executor {

SetupFailure MountPointMaker::ensure(std::string_view path, bool file, UniqueFd& out) {
  return make(path, file, /*report=*/true, out);
}

SetupFailure MountPointMaker::ensure_kept_dir(std::string_view path, UniqueFd& out) {
  return make(path, /*file=*/false, /*report=*/false, out);
}

SetupFailure MountPointMaker::make(std::string_view path, bool file, bool report, UniqueFd& out) {
  if (path.size() + 1 >= sizeof path_) return SetupFailure{"make a mount point", "", ENAMETOOLONG};
  path_[0] = '/';
  std::memcpy(path_ + 1, path.data(), path.size());
  path_[1 + path.size()] = '\0';
  char* const relative = path_ + 1;
  out = open_clean_in_root(root_fd_, relative, O_PATH);
  if (out) return {};
  if (errno != ENOENT) return failed("open in the container", path_);

  // Walk down from the root; each prefix is resolved from the root again, so that a symlink
  // met on the way is confined to the root too.
  UniqueFd parent = open_clean_in_root(root_fd_, "", O_PATH | O_DIRECTORY);
  if (!parent) return failed("open the container root");
  bool first_creation = true;
  std::size_t start = 0;
  while (true) {
    const char* slash = std::strchr(relative + start, '/');
    const bool last = slash == nullptr;
    const std::size_t end = last ? path.size() : static_cast<std::size_t>(slash - relative);
    relative[end] = '\0';  // path_ is now "/" and the prefix
    UniqueFd here = open_clean_in_root(root_fd_, relative, O_PATH);
    if (!here) {
      if (errno != ENOENT) return failed("open in the container", path_);
      if (report && first_creation) report_copy_ups(start == 0 ? 0 : start - 1);
      first_creation = false;
      const char* name = relative + start;
      if (last && file) {
        UniqueFd created(::openat(parent.get(), name,
                                  O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644));
        if (!created) return failed("create mount point", path_);
      } else if (::mkdirat(parent.get(), name, 0755) != 0) {
        return failed("create directory", path_);
      }
      here = open_clean_in_root(root_fd_, relative, O_PATH);
      if (!here) return failed("open in the container", path_);
      struct stat st;
      // A mount point made inside another mount (a cache dir, a tmpfs) is not in the layer.
      if (report && ::fstat(here.get(), &st) == 0 && st.st_dev == root_dev_) {
        report_added(report_fd_, relative);
      }
    }
    if (last) {
      out = std::move(here);
      return {};
    }
    relative[end] = '/';
    parent = std::move(here);
    start = end + 1;
  }
}

void MountPointMaker::report_copy_ups(std::size_t length) {
  // Making an entry copies its parent, and all the parent's ancestors, into the upper dir.
  char* const relative = path_ + 1;
  const char saved = relative[length];
  relative[length] = '\0';
  for (std::size_t end = 0; end < length;) {
    const char* slash = std::strchr(relative + end + 1, '/');
    end = slash ? static_cast<std::size_t>(slash - relative) : length;
    const char cut = relative[end];
    relative[end] = '\0';
    UniqueFd in_upper = open_clean_in_root(upper_fd_, relative, O_PATH, RESOLVE_NO_SYMLINKS);
    struct stat st;
    if (!in_upper && errno == ENOENT) {
      UniqueFd merged = open_clean_in_root(root_fd_, relative, O_PATH);
      if (merged && ::fstat(merged.get(), &st) == 0) {
        report_copied_up(report_fd_, relative, st.st_mode, st.st_uid, st.st_gid);
      }
    }
    relative[end] = cut;
  }
  relative[length] = saved;
}

}  // namespace gantry::executor
