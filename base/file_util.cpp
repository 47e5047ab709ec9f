#include "base/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "base/error.h"
#include "base/unique_fd.h"

namespace gantry {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open `" + path.string() + "`");
  return read_fd(fd.get(), "`" + path.string() + "`");
}

std::string read_fd(int fd, const std::string& what) {
  std::string out;
  char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + what);
    if (n == 0) return out;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

void fsync_dir(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno("open directory `" + dir.string() + "`");
  if (::fsync(fd.get()) != 0) throw_errno("fsync `" + dir.string() + "`");
}

namespace {

// Writes `data` to a fresh temp file beside `path` (fsync'd, with `mode`) and returns its path.
fs::path write_temp_beside(const fs::path& path, std::string_view data, mode_t mode = 0644) {
  std::string tmpl = (path.parent_path() / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  UniqueFd fd(::mkstemp(tmpl.data()));
  if (!fd) throw_errno("create temp file for `" + path.string() + "`");
  const fs::path tmp = tmpl;
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw errno_error(what + " `" + path.string() + "`", err);
  };
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd.get(), p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fchmod(fd.get(), mode) != 0) fail("chmod");
  if (::fsync(fd.get()) != 0) fail("fsync");
  return tmp;
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view data, mode_t mode) {
  const fs::path tmp = write_temp_beside(path, data, mode);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw errno_error("rename into place `" + path.string() + "`", err);
  }
}

bool write_file_if_absent(const fs::path& path, std::string_view data) {
  const fs::path tmp = write_temp_beside(path, data);
  // link(2), unlike rename(2), never replaces what is there.
  const bool created = ::link(tmp.c_str(), path.c_str()) == 0;
  const int err = errno;
  ::unlink(tmp.c_str());
  if (!created && err != EEXIST) throw errno_error("link into place `" + path.string() + "`", err);
  return created;
}

TempDir::TempDir(const fs::path& parent, std::string_view prefix) {
  std::string tmpl = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw_errno("create temp directory under `" + parent.string() + "`");
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace gantry
