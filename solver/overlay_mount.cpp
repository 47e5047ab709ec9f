#include "solver/overlay_mount.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"
#include "executor/detached_mount.h"
#include "executor/root_filesystem.h"
#include "solver/solver.h"

namespace gantry::solver {

namespace fs = std::filesystem;

void isolate_mounts() {
  if (::unshare(CLONE_NEWNS) != 0) throw_errno("unshare mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    throw_errno("make mounts private");
}

OverlayMount::OverlayMount(const fs::path& scratch_parent, const std::vector<fs::path>& lower_dirs,
                           const fs::path& upper_dir, const fs::path& work_dir)
    : mountpoint_(scratch_parent, "mnt-") {
  // The executor's overlay, so a file op's upper dir is a layer on the same terms as a RUN's:
  // self-contained, and no sync of the whole host filesystem when the mount goes away.
  if (lower_dirs.empty()) empty_lower_.emplace(scratch_parent, "empty-");
  UniqueFd overlay = executor::new_overlay(lower_dirs, upper_dir, work_dir,
                                           empty_lower_ ? empty_lower_->path() : fs::path());
  UniqueFd point(::open(path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!point) throw_errno("open `" + path().string() + "`");
  executor::attach(overlay.get(), point.get(), "overlay at `" + path().string() + "`");
}

OverlayMount::~OverlayMount() { ::umount2(path().c_str(), MNT_DETACH); }

}  // namespace gantry::solver
