// An image's layers against the diff_ids its config claims, checked before the image gets a name
// in the store (a pull, a load): an image whose config lies about a layer is refused at the door,
// and no later build can take its layer for the one it claims to be.
#pragma once

#include <nlohmann/json.hpp>

#include "cache/content_store.h"
#include "cache/uncompressed_layers.h"

namespace gantry::exporter {

// Every layer of `manifest` (an image manifest whose blobs are in `store`) must hold, uncompressed,
// the diff_id at the same place in `config`'s rootfs. A blob whose digest is its diff_id is a plain
// tar proven by its digest; any other is read through (the layers on every core) unless `known`
// read it before, and what it holds is recorded in `known`. Throws Error "layer <digest>: ..." for a
// layer that is not what the config claims, or when the two list different numbers of
// layers; nothing is recorded then.
void check_image_layers(const cache::ContentStore& store, cache::UncompressedLayers& known,
                        const nlohmann::json& manifest, const nlohmann::json& config);

}  // namespace gantry::exporter
