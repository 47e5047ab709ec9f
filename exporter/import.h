// `gantry import ROOTFS.tar NAME`: a rootfs tarball becomes a one-layer image, like
// `docker import`.
#pragma once

#include <cstdint>
#include <filesystem>

#include "cache/content_store.h"
#include "exporter/image.h"

namespace gantry::exporter {

// The tarball (gzip, zstd or plain) is unpacked into `unpack_dir` (an empty directory of the
// caller's scratch space, which the caller removes) and repacked as a gzip layer in gantry's
// deterministic form (sorted entries, mtimes clamped to `created`), so the same tarball always
// gives the same image. Throws Error naming the tarball when it is not a readable tar or holds
// unsafe paths.
ImageRecord import_rootfs(const std::filesystem::path& tarball, const std::filesystem::path& unpack_dir,
                          const cache::ContentStore& store, std::int64_t created);

}  // namespace gantry::exporter
