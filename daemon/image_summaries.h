// docker's ImageSummary list (GET /images/json's body, and /system/df's Images) for images the
// engine listed (engine::list_images): one entry per image id, with every name it has. The
// layers' sizes are measured once, apart, so that /system/df derives its sharing from the same.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/digest.h"
#include "cache/store.h"
#include "engine/local_images.h"

namespace gantry::daemon {

// The content size of each layer (engine::layer_content_sizes), by image id (config digest).
using LayerSizes = std::map<Digest, std::vector<std::int64_t>>;
LayerSizes measure_layers(cache::Store& store, const std::vector<engine::ListedImage>& listed);

// An image's Size is the sum of its layers' sizes in `sizes`.
nlohmann::json image_summaries(const std::vector<engine::ListedImage>& listed,
                               const LayerSizes& sizes);

}  // namespace gantry::daemon
