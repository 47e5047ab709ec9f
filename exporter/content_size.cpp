#include "exporter/content_size.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "base/error.h"
#include "exporter/libarchive_handle.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

std::int64_t directory_content_size(const fs::path& dir) {
  std::int64_t size = 0;
  std::set<std::pair<dev_t, ino_t>> counted;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) throw Error("`" + dir.string() + "`: " + ec.message());
  for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
    if (ec) throw Error("`" + dir.string() + "`: " + ec.message());
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0)
      throw Error("`" + it->path().string() + "`: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode) || st.st_size == 0) continue;
    if (counted.insert({st.st_dev, st.st_ino}).second) size += st.st_size;
  }
  if (ec) throw Error("`" + dir.string() + "`: " + ec.message());
  return size;
}

std::int64_t tar_content_size(const fs::path& blob, const std::string& label) {
  ArchiveReader tar = open_tar_reader(blob, label);
  std::int64_t size = 0;
  archive_entry* entry = nullptr;
  int r = ARCHIVE_OK;
  while ((r = archive_read_next_header(tar.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
    // A hard link is an inode counted where its first name was; whiteouts are empty files.
    if (archive_entry_hardlink(entry) != nullptr) continue;
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFREG) {
      size += archive_entry_size(entry);
    } else if (type == AE_IFLNK) {
      if (const char* target = archive_entry_symlink(entry)) size += static_cast<std::int64_t>(std::strlen(target));
    }
  }
  if (r != ARCHIVE_EOF) throw Error(label + ": " + archive_message(tar.get()));
  return size;
}

}  // namespace gantry::exporter
