#include "exporter/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "base/error.h"
#include "base/user_namespace.h"
#include "exporter/overlay_form.h"

namespace gantry::exporter {

bool is_layer_xattr(std::string_view name) {
  // user.overlay.* is overlayfs's own state where it runs with userxattr (a rootless gantry):
  // read from a layer it would forge an opaque dir; written to one it would leak that state.
  return name == "security.capability" ||
         (name.starts_with("user.") && !name.starts_with("user.overlay."));
}

namespace {

// Reads the layer xattrs through `list(buffer, size)` and `get(name, buffer, size)`: llistxattr
// and lgetxattr on a path, or flistxattr and fgetxattr on an fd.
template <class List, class Get, class Path>
Xattrs read_xattrs(List list, Get get, const Path& path) {
  // Most files have no xattrs or a few short ones: one call into a buffer on the stack, not a
  // call for the size first (a layer may have 20,000 files).
  char first_try[512];
  std::string names;
  ssize_t n = list(first_try, sizeof first_try);
  if (n >= 0) {
    names.assign(first_try, static_cast<std::size_t>(n));
  } else {
    if (errno == ENOTSUP) return {};
    if (errno != ERANGE) throw_errno("list xattrs of `" + path().string() + "`");
    for (;;) {
      n = list(nullptr, 0);
      if (n < 0) throw_errno("list xattrs of `" + path().string() + "`");
      names.resize(static_cast<std::size_t>(n));
      n = list(names.data(), names.size());
      if (n >= 0) {
        names.resize(static_cast<std::size_t>(n));
        break;
      }
      if (errno != ERANGE) throw_errno("list xattrs of `" + path().string() + "`");
    }
  }
  Xattrs result;
  for (std::size_t start = 0; start < names.size();) {
    std::string name(names.c_str() + start);
    start += name.size() + 1;
    if (!is_layer_xattr(name)) continue;
    n = get(name.c_str(), nullptr, 0);
    std::string value(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
    if (n > 0) n = get(name.c_str(), value.data(), value.size());
    if (n < 0) throw_errno("read xattr " + name + " of `" + path().string() + "`");
    value.resize(static_cast<std::size_t>(n));
    result.emplace_back(std::move(name), std::move(value));
  }
  std::sort(result.begin(), result.end());
  return result;
}

}  // namespace

Xattrs read_layer_xattrs(const std::filesystem::path& path) {
  return read_xattrs([&](char* buffer, std::size_t size) { return ::llistxattr(path.c_str(), buffer, size); },
                     [&](const char* name, void* buffer, std::size_t size) {
                       return ::lgetxattr(path.c_str(), name, buffer, size);
                     },
                     [&] { return path; });
}

Xattrs read_layer_xattrs(int fd, const std::function<std::filesystem::path()>& path) {
  return read_xattrs([&](char* buffer, std::size_t size) { return ::flistxattr(fd, buffer, size); },
                     [&](const char* name, void* buffer, std::size_t size) {
                       return ::fgetxattr(fd, name, buffer, size);
                     },
                     path);
}

void write_xattrs(const std::filesystem::path& path, const Xattrs& xattrs) {
  for (const auto& [name, value] : xattrs)
    if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
      throw_errno("set xattr " + name + " on `" + path.string() + "`");
}

bool is_opaque_dir(const std::filesystem::path& dir) {
  char value[2];
  return ::lgetxattr(dir.c_str(), overlay_opaque_xattr(), value, sizeof value) == 1 &&
         value[0] == 'y';
}

bool is_opaque_dir(int dir_fd) {
  char value[2];
  return ::fgetxattr(dir_fd, overlay_opaque_xattr(), value, sizeof value) == 1 && value[0] == 'y';
}

void mark_opaque(int dir_fd, const std::filesystem::path& name) {
  if (::fsetxattr(dir_fd, overlay_opaque_xattr(), "y", 1, 0) != 0)
    throw_errno("mark `" + name.string() + "` opaque (" + overlay_opaque_xattr() + ")");
}

}  // namespace gantry::exporter
