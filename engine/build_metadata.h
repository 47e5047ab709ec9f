// --metadata-file: what buildx writes there, so scripts written for buildx read ours.
//   {"containerimage.config.digest": "sha256:...", "containerimage.digest": "sha256:...",
//    "image.name": "app:1,app:latest"}
// containerimage.digest is the manifest's digest, containerimage.config.digest the image id.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "base/digest.h"

namespace gantry::engine {

void write_build_metadata(const std::filesystem::path& file, const Digest& manifest, const Digest& config,
                          const std::vector<std::string>& names);

}  // namespace gantry::engine
