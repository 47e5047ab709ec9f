// What an export holds: the images behind (name, manifest) pairs, each read once, with the names
// that point at it, in the order first named.
#pragma once

#include <string>
#include <vector>

#include "cache/content_store.h"
#include "exporter/archive.h"
#include "exporter/image.h"

namespace gantry::exporter {

struct ExportedImage {
  ImageView image;
  std::vector<std::string> names;  // familiar, with a tag: "hello:latest"
  std::string manifest_media_type;
  std::vector<Digest> layers;
};

// Throws Error naming the manifest when it or one of its blobs is not in the store, UsageError
// for a name that is not an image reference.
std::vector<ExportedImage> collect_export(const cache::ContentStore& store,
                                          const TaggedManifests& tagged_manifests);

}  // namespace gantry::exporter
