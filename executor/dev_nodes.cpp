#include "executor/dev_nodes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <array>
#include <string>

#include "base/error.h"
#include "executor/detached_mount.h"
#include "executor/path_in_root.h"

namespace gantry::executor {
namespace {

struct CharDevice {
  const char* name;
  unsigned major, minor;
};
constexpr std::array kDevices = {
    CharDevice{"null", 1, 3},    CharDevice{"zero", 1, 5}, CharDevice{"full", 1, 7},
    CharDevice{"random", 1, 8},  CharDevice{"urandom", 1, 9}, CharDevice{"tty", 5, 0},
};

struct Link {
  const char* name;
  const char* target;
};
constexpr std::array kLinks = {
    Link{"fd", "/proc/self/fd"},          Link{"stdin", "/proc/self/fd/0"},
    Link{"stdout", "/proc/self/fd/1"},    Link{"stderr", "/proc/self/fd/2"},
    Link{"ptmx", "pts/ptmx"},             Link{"core", "/proc/kcore"},
};

constexpr const char* kSubdirs[] = {"pts", "shm", "mqueue"};

// Attaches `tree` on the directory `name` of /dev.
SetupFailure attach_in_dev(int tree_fd, int dev_fd, const char* name, const char* what) noexcept {
  UniqueFd point(::openat(dev_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!point) return failed("open", what);
  return try_attach(tree_fd, point.get(), what);
}

}  // namespace

DevTrees make_dev_trees(std::int64_t shm_bytes) {
  DevTrees trees;
  // The one writable filesystem without nodev: its nodes are the container's devices, and
  // the run's cgroup lets only Docker's default set be opened (executor/device_rules.h).
  trees.dev = new_filesystem("tmpfs", {{"mode", "755"}, {"size", "65536k"}},
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
  // Detached and freshly made: plain *at calls below it cannot meet an image's symlink.
  const int dev = trees.dev.get();
  for (const CharDevice& d : kDevices) {
    if (::mknodat(dev, d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
      throw_errno(std::string("mknod /dev/") + d.name);
    }
  }
  for (const Link& l : kLinks) {
    if (::symlinkat(l.target, dev, l.name) != 0) throw_errno(std::string("symlink /dev/") + l.name);
  }
  for (const char* dir : kSubdirs) {
    if (::mkdirat(dev, dir, 0755) != 0) throw_errno(std::string("mkdir /dev/") + dir);
  }
  trees.pts = new_filesystem(
      "devpts", {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}, {"gid", "5"}},
      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  trees.shm = new_filesystem("tmpfs", {{"mode", "1777"}, {"size", std::to_string(shm_bytes)}},
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  return trees;
}

SetupFailure attach_dev(const DevTrees& trees, int root_fd, int dev_point_fd) noexcept {
  if (SetupFailure f = try_attach(trees.dev.get(), dev_point_fd, "/dev")) return f;
  // Looked up again from the root, the name leads into the tmpfs now on it.
  UniqueFd dev = open_clean_in_root(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
  if (!dev) return failed("open", "/dev");
  if (SetupFailure f = attach_in_dev(trees.pts.get(), dev.get(), "pts", "/dev/pts")) return f;
  if (SetupFailure f = attach_in_dev(trees.shm.get(), dev.get(), "shm", "/dev/shm")) return f;
  UniqueFd mqueue;
  if (SetupFailure f = try_new_filesystem("mqueue", {},
                                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                                          mqueue)) {
    return f;
  }
  return attach_in_dev(mqueue.get(), dev.get(), "mqueue", "/dev/mqueue");
}

}  // namespace gantry::executor
