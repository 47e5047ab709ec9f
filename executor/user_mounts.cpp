#include "executor/user_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"
#include "executor/detached_mount.h"
#include "executor/root_filesystem.h"

namespace gantry::executor {
namespace {

constexpr unsigned kNoSuidDev = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;

// Attaches a detached mount on the staging dir, so parts of it can be cloned (the kernel only
// clones trees that are attached in our namespace). The staging mounts disappear from view
// with the host root at pivot_root.
UniqueFd stage(int mount_fd, const std::filesystem::path& staging) {
  UniqueFd point(::open(staging.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!point) throw_errno("open `" + staging.string() + "`");
  attach(mount_fd, point.get(), staging.string());
  UniqueFd root(::open(staging.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open `" + staging.string() + "`");
  return root;
}

void mount_bind(MountPointMaker& maker, const BindMount& bind) {
  struct stat st;
  if (::stat(bind.source.c_str(), &st) != 0) {
    throw_errno("bind mount source `" + bind.source.string() + "`");
  }
  UniqueFd tree = clone_tree(AT_FDCWD, bind.source.string(), "`" + bind.source.string() + "`");
  set_mount_attrs(tree.get(), MOUNT_ATTR_NODEV | (bind.readonly ? MOUNT_ATTR_RDONLY : 0), bind.target);
  attach(tree.get(), maker.ensure(bind.target, !S_ISDIR(st.st_mode)).get(), bind.target);
}

void mount_overlay(MountPointMaker& maker, const OverlayMount& overlay, const MountDirs& dirs) {
  for (const auto& lower : overlay.lower_dirs) {
    if (::access(lower.c_str(), F_OK) != 0) throw_errno("mount source `" + lower.string() + "`");
  }
  UniqueFd tree = new_overlay(overlay.lower_dirs, overlay.upper_dir, overlay.work_dir, dirs.empty);
  if (overlay.upper_dir.empty()) set_mount_attrs(tree.get(), MOUNT_ATTR_RDONLY, overlay.target);
  if (!overlay.selector.empty()) {
    UniqueFd staged = stage(tree.get(), dirs.staging);
    UniqueFd part = open_in_root(staged.get(), overlay.selector, O_PATH);
    tree = clone_tree(part.get(), "", "`" + overlay.selector + "` of the mount source");
  }
  struct stat st;
  if (::fstat(tree.get(), &st) != 0) throw_errno("stat mount source for " + overlay.target);
  attach(tree.get(), maker.ensure(overlay.target, !S_ISDIR(st.st_mode)).get(), overlay.target);
}

void mount_tmpfs(MountPointMaker& maker, const TmpfsMount& tmpfs) {
  std::vector<std::pair<std::string, std::string>> options{{"mode", "1777"}};
  if (tmpfs.size_bytes > 0) options.emplace_back("size", std::to_string(tmpfs.size_bytes));
  UniqueFd tree = new_filesystem("tmpfs", options, kNoSuidDev);
  attach(tree.get(), maker.ensure(tmpfs.target, false).get(), tmpfs.target);
}

// The secret lives in a tmpfs of its own, so its content never touches a disk or the layer.
void mount_secret(MountPointMaker& maker, const SecretFileMount& secret, const MountDirs& dirs) {
  UniqueFd tmpfs = new_filesystem("tmpfs", {{"mode", "0755"}},
                                  kNoSuidDev | MOUNT_ATTR_NOEXEC);
  UniqueFd staged = stage(tmpfs.get(), dirs.staging);
  {
    UniqueFd file(::openat(staged.get(), "secret", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC,
                           0600));
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
  UniqueFd tree = clone_tree(staged.get(), "secret", "secret " + secret.target);
  set_mount_attrs(tree.get(), MOUNT_ATTR_RDONLY, secret.target);
  attach(tree.get(), maker.ensure(secret.target, true).get(), secret.target);
}

}  // namespace

void bind_file_readonly(MountPointMaker& maker, const std::filesystem::path& source,
                        const std::string& target) {
  mount_bind(maker, BindMount{.source = source, .target = target, .readonly = true});
}

void mount_all(MountPointMaker& maker, const std::vector<MountSpec>& mounts,
               const MountDirs& dirs) {
  for (const MountSpec& spec : mounts) {
    std::visit(
        [&](const auto& mount) {
          using T = std::decay_t<decltype(mount)>;
          if constexpr (std::is_same_v<T, BindMount>) mount_bind(maker, mount);
          if constexpr (std::is_same_v<T, OverlayMount>) mount_overlay(maker, mount, dirs);
          if constexpr (std::is_same_v<T, TmpfsMount>) mount_tmpfs(maker, mount);
          if constexpr (std::is_same_v<T, SecretFileMount>) mount_secret(maker, mount, dirs);
        },
        spec);
  }
}

}  // namespace gantry::executor
