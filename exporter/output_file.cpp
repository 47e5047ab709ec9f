#include "exporter/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.h"

namespace gantry::exporter {

namespace {
std::filesystem::path parent_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}
}  // namespace

OutputTarget OutputTarget::stream(int fd, std::string name) {
  OutputTarget target(std::move(name));
  target.stream_fd = fd;
  return target;
}

OutputFile::OutputFile(const OutputTarget& target) : dest_(target.file), stream_(target.stream_fd >= 0) {
  if (stream_) {
    fd_.reset(::fcntl(target.stream_fd, F_DUPFD_CLOEXEC, 0));
    if (!fd_) throw_errno("write to " + dest_.string());
    return;
  }
  fd_.reset(::open(parent_of(dest_).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644));
  if (!fd_) throw_errno("create `" + dest_.string() + "`");
}

void OutputFile::commit() {
  if (stream_) return;
  if (::fchmod(fd_.get(), 0644) != 0) throw_errno("chmod `" + dest_.string() + "`");
  if (::fsync(fd_.get()) != 0) throw_errno("fsync `" + dest_.string() + "`");
  // Give the file a temp name, then rename it over the destination in one step.
  const std::string proc_path = "/proc/self/fd/" + std::to_string(fd_.get());
  std::string temp;
  for (int attempt = 0;; ++attempt) {
    temp = (parent_of(dest_) / ("." + dest_.filename().string() + ".tmp-" + std::to_string(::getpid()) +
                                "-" + std::to_string(attempt))).string();
    if (::linkat(AT_FDCWD, proc_path.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) == 0) break;
    if (errno != EEXIST || attempt > 100) throw_errno("link `" + dest_.string() + "` into place");
  }
  fd_.reset();
  if (::rename(temp.c_str(), dest_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    throw errno_error("rename into place `" + dest_.string() + "`", err);
  }
}

}  // namespace gantry::exporter
