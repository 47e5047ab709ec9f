// `gantry image prune` and the daemon's POST /images/prune: forgets untagged (dangling) images,
// or with `all` every image, then lets the garbage collector remove the blobs nothing uses any
// more. Layers the build cache still remembers stay until `gantry prune`.
//
// dockerd's filters narrow what goes: `until` keeps images created after a time, `labels`
// keeps those that lack one of the labels, `not_labels` keeps those that have all of them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cache/store.h"

namespace gantry::engine {

struct ImagePruneRequest {
  bool all = false;                     // named images too, not only untagged ones
  std::optional<std::int64_t> until;    // unix nanoseconds: only images created at or before it
  std::vector<std::string> labels;      // KEY or KEY=VALUE: only images that have every one
  std::vector<std::string> not_labels;  // KEY or KEY=VALUE: not images that have every one
};

struct ImagePruneReport {
  std::vector<std::string> untagged;  // names removed (with `all`)
  std::vector<std::string> deleted;   // image ids (config digests) of the images removed
  std::int64_t reclaimed_bytes = 0;
};

ImagePruneReport prune_images(cache::Store& store, const ImagePruneRequest& request);

}  // namespace gantry::engine
