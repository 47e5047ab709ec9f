#include "exporter/xattrs.h"

#include <sys/xattr.h>

#include <algorithm>
#include <cerrno>

#include "base/error.h"
#include "exporter/overlay_form.h"

namespace gantry::exporter {

bool is_layer_xattr(std::string_view name) {
  return name == "security.capability" || name.starts_with("user.");
}

Xattrs read_layer_xattrs(const std::filesystem::path& path) {
  std::string names;
  for (;;) {
    ssize_t n = ::llistxattr(path.c_str(), nullptr, 0);
    if (n < 0) {
      if (errno == ENOTSUP) return {};
      throw_errno("list xattrs of `" + path.string() + "`");
    }
    names.resize(static_cast<std::size_t>(n));
    n = ::llistxattr(path.c_str(), names.data(), names.size());
    if (n >= 0) {
      names.resize(static_cast<std::size_t>(n));
      break;
    }
    if (errno != ERANGE) throw_errno("list xattrs of `" + path.string() + "`");
  }
  Xattrs result;
  for (std::size_t start = 0; start < names.size();) {
    std::string name(names.c_str() + start);
    start += name.size() + 1;
    if (!is_layer_xattr(name)) continue;
    ssize_t n = ::lgetxattr(path.c_str(), name.c_str(), nullptr, 0);
    std::string value(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
    if (n > 0) n = ::lgetxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) throw_errno("read xattr " + name + " of `" + path.string() + "`");
    value.resize(static_cast<std::size_t>(n));
    result.emplace_back(std::move(name), std::move(value));
  }
  std::sort(result.begin(), result.end());
  return result;
}

void write_xattrs(const std::filesystem::path& path, const Xattrs& xattrs) {
  for (const auto& [name, value] : xattrs)
    if (::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0) != 0)
      throw_errno("set xattr " + name + " on `" + path.string() + "`");
}

bool is_opaque_dir(const std::filesystem::path& dir) {
  char value[2];
  return ::lgetxattr(dir.c_str(), kOpaqueXattr, value, sizeof value) == 1 && value[0] == 'y';
}

void mark_opaque(int dir_fd, const std::filesystem::path& name) {
  if (::fsetxattr(dir_fd, kOpaqueXattr, "y", 1, 0) != 0)
    throw_errno("mark `" + name.string() + "` opaque (" + kOpaqueXattr + ")");
}

}  // namespace gantry::exporter
