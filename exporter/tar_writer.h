// A deterministic pax tar writer over a ByteSink: the bytes depend only on what is added. Owners
// are numeric (no user or group names), mtimes whole seconds, no atime or ctime, and every
// header field that is not given is zero.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/unique_fd.h"
#include "exporter/byte_sink.h"
#include "exporter/libarchive_handle.h"
#include "exporter/utf8_locale.h"
#include "exporter/xattrs.h"

namespace gantry::exporter {

// An object on disk as a walk finds it: `name` in the directory `dir_fd`, which is at `dir` (the
// object's path, dir / name, is built only for an error; with AT_FDCWD, `name` is the whole
// path and `dir` empty), and `fd` when the walker has the object itself open already (a
// directory it is about to descend into), else -1.
struct DiskObject {
  int dir_fd;
  const char* name;
  const std::filesystem::path& dir;
  int fd = -1;

  std::filesystem::path path() const { return dir / name; }
};

// What a tar entry needs from the disk, read before the entry is written (possibly on another
// thread, so that a walk reads files while the tar is hashed and stored). A regular file's
// data is in `data` when it was small enough to read ahead, else it is read from `file` as the
// entry is written.
struct ReadObject {
  struct stat st {};
  Xattrs xattrs;
  std::string link_target;
  std::unique_ptr<char[]> data;
  UniqueFd file;
  std::filesystem::path file_path;  // for errors while `file` is read
};

// Reads `source` (whose lstat is `st`): its xattrs and link target, and a regular file's data
// into memory when it has at most `read_ahead` bytes.
ReadObject read_object(const DiskObject& source, const struct stat& st, std::int64_t read_ahead);

class TarWriter {
 public:
  explicit TarWriter(ByteSink& out);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds `source` (whose lstat is `st`) as `name`, with its data, link target, device numbers
  // and the xattrs layers carry. A regular file whose inode was already added becomes a hard
  // link to the first name it was added under.
  void add_from_disk(const std::string& name, const DiskObject& source, const struct stat& st,
                     std::optional<std::int64_t> clamp_mtime);
  // The same for an object read beforehand.
  void add_read(const std::string& name, const ReadObject& object, std::optional<std::int64_t> clamp_mtime);
  // An empty regular file with mode 0 and the owner and mtime of `like` (a whiteout marker).
  void add_marker(const std::string& name, const struct stat& like,
                  std::optional<std::int64_t> clamp_mtime);
  // Root-owned entries for exports (0755 dirs, 0644 files).
  void add_directory(const std::string& name, std::int64_t mtime);
  void add_file(const std::string& name, const std::filesystem::path& source, std::int64_t mtime);
  void add_bytes(const std::string& name, std::string_view data, std::int64_t mtime);
  // A file of `size` bytes whose data `produce` writes to the sink it is given, straight into
  // the archive (a layer packed as it is archived, with no copy stored first). Throws Error
  // naming `name` when `produce` writes more or fewer bytes than `size`; the archive is then
  // unusable, and the caller's output must not be kept.
  void add_stream(const std::string& name, std::int64_t size, std::int64_t mtime,
                  const std::function<void(ByteSink&)>& produce);

  // Writes the end-of-archive blocks; the writer is done after this.
  void finish();

 private:
  static constexpr std::size_t kReadBufferSize = 1 << 20;
  static la_ssize_t write_callback(archive*, void* self, const void* data, size_t size);
  void write_header(archive_entry* entry, const std::string& name);
  // Writes `name` as a hard link when a regular file of the same inode was added before.
  bool added_as_hard_link(const std::string& name, const struct stat& st, std::optional<std::int64_t> clamp_mtime);
  void copy_data(int fd, const std::filesystem::path& source, std::int64_t size);
  void check(int rc, const std::string& what);

  ByteSink& out_;
  std::exception_ptr sink_error_;  // a sink's exception, kept across libarchive's C frames
  std::map<std::pair<dev_t, ino_t>, std::string> first_name_of_inode_;
  // File data passes through here: made once, not per file (a layer may have 20,000 files).
  std::unique_ptr<char[]> read_buffer_ = std::make_unique_for_overwrite<char[]>(kReadBufferSize);
  Utf8Locale utf8_;
  ArchiveWriter archive_;  // last: freed first, while the sink is still there
};

}  // namespace gantry::exporter
