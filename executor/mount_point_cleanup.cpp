#include "executor/mount_point_cleanup.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"
#include "base/user_namespace.h"

namespace gantry::executor {
namespace {

// A copied-up directory is only ours to remove if the command left it as the copy-up made it:
// same owner and mode, and not made opaque (an opaque dir hides the lower one: a real change).
bool untouched_copy_up(int parent_fd, const std::string& name, const AddedPath& added) {
  UniqueFd dir(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!dir || ::fstat(dir.get(), &st) != 0) return false;
  if (st.st_mode != added.mode || st.st_uid != added.uid || st.st_gid != added.gid) return false;
  char value[4];
  return ::fgetxattr(dir.get(), overlay_opaque_xattr(), value, sizeof value) < 0;
}

}  // namespace

void remove_created_mount_points(const std::filesystem::path& upper_dir,
                                 const std::vector<AddedPath>& added) {
  if (added.empty()) return;
  UniqueFd upper(::open(upper_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper) throw_errno("open upper dir `" + upper_dir.string() + "`");
  for (auto it = added.rbegin(); it != added.rend(); ++it) {
    const std::filesystem::path path(it->path);
    const std::string parent = path.parent_path().empty() ? "." : path.parent_path().string();
    // The command may have replaced a parent with a symlink: then the stub is not where we
    // made it, and following the link could delete something else.
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS;
    UniqueFd dir(static_cast<int>(::syscall(SYS_openat2, upper.get(), parent.c_str(), &how,
                                            sizeof how)));
    if (!dir) continue;
    const std::string name = path.filename().string();
    if (it->copied_up) {
      // rmdir fails on a non-empty dir (files, whiteouts): those stay in the layer.
      if (untouched_copy_up(dir.get(), name, *it)) ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR);
      continue;
    }
    if (::unlinkat(dir.get(), name.c_str(), 0) == 0) continue;
    if (errno == EISDIR && ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) == 0) continue;
    if (errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
      throw_errno("remove mount point `/" + it->path + "` from the upper dir");
    }
  }
}

}  // namespace gantry::executor
