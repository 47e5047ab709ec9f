// The uncompressed bytes of a layer blob, read once and hashed on the way.
//
// A layer's diff_id is the sha256 of its uncompressed tar, and only the image config claims it:
// the blob's own digest proves the compressed bytes and nothing more. Reading a layer through a
// LayerStream is how a config that lies about a layer is caught: unpack_layer extracts the tar
// from the stream, the check of an image's layers (layer_check.h) only reads it through, and both
// compare the digest of every byte with the diff_id claimed before the layer is taken for it.
//
//   LayerStream stream(blob, "layer blob `...`");
//   ArchiveReader tar = stream.open_tar();   // extract from it...
//   cache::UncompressedLayer got = stream.finish();
//   expect_diff_id(got, claimed, label);
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "base/digest.h"
#include "cache/uncompressed_layers.h"
#include "exporter/libarchive_handle.h"

namespace gantry::exporter {

class LayerStream {
 public:
  // Opens `blob` (gzip, zstd or plain, sniffed from its bytes); throws Error "<label>: ..."
  // when it cannot be read.
  LayerStream(const std::filesystem::path& blob, std::string label);
  // The same over the bytes read from `fd` until its end (a blob still arriving: a pull unpacks
  // a layer as it downloads). The fd stays the caller's.
  LayerStream(int fd, std::string label);
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  // The next uncompressed bytes (valid until the next call), empty at the end. Throws Error
  // naming the blob when it is corrupt or truncated.
  std::string_view next();
  // A tar reader over the stream (one per stream; it must not outlive the stream).
  ArchiveReader open_tar();
  // Reads what is left (a tar reader stops at the end-of-archive blocks, padding may follow)
  // and gives the digest and size of all the bytes.
  cache::UncompressedLayer finish();

 private:
  // Reads the header of the raw stream `opened` (the result of the archive_read_open call) began.
  void start(int opened);

  ArchiveReader raw_;
  std::string label_;
  Sha256 hash_;
  std::int64_t size_ = 0;
  bool ended_ = false;
};

// Throws Error "<label>: its uncompressed content is <got>, not the diff_id <claimed> claimed for
// it" when they differ.
void expect_diff_id(const cache::UncompressedLayer& got, const Digest& claimed, const std::string& label);

}  // namespace gantry::exporter
