#include "exporter/path_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"

namespace gantry::exporter {

std::optional<std::string> clean_member_name(std::string_view raw, const std::string& label) {
  if (raw.starts_with('/'))
    throw Error(label + ": member `" + std::string(raw) + "` has an absolute path");
  std::string clean;
  std::size_t start = 0;
  while (start <= raw.size()) {
    std::size_t end = raw.find('/', start);
    if (end == std::string_view::npos) end = raw.size();
    const std::string_view part = raw.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..")
      throw Error(label + ": member `" + std::string(raw) + "` leaves the archive root (..)");
    if (!clean.empty()) clean += '/';
    clean += part;
  }
  if (clean.empty()) return std::nullopt;
  return clean;
}

std::pair<std::string, std::string> split_parent(const std::string& name) {
  const std::size_t slash = name.rfind('/');
  if (slash == std::string::npos) return {"", name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

namespace {

int openat2_beneath(int root_fd, const std::string& rel) {
  struct open_how how {};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, rel.empty() ? "." : rel.c_str(), &how, sizeof how));
}

[[noreturn]] void throw_open_error(const std::string& rel, const std::string& label) {
  if (errno == EXDEV || errno == ELOOP)
    throw Error(label + ": `" + rel + "` leads outside the archive root through a symlink");
  throw_errno(label + ": open directory `" + rel + "`");
}

}  // namespace

UniqueFd open_dir_beneath(int root_fd, const std::string& rel, bool create_missing,
                          const std::string& label) {
  UniqueFd fd(openat2_beneath(root_fd, rel));
  if (fd || errno != ENOENT || !create_missing) {
    if (!fd) throw_open_error(rel, label);
    return fd;
  }
  // Make the missing components one at a time, each looked up beneath the root again.
  auto [parent, base] = split_parent(rel);
  UniqueFd parent_fd = open_dir_beneath(root_fd, parent, true, label);
  if (::mkdirat(parent_fd.get(), base.c_str(), 0755) != 0 && errno != EEXIST)
    throw_errno(label + ": create directory `" + rel + "`");
  fd.reset(openat2_beneath(root_fd, rel));
  if (!fd) throw_open_error(rel, label);
  return fd;
}

void remove_entry_at(int dir_fd, const std::string& name, const std::string& label) {
  struct stat st;
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno(label + ": stat `" + name + "`");
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0) throw_errno(label + ": remove `" + name + "`");
    return;
  }
  // The directory fd is already beneath the root, and remove_all does not follow symlinks.
  std::error_code ec;
  std::filesystem::remove_all("/proc/self/fd/" + std::to_string(dir_fd) + "/" + name, ec);
  if (ec) throw Error(label + ": remove `" + name + "`: " + ec.message());
}

}  // namespace gantry::exporter
