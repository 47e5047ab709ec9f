#include "engine/image_history.h"

#include "engine/store_images.h"
#include "exporter/json_fields.h"

namespace gantry::engine {

std::vector<HistoryEntry> image_history(cache::Store& store, const exporter::ImageView& view) {
  const std::vector<std::int64_t> layers = layer_content_sizes(store, view);
  std::vector<HistoryEntry> entries;
  std::size_t layer = 0;
  // The config comes from whoever made the image: an entry that is not an object is skipped.
  for (const auto& h : exporter::array_member(view.config_json, "history")) {
    if (!h.is_object()) continue;
    const bool empty = exporter::bool_member(h, "empty_layer");
    entries.push_back({exporter::string_member(h, "created"), exporter::string_member(h, "created_by"),
                       exporter::string_member(h, "comment"),
                       (!empty && layer < layers.size()) ? layers[layer++] : 0});
  }
  return {entries.rbegin(), entries.rend()};
}

}  // namespace gantry::engine
