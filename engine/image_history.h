// An image's history as `docker history` lists it: one entry per step its config records,
// newest first, each with the size of the layer that step made.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cache/store.h"
#include "exporter/image.h"

namespace gantry::engine {

struct HistoryEntry {
  std::string created, created_by, comment;
  std::int64_t size = 0;  // of the layer the step made (its content size); 0 for a step that made none
};

std::vector<HistoryEntry> image_history(cache::Store& store, const exporter::ImageView& view);

}  // namespace gantry::engine
