#include "executor/root_filesystem.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>

#include "base/error.h"
#include "executor/detached_mount.h"
#include "executor/dev_nodes.h"

namespace gantry::executor {
namespace {

constexpr unsigned kNoSuidDevExec = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

// Docker's masked paths: hidden (files under /dev/null, dirs under an empty read-only tmpfs)
// because they leak host information or poke the host kernel.
constexpr std::array kMaskedPaths = {
    "proc/acpi",          "proc/asound",      "proc/kcore",        "proc/keys",
    "proc/latency_stats", "proc/timer_list",  "proc/timer_stats",  "proc/sched_debug",
    "proc/scsi",          "sys/firmware",     "sys/devices/virtual/powercap",
};
// Docker's read-only paths: visible, but writing them would change the host kernel.
constexpr std::array kReadonlyPaths = {
    "proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger",
};

void mask_paths(int root_fd) {
  UniqueFd empty_dir;  // made on first use: most images' /proc has few of these
  for (const char* path : kMaskedPaths) {
    UniqueFd target = try_open_in_root(root_fd, path, O_PATH | O_NOFOLLOW);
    if (!target) continue;  // not on this kernel
    struct stat st;
    if (::fstat(target.get(), &st) != 0) throw_errno(std::string("stat /") + path);
    UniqueFd cover;
    if (S_ISDIR(st.st_mode)) {
      if (!empty_dir) {
        empty_dir = new_filesystem("tmpfs", {{"size", "0"}, {"mode", "0555"}},
                                   MOUNT_ATTR_RDONLY | kNoSuidDevExec);
      }
      cover = clone_tree(empty_dir.get(), "", "an empty dir");
    } else {
      cover = clone_tree(root_fd, "dev/null", "/dev/null");
    }
    attach(cover.get(), target.get(), std::string("/") + path);
  }
  for (const char* path : kReadonlyPaths) {
    UniqueFd target = try_open_in_root(root_fd, path, O_PATH | O_NOFOLLOW);
    if (!target) continue;
    UniqueFd self = clone_tree(target.get(), "", std::string("/") + path);
    set_mount_attrs(self.get(), MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                    std::string("/") + path);
    attach(self.get(), target.get(), std::string("/") + path);
  }
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
  options.emplace_back("redirect_dir", "off");
  options.emplace_back("metacopy", "off");
  // A device node in a layer (made by a RUN, unpacked from a tar or an image) is only data:
  // nothing opens a device through a layer.
  return new_filesystem("overlay", options, MOUNT_ATTR_NODEV);
}

UniqueFd mount_root(const RootFs& rootfs, const std::filesystem::path& mount_point,
                    const std::filesystem::path& mount_point_layer) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    throw_errno("make the container's mounts private");
  }
  // Bottom-most, so the image's own /etc (its owner, mode and times) is what a copy-up keeps.
  std::vector<std::filesystem::path> lower_dirs = rootfs.lower_dirs;
  lower_dirs.push_back(mount_point_layer);
  UniqueFd overlay = new_overlay(lower_dirs, rootfs.upper_dir, rootfs.work_dir, mount_point_layer);
  UniqueFd point(::open(mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!point) throw_errno("open `" + mount_point.string() + "`");
  attach(overlay.get(), point.get(), mount_point.string());
  UniqueFd root(::open(mount_point.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) throw_errno("open the container root `" + mount_point.string() + "`");
  return root;
}

void mount_system_dirs(int root_fd, MountPointMaker& maker) {
  {
    UniqueFd proc = new_filesystem("proc", {}, kNoSuidDevExec);
    attach(proc.get(), maker.ensure("proc", false).get(), "/proc");
  }
  {
    UniqueFd sys = new_filesystem("sysfs", {}, MOUNT_ATTR_RDONLY | kNoSuidDevExec);
    attach(sys.get(), maker.ensure("sys", false).get(), "/sys");
  }
  mount_dev(root_fd, maker.ensure("dev", false).get());
  mask_paths(root_fd);
}

void pivot_into(int root_fd) {
  // pivot_root(".", ".") stacks the old root on top of the new one; detaching it leaves the
  // new root alone, without needing a put_old directory inside the image.
  if (::fchdir(root_fd) != 0) throw_errno("enter the container root");
  if (::syscall(SYS_pivot_root, ".", ".") != 0) throw_errno("pivot_root into the container");
  if (::umount2(".", MNT_DETACH) != 0) throw_errno("detach the host root");
  if (::chdir("/") != 0) throw_errno("chdir / in the container");
}

}  // namespace gantry::executor
