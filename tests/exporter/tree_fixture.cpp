#include "tests/exporter/tree_fixture.h"

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "base/digest.h"
#include "base/file_util.h"

namespace gantry::exporter::testing {

namespace fs = std::filesystem;

namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::runtime_error(what + ": " + std::strerror(errno));
}

void set_times(const fs::path& path, std::int64_t mtime) {
  const struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  check(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), "utimensat " + path.string());
}

std::string xattrs_of(const fs::path& path) {
  char names[4096];
  const ssize_t n = ::llistxattr(path.c_str(), names, sizeof names);
  if (n <= 0) return "";
  std::vector<std::string> sorted;
  for (ssize_t i = 0; i < n;) {
    std::string name(names + i);
    i += static_cast<ssize_t>(name.size()) + 1;
    if (name.starts_with("security.selinux")) continue;
    char value[4096];
    const ssize_t v = ::lgetxattr(path.c_str(), name.c_str(), value, sizeof value);
    sorted.push_back(name + "=" + sha256_of(std::string_view(value, v > 0 ? v : 0)).short_hex());
  }
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (const auto& s : sorted) out += " " + s;
  return out;
}

}  // namespace

void make_file(const fs::path& path, std::string_view content, mode_t mode, uid_t uid, gid_t gid,
               std::int64_t mtime) {
  fs::create_directories(path.parent_path());
  write_file_atomic(path, content);
  check(::lchown(path.c_str(), uid, gid), "chown");
  check(::chmod(path.c_str(), mode), "chmod");
  set_times(path, mtime);
}

void make_dir(const fs::path& path, mode_t mode, uid_t uid, gid_t gid, std::int64_t mtime) {
  fs::create_directories(path);
  check(::lchown(path.c_str(), uid, gid), "chown");
  check(::chmod(path.c_str(), mode), "chmod");
  set_times(path, mtime);
}

void make_symlink(const fs::path& path, const std::string& target, uid_t uid, gid_t gid, std::int64_t mtime) {
  fs::create_directories(path.parent_path());
  check(::symlink(target.c_str(), path.c_str()), "symlink");
  check(::lchown(path.c_str(), uid, gid), "lchown");
  set_times(path, mtime);
}

void make_node(const fs::path& path, mode_t mode, dev_t dev, std::int64_t mtime) {
  fs::create_directories(path.parent_path());
  check(::mknod(path.c_str(), mode, dev), "mknod " + path.string());
  check(::chmod(path.c_str(), mode & 07777), "chmod");
  set_times(path, mtime);
}

void make_whiteout(const fs::path& path) { make_node(path, S_IFCHR | 0, makedev(0, 0)); }

void make_opaque(const fs::path& dir) { set_xattr(dir, "trusted.overlay.opaque", "y"); }

void set_xattr(const fs::path& path, const std::string& name, std::string_view value) {
  check(::lsetxattr(path.c_str(), name.c_str(), value.data(), value.size(), 0), "setxattr " + name);
}

void set_mtime(const fs::path& path, std::int64_t mtime) { set_times(path, mtime); }

std::int64_t lstat_mtime(const fs::path& path) {
  struct stat st;
  check(::lstat(path.c_str(), &st), "lstat " + path.string());
  return st.st_mtim.tv_sec;
}

std::string describe_tree(const fs::path& root) {
  std::map<std::string, std::string> lines;
  std::map<std::pair<dev_t, ino_t>, std::string> first_path;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    const std::string rel = fs::relative(it->path(), root).string();
    struct stat st;
    check(::lstat(it->path().c_str(), &st), "lstat");
    std::ostringstream line;
    line << rel << " mode=" << std::oct << st.st_mode << std::dec << " owner=" << st.st_uid << ":" << st.st_gid
         << " mtime=" << st.st_mtim.tv_sec;
    if (S_ISREG(st.st_mode)) {
      line << " size=" << st.st_size << " sha=" << sha256_of(read_file(it->path())).short_hex();
      if (st.st_nlink > 1) {
        auto [pos, fresh] = first_path.try_emplace({st.st_dev, st.st_ino}, rel);
        line << " inode-of=" << pos->second;
      }
    }
    if (S_ISLNK(st.st_mode)) line << " -> " << fs::read_symlink(it->path()).string();
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) line << " dev=" << major(st.st_rdev) << "," << minor(st.st_rdev);
    line << xattrs_of(it->path());
    lines[rel] = line.str();
  }
  std::string out;
  for (const auto& [rel, line] : lines) out += line + "\n";
  return out;
}

void make_rich_layer(const fs::path& root) {
  make_file(root / "etc/hostname", "gantry\n", 0644, 0, 0, 1'600'000'100);
  make_file(root / "etc/shadow", "root:*:19000::::::\n", 0640, 0, 42);
  make_file(root / "usr/bin/tool", std::string(300'000, 'x') + "tail", 04755, 0, 0);
  make_file(root / "home/user/notes.txt", "mine", 0600, 1000, 1000, 1'700'000'000);
  make_file(root / "empty", "", 0444);
  make_file(root / std::string(120, 'n') / ("long-name-" + std::string(110, 'f')), "long", 0644);
  ::link((root / "usr/bin/tool").c_str(), (root / "usr/bin/tool-link").c_str());
  make_symlink(root / "bin", "usr/bin");
  make_symlink(root / "usr/bin/sh", "/usr/bin/tool", 0, 0, 1'500'000'000);
  make_symlink(root / "dangling", "../nowhere/at/all");
  make_node(root / "run/fifo", S_IFIFO | 0620, 0);
  make_node(root / "dev/null", S_IFCHR | 0666, makedev(1, 3));
  make_file(root / "usr/bin/ping", "ping", 0755);
  set_xattr(root / "usr/bin/ping", "security.capability",
            std::string("\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20));
  set_xattr(root / "home/user/notes.txt", "user.origin", "test");
  make_whiteout(root / "etc/removed.conf");
  make_dir(root / "var/cache", 0755);
  make_file(root / "var/cache/fresh", "fresh");
  make_opaque(root / "var/cache");
  // Directory mtimes last: making their children changed them.
  for (const char* dir : {"etc", "usr/bin", "usr", "home/user", "home", "run", "dev", "var/cache", "var"})
    set_times(root / dir, 1'600'000'000);
  set_times(root / (std::string(120, 'n')), 1'600'000'000);
}

}  // namespace gantry::exporter::testing
