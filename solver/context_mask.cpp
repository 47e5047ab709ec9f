#include "solver/context_mask.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cache/directory_entries.h"

namespace gantry::solver {

namespace {

// A directory of the context, and its copy in the mask, made the first time a whiteout needs it.
struct MaskedDir {
  const MaskedDir* parent;  // nullptr for the root
  std::string name;         // in the parent
  std::string path;         // in the context
  struct stat st;           // of the context's directory
  mutable UniqueFd fd;      // of its copy in the mask, once made
};

int mask_dir_fd(const MaskedDir& dir, int mask_root_fd) {
  if (dir.fd) return dir.fd.get();
  if (!dir.parent) {
    dir.fd.reset(::dup(mask_root_fd));
  } else {
    const int parent = mask_dir_fd(*dir.parent, mask_root_fd);
    if (::mkdirat(parent, dir.name.c_str(), 0700) != 0)
      throw_errno("mask directory `" + dir.path + "`");
    dir.fd.reset(
        ::openat(parent, dir.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  }
  if (!dir.fd) throw_errno("open mask directory `" + dir.path + "`");
  // The overlay shows the top layer's directory: it must look like the context's.
  const struct timespec times[2] = {dir.st.st_atim, dir.st.st_mtim};
  if (::fchown(dir.fd.get(), dir.st.st_uid, dir.st.st_gid) != 0 ||
      ::fchmod(dir.fd.get(), dir.st.st_mode & 07777) != 0 || ::futimens(dir.fd.get(), times) != 0)
    throw_errno("set owner, mode and times of mask directory `" + dir.path + "`");
  return dir.fd.get();
}

void mask_directory(const cache::SourceTree& context, int dir_fd, const MaskedDir& dir,
                    int mask_root_fd) {
  for (const auto& entry : cache::stat_directory(dir_fd, dir.path.empty() ? "." : dir.path)) {
    const std::string path = cache::join_relative(dir.path, entry.name);
    if (!context.holds(dir_fd, entry, path)) {
      if (::mknodat(mask_dir_fd(dir, mask_root_fd), entry.name.c_str(), S_IFCHR | 0000,
                    makedev(0, 0)) != 0)
        throw_errno("whiteout `" + path + "` in the mask");
      continue;
    }
    if (entry.error != 0) throw errno_error("context path `" + path + "`", entry.error);
    if (!S_ISDIR(entry.st.st_mode)) continue;
    const UniqueFd child_fd = cache::open_directory_at(dir_fd, entry.name.c_str(), path);
    const MaskedDir child{&dir, entry.name, path, entry.st, {}};
    mask_directory(context, child_fd.get(), child, mask_root_fd);
  }
}

}  // namespace

bool write_exclusion_mask(const cache::SourceTree& context, const std::filesystem::path& mask) {
  if (context.rules().empty()) return false;
  const UniqueFd mask_fd(::open(mask.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!mask_fd) throw_errno("open `" + mask.string() + "`");
  const UniqueFd root_fd = cache::open_directory_at(context.root_fd(), ".", ".");
  struct stat st;
  if (::fstat(root_fd.get(), &st) != 0) throw_errno("stat `" + context.root().string() + "`");
  const MaskedDir root{nullptr, "", "", st, {}};
  mask_directory(context, root_fd.get(), root, mask_fd.get());
  return static_cast<bool>(root.fd);  // made for the first whiteout, with the root's metadata
}

}  // namespace gantry::solver
