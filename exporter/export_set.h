// What an export holds: the images behind (name, manifest) pairs, each read once, with the names
// that point at it, in the order first named.
#pragma once

#include <string>
#include <vector>

#include "cache/content_store.h"
#include "exporter/archive.h"
#include "exporter/image.h"
#include "exporter/tar_writer.h"

namespace gantry::exporter {

struct ExportedImage {
  ImageView image;
  std::vector<std::string> names;  // familiar, with a tag: "hello:latest"
  std::string manifest_media_type;
  std::vector<Digest> layers;
};

// Throws Error naming the manifest when it or one of its blobs is not in the store (a layer of
// `layer_dirs` need not be), UsageError for a name that is not an image reference.
std::vector<ExportedImage> collect_export(const cache::ContentStore& store,
                                          const TaggedManifests& tagged_manifests,
                                          const LayerDirs& layer_dirs = {});

// Adds the layer in `dir` to `tar` as `name`, packed as it is written; throws Error naming the
// directory when it does not pack to `diff_id` and `size` (its files changed since it was hashed).
void add_layer_from_dir(TarWriter& tar, const std::string& name, const std::filesystem::path& dir,
                        const Digest& diff_id, std::int64_t size);

}  // namespace gantry::exporter
