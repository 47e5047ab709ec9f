// The extended attributes image layers carry: security.capability (file capabilities) and
// user.*. Others are host state: trusted.overlay.* is overlayfs's own bookkeeping, and
// security.selinux belongs to the host's policy.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gantry::exporter {

using Xattrs = std::vector<std::pair<std::string, std::string>>;

bool is_layer_xattr(std::string_view name);
// The layer xattrs of `path` (not following a symlink), sorted by name.
Xattrs read_layer_xattrs(const std::filesystem::path& path);
// The same for an open file or directory; `path()` names it in errors (built only then: a walk
// reads thousands of files).
Xattrs read_layer_xattrs(int fd, const std::function<std::filesystem::path()>& path);
// Sets `xattrs` on `path` (not following a symlink); throws Error naming the path and attribute.
void write_xattrs(const std::filesystem::path& path, const Xattrs& xattrs);

}  // namespace gantry::exporter
