// Layer blobs back to plain tars (docker-archive holds layers uncompressed).
#pragma once

#include <filesystem>

#include "base/digest.h"

namespace gantry::exporter {

// Writes the uncompressed bytes of `blob` (gzip, zstd or plain, sniffed) to `dest` and returns
// their sha256. Throws Error naming the blob when it is corrupt or truncated.
Digest decompress_blob(const std::filesystem::path& blob, const std::filesystem::path& dest);

}  // namespace gantry::exporter
