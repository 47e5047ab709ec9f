// `gantry image prune`: forgets untagged (dangling) images, or with `all` every image, then
// lets the garbage collector remove the blobs nothing uses any more. Layers the build cache
// still remembers stay until `gantry prune`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/store.h"

namespace gantry::engine {

struct ImagePruneReport {
  std::vector<std::string> untagged;  // names removed (with `all`)
  std::vector<std::string> deleted;   // image ids (config digests) of the images removed
  std::int64_t reclaimed_bytes = 0;
};

ImagePruneReport prune_images(cache::Store& store, bool all);

}  // namespace gantry::engine
