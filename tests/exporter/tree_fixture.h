// Builds file trees with every kind of object a layer can hold, and describes a tree as text
// (type, mode, owner, mtime, content hash, link target, device, xattrs, hard-link groups) so two
// trees can be compared with one EXPECT_EQ that shows what differs.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace gantry::exporter::testing {

void make_file(const std::filesystem::path& path, std::string_view content, mode_t mode = 0644,
               uid_t uid = 0, gid_t gid = 0, std::int64_t mtime = 1'600'000'000);
void make_dir(const std::filesystem::path& path, mode_t mode = 0755, uid_t uid = 0, gid_t gid = 0,
              std::int64_t mtime = 1'600'000'000);
void make_symlink(const std::filesystem::path& path, const std::string& target, uid_t uid = 0,
                  gid_t gid = 0, std::int64_t mtime = 1'600'000'000);
void make_node(const std::filesystem::path& path, mode_t mode, dev_t dev, std::int64_t mtime = 1'600'000'000);
void make_whiteout(const std::filesystem::path& path);  // overlayfs: 0/0 char device
void make_opaque(const std::filesystem::path& dir);     // overlayfs: trusted.overlay.opaque=y
void set_xattr(const std::filesystem::path& path, const std::string& name, std::string_view value);
void set_mtime(const std::filesystem::path& path, std::int64_t mtime);
std::int64_t lstat_mtime(const std::filesystem::path& path);

// One line per entry, sorted by path. Directory mtimes are included; symlink mtimes too.
std::string describe_tree(const std::filesystem::path& root);

// A layer with one of everything: files with modes and owners (setuid too), nested dirs,
// symlinks (relative, absolute, dangling), a hard link pair, a fifo, a char device, xattrs
// (user.* and security.capability), a whiteout and an opaque dir.
void make_rich_layer(const std::filesystem::path& root);

}  // namespace gantry::exporter::testing
