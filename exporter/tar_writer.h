// A deterministic pax tar writer over a ByteSink: the bytes depend only on what is added. Owners
// are numeric (no user or group names), mtimes whole seconds, no atime or ctime, and every
// header field that is not given is zero.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "exporter/byte_sink.h"
#include "exporter/libarchive_handle.h"
#include "exporter/utf8_locale.h"

namespace gantry::exporter {

class TarWriter {
 public:
  explicit TarWriter(ByteSink& out);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // Adds the object at `source` (whose lstat is `st`) as `name`, with its data, link target,
  // device numbers and the xattrs layers carry. A regular file whose inode was already added
  // becomes a hard link to the first name it was added under.
  void add_from_disk(const std::string& name, const std::filesystem::path& source,
                     const struct stat& st, std::optional<std::int64_t> clamp_mtime);
  // An empty regular file with mode 0 and the owner and mtime of `like` (a whiteout marker).
  void add_marker(const std::string& name, const struct stat& like,
                  std::optional<std::int64_t> clamp_mtime);
  // Root-owned entries for exports (0755 dirs, 0644 files).
  void add_directory(const std::string& name, std::int64_t mtime);
  void add_file(const std::string& name, const std::filesystem::path& source, std::int64_t mtime);
  void add_bytes(const std::string& name, std::string_view data, std::int64_t mtime);

  // Writes the end-of-archive blocks; the writer is done after this.
  void finish();

 private:
  static constexpr std::size_t kReadBufferSize = 1 << 20;
  static la_ssize_t write_callback(archive*, void* self, const void* data, size_t size);
  void write_header(archive_entry* entry, const std::string& name);
  void copy_data(const std::filesystem::path& source, std::int64_t size);
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
