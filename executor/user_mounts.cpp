#include "executor/user_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "base/error.h"
#include "executor/detached_mount.h"
#include "executor/path_in_root.h"
#include "executor/root_filesystem.h"

namespace gantry::executor {
namespace {

constexpr unsigned kNoSuidDev = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

PreparedMount prepared(UniqueFd tree, const std::string& target, bool file, std::string part = "") {
  const std::string clean = clean_relative(target);
  return PreparedMount{.tree = std::move(tree), .target = clean, .shown = "/" + clean,
                       .part = std::move(part), .file = file};
}

PreparedMount bind(const BindMount& bind) {
  struct stat st;
  if (::stat(bind.source.c_str(), &st) != 0) {
    throw_errno("bind mount source `" + bind.source.string() + "`");
  }
  UniqueFd tree = clone_tree(AT_FDCWD, bind.source.string(), bind.source.string());
  set_mount_attrs(tree.get(), MOUNT_ATTR_NODEV | (bind.readonly ? MOUNT_ATTR_RDONLY : 0), bind.target);
  return prepared(std::move(tree), bind.target, !S_ISDIR(st.st_mode));
}

PreparedMount overlay(const OverlayMount& overlay, const MountDirs& dirs) {
  for (const auto& lower : overlay.lower_dirs) {
    if (::access(lower.c_str(), F_OK) != 0) throw_errno("mount source `" + lower.string() + "`");
  }
  UniqueFd tree = new_overlay(overlay.lower_dirs, overlay.upper_dir, overlay.work_dir, dirs.empty);
  if (overlay.upper_dir.empty()) set_mount_attrs(tree.get(), MOUNT_ATTR_RDONLY, overlay.target);
  const std::string part = clean_relative(overlay.selector);
  if (!part.empty()) return prepared(std::move(tree), overlay.target, false, "/" + part);
  struct stat st;
  if (::fstat(tree.get(), &st) != 0) throw_errno("stat mount source for " + overlay.target);
  return prepared(std::move(tree), overlay.target, !S_ISDIR(st.st_mode));
}

PreparedMount tmpfs(const TmpfsMount& tmpfs) {
  char mode[8];
  std::snprintf(mode, sizeof mode, "%o", static_cast<unsigned>(tmpfs.mode));
  std::vector<std::pair<std::string, std::string>> options{{"mode", mode}};
  if (tmpfs.size_bytes > 0) options.emplace_back("size", std::to_string(tmpfs.size_bytes));
  options.insert(options.end(), tmpfs.options.begin(), tmpfs.options.end());
  const unsigned attrs = MOUNT_ATTR_NODEV | (tmpfs.nosuid ? MOUNT_ATTR_NOSUID : 0) |
                         (tmpfs.noexec ? MOUNT_ATTR_NOEXEC : 0) | (tmpfs.readonly ? MOUNT_ATTR_RDONLY : 0);
  return prepared(new_filesystem("tmpfs", options, attrs), tmpfs.target, false);
}

// The secret lives in a tmpfs of its own, so its content never touches a disk or the layer.
PreparedMount secret(const SecretFileMount& secret) {
  UniqueFd tmpfs = new_filesystem("tmpfs", {{"mode", "0755"}}, kNoSuidDev | MOUNT_ATTR_NOEXEC);
  {
    UniqueFd file(::openat(tmpfs.get(), "secret", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600));
    if (!file) throw_errno("create secret for " + secret.target);
    std::string_view rest = secret.content;
    while (!rest.empty()) {
      const ssize_t n = ::write(file.get(), rest.data(), rest.size());
      if (n <= 0) throw_errno("write secret for " + secret.target);
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
    if (::fchown(file.get(), secret.uid, secret.gid) != 0 ||
        ::fchmod(file.get(), secret.mode) != 0) {
      throw_errno("set owner and mode of secret " + secret.target);
    }
  }
  set_mount_attrs(tmpfs.get(), MOUNT_ATTR_RDONLY, secret.target);
  return prepared(std::move(tmpfs), secret.target, true, "/secret");
}

// Attaches `tree` on the staging dir, so that a part of it can be cloned (the kernel clones
// only trees attached in our namespace), and clones `part` into `out`. The staging mounts
// disappear from view with the host root at pivot_root.
SetupFailure cut(const PreparedMount& mount, const char* staging, UniqueFd& out) noexcept {
  UniqueFd point(::open(staging, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!point) return failed("open", staging);
  if (SetupFailure f = try_attach(mount.tree.get(), point.get(), staging)) return f;
  UniqueFd staged(::open(staging, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!staged) return failed("open", staging);
  UniqueFd part = open_clean_in_root(staged.get(), mount.part.c_str() + 1, O_PATH);
  if (!part) return failed("open in the mount source", mount.part.c_str());
  return try_clone_tree(part.get(), "", mount.part.c_str(), out);
}

}  // namespace

std::vector<PreparedMount> prepare_mounts(const EtcFiles& etc, const std::vector<MountSpec>& mounts,
                                          const MountDirs& dirs) {
  std::vector<PreparedMount> out;
  for (const auto& [source, target] : {std::pair{etc.hosts, "/etc/hosts"},
                                       std::pair{etc.resolv_conf, "/etc/resolv.conf"},
                                       std::pair{etc.hostname, "/etc/hostname"}}) {
    out.push_back(bind(BindMount{.source = source, .target = target, .readonly = true}));
  }
  for (const MountSpec& spec : mounts) {
    out.push_back(std::visit(
        [&](const auto& mount) {
          using T = std::decay_t<decltype(mount)>;
          if constexpr (std::is_same_v<T, BindMount>) return bind(mount);
          if constexpr (std::is_same_v<T, OverlayMount>) return overlay(mount, dirs);
          if constexpr (std::is_same_v<T, TmpfsMount>) return tmpfs(mount);
          if constexpr (std::is_same_v<T, SecretFileMount>) return secret(mount);
        },
        spec));
  }
  return out;
}

SetupFailure attach_mounts(const std::vector<PreparedMount>& mounts, const char* staging,
                           MountPointMaker& maker) noexcept {
  for (const PreparedMount& mount : mounts) {
    UniqueFd part;
    bool file = mount.file;
    if (!mount.part.empty()) {
      if (SetupFailure f = cut(mount, staging, part)) return f;
      struct stat st;
      if (::fstat(part.get(), &st) != 0) return failed("stat the mount source for", mount.shown.c_str());
      file = !S_ISDIR(st.st_mode);
    }
    UniqueFd point;
    if (SetupFailure f = maker.ensure(mount.target, file, point)) return f;
    const int tree = part ? part.get() : mount.tree.get();
    if (SetupFailure f = try_attach(tree, point.get(), mount.shown.c_str())) return f;
  }
  return {};
}

}  // namespace gantry::executor
