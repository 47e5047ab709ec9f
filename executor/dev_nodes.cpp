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

UniqueFd open_dir_at(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) throw_errno(std::string("open /dev/") + name);
  return fd;
}

}  // namespace

void mount_dev(int root_fd, int dev_fd) {
  {
    // The one writable filesystem without nodev: its nodes are the container's devices, and
    // the run's cgroup lets only Docker's default set be opened (executor/device_rules.h).
    UniqueFd dev = new_filesystem("tmpfs", {{"mode", "755"}, {"size", "65536k"}},
                                  MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME);
    attach(dev.get(), dev_fd, "/dev");
  }
  // The tmpfs is ours and freshly made: plain *at calls below it cannot meet an image symlink.
  UniqueFd dev = open_in_root(root_fd, "dev", O_PATH | O_DIRECTORY | O_NOFOLLOW);
  for (const CharDevice& d : kDevices) {
    if (::mknodat(dev.get(), d.name, S_IFCHR | 0666, makedev(d.major, d.minor)) != 0) {
      throw_errno(std::string("mknod /dev/") + d.name);
    }
  }
  for (const Link& l : kLinks) {
    if (::symlinkat(l.target, dev.get(), l.name) != 0) {
      throw_errno(std::string("symlink /dev/") + l.name);
    }
  }
  for (const char* dir : {"pts", "shm", "mqueue"}) {
    if (::mkdirat(dev.get(), dir, 0755) != 0) throw_errno(std::string("mkdir /dev/") + dir);
  }
  {
    UniqueFd pts = new_filesystem(
        "devpts", {{"newinstance", ""}, {"ptmxmode", "0666"}, {"mode", "0620"}, {"gid", "5"}},
        MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
    attach(pts.get(), open_dir_at(dev.get(), "pts").get(), "/dev/pts");
  }
  {
    UniqueFd shm = new_filesystem("tmpfs", {{"mode", "1777"}, {"size", "65536k"}},
                                  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    attach(shm.get(), open_dir_at(dev.get(), "shm").get(), "/dev/shm");
  }
  {
    // The container's own IPC namespace's message queues.
    UniqueFd mqueue = new_filesystem("mqueue", {},
                                     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    attach(mqueue.get(), open_dir_at(dev.get(), "mqueue").get(), "/dev/mqueue");
  }
}

}  // namespace gantry::executor
