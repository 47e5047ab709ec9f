#include "executor/detached_mount.h"

#include <fcntl.h>
#include <sys/mount.h>

#include "base/error.h"

namespace gantry::executor {
namespace {

constexpr const char* kSetOption = "set filesystem option";

[[noreturn]] void throw_failure(const SetupFailure& failure) { throw Error(describe(failure)); }

}  // namespace

SetupFailure try_new_filesystem(const char* type, std::span<const FilesystemOption> options,
                                unsigned attrs, UniqueFd& out) noexcept {
  UniqueFd context(::fsopen(type, FSOPEN_CLOEXEC));
  if (!context) return failed("fsopen", type);
  for (const FilesystemOption& option : options) {
    const int rc = *option.value
                       ? ::fsconfig(context.get(), FSCONFIG_SET_STRING, option.key, option.value, 0)
                       : ::fsconfig(context.get(), FSCONFIG_SET_FLAG, option.key, nullptr, 0);
    if (rc != 0) return failed(kSetOption, option.key);
  }
  if (::fsconfig(context.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
    return failed("create filesystem", type);
  }
  out.reset(::fsmount(context.get(), FSMOUNT_CLOEXEC, attrs));
  if (!out) return failed("mount filesystem", type);
  return {};
}

UniqueFd new_filesystem(const std::string& type,
                        const std::vector<std::pair<std::string, std::string>>& options,
                        unsigned attrs) {
  std::vector<FilesystemOption> raw;
  for (const auto& [key, value] : options) raw.push_back({key.c_str(), value.c_str()});
  UniqueFd mount;
  if (const SetupFailure failure = try_new_filesystem(type.c_str(), raw, attrs, mount)) {
    if (failure.action != kSetOption) throw_failure(failure);
    // Which value it was says more than the key: lowerdir+ is every layer's.
    for (const FilesystemOption& option : raw) {
      if (option.key == failure.object) {
        throw errno_error(type + " option `" + option.key + "=" + option.value + "`", failure.error);
      }
    }
    throw_failure(failure);
  }
  return mount;
}

SetupFailure try_clone_tree(int dir_fd, const char* path, const char* what, UniqueFd& out) noexcept {
  const unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
                         (*path ? 0 : AT_EMPTY_PATH);
  out.reset(::open_tree(dir_fd, path, flags));
  if (!out) return failed("bind", what);
  return {};
}

UniqueFd clone_tree(int dir_fd, const std::string& path, const std::string& what) {
  UniqueFd tree;
  if (const SetupFailure failure = try_clone_tree(dir_fd, path.c_str(), what.c_str(), tree)) {
    throw_failure(failure);
  }
  return tree;
}

SetupFailure try_set_mount_attrs(int mount_fd, unsigned attrs, const char* what, bool recursive) noexcept {
  mount_attr attr{};
  attr.attr_set = attrs;
  if (::mount_setattr(mount_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) != 0) {
    return failed("set mount flags of", what);
  }
  return {};
}

void set_mount_attrs(int mount_fd, unsigned attrs, const std::string& what) {
  if (const SetupFailure failure = try_set_mount_attrs(mount_fd, attrs, what.c_str())) {
    throw_failure(failure);
  }
}

SetupFailure try_attach(int mount_fd, int target_fd, const char* what) noexcept {
  if (::move_mount(mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
    return failed("mount on", what);
  }
  return {};
}

void attach(int mount_fd, int target_fd, const std::string& what) {
  if (const SetupFailure failure = try_attach(mount_fd, target_fd, what.c_str())) {
    throw_failure(failure);
  }
}

}  // namespace gantry::executor
