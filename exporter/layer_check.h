// What layer blobs hold uncompressed, and an image's layers checked against the diff_ids its
// config claims before the image gets a name in the store (a pull, a load): an image whose config
// lies about a layer is refused at the door, and no later build can take its layer for the one it
// claims to be.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "cache/content_store.h"
#include "cache/uncompressed_layers.h"

namespace gantry::exporter {

// Every layer of `manifest` (an image manifest whose blobs are in `store`) must hold, uncompressed,
// the diff_id at the same place in `config`'s rootfs. A blob whose digest is its diff_id is a plain
// tar proven by its digest; any other is read through once (those on every core) and what it holds
// recorded in `known`, a fact about the blob's bytes whatever any config claims. Throws Error
// "layer <digest>: ..." for a layer that is not what the config claims, or when the two list
// different numbers of layers.
void check_image_layers(const cache::ContentStore& store, cache::UncompressedLayers& known,
                        const nlohmann::json& manifest, const nlohmann::json& config);

}  // namespace gantry::exporter
