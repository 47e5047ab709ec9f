// docker's ImageSummary list (GET /images/json's body, and /system/df's Images) for the images
// of the local store that `filter` matches: one entry per image id, with every name it has.
#pragma once

#include <nlohmann/json.hpp>

#include "cache/store.h"
#include "engine/image_filter.h"

namespace gantry::daemon {

nlohmann::json image_summaries(cache::Store& store, const engine::ImageFilter& filter);

}  // namespace gantry::daemon
