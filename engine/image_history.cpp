#include "engine/image_history.h"

#include "engine/store_images.h"

namespace gantry::engine {

std::vector<HistoryEntry> image_history(cache::Store& store, const exporter::ImageView& view) {
  const std::vector<std::int64_t> layers = layer_content_sizes(store, view);
  std::vector<HistoryEntry> entries;
  std::size_t layer = 0;
  for (const auto& h : view.config_json.value("history", nlohmann::json::array())) {
    const bool empty = h.value("empty_layer", false);
    entries.push_back({h.value("created", ""), h.value("created_by", ""), h.value("comment", ""),
                       (!empty && layer < layers.size()) ? layers[layer++] : 0, empty});
  }
  return {entries.rbegin(), entries.rend()};
}

}  // namespace gantry::engine
