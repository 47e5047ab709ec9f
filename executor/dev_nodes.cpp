#include "executor/dev_nodes.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <iterator>
#include <string>

#include "base/error.h"
#include "base/user_namespace.h"
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

// `host` (a device node of the host's /dev), bound on an empty file at `relative` in the tree
// `dev`: what a user namespace, which may not make device nodes, gives a container instead.
void bind_host_node(DevTrees& trees, const std::filesystem::path& host,
                    const std::string& relative) {
  UniqueFd point(
      ::openat(trees.dev.get(), relative.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!point) throw_errno("create /dev/" + relative);
  trees.host_nodes.emplace_back(relative,
                                clone_tree(AT_FDCWD, host, "host device `" + host.string() + "`"));
}

// docker run --privileged: every device node of the host's /dev, at its path, mode and owner
// (the directories gantry mounts on, and what is not a device, left out); bound from the host
// in a user namespace.
void copy_host_devices(DevTrees& trees) {
  const int dev = trees.dev.get();
  const bool own_nodes = in_initial_user_namespace();
  namespace fs = std::filesystem;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator("/dev", ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path relative = it->path().lexically_relative("/dev");
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) continue;  // gone meanwhile
    if (S_ISDIR(st.st_mode)) {
      const std::string top = *relative.begin();
      const bool mounted_on = std::any_of(std::begin(kSubdirs), std::end(kSubdirs),
                                          [&](const char* dir) { return top == dir; });
      if (mounted_on) {
        it.disable_recursion_pending();
      } else if (::mkdirat(dev, relative.c_str(), st.st_mode & 07777) != 0 && errno != EEXIST) {
        throw_errno("mkdir /dev/" + relative.string());
      }
      continue;
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) continue;
    if (!own_nodes) {
      if (::faccessat(dev, relative.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        continue;  // the default set
      bind_host_node(trees, it->path(), relative.string());
      continue;
    }
    if (::mknodat(dev, relative.c_str(), st.st_mode, st.st_rdev) != 0) {
      if (errno == EEXIST) continue;  // one of the default set
      throw_errno("mknod /dev/" + relative.string());
    }
    if (::fchownat(dev, relative.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
      throw_errno("chown /dev/" + relative.string());
    }
  }
}

}  // namespace

DevTrees make_dev_trees(std::int64_t shm_bytes, bool host_devices) {
  DevTrees trees;
  // The one writable filesystem without nodev: its nodes are the container's devices, and
  // the run's cgroup lets only Docker's default set be opened (executor/device_rules.h).
  trees.dev = new_filesystem("tmpfs", {{"mode", "755"}, {"size", "65536k"}},
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
  // Detached and freshly made: plain *at calls below it cannot meet an image's symlink.
  const int dev = trees.dev.get();
  const bool own_nodes = in_initial_user_namespace();
  for (const CharDevice& d : kDevices) {
    if (own_nodes) {
      if (::mknodat(dev, d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
        throw_errno(std::string("mknod /dev/") + d.name);
      }
      continue;
    }
    bind_host_node(trees, std::string("/dev/") + d.name, d.name);
  }
  for (const Link& l : kLinks) {
    if (::symlinkat(l.target, dev, l.name) != 0) throw_errno(std::string("symlink /dev/") + l.name);
  }
  for (const char* dir : kSubdirs) {
    if (::mkdirat(dev, dir, 0755) != 0) throw_errno(std::string("mkdir /dev/") + dir);
  }
  if (host_devices) copy_host_devices(trees);
  try {
    trees.pts = new_filesystem(
        "devpts", {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}, {"gid", "5"}},
        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  } catch (const Error&) {
    // A user namespace that maps only id 0 has no group tty (5) to give the terminals.
    if (own_nodes) throw;
    trees.pts =
        new_filesystem("devpts", {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}},
                       MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
  }
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
  for (const auto& [name, node] : trees.host_nodes) {
    UniqueFd point(::openat(dev.get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!point) return failed("open", name.c_str());
    if (SetupFailure f = try_attach(node.get(), point.get(), name.c_str())) return f;
  }
  UniqueFd mqueue;
  if (SetupFailure f = try_new_filesystem("mqueue", {},
                                          MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                                          mqueue)) {
    return f;
  }
  return attach_in_dev(mqueue.get(), dev.get(), "mqueue", "/dev/mqueue");
}

}  // namespace gantry::executor
