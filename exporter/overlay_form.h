// How overlayfs marks deletions in an upper dir, and how OCI layers mark them in a tar.
#pragma once

#include <sys/stat.h>

#include <filesystem>
#include <string_view>

namespace gantry::exporter {

inline constexpr std::string_view kWhiteoutPrefix = ".wh.";       // OCI: ".wh.<name>" deletes name
inline constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";  // OCI: hides the lower dir

// overlayfs: a deleted path is a character device 0/0.
inline bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == 0; }
// overlayfs: an opaque directory carries trusted.overlay.opaque=y (user.overlay.opaque=y in a
// user namespace: base/user_namespace.h).
bool is_opaque_dir(const std::filesystem::path& dir);
bool is_opaque_dir(int dir_fd);
// Marks `dir_fd` opaque; `name` is the directory, for errors.
void mark_opaque(int dir_fd, const std::filesystem::path& name);

}  // namespace gantry::exporter
