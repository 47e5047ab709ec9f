#include "executor/root_filesystem.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

#include "base/error.h"
#include "base/user_namespace.h"
#include "executor/detached_mount.h"
#include "executor/path_in_root.h"

namespace gantry::executor {
namespace {

constexpr unsigned kNoSuidDevExec = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

// Docker's masked paths: hidden (files under /dev/null, dirs under an empty read-only tmpfs)
// because they leak host information or poke the host kernel.
constexpr std::array kMaskedPaths = {
    "/proc/acpi",          "/proc/asound",      "/proc/kcore",        "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list",  "/proc/timer_stats",  "/proc/sched_debug",
    "/proc/scsi",          "/sys/firmware",     "/sys/devices/virtual/powercap",
};
// Docker's read-only paths: visible, but writing them would change the host kernel.
constexpr std::array kReadonlyPaths = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

constexpr FilesystemOption kEmptyDirOptions[] = {{"size", "0"}, {"mode", "0555"}};

// The paths above start with "/", for messages; inside the root they are looked up without it.
const char* in_root(const char* path) { return path + 1; }

SetupFailure mask_paths(int root_fd) noexcept {
  UniqueFd empty_dir;  // made on first use: most images' /proc has few of these
  for (const char* path : kMaskedPaths) {
    UniqueFd target = open_clean_in_root(root_fd, in_root(path), O_PATH | O_NOFOLLOW);
    if (!target) continue;  // not on this kernel
    struct stat st;
    if (::fstat(target.get(), &st) != 0) return failed("stat", path);
    UniqueFd cover;
    if (S_ISDIR(st.st_mode)) {
      if (!empty_dir) {
        if (SetupFailure f = try_new_filesystem("tmpfs", kEmptyDirOptions,
                                                MOUNT_ATTR_RDONLY | kNoSuidDevExec, empty_dir)) {
          return f;
        }
      }
      if (SetupFailure f = try_clone_tree(empty_dir.get(), "", "an empty dir", cover)) return f;
    } else if (SetupFailure f = try_clone_tree(root_fd, "dev/null", "/dev/null", cover)) {
      return f;
    }
    if (SetupFailure f = try_attach(cover.get(), target.get(), path)) return f;
  }
  for (const char* path : kReadonlyPaths) {
    UniqueFd target = open_clean_in_root(root_fd, in_root(path), O_PATH | O_NOFOLLOW);
    if (!target) continue;
    UniqueFd self;
    if (SetupFailure f = try_clone_tree(target.get(), "", path, self)) return f;
    if (SetupFailure f = try_set_mount_attrs(self.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, path)) {
      return f;
    }
    if (SetupFailure f = try_attach(self.get(), target.get(), path)) return f;
  }
  return {};
}

// A filesystem of the container's namespaces (proc, sysfs), attached on `name` in the root.
SetupFailure mount_kernel_filesystem(MountPointMaker& maker, const char* type, unsigned attrs,
                                     std::string_view name, const char* what) noexcept {
  UniqueFd tree, point;
  if (SetupFailure f = try_new_filesystem(type, {}, attrs, tree)) return f;
  if (SetupFailure f = maker.ensure(name, false, point)) return f;
  return try_attach(tree.get(), point.get(), what);
}

SetupFailure bind_host_sys(MountPointMaker& maker, unsigned attrs) noexcept {
  UniqueFd tree, point;
  if (SetupFailure f = try_clone_tree(AT_FDCWD, "/sys", "/sys", tree)) return f;
  if (SetupFailure f = try_set_mount_attrs(tree.get(), attrs, "/sys")) return f;
  if (SetupFailure f = maker.ensure("sys", false, point)) return f;
  return try_attach(tree.get(), point.get(), "/sys");
}

}  // namespace

UniqueFd new_overlay(const std::vector<std::filesystem::path>& lower_dirs,
                     const std::filesystem::path& upper_dir, const std::filesystem::path& work_dir,
                     const std::filesystem::path& empty_dir) {
  std::vector<std::pair<std::string, std::string>> options;
  // "lowerdir+" takes one layer per call, so the number of layers is not limited by the
  // one-page size of a classic mount option string.
  if (lower_dirs.empty()) options.emplace_back("lowerdir+", empty_dir.string());
  for (const auto& lower : lower_dirs) options.emplace_back("lowerdir+", lower.string());
  if (!upper_dir.empty()) {
    options.emplace_back("upperdir", upper_dir.string());
    options.emplace_back("workdir", work_dir.string());
    // No syncs of the upper filesystem: without this, tearing the mount down at the end of
    // every RUN syncs the whole host filesystem. A step's upper dir only becomes a snapshot
    // after the process is done, and a crashed build's upper dir is thrown away.
    options.emplace_back("volatile", "");
  } else if (lower_dirs.size() < 2) {
    // overlayfs refuses a single layer without an upper dir; a read-only bind is the same tree.
    UniqueFd tree = clone_tree(AT_FDCWD, (lower_dirs.empty() ? empty_dir : lower_dirs[0]).string(),
                               "layer dir");
    set_mount_attrs(tree.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV, "layer dir");
    return tree;
  }
  // The upper dir must be a self-contained layer: no redirects or metacopy-only files that
  // point into the lower layers (a renamed lower dir is copied up whole instead).
  if (in_initial_user_namespace()) {
    options.emplace_back("redirect_dir", "off");
  } else {
    // A user namespace (a rootless gantry) may not write trusted.* xattrs; userxattr also
    // makes no redirects (redirect_dir=nofollow, which is all it allows).
    options.emplace_back("userxattr", "");
  }
  options.emplace_back("metacopy", "off");
  // A device node in a layer (made by a RUN, unpacked from a tar or an image) is only data:
  // nothing opens a device through a layer.
  if (in_initial_user_namespace()) return new_filesystem("overlay", options, MOUNT_ATTR_NODEV);
  try {
    return new_filesystem("overlay", options, MOUNT_ATTR_NODEV);
  } catch (const Error& e) {
    // The one snapshotter a normal user's gantry has: say so where the kernel refuses it.
    throw Error(
        std::string(e.what()) +
        " (mounted with userxattr in gantry's user namespace, which kernels before 5.11 "
        "refuse; gantry has no fuse-overlayfs or copying snapshotter yet: see gantry info)");
  }
}

UniqueFd root_tree(const RootFs& rootfs, const std::filesystem::path& mount_point_layer) {
  // Bottom-most, so the image's own /etc (its owner, mode and times) is what a copy-up keeps.
  std::vector<std::filesystem::path> lower_dirs = rootfs.lower_dirs;
  lower_dirs.push_back(mount_point_layer);
  return new_overlay(lower_dirs, rootfs.upper_dir, rootfs.work_dir, mount_point_layer);
}

SetupFailure attach_root(int tree_fd, const char* mount_point, UniqueFd& root) noexcept {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return failed("make the container's mounts private");
  }
  UniqueFd point(::open(mount_point, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!point) return failed("open", mount_point);
  if (SetupFailure f = try_attach(tree_fd, point.get(), mount_point)) return f;
  root.reset(::open(mount_point, O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return failed("open the container root", mount_point);
  return {};
}

SetupFailure mount_system_dirs(int root_fd, MountPointMaker& maker, const DevTrees& dev,
                               bool privileged) noexcept {
  if (SetupFailure f = mount_kernel_filesystem(maker, "proc", kNoSuidDevExec, "proc", "/proc")) {
    return f;
  }
  const unsigned sys_attrs = (privileged ? 0 : MOUNT_ATTR_RDONLY) | kNoSuidDevExec;
  if (SetupFailure f = mount_kernel_filesystem(maker, "sysfs", sys_attrs, "sys", "/sys")) {
    // A user namespace may mount sysfs only for a network namespace it owns: on the host's
    // network (a rootless gantry's default) the host's /sys is bound instead.
    if (f.error != EPERM) return f;
    if (SetupFailure bound = bind_host_sys(maker, sys_attrs)) return bound;
  }
  UniqueFd dev_point;
  if (SetupFailure f = maker.ensure("dev", false, dev_point)) return f;
  if (SetupFailure f = attach_dev(dev, root_fd, dev_point.get())) return f;
  return privileged ? SetupFailure{} : mask_paths(root_fd);
}

SetupFailure pivot_into(int root_fd) noexcept {
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
  // new root alone, without needing a put_old directory inside the image.
  if (::fchdir(root_fd) != 0) return failed("enter the container root");
  if (::syscall(SYS_pivot_root, ".", ".") != 0) return failed("pivot_root into the container");
  if (::umount2(".", MNT_DETACH) != 0) return failed("detach the host root");
  if (::chdir("/") != 0) return failed("chdir / in the container");
  return {};
}

}  // namespace gantry::executor
