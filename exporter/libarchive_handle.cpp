#include "exporter/libarchive_handle.h"

#include "base/error.h"

namespace gantry::exporter {

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message ? message : "unknown error";
}

ArchiveReader open_tar_reader(const std::filesystem::path& file, const std::string& label) {
  ArchiveReader reader(archive_read_new());
  if (!reader) throw Error(label + ": cannot allocate an archive reader");
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_filter_bzip2(reader.get());
  archive_read_support_filter_xz(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open_filename(reader.get(), file.c_str(), 1 << 20) != ARCHIVE_OK)
    throw Error(label + ": " + archive_message(reader.get()));
  return reader;
}

}  // namespace gantry::exporter
