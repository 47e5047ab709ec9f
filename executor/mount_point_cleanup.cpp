#include "executor/mount_point_cleanup.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry::executor {

void remove_created_mount_points(const std::filesystem::path& upper_dir,
                                 const std::vector<std::string>& created) {
  if (created.empty()) return;
  UniqueFd upper(::open(upper_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!upper) throw_errno("open upper dir `" + upper_dir.string() + "`");
  for (auto it = created.rbegin(); it != created.rend(); ++it) {
    const std::filesystem::path path(*it);
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
    if (::unlinkat(dir.get(), name.c_str(), 0) == 0) continue;
    if (errno == EISDIR && ::unlinkat(dir.get(), name.c_str(), AT_REMOVEDIR) == 0) continue;
    if (errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
      throw_errno("remove mount point `/" + *it + "` from the upper dir");
    }
  }
}

}  // namespace gantry::executor
