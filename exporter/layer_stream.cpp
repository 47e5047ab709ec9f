#include "exporter/layer_stream.h"

#include <cerrno>
#include <exception>

#include "base/error.h"

namespace gantry::exporter {

namespace {

// libarchive's read callback for the tar reader: the stream's next bytes. An exception must
// not unwind through libarchive's C frames, so a failure becomes the reader's error.
la_ssize_t read_from_stream(archive* reader, void* stream, const void** buffer) {
  try {
    const std::string_view bytes = static_cast<LayerStream*>(stream)->next();
    *buffer = bytes.data();
    return static_cast<la_ssize_t>(bytes.size());
  } catch (const std::exception& e) {
    archive_set_error(reader, EIO, "%s", e.what());
    return -1;
  }
}

// A reader of a blob's decompressed bytes (the "raw" format: the filters' output as one stream,
// whatever it is), not yet opened; null when it cannot be allocated.
archive* new_raw_reader() {
  archive* raw = archive_read_new();
  if (!raw) return nullptr;
  archive_read_support_filter_gzip(raw);
  archive_read_support_filter_zstd(raw);
  archive_read_support_format_raw(raw);
  return raw;
}

}  // namespace

LayerStream::LayerStream(const std::filesystem::path& blob, std::string label)
    : raw_(new_raw_reader()), label_(std::move(label)) {
  if (!raw_) throw Error(label_ + ": cannot allocate an archive reader");
  start(archive_read_open_filename(raw_.get(), blob.c_str(), 1 << 20));
}

LayerStream::LayerStream(int fd, std::string label) : raw_(new_raw_reader()), label_(std::move(label)) {
  if (!raw_) throw Error(label_ + ": cannot allocate an archive reader");
  start(archive_read_open_fd(raw_.get(), fd, 1 << 20));
}

void LayerStream::start(int opened) {
  archive_entry* entry = nullptr;
  if (opened != ARCHIVE_OK || archive_read_next_header(raw_.get(), &entry) != ARCHIVE_OK)
    throw Error(label_ + ": " + archive_message(raw_.get()));
}

std::string_view LayerStream::next() {
  if (ended_) return {};
  const void* block = nullptr;
  size_t size = 0;
  // An empty block is not the end (only ARCHIVE_EOF is): the callers take empty as the end.
  while (size == 0) {
    la_int64_t offset = 0;
    const int rc = archive_read_data_block(raw_.get(), &block, &size, &offset);
    if (rc == ARCHIVE_EOF) {
      ended_ = true;
      return {};
    }
    if (rc != ARCHIVE_OK) throw Error(label_ + ": " + archive_message(raw_.get()));
  }
  hash_.update(block, size);
  size_ += static_cast<std::int64_t>(size);
  return {static_cast<const char*>(block), size};
}

ArchiveReader LayerStream::open_tar() {
  ArchiveReader tar(archive_read_new());
  if (!tar) throw Error(label_ + ": cannot allocate an archive reader");
  archive_read_support_format_tar(tar.get());
  if (archive_read_open(tar.get(), this, nullptr, read_from_stream, nullptr) != ARCHIVE_OK)
    throw Error(label_ + ": " + archive_message(tar.get()));
  return tar;
}

cache::UncompressedLayer LayerStream::finish() {
  while (!next().empty()) {
  }
  return {hash_.finish(), size_};
}

void expect_diff_id(const cache::UncompressedLayer& got, const Digest& claimed, const std::string& label) {
  if (got.diff_id != claimed)
    throw Error(label + ": its uncompressed content is " + got.diff_id.str() + ", not the diff_id " + claimed.str() +
                " claimed for it");
}

}  // namespace gantry::exporter
