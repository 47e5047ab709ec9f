#include "exporter/content_size.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cstring>
#include <set>
#include <utility>

#include "base/error.h"
#include "cache/directory_entries.h"
#include "exporter/libarchive_handle.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

struct SizeWalk {
  std::int64_t size = 0;
  std::set<std::pair<dev_t, ino_t>> linked;  // inodes of more than one name, counted once
};

void add_directory(int dir_fd, const fs::path& path, SizeWalk& walk) {
  for (const cache::DirectoryEntry& entry : cache::stat_directory(dir_fd, path.string())) {
    if (entry.error != 0) throw Error("`" + (path / entry.name).string() + "`: " + std::strerror(entry.error));
    if (S_ISDIR(entry.st.st_mode)) {
      const fs::path child = path / entry.name;
      add_directory(cache::open_directory_at(dir_fd, entry.name.c_str(), child.string()).get(), child, walk);
      continue;
    }
    if (entry.st.st_size == 0) continue;
    if (entry.st.st_nlink > 1 && !walk.linked.insert({entry.st.st_dev, entry.st.st_ino}).second) continue;
    walk.size += entry.st.st_size;
  }
}

}  // namespace

std::int64_t directory_content_size(const fs::path& dir) {
  SizeWalk walk;
  add_directory(cache::open_directory_at(AT_FDCWD, dir.c_str(), dir.string()).get(), dir, walk);
  return walk.size;
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
