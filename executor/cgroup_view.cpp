#include "executor/cgroup_view.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "base/error.h"
#include "executor/detached_mount.h"
#include "executor/path_in_root.h"

namespace gantry::executor {
namespace {

constexpr const char* kCgroupDir = "sys/fs/cgroup";
constexpr unsigned kReadOnly =
    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

}  // namespace

CgroupView make_cgroup_view(const RunCgroup& run) {
  CgroupView view;
  // On v1 a tmpfs holds a directory per controller (none when the run joined none).
  if (run.v1() && !run.views().empty()) {
    view.tmpfs = new_filesystem("tmpfs", {{"size", "0"}, {"mode", "0755"}}, 0);
    for (const auto& [controller, dir] : run.views()) {
      if (::mkdirat(view.tmpfs.get(), controller.c_str(), 0555) != 0) {
        throw_errno("create /sys/fs/cgroup/" + controller + " for the run");
      }
    }
    set_mount_attrs(view.tmpfs.get(), kReadOnly, "/sys/fs/cgroup");
  }
  for (const auto& [controller, dir] : run.views()) {
    UniqueFd tree = clone_tree(AT_FDCWD, dir.string(), "cgroup `" + dir.string() + "`");
    set_mount_attrs(tree.get(), kReadOnly, "cgroup `" + dir.string() + "`");
    view.trees.emplace_back(
        controller.empty() ? kCgroupDir : std::string(kCgroupDir) + "/" + controller,
        std::move(tree));
  }
  return view;
}

SetupFailure attach_cgroup_view(const CgroupView& view, int root_fd) noexcept {
  if (view.tmpfs) {
    UniqueFd point = open_clean_in_root(root_fd, kCgroupDir, O_PATH | O_DIRECTORY);
    if (!point) return failed("open", "/sys/fs/cgroup");
    if (SetupFailure f = try_attach(view.tmpfs.get(), point.get(), "/sys/fs/cgroup")) return f;
  }
  for (const auto& [path, tree] : view.trees) {
    UniqueFd point = open_clean_in_root(root_fd, path.c_str(), O_PATH | O_DIRECTORY);
    if (!point) return failed("open", path.c_str());
    if (SetupFailure f = try_attach(tree.get(), point.get(), path.c_str())) return f;
  }
  return {};
}

}  // namespace gantry::executor
