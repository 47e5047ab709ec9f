#include "executor/cgroup_hierarchy.h"

#include <linux/magic.h>
#include <sys/statfs.h>

#include "base/error.h"
#include "base/file_util.h"

namespace gantry::executor {
namespace {

constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

CgroupTree tree_at(const std::filesystem::path& mount, std::string_view own) {
  return CgroupTree{mount, mount / std::filesystem::path(own).relative_path()};
}

}  // namespace

void check_cgroup_parent(std::string_view cgroup_parent, std::string_view what) {
  for (const auto& part : std::filesystem::path(cgroup_parent)) {
    if (part == "..") {
      throw UsageError(std::string(what) + " `" + std::string(cgroup_parent) +
                       "`: must not contain `..`");
    }
  }
}

std::filesystem::path CgroupTree::base(std::string_view cgroup_parent) const {
  check_cgroup_parent(cgroup_parent, "cgroup parent");
  const std::filesystem::path parent(cgroup_parent);
  if (parent.empty()) return own;
  return (parent.is_absolute() ? mount / parent.relative_path() : own / parent).lexically_normal();
}

std::optional<std::string> cgroup_of(std::string_view proc_cgroup, std::string_view controller) {
  // Lines are "ID:CONTROLLERS:PATH"; the v2 line has no controllers ("0::/a/b").
  std::size_t start = 0;
  while (start < proc_cgroup.size()) {
    std::size_t end = proc_cgroup.find('\n', start);
    if (end == std::string_view::npos) end = proc_cgroup.size();
    const std::string_view line = proc_cgroup.substr(start, end - start);
    start = end + 1;
    const std::size_t first = line.find(':');
    const std::size_t second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    bool match = controller.empty() && controllers.empty();
    for (std::size_t pos = 0; !match && !controllers.empty() && pos <= controllers.size();) {
      std::size_t comma = controllers.find(',', pos);
      if (comma == std::string_view::npos) comma = controllers.size();
      match = !controller.empty() && controllers.substr(pos, comma - pos) == controller;
      pos = comma + 1;
    }
    if (match) return std::string(line.substr(second + 1));
  }
  return std::nullopt;
}

CgroupHierarchy CgroupHierarchy::of_this_process() {
  struct statfs fs{};
  if (::statfs(kCgroupRoot, &fs) != 0) throw_errno(std::string("statfs ") + kCgroupRoot);
  const std::string self = read_file("/proc/self/cgroup");
  if (fs.f_type == CGROUP2_SUPER_MAGIC) {
    const auto own = cgroup_of(self, "");
    if (!own) throw Error("/proc/self/cgroup: no cgroup v2 entry on a cgroup v2 host");
    return unified_at(kCgroupRoot, *own);
  }
  CgroupHierarchy hierarchy;
  auto tree = [&](const char* controller) -> std::optional<CgroupTree> {
    const std::filesystem::path mount = std::filesystem::path(kCgroupRoot) / controller;
    struct statfs controller_fs{};
    if (::statfs(mount.c_str(), &controller_fs) != 0 || controller_fs.f_type != CGROUP_SUPER_MAGIC) {
      return std::nullopt;
    }
    const auto own = cgroup_of(self, controller);
    if (!own) return std::nullopt;
    return tree_at(mount, *own);
  };
  hierarchy.devices = tree("devices");
  hierarchy.pids = tree("pids");
  hierarchy.memory = tree("memory");
  hierarchy.cpu = tree("cpu");
  hierarchy.cpuset = tree("cpuset");
  return hierarchy;
}

CgroupHierarchy CgroupHierarchy::unified_at(const std::filesystem::path& mount, std::string_view own) {
  CgroupHierarchy hierarchy;
  hierarchy.unified = tree_at(mount, own);
  return hierarchy;
}

}  // namespace gantry::executor
