// Layers: the tar form of a snapshot, as the OCI image spec defines it.
//
// A snapshot directory holds one layer's files in overlayfs form (a deleted path is a 0/0
// character device, an opaque directory carries trusted.overlay.opaque=y). pack_layer turns it
// into an OCI layer blob in the content store; unpack_layer turns a layer blob back into that
// form. The two are inverses: unpack(pack(dir)) has the same files, owners, modes, mtimes (to the
// second, clamped), links, devices, xattrs, whiteouts and opaque directories as `dir`.
//
// Example: a build step's upper dir is packed once, and its LayerBlob goes into the image:
//   LayerBlob blob = pack_layer(snapshot_dir, store, {.compression = Compression::Zstd});
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "base/digest.h"
#include "cache/content_store.h"
#include "cache/uncompressed_layers.h"
#include "exporter/byte_sink.h"

namespace gantry::exporter {

enum class Compression { Gzip, Zstd, Uncompressed };

struct LayerBlob {
  Digest diff_id;          // sha256 of the uncompressed tar (what the config's rootfs lists)
  Digest digest;           // sha256 of the blob as stored (what the manifest lists)
  std::int64_t size = 0;   // size of the blob as stored
  std::string media_type;  // e.g. application/vnd.oci.image.layer.v1.tar+gzip
};

struct PackOptions {
  Compression compression = Compression::Gzip;
  int level = -1;                           // -1 = the codec's default
  std::optional<std::int64_t> clamp_mtime;  // SOURCE_DATE_EPOCH: no mtime later than this
  bool oci_media_types = true;              // false: docker schema2 media types
};

// Packs the snapshot at `layer_dir` into a layer blob in `store`. The tar holds the entries
// depth first, each directory's children sorted by name (an opaque directory's ".wh..wh..opq"
// marker comes first among them), pax format, numeric owners only, mtimes in whole seconds (no
// atime/ctime), hard links as links, and only the xattrs security.capability and user.*. The
// bytes depend only on the files, so the same snapshot always gives the same digests; gzip and
// zstd are compressed on several threads without changing the bytes.
// Throws UsageError for zstd with docker media types (schema2 has no zstd layer type), Error
// naming the file on an I/O failure, and Error naming both digests when `expected_diff_id` is
// given and the tar hashes otherwise; nothing is left in the store then.
LayerBlob pack_layer(const std::filesystem::path& layer_dir, const cache::ContentStore& store,
                     const PackOptions& options, const std::optional<Digest>& expected_diff_id = std::nullopt);

// The LayerBlob pack_layer would store, computed without writing the bytes anywhere: how the
// local store records a layer it keeps only as its snapshot, to be packed again on export.
LayerBlob hash_layer(const std::filesystem::path& layer_dir, const PackOptions& options);

// Writes the uncompressed tar pack_layer would store for `layer_dir` to `out` instead, and gives
// its digest (the diff_id) and size: how an archive packs a layer straight into itself.
cache::UncompressedLayer write_layer_tar(const std::filesystem::path& layer_dir, ByteSink& out,
                                         std::optional<std::int64_t> clamp_mtime = std::nullopt);

// The uncompressed layer blob `plain` (in `store`) compressed as `options` say into a new blob of
// `store`; the diff_id stays. What a push of an image from the local store sends.
LayerBlob compress_layer(const cache::ContentStore& store, const LayerBlob& plain, const PackOptions& options);

// Unpacks a layer blob (gzip, zstd or plain tar, sniffed from its bytes) into `dest_dir`, which
// must exist and be empty, in overlay form: OCI whiteouts become 0/0 character devices and
// trusted.overlay.opaque=y. Owners, modes, mtimes, links, devices and the xattrs
// security.capability and user.* are restored (the process must be root to restore owners and
// devices). The uncompressed bytes are hashed as they are extracted and must be `diff_id`, the
// layer its image config claims. Throws Error naming the blob when the archive is corrupt or
// truncated, has an absolute or ../ member, or a link or path that would leave `dest_dir`, or
// when it is not `diff_id`; `dest_dir` is then emptied again. Returns what the blob holds.
cache::UncompressedLayer unpack_layer(const std::filesystem::path& blob, const Digest& diff_id,
                                      const std::filesystem::path& dest_dir);

// As unpack_layer, reading the blob from `fd` until its end (a layer unpacked while it downloads);
// `label` names the blob in errors. A blob that ends early is a truncated archive.
cache::UncompressedLayer unpack_layer_stream(int fd, const std::string& label, const Digest& diff_id,
                                             const std::filesystem::path& dest_dir);

}  // namespace gantry::exporter
