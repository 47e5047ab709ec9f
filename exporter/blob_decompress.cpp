#include "exporter/blob_decompress.h"

#include <fcntl.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exporter/byte_sink.h"
#include "exporter/libarchive_handle.h"

namespace gantry::exporter {

Digest decompress_blob(const std::filesystem::path& blob, const std::filesystem::path& dest) {
  const std::string label = "blob `" + blob.string() + "`";
  ArchiveReader reader(archive_read_new());
  if (!reader) throw Error(label + ": cannot allocate an archive reader");
  // The "raw" format: the filters' output as one stream, whatever it is.
  archive_read_support_filter_gzip(reader.get());
  archive_read_support_filter_zstd(reader.get());
  archive_read_support_format_raw(reader.get());
  archive_entry* entry = nullptr;
  if (archive_read_open_filename(reader.get(), blob.c_str(), 1 << 20) != ARCHIVE_OK ||
      archive_read_next_header(reader.get(), &entry) != ARCHIVE_OK)
    throw Error(label + ": " + archive_message(reader.get()));

  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) throw_errno("create `" + dest.string() + "`");
  FdSink file(out.get(), dest);
  HashingSink hashed(file);
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(reader.get(), &block, &size, &offset);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK) throw Error(label + ": " + archive_message(reader.get()));
    hashed.write(block, size);
  }
  return hashed.finish();
}

}  // namespace gantry::exporter
