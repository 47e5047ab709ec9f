// A minimal /dev as Docker gives it: a small tmpfs with the harmless character devices, a
// private devpts instance for terminals, /dev/shm and the /proc/self/fd links.
#pragma once

namespace gantry::executor {

// Mounts the new /dev on the mount point `dev_fd` (an O_PATH fd of the container's /dev).
// /proc must already be mounted in the container (for the fd links to make sense).
void mount_dev(int root_fd, int dev_fd);

}  // namespace gantry::executor
