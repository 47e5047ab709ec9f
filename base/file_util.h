// Small file-system operations with gantry's error convention (the path is named in every error).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace gantry {

std::string read_file(const std::filesystem::path& path);
// Reads `fd` to its end; errors name `what` (e.g. "`Dockerfile`").
std::string read_fd(int fd, const std::string& what);

// Writes `data` to a temp file beside `path`, fsyncs it and renames it over `path`, so readers
// see either the old or the new content, never a half-written file. The file has `mode` from
// the start (0600 for one holding secrets is never readable by others, not even for a moment).
void write_file_atomic(const std::filesystem::path& path, std::string_view data,
                       mode_t mode = 0644);

// The same, except that a file already at `path` is kept (false): one that another thread or
// process wrote first is never replaced, so a mount or an open fd of it stays on a live file.
bool write_file_if_absent(const std::filesystem::path& path, std::string_view data);

// fsync a directory, so that a rename inside it survives a crash.
void fsync_dir(const std::filesystem::path& dir);

// A fresh directory (mkdtemp) under `parent`, removed with its contents on destruction unless
// release() was called.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent, std::string_view prefix = "tmp-");
  TempDir(TempDir&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  // The directory held before is removed, as by the destructor.
  TempDir& operator=(TempDir&& o) noexcept {
    if (this == &o) return *this;
    TempDir replaced(std::move(*this));
    path_ = std::exchange(o.path_, {});
    return *this;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path release() { return std::exchange(path_, {}); }

 private:
  std::filesystem::path path_;
};

}  // namespace gantry
