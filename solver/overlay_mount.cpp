#include "solver/overlay_mount.h"

#include <sched.h>
#include <sys/mount.h>

#include <cerrno>

#include "base/error.h"
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
  std::string lower;
  for (const auto& d : lower_dirs) lower += (lower.empty() ? "" : ":") + d.string();
  if (lower_dirs.empty() || (upper_dir.empty() && lower_dirs.size() == 1)) {
    // overlayfs wants an upper dir or two lower dirs; an empty one changes nothing.
    empty_lower_.emplace(scratch_parent, "empty-");
    lower += (lower.empty() ? "" : ":") + empty_lower_->path().string();
  }
  std::string opts = "lowerdir=" + lower;
  if (!upper_dir.empty()) opts += ",upperdir=" + upper_dir.string() + ",workdir=" + work_dir.string();
  unsigned long flags = upper_dir.empty() ? MS_RDONLY : 0;
  if (::mount("overlay", path().c_str(), "overlay", flags, opts.c_str()) != 0)
    throw_errno("mount overlay at `" + path().string() + "`");
}

OverlayMount::~OverlayMount() { ::umount2(path().c_str(), MNT_DETACH); }

}  // namespace gantry::solver
