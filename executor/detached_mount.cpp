#include "executor/detached_mount.h"

#include <fcntl.h>
#include <sys/mount.h>

#include "base/error.h"

namespace gantry::executor {

UniqueFd new_filesystem(const std::string& type,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        unsigned attrs) {
  UniqueFd context(::fsopen(type.c_str(), FSOPEN_CLOEXEC));
  if (!context) throw_errno("fsopen " + type);
  for (const auto& [key, value] : options) {
    const int rc = value.empty()
                       ? ::fsconfig(context.get(), FSCONFIG_SET_FLAG, key.c_str(), nullptr, 0)
                       : ::fsconfig(context.get(), FSCONFIG_SET_STRING, key.c_str(),
                                    value.c_str(), 0);
    if (rc != 0) throw_errno(type + " option `" + key + "=" + value + "`");
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    throw_errno("create " + type + " filesystem");
  }
  UniqueFd mount(::fsmount(context.get(), FSMOUNT_CLOEXEC, attrs));
  if (!mount) throw_errno("mount " + type + " filesystem");
  return mount;
}

UniqueFd clone_tree(int dir_fd, const std::string& path, const std::string& what) {
  const unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
                         (path.empty() ? AT_EMPTY_PATH : 0);
  UniqueFd tree(::open_tree(dir_fd, path.c_str(), flags));
  if (!tree) throw_errno("bind " + what);
  return tree;
}

void set_mount_attrs(int mount_fd, unsigned attrs, const std::string& what) {
  mount_attr attr{};
  attr.attr_set = attrs;
  if (::mount_setattr(mount_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) != 0) {
    throw_errno("set mount flags of " + what);
  }
}

void attach(int mount_fd, int target_fd, const std::string& what) {
  if (::move_mount(mount_fd, "", target_fd, "",
                   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    throw_errno("mount on `" + what + "`");
  }
}

}  // namespace gantry::executor
