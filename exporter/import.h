// `gantry import ROOTFS.tar NAME`: a rootfs tarball becomes a one-layer image, like
// `docker import`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/platform.h"
#include "cache/content_store.h"
#include "exporter/image.h"

namespace gantry::exporter {

// The history comment of an imported image, unless the import gives its own (docker import -m).
inline constexpr const char* kImportComment = "imported from a rootfs tarball";

// The tarball (gzip, zstd or plain) is unpacked into `unpack_dir` (an empty directory of the
// caller's scratch space, which the caller removes) and repacked as a gzip layer in gantry's
// deterministic form (sorted entries, mtimes clamped to `created`), so the same tarball always
// gives the same image. Throws Error naming the tarball when it is not a readable tar or holds
// unsafe paths. `config` is the image config's "config" object (Cmd, Env, ...), `comment` its
// one history entry's comment, and `platform` what it says it runs on (the host's when none).
ImageRecord import_rootfs(const std::filesystem::path& tarball, const std::filesystem::path& unpack_dir,
                          const cache::ContentStore& store, std::int64_t created,
                          const nlohmann::json& config, const std::string& comment,
                          const std::optional<Platform>& platform);

}  // namespace gantry::exporter
