// Owners for libarchive's handles, and the reader every blob and archive is opened with.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <memory>
#include <string>

namespace gantry::exporter {

struct ArchiveWriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct ArchiveEntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

using ArchiveWriter = std::unique_ptr<archive, ArchiveWriteFree>;
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;
using ArchiveEntry = std::unique_ptr<archive_entry, ArchiveEntryFree>;

// libarchive's message for the last failure on `a`, or "unknown error".
std::string archive_message(archive* a);

// Opens `file` as a tar, plain or compressed with gzip, zstd, bzip2 or xz (sniffed from the
// bytes). Throws
// Error "<label>: ..." when it cannot be opened or is not a tar.
ArchiveReader open_tar_reader(const std::filesystem::path& file, const std::string& label);

}  // namespace gantry::exporter
